// The seeds' explainer: turns an assessment's numbers into short narratives that cite the
// evidence they rest on. Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "burnout/v1/burnout_risk.pb.h"
#include "common/api/api_text.h"

namespace burnout::orchestrator {

// The API's words (common/api/api_text.h), under the names the orchestrator has used.
using burnout::api::kNotice;
using burnout::api::kNotProvided;
using burnout::api::ModalityName;
using burnout::api::RiskName;
using burnout::api::TrendName;

// Narratives for a fused assessment: risk and certainty, each modality's emotions and
// evidence (or why it was masked), the attention split, the state dimensions, the trend.
std::vector<burnout::v1::Narrative> Explain(const burnout::v1::Assessment& assessment);

}  // namespace burnout::orchestrator
