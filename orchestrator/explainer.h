// The seeds' explainer: turns an assessment's numbers into short narratives that cite the
// evidence they rest on. Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "burnout/v1/burnout_risk.pb.h"

namespace burnout::orchestrator {

// Shown with every risk, everywhere.
inline constexpr char kNotice[] =
    "This is a self-awareness signal, not a diagnosis. It cannot detect burnout, depression or "
    "any condition. If you are struggling, talk to someone you trust or a qualified "
    "professional.";

// ModalityOutcome.mask_reason of a modality the request did not include.
inline constexpr char kNotProvided[] = "not provided";

// Narratives for a fused assessment: risk and certainty, each modality's emotions and
// evidence (or why it was masked), the attention split, the state dimensions, the trend.
std::vector<burnout::v1::Narrative> Explain(const burnout::v1::Assessment& assessment);

std::string ModalityName(burnout::v1::Modality m);   // "text", "voice", "face"
std::string RiskName(burnout::v1::RiskLevel level);  // "low", "moderate", "high"
std::string TrendName(burnout::v1::Trend trend);     // "improving", ...

}  // namespace burnout::orchestrator
