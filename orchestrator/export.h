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

// Everything of a person. CSV: the assessments table above, then, each only when it has
// rows and after a blank line and a "# <name>" line, the check-ins
// (checkin_id,created_at,personal,personal_band,work,work_band,passive,answers), the alerts
// (alert_id,kind,state,raised_at,cleared_at,baseline,value_at_raise,z_at_raise,peak_value,
// message) and the baseline (name,median,mad,scale,n). JSON: the PersonExport message.
std::string ToCsv(const burnout::v1::PersonExport& person);
absl::StatusOr<std::string> ToJson(const burnout::v1::PersonExport& person);

}  // namespace burnout::orchestrator
