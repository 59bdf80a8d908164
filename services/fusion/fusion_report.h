// The fusion study's evaluation report: index.md and SVG plots comparing the trained variants
// on the same validation split (FusionEvaluation, fusion_trainer.h). No libtorch here; the plots
// and metrics come from common/eval.
//
// Contents: accuracy and macro-F1 per modality subset and variant (table + grouped bars);
// per-class precision / recall / F1; confusion matrices; reliability diagrams with ECE before
// and after temperature scaling; what abstaining does (coverage and accuracy against the
// MC-dropout spread and the evidence); the five most confident errors of each variant with
// their inputs; separability of each modality's representation and of the fused one (PCA and
// t-SNE scatter plots, with silhouette scores); training time.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "services/fusion/fusion_trainer.h"

namespace burnout::fusion {

struct FusionReportOptions {
  std::string data;     // what the variants were trained and measured on
  std::string program;  // the command line that wrote it
  int tsne_rows = 600;  // rows per t-SNE plot (exact t-SNE is O(n^2))
  bool tsne = true;
  // The thresholds whose effect the abstention section reports (the service's defaults).
  double abstain_uncertainty = kDefaultAbstainUncertainty;
  double abstain_min_evidence = kDefaultAbstainMinEvidence;
};

// Writes `dir`/index.md and its plots (creating `dir`). INVALID_ARGUMENT when `evaluations` is
// empty or their label sets differ; the I/O error naming the file otherwise.
absl::Status WriteFusionReport(const std::string& dir, const std::vector<FusionEvaluation>& evaluations,
                               const FusionReportOptions& options);

}  // namespace burnout::fusion
