// The words the API's own values are shown with, shared by the orchestrator (which puts them
// in its responses and narratives) and the clients (which print them): the not-a-diagnosis
// notice, the mask reason of a modality a request did not include, and the names of the
// modality, risk-level and trend enums. Header-only; depends on the protos alone.
#pragma once

#include <string>

#include "burnout/v1/burnout_risk.pb.h"

namespace burnout::api {

// Shown with every risk, everywhere (Assessment.notice carries it; clients fall back to this
// copy only when a response has none).
inline constexpr char kNotice[] =
    "This is a self-awareness signal, not a diagnosis. It cannot detect burnout, depression or "
    "any condition. If you are struggling, talk to someone you trust or a qualified "
    "professional.";

// ModalityOutcome.mask_reason of a modality the request did not include.
inline constexpr char kNotProvided[] = "not provided";

inline std::string ModalityName(burnout::v1::Modality m) {  // "text", "voice", "face"
  switch (m) {
    case burnout::v1::MODALITY_TEXT: return "text";
    case burnout::v1::MODALITY_VOICE: return "voice";
    case burnout::v1::MODALITY_FACE: return "face";
    default: return "unknown";
  }
}

inline std::string RiskName(burnout::v1::RiskLevel level) {  // "low", "moderate", "high"
  switch (level) {
    case burnout::v1::RISK_LEVEL_LOW: return "low";
    case burnout::v1::RISK_LEVEL_MODERATE: return "moderate";
    case burnout::v1::RISK_LEVEL_HIGH: return "high";
    default: return "unknown";
  }
}

// What a client shows for an assessment's risk: its level's name, or, when fusion abstained
// (FuseResponse.abstained), "not enough signal".
inline constexpr char kAbstainedName[] = "not enough signal";
inline std::string RiskLabel(const burnout::v1::FuseResponse& risk) {
  return risk.abstained() ? kAbstainedName : RiskName(risk.level());
}

inline std::string TrendName(burnout::v1::Trend trend) {  // "improving", "stable", "worsening"
  switch (trend) {
    case burnout::v1::TREND_IMPROVING: return "improving";
    case burnout::v1::TREND_STABLE: return "stable";
    case burnout::v1::TREND_WORSENING: return "worsening";
    default: return "unknown";
  }
}

}  // namespace burnout::api
