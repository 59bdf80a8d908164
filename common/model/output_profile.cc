#include "common/model/output_profile.h"

#include <algorithm>
#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"

namespace burnout::model {

void AddTrueLabel(const std::string& label, const std::vector<std::vector<float>>& rows,
                  burnout::v1::ExpressionOutputProfile* profile) {
  if (rows.empty()) return;
  auto* t = profile->add_truths();
  t->set_label(label);
  t->set_images(static_cast<int>(rows.size()));
  const size_t k = rows[0].size();
  std::vector<double> mean(k, 0.0), var(k, 0.0);
  for (const auto& r : rows)
    for (size_t i = 0; i < k; ++i) mean[i] += r[i] / rows.size();
  for (const auto& r : rows)
    for (size_t i = 0; i < k; ++i) var[i] += (r[i] - mean[i]) * (r[i] - mean[i]) / rows.size();
  double a0 = 0.0;
  for (size_t i = 0; i < k; ++i) {
    if (var[i] > 1e-12) a0 += mean[i] * (mean[i] * (1 - mean[i]) / var[i] - 1);
  }
  for (double m : mean) t->add_mean(static_cast<float>(m));
  t->set_concentration(static_cast<float>(std::max(0.1, a0)));
}

absl::Status WriteOutputProfile(const std::string& path, absl::string_view header,
                                const burnout::v1::ExpressionOutputProfile& profile) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(profile, &text);
  std::ofstream out(path, std::ios::trunc);
  out << header << text;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

}  // namespace burnout::model
