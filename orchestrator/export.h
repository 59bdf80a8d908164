// A person's assessments as a file they can keep: CSV (one row per assessment) or JSON
// (the full records, proto JSON mapping).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "burnout/v1/burnout_risk.pb.h"

namespace burnout::orchestrator {

// Header: assessment_id,created_at,risk_level,p_low,p_moderate,p_high,confidence,
// uncertainty,energy,stress,work,trend,modalities_used,masked,fusion_model
std::string ToCsv(const std::vector<burnout::v1::Assessment>& assessments);

// {"assessments": [...]} using the proto JSON mapping.
absl::StatusOr<std::string> ToJson(const std::vector<burnout::v1::Assessment>& assessments);

}  // namespace burnout::orchestrator
