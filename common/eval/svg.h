// Charts for the evaluation reports (`index.md` plus SVG files, written by the fusion
// trainer and the text, face and voice evaluators): grouped bars, a confusion heatmap, a
// reliability diagram, a scatter of a 2-D projection and line charts, each returned as a
// complete, standalone SVG document. They are read by people, so every chart has a title,
// labelled axes with "nice" ticks (1, 2 or 5 x 10^k), a legend outside the plot area, a
// white background, sans-serif text and the Okabe-Ito colour-blind-safe palette; long
// category labels are rotated, and the canvas grows with the number of heatmap classes.
//
// Contract: the builders never fail. All text is XML-escaped; non-finite values are skipped
// (a line breaks there, a bar or dot is not drawn), so no coordinate is ever NaN or inf,
// even for empty series, constant data or a single point. Only WriteFile does I/O.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "common/eval/metrics.h"

namespace burnout::eval {

// Grouped bars: one group per category, one bar per series, values on a fixed y range
// [y_min, y_max] (bars are clipped to it). A missing value shows as "n/a".
struct BarChart {
  std::string title, subtitle, x_label, y_label;
  std::vector<std::string> categories;
  struct Series {
    std::string name;            // shown in the legend when any series has a name
    std::vector<double> values;  // one per category; missing or non-finite: no bar
  };
  std::vector<Series> series;
  double y_min = 0, y_max = 1;
  bool value_labels = false;  // print each bar's value above it
  int width = 640, height = 420;
};
std::string BarChartSvg(const BarChart& chart);

// Confusion matrix: rows are the true labels (y axis "true"), columns the predictions
// (x axis "predicted"). Each cell shows its count and its share of the row; its colour is the
// row share when `normalise_rows`, else the count relative to the largest cell.
std::string HeatmapSvg(const Confusion& c, const std::string& title, bool normalise_rows = true);

// Reliability diagram: the diagonal of perfect calibration, one line with markers per curve
// through its non-empty bins (accuracy against mean confidence), the legend naming each curve
// with its ECE ("before T (ECE 0.041)"), and the share of samples per bin as bars underneath.
std::string ReliabilitySvg(const std::string& title,
                           const std::vector<std::pair<std::string, Reliability>>& curves);

// Scatter of 2-D points coloured by group (small semi-transparent dots); the axis ranges come
// from the data. `groups` empty: one group; past 8 groups the colours repeat. `group_names[g]`
// names group g in the legend (with its count); a missing name shows as "group g". Points of
// a negative group are drawn but not in the legend.
struct ScatterChart {
  std::string title, subtitle, x_label, y_label;
  std::vector<std::array<double, 2>> points;
  std::vector<int> groups;
  std::vector<std::string> group_names;
  int width = 640, height = 420;
};
std::string ScatterSvg(const ScatterChart& chart);

// Lines over a numeric x axis (training-loss curves, latency against load). The y range is
// the data's, widened to nice ticks, unless y_min / y_max are given.
struct LineChart {
  std::string title, subtitle, x_label, y_label;
  struct Series {
    std::string name;
    std::vector<double> x, y;  // same length; a non-finite point breaks the line
  };
  std::vector<Series> series;
  bool markers = false;
  std::optional<double> y_min, y_max;
  int width = 640, height = 420;
};
std::string LineChartSvg(const LineChart& chart);

// A GitHub-flavoured Markdown table. Cells have "|" escaped and newlines replaced by spaces;
// columns whose cells all parse as numbers are right-aligned. Short rows are padded.
std::string MarkdownTable(const std::vector<std::string>& header,
                          const std::vector<std::vector<std::string>>& rows);

// Writes `content` to `path`, creating its parent directories. INTERNAL naming the path when
// it cannot be written.
absl::Status WriteFile(const std::string& path, const std::string& content);

}  // namespace burnout::eval
