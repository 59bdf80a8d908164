// A model's outputs per true label, summarised for a synthetic generator: the mean probability
// vector over that label's examples and the Dirichlet concentration whose spread matches theirs
// (moment matching: var_i = m_i (1 - m_i) / (a0 + 1), so a0 = m_i (1 - m_i) / var_i - 1,
// averaged with weights m_i). burnout-eval-face and burnout-eval-text write these
// (burnout.v1.ExpressionOutputProfile); the fusion trainer draws its face and text slots from
// them, so fusion learns the models' real confusions and confidence.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "burnout/v1/model.pb.h"

namespace burnout::model {

// Appends one true label's summary of `rows` (each a probability vector in profile->labels()
// order; empty rows: nothing is added).
void AddTrueLabel(const std::string& label, const std::vector<std::vector<float>>& rows,
                  burnout::v1::ExpressionOutputProfile* profile);

// Writes the profile as a text proto after the comment `header` ("# ..." lines).
absl::Status WriteOutputProfile(const std::string& path, absl::string_view header,
                                const burnout::v1::ExpressionOutputProfile& profile);

}  // namespace burnout::model
