#include "common/eval/svg.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace burnout::eval {
namespace {

// Okabe & Ito (2008), ordered so the first colours are the most distinct on white; black,
// then yellow (faint on white, so only an eighth group gets it) come last.
constexpr const char* kPalette[] = {"#0072B2", "#E69F00", "#009E73", "#D55E00",
                                    "#CC79A7", "#56B4E9", "#000000", "#F0E442"};
const char* Colour(int i) { return kPalette[((i % 8) + 8) % 8]; }

constexpr double kTitleSize = 16, kFontSize = 12, kTickSize = 11;
constexpr char kGrid[] = "#e6e6e6", kAxis[] = "#555555", kInk[] = "#222222";

std::string Escape(absl::string_view s) {
  std::string out;
  for (const char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:  // control characters are not allowed in XML 1.0
        out += (static_cast<unsigned char>(ch) < 0x20 && ch != '\t') ? ' ' : ch;
    }
  }
  return out;
}

// Approximate advance width of sans-serif text (DejaVu Sans / Helvetica-like), used to lay
// out labels and legends without overlap; errs on the wide side.
double TextWidth(absl::string_view s, double size) {
  double em = 0;
  for (const char ch : s) {
    const unsigned char u = static_cast<unsigned char>(ch);
    if ((u & 0xC0) == 0x80) continue;  // UTF-8 continuation byte
    if (u >= 0x80)
      em += 0.65;
    else if (absl::string_view(" .,:;'!|ijlft()[]").find(ch) != absl::string_view::npos)
      em += 0.34;
    else if (ch == 'm' || ch == 'w' || ch == 'M' || ch == 'W' || ch == '%')
      em += 0.92;
    else if (std::isupper(u))
      em += 0.7;
    else
      em += 0.6;
  }
  return em * size;
}

// `s` shortened with an ellipsis (on a UTF-8 boundary) until it fits `width` pixels.
std::string Fit(const std::string& s, double size, double width) {
  if (TextWidth(s, size) <= width) return s;
  std::string t = s;
  while (!t.empty() && TextWidth(t + "…", size) > width) {
    t.pop_back();
    while (!t.empty() && (static_cast<unsigned char>(t.back()) & 0xC0) == 0x80) t.pop_back();
    if (!t.empty() && static_cast<unsigned char>(t.back()) >= 0xC0) t.pop_back();
  }
  return t + "…";
}

bool Finite(double v) { return std::isfinite(v); }
// A coordinate: never NaN or inf in the document.
std::string C(double v) { return absl::StrFormat("%.1f", Finite(v) ? v : 0.0); }

struct Ticks {
  double lo = 0, hi = 1, step = 0.2;  // the axis domain and the tick spacing
  std::vector<double> values;
};

// Ticks at multiples of 1, 2 or 5 x 10^k, about `target` of them. `extend` (data ranges):
// each end of the domain moves out to the next tick when that adds at most 10% of the range,
// else by 3%; otherwise the domain stays [lo, hi] (fixed ranges).
Ticks NiceTicks(double lo, double hi, int target, bool extend) {
  if (!Finite(lo) || !Finite(hi)) lo = 0, hi = 1;
  if (hi < lo) std::swap(lo, hi);
  if (hi - lo <= 1e-12 * std::max(1.0, std::abs(hi))) {
    const double pad = lo != 0 ? 0.1 * std::abs(lo) : 1.0;
    lo -= pad;
    hi += pad;
  }
  Ticks t;
  const double raw = (hi - lo) / std::max(target, 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double r = raw / mag;
  t.step = (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * mag;
  t.lo = lo;
  t.hi = hi;
  if (extend) {
    const double span = hi - lo;
    const double nice_lo = std::floor(lo / t.step + 1e-9) * t.step;
    const double nice_hi = std::ceil(hi / t.step - 1e-9) * t.step;
    t.lo = lo - nice_lo <= 0.1 * span ? nice_lo : lo - 0.03 * span;
    t.hi = nice_hi - hi <= 0.1 * span ? nice_hi : hi + 0.03 * span;
  }
  const double last = std::floor(t.hi / t.step + 1e-9);
  for (double k = std::ceil(t.lo / t.step - 1e-9); k <= last && t.values.size() < 100; ++k) {
    const double v = k * t.step;
    t.values.push_back(std::abs(v) < t.step * 1e-9 ? 0.0 : v);
  }
  return t;
}

std::string TickLabel(double v, double step) {
  if (std::abs(v) >= 1e6 || (step < 1e-4 && v != 0)) return absl::StrFormat("%g", v);
  const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  return absl::StrFormat("%.*f", decimals, v + 0.0);
}

double MaxTickWidth(const Ticks& t) {
  double w = 0;
  for (const double v : t.values) w = std::max(w, TextWidth(TickLabel(v, t.step), kTickSize));
  return w;
}

// Linear map from a data domain to pixels.
struct Scale {
  double lo, hi, p0, p1;
  double operator()(double v) const { return p0 + (v - lo) / (hi - lo) * (p1 - p0); }
};

class Doc {
 public:
  Doc(double width, double height) : width_(width) {
    absl::StrAppendFormat(&s_,
                          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%s\" height=\"%s\" "
                          "viewBox=\"0 0 %s %s\" font-family=\"sans-serif\" fill=\"%s\">\n"
                          "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n",
                          C(width), C(height), C(width), C(height), kInk);
  }
  double width() const { return width_; }
  void Raw(absl::string_view s) { absl::StrAppend(&s_, s, "\n"); }
  // `anchor`: start, middle or end; `rotate`: degrees about (x, y); text is vertically
  // centred on y.
  void Text(double x, double y, absl::string_view text, double size,
            absl::string_view anchor = "start", double rotate = 0, absl::string_view extra = "") {
    absl::StrAppendFormat(&s_,
                          "<text x=\"%s\" y=\"%s\" font-size=\"%s\" text-anchor=\"%s\" "
                          "dy=\"0.35em\"",
                          C(x), C(y), C(size), anchor);
    if (rotate != 0)
      absl::StrAppendFormat(&s_, " transform=\"rotate(%s %s %s)\"", C(rotate), C(x), C(y));
    absl::StrAppend(&s_, extra.empty() ? "" : " ", extra, ">", Escape(text), "</text>\n");
  }
  void Line(double x1, double y1, double x2, double y2, absl::string_view stroke, double w = 1,
            absl::string_view extra = "") {
    absl::StrAppendFormat(&s_,
                          "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"%s\" "
                          "stroke-width=\"%s\" %s/>\n",
                          C(x1), C(y1), C(x2), C(y2), stroke, C(w), extra);
  }
  void Rect(double x, double y, double w, double h, absl::string_view fill,
            absl::string_view extra = "") {
    absl::StrAppendFormat(&s_,
                          "<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"%s\" %s/>\n",
                          C(x), C(y), C(std::max(w, 0.0)), C(std::max(h, 0.0)), fill, extra);
  }
  void Dot(double x, double y, double r, absl::string_view fill, absl::string_view extra = "") {
    absl::StrAppendFormat(&s_, "<circle cx=\"%s\" cy=\"%s\" r=\"%s\" fill=\"%s\" %s/>\n", C(x),
                          C(y), C(r), fill, extra);
  }
  // A polyline through the finite points, broken at non-finite ones.
  void Path(const std::vector<std::array<double, 2>>& pts, absl::string_view stroke, double w,
            absl::string_view extra = "") {
    std::string d;
    bool pen = false;
    for (const auto& p : pts) {
      if (!Finite(p[0]) || !Finite(p[1])) {
        pen = false;
        continue;
      }
      absl::StrAppend(&d, pen ? "L" : "M", C(p[0]), " ", C(p[1]), " ");
      pen = true;
    }
    if (d.empty()) return;
    absl::StrAppendFormat(&s_,
                          "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%s\" "
                          "stroke-linejoin=\"round\" %s/>\n",
                          d, stroke, C(w), extra);
  }
  std::string Done() { return s_ + "</svg>\n"; }

 private:
  double width_;
  std::string s_;
};

// Title (and subtitle) centred at the top; returns the y below them.
double Header(Doc& doc, const std::string& title, const std::string& subtitle) {
  const double avail = doc.width() - 24;
  double size = kTitleSize;
  while (size > 11 && TextWidth(title, size) * 1.08 > avail) size -= 1;  // bold is wider
  doc.Text(doc.width() / 2, 20, Fit(title, size * 1.08, avail), size, "middle", 0,
           "font-weight=\"bold\"");
  if (subtitle.empty()) return 34;
  doc.Text(doc.width() / 2, 39, Fit(subtitle, kFontSize, avail), kFontSize, "middle", 0,
           "fill=\"#555555\"");
  return 50;
}

struct LegendItem {
  std::string name;
  std::string colour;
  enum Kind { kBox, kLine, kMarkedLine, kDashed, kDot } kind = kBox;
};

// Legend rows centred under the header, wrapped to the canvas width. Draws only when `doc`
// is given; returns the height used (0 without items).
double Legend(Doc* doc, double width, double y, const std::vector<LegendItem>& items) {
  if (items.empty()) return 0;
  constexpr double kRow = 18, kSwatch = 22, kGap = 16;
  std::vector<std::vector<std::pair<const LegendItem*, double>>> rows(1);
  std::vector<double> row_width(1, 0);
  for (const LegendItem& item : items) {
    const std::string name = Fit(item.name, kFontSize, width - 40 - kSwatch);
    const double w = kSwatch + 4 + TextWidth(name, kFontSize);
    if (!rows.back().empty() && row_width.back() + kGap + w > width - 24) {
      rows.emplace_back();
      row_width.push_back(0);
    }
    row_width.back() += (rows.back().empty() ? 0 : kGap) + w;
    rows.back().push_back({&item, w});
  }
  if (doc != nullptr) {
    for (size_t r = 0; r < rows.size(); ++r) {
      double x = (width - row_width[r]) / 2;
      const double cy = y + kRow * r + kRow / 2;
      for (const auto& [item, w] : rows[r]) {
        const std::string& c = item->colour;
        switch (item->kind) {
          case LegendItem::kBox: doc->Rect(x + 5, cy - 6, 12, 12, c); break;
          case LegendItem::kDot: doc->Dot(x + 11, cy, 4.5, c, "fill-opacity=\"0.8\""); break;
          case LegendItem::kDashed:
            doc->Line(x, cy, x + kSwatch, cy, c, 1.5, "stroke-dasharray=\"5 3\"");
            break;
          case LegendItem::kMarkedLine: doc->Dot(x + 11, cy, 3.5, c); [[fallthrough]];
          case LegendItem::kLine: doc->Line(x, cy, x + kSwatch, cy, c, 2.5); break;
        }
        doc->Text(x + kSwatch + 4, cy, Fit(item->name, kFontSize, width - 40 - kSwatch), kFontSize);
        x += w + kGap;
      }
    }
  }
  return kRow * rows.size() + 6;
}

// Horizontal gridlines, y tick labels and the rotated y-axis label.
void YAxis(Doc& doc, const Ticks& t, const Scale& y, double left, double right,
           const std::string& label, double label_x) {
  for (const double v : t.values) {
    doc.Line(left, y(v), right, y(v), kGrid);
    doc.Text(left - 6, y(v), TickLabel(v, t.step), kTickSize, "end", 0, "fill=\"#444444\"");
  }
  if (!label.empty()) {
    const double mid = (y.p0 + y.p1) / 2;
    doc.Text(label_x, mid, Fit(label, kFontSize, std::abs(y.p0 - y.p1)), kFontSize, "middle", -90);
  }
}

// Vertical gridlines (from top to bottom) and x tick labels below `bottom`.
void XAxis(Doc& doc, const Ticks& t, const Scale& x, double top, double bottom, bool labels) {
  for (const double v : t.values) {
    doc.Line(x(v), top, x(v), bottom, kGrid);
    if (labels)
      doc.Text(x(v), bottom + 14, TickLabel(v, t.step), kTickSize, "middle", 0, "fill=\"#444444\"");
  }
}

void Frame(Doc& doc, double left, double top, double right, double bottom) {
  doc.Line(left, bottom, right, bottom, kAxis);
  doc.Line(left, top, left, bottom, kAxis);
}

// x ticks whose labels do not collide across `pixels`.
Ticks XTicks(double lo, double hi, double pixels, bool extend) {
  Ticks t;
  for (int target = 8; target >= 2; --target) {
    t = NiceTicks(lo, hi, target, extend);
    if ((MaxTickWidth(t) + 12) * t.values.size() <= pixels) break;
  }
  return t;
}

// Left margin for a y axis with these ticks and a rotated label.
double LeftMargin(const Ticks& t) { return 12 + 16 + 8 + MaxTickWidth(t) + 8; }

// The plot area of an x/y chart and its scales, after drawing the title, the legend, both
// axes and the frame: the layout the scatter and line charts share.
struct XYFrame {
  double left, right, top, bottom;
  Scale x, y;
};
XYFrame DrawXYFrame(Doc& doc, const std::string& title, const std::string& subtitle,
                    const std::string& y_label, bool has_x_label, int width, int height,
                    const std::vector<LegendItem>& legend, const Ticks& yt, double xlo,
                    double xhi) {
  const double header_h = subtitle.empty() ? 34 : 50;
  const double top = header_h + Legend(nullptr, width, header_h, legend) + 4;
  const double bottom = height - (has_x_label ? 52 : 30);
  const double left = LeftMargin(yt), right = width - 20;
  const Ticks xt = XTicks(xlo, xhi, right - left, true);
  Header(doc, title, subtitle);
  Legend(&doc, width, header_h, legend);
  const Scale x{xt.lo, xt.hi, left, right}, y{yt.lo, yt.hi, bottom, top};
  XAxis(doc, xt, x, top, bottom, true);
  YAxis(doc, yt, y, left, right, y_label, 20);
  Frame(doc, left, top, right, bottom);
  return {left, right, top, bottom, x, y};
}

// Sequential blue (ColorBrewer "Blues"), t in [0, 1]: readable by all colour vision types.
std::string Blue(double t) {
  static constexpr int kStops[9][3] = {{247, 251, 255}, {222, 235, 247}, {198, 219, 239},
                                       {158, 202, 225}, {107, 174, 214}, {66, 146, 198},
                                       {33, 113, 181},  {8, 81, 156},    {8, 48, 107}};
  t = std::clamp(Finite(t) ? t : 0.0, 0.0, 1.0) * 8;
  const int i = std::min(static_cast<int>(t), 7);
  const double f = t - i;
  int rgb[3];
  for (int k = 0; k < 3; ++k) {
    rgb[k] = static_cast<int>(std::lround(kStops[i][k] + f * (kStops[i + 1][k] - kStops[i][k])));
  }
  return absl::StrFormat("#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

std::string Percent(double share) {
  return absl::StrFormat(share > 0 && share < 0.1 ? "%.1f%%" : "%.0f%%", 100 * share);
}

}  // namespace

std::string BarChartSvg(const BarChart& chart) {
  std::vector<LegendItem> legend;
  bool named = false;
  for (const auto& s : chart.series) named = named || !s.name.empty();
  for (size_t s = 0; named && s < chart.series.size(); ++s) {
    legend.push_back({chart.series[s].name, Colour(s), LegendItem::kBox});
  }
  double y_min = Finite(chart.y_min) ? chart.y_min : 0,
         y_max = Finite(chart.y_max) ? chart.y_max : 1;
  if (!(y_max > y_min)) y_max = y_min + 1;
  const Ticks yt = NiceTicks(y_min, y_max, 5, /*extend=*/false);
  const size_t k = chart.categories.size(), ns = std::max<size_t>(chart.series.size(), 1);
  // Category labels: horizontal when they fit their band, else rotated by 45 degrees (and
  // the left margin grows so the first one stays on the canvas).
  std::vector<std::string> cats;
  double widest = 0;
  for (const auto& c : chart.categories) {
    cats.push_back(Fit(c, kTickSize, 150));
    widest = std::max(widest, TextWidth(cats.back(), kTickSize));
  }
  const double right = chart.width - 16;
  double left = LeftMargin(yt), band = (right - left) / std::max<size_t>(k, 1);
  const bool rotate = widest > band - 6;
  if (rotate && widest * 0.71 - band / 2 + 8 > left) {
    left = widest * 0.71 - band / 2 + 8;
    band = (right - left) / std::max<size_t>(k, 1);
  }
  const double bar = band * 0.8 / ns;
  // Value labels: horizontal above the bar when they fit its width, else vertical.
  auto value_text = [&](double v) { return TickLabel(v, yt.step / 10); };
  double value_pad = 0;
  bool vertical_values = false;
  if (chart.value_labels) {
    double w = 0;
    for (const auto& s : chart.series)
      for (double v : s.values)
        if (Finite(v)) w = std::max(w, TextWidth(value_text(v), 10));
    vertical_values = w > bar + 2;
    value_pad = vertical_values ? w + 6 : 16;
  }

  const double header_h = chart.subtitle.empty() ? 34 : 50;
  const double legend_h = Legend(nullptr, chart.width, header_h, legend);
  const double top = header_h + legend_h + value_pad + 6;
  const double below = (rotate ? widest * 0.71 + 16 : 22) + (chart.x_label.empty() ? 0 : 22) + 8;
  const double height = std::max<double>(chart.height, top + 160 + below);
  const double bottom = height - below;

  Doc doc(chart.width, height);
  Header(doc, chart.title, chart.subtitle);
  Legend(&doc, chart.width, header_h, legend);
  const Scale y{y_min, y_max, bottom, top};
  YAxis(doc, yt, y, left, right, chart.y_label, 20);
  const double base = y(std::clamp(0.0, y_min, y_max));
  for (size_t s = 0; s < chart.series.size(); ++s) {
    const auto& values = chart.series[s].values;
    for (size_t c = 0; c < k && c < values.size(); ++c) {
      const double x0 = left + c * band + band * 0.1 + s * bar;
      if (!Finite(values[c])) {  // no value: a grey "n/a" up from the baseline, not a gap
        doc.Text(x0 + bar / 2, base - 4, "n/a", 10, "start", -90, "fill=\"#777777\"");
        continue;
      }
      const double v = std::clamp(values[c], y_min, y_max);
      doc.Rect(x0 + 0.5, std::min(y(v), base), bar - 1, std::abs(base - y(v)), Colour(s));
      if (!chart.value_labels) continue;
      const double cx = x0 + bar / 2, end = values[c] >= 0 ? std::min(y(v), base) : base;
      if (vertical_values) {
        doc.Text(cx, end - 4, value_text(values[c]), 10, "start", -90);
      } else {
        doc.Text(cx, end - 8, value_text(values[c]), 10, "middle");
      }
    }
  }
  Frame(doc, left, top, right, bottom);
  for (size_t c = 0; c < k; ++c) {
    const double cx = left + (c + 0.5) * band;
    if (rotate) {
      doc.Text(cx + 4, bottom + 10, cats[c], kTickSize, "end", -45);
    } else {
      doc.Text(cx, bottom + 14, cats[c], kTickSize, "middle");
    }
  }
  if (!chart.x_label.empty()) {
    doc.Text((left + right) / 2, height - 16, Fit(chart.x_label, kFontSize, right - left),
             kFontSize, "middle");
  }
  return doc.Done();
}

std::string HeatmapSvg(const Confusion& c, const std::string& title, bool normalise_rows) {
  const size_t k = c.counts.size();
  std::vector<std::string> labels;
  double widest = 0;
  for (size_t i = 0; i < k; ++i) {
    labels.push_back(Fit(i < c.labels.size() ? c.labels[i] : absl::StrCat(i), kTickSize, 140));
    widest = std::max(widest, TextWidth(labels.back(), kTickSize));
  }
  std::vector<int64_t> row_sum(k, 0);
  int64_t max_count = 0;
  for (size_t i = 0; i < k; ++i) {
    for (size_t j = 0; j < k && j < c.counts[i].size(); ++j) {
      row_sum[i] += c.counts[i][j];
      max_count = std::max(max_count, c.counts[i][j]);
    }
  }
  const double top = 34 + 22;  // header, then the colour scale's caption
  const double margin = 12 + 16 + 10 + widest + 8, scale_w = 90;
  double cell = std::floor(std::min((640 - margin - scale_w - 12) / std::max<size_t>(k, 1),
                                    (420 - top - 90) / std::max<size_t>(k, 1)));
  cell = std::clamp(cell, 40.0, 96.0);
  const bool rotate = widest > cell - 6;
  const double grid = cell * k;
  const double below = (rotate ? widest * 0.71 + 16 : 22) + 22 + 10;
  const double content = margin + grid + scale_w + 12;
  const double width = std::max({content, 480.0, TextWidth(title, kTitleSize) * 1.08 + 40});
  const double left = margin + (width - content) / 2;  // the grid is centred
  const double height = top + std::max(grid, 120.0) + below;

  Doc doc(width, height);
  Header(doc, title, "");
  for (size_t i = 0; i < k; ++i) {
    const double cy = top + i * cell;
    doc.Text(left - 8, cy + cell / 2, labels[i], kTickSize, "end");
    for (size_t j = 0; j < k; ++j) {
      const int64_t n = j < c.counts[i].size() ? c.counts[i][j] : 0;
      const double share = row_sum[i] > 0 ? static_cast<double>(n) / row_sum[i] : 0.0;
      const double t = normalise_rows  ? share
                       : max_count > 0 ? static_cast<double>(n) / max_count
                                       : 0;
      const double cx = left + j * cell;
      doc.Rect(cx, cy, cell, cell, Blue(t), "stroke=\"#ffffff\" stroke-width=\"1\"");
      const char* ink = t > 0.55 ? "fill=\"#ffffff\"" : "fill=\"#222222\"";
      const std::string count = absl::StrCat(n);
      const double size = std::min(12.0, (cell - 6) / (0.62 * count.size()));
      doc.Text(cx + cell / 2, cy + cell / 2 - 7, count, size, "middle", 0,
               absl::StrCat(ink, i == j ? " font-weight=\"bold\"" : ""));
      doc.Text(cx + cell / 2, cy + cell / 2 + 8, row_sum[i] > 0 ? Percent(share) : "–", 10,
               "middle", 0, ink);
    }
  }
  doc.Rect(left, top, grid, grid, "none", "stroke=\"#999999\" stroke-width=\"1\"");
  for (size_t j = 0; j < k; ++j) {
    const double cx = left + (j + 0.5) * cell;
    if (rotate) {
      doc.Text(cx + 4, top + grid + 10, labels[j], kTickSize, "end", -45);
    } else {
      doc.Text(cx, top + grid + 14, labels[j], kTickSize, "middle");
    }
  }
  doc.Text(left + grid / 2, height - 16, "predicted", kFontSize, "middle", 0,
           "font-weight=\"bold\"");
  doc.Text(left - margin + 20, top + grid / 2, "true", kFontSize, "middle", -90,
           "font-weight=\"bold\"");

  // Colour scale: a vertical gradient with its ticks.
  const double sx = left + grid + 22, sh = std::clamp(grid, 100.0, 240.0);
  std::string stops;
  for (int s = 0; s <= 8; ++s) {  // top (offset 0) is the darkest
    absl::StrAppendFormat(&stops, "<stop offset=\"%.1f%%\" stop-color=\"%s\"/>", s * 12.5,
                          Blue(1 - s / 8.0));
  }
  doc.Raw(absl::StrCat("<defs><linearGradient id=\"scale\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"1\">",
                       stops, "</linearGradient></defs>"));
  doc.Rect(sx, top, 12, sh, "url(#scale)", "stroke=\"#999999\" stroke-width=\"0.5\"");
  doc.Text(sx - 4, top - 12, normalise_rows ? "row share" : "count", 10, "start", 0,
           "fill=\"#444444\"");
  const Ticks st = normalise_rows ? NiceTicks(0, 1, 4, false)
                                  : NiceTicks(0, std::max<double>(max_count, 1), 4, false);
  const Scale sy{st.lo, st.hi, top + sh, top};
  for (const double v : st.values) {
    doc.Line(sx + 12, sy(v), sx + 16, sy(v), kAxis);
    doc.Text(sx + 19, sy(v), normalise_rows ? Percent(v) : TickLabel(v, st.step), 10, "start", 0,
             "fill=\"#444444\"");
  }
  return doc.Done();
}

std::string ReliabilitySvg(const std::string& title,
                           const std::vector<std::pair<std::string, Reliability>>& curves) {
  constexpr double kWidth = 640, kHeight = 500;
  std::vector<LegendItem> legend = {{"perfect calibration", "#888888", LegendItem::kDashed}};
  for (size_t i = 0; i < curves.size(); ++i) {
    legend.push_back({absl::StrFormat("%s (ECE %.3f)", curves[i].first, curves[i].second.ece),
                      Colour(i), LegendItem::kMarkedLine});
  }
  const Ticks xt = NiceTicks(0, 1, 5, false), yt = xt;
  const double left = LeftMargin(yt), right = kWidth - 20;
  const double top = 34 + Legend(nullptr, kWidth, 34, legend) + 4;
  const double hist_h = 70, gap = 14, below = 22 + 22 + 8;
  const double bottom = kHeight - below - hist_h - gap;  // of the main panel
  const double hist_top = bottom + gap, hist_bottom = hist_top + hist_h;

  Doc doc(kWidth, kHeight);
  Header(doc, title, "");
  Legend(&doc, kWidth, 34, legend);
  const Scale x{0, 1, left, right}, y{0, 1, bottom, top};
  XAxis(doc, xt, x, top, bottom, false);
  YAxis(doc, yt, y, left, right, "accuracy", 20);
  doc.Line(x(0), y(0), x(1), y(1), "#888888", 1.5, "stroke-dasharray=\"5 3\"");

  // Share of samples per bin, grouped by curve.
  double max_share = 0;
  for (const auto& [name, r] : curves) {
    int64_t total = 0;
    for (const auto& b : r.bins) total += b.count;
    for (const auto& b : r.bins)
      if (total > 0) max_share = std::max(max_share, double(b.count) / total);
  }
  Ticks ht = NiceTicks(0, std::max(max_share, 0.01), 2, false);
  ht.hi = std::ceil(std::max(max_share, 0.01) / ht.step - 1e-9) * ht.step;
  ht.values = {0.0, ht.hi};  // the panel is small: its ends only
  const Scale hy{0, ht.hi, hist_bottom, hist_top};
  XAxis(doc, xt, x, hist_top, hist_bottom, true);
  for (const double v : ht.values) {
    doc.Line(left, hy(v), right, hy(v), kGrid);
    doc.Text(left - 6, hy(v), Percent(v), kTickSize, "end", 0, "fill=\"#444444\"");
  }
  doc.Text(20, (hist_top + hist_bottom) / 2, "samples", kFontSize, "middle", -90);
  for (size_t i = 0; i < curves.size(); ++i) {
    const Reliability& r = curves[i].second;
    int64_t total = 0;
    for (const auto& b : r.bins) total += b.count;
    for (const auto& b : r.bins) {
      if (b.count == 0 || total == 0 || !Finite(b.lo) || !Finite(b.hi)) continue;
      const double w = (x(b.hi) - x(b.lo)) * 0.8 / curves.size();
      const double x0 = x(b.lo) + (x(b.hi) - x(b.lo)) * 0.1 + i * w;
      const double share = double(b.count) / total;
      doc.Rect(x0, hy(share), std::max(w - 0.5, 0.5), hy(0) - hy(share), Colour(i),
               "fill-opacity=\"0.85\"");
    }
  }
  Frame(doc, left, hist_top, right, hist_bottom);

  for (size_t i = 0; i < curves.size(); ++i) {
    std::vector<std::array<double, 2>> pts;
    for (const auto& b : curves[i].second.bins) {
      if (b.count > 0) pts.push_back({x(b.mean_confidence), y(b.accuracy)});
    }
    doc.Path(pts, Colour(i), 2);
    for (const auto& p : pts) {
      if (Finite(p[0]) && Finite(p[1]))
        doc.Dot(p[0], p[1], 3.5, Colour(i), "stroke=\"#ffffff\" stroke-width=\"1\"");
    }
  }
  Frame(doc, left, top, right, bottom);
  doc.Text((left + right) / 2, kHeight - 16, "confidence (top-label probability)", kFontSize,
           "middle");
  return doc.Done();
}

std::string ScatterSvg(const ScatterChart& chart) {
  // Data range over finite points, padded so no dot sits on the frame.
  double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
  int max_group = 0;
  for (size_t i = 0; i < chart.points.size(); ++i) {
    const auto& p = chart.points[i];
    if (!Finite(p[0]) || !Finite(p[1])) continue;
    for (int a = 0; a < 2; ++a) lo[a] = std::min(lo[a], p[a]), hi[a] = std::max(hi[a], p[a]);
    if (i < chart.groups.size()) max_group = std::max(max_group, chart.groups[i]);
  }
  for (int a = 0; a < 2; ++a) {
    if (!Finite(lo[a])) lo[a] = 0, hi[a] = 1;
    const double pad = 0.03 * (hi[a] - lo[a]);
    lo[a] -= pad;
    hi[a] += pad;
  }
  std::vector<int64_t> size(max_group + 1, 0);
  for (size_t i = 0; i < chart.points.size(); ++i) {
    const int g = i < chart.groups.size() ? chart.groups[i] : 0;
    if (g >= 0 && g <= max_group) ++size[g];
  }
  std::vector<LegendItem> legend;
  for (int g = 0; g <= max_group; ++g) {
    if (size[g] == 0 && g >= static_cast<int>(chart.group_names.size())) continue;
    const std::string name = g < static_cast<int>(chart.group_names.size())
                                 ? chart.group_names[g]
                                 : absl::StrCat("group ", g);
    legend.push_back({absl::StrCat(name, " (", size[g], ")"), Colour(g), LegendItem::kDot});
  }
  Doc doc(chart.width, chart.height);
  const XYFrame f = DrawXYFrame(doc, chart.title, chart.subtitle, chart.y_label,
                                !chart.x_label.empty(), chart.width, chart.height, legend,
                                NiceTicks(lo[1], hi[1], 5, true), lo[0], hi[0]);
  const Scale &x = f.x, &y = f.y;
  const double left = f.left, right = f.right;
  for (size_t i = 0; i < chart.points.size(); ++i) {
    const auto& p = chart.points[i];
    if (!Finite(p[0]) || !Finite(p[1])) continue;
    const int g = i < chart.groups.size() ? chart.groups[i] : 0;
    doc.Dot(x(p[0]), y(p[1]), 2.6, Colour(g), "fill-opacity=\"0.6\"");
  }
  if (!chart.x_label.empty()) {
    doc.Text((left + right) / 2, chart.height - 16, Fit(chart.x_label, kFontSize, right - left),
             kFontSize, "middle");
  }
  return doc.Done();
}

std::string LineChartSvg(const LineChart& chart) {
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  std::vector<LegendItem> legend;
  for (size_t s = 0; s < chart.series.size(); ++s) {
    const auto& series = chart.series[s];
    for (size_t i = 0; i < series.x.size() && i < series.y.size(); ++i) {
      if (!Finite(series.x[i]) || !Finite(series.y[i])) continue;
      xlo = std::min(xlo, series.x[i]), xhi = std::max(xhi, series.x[i]);
      ylo = std::min(ylo, series.y[i]), yhi = std::max(yhi, series.y[i]);
    }
    legend.push_back(
        {series.name, Colour(s), chart.markers ? LegendItem::kMarkedLine : LegendItem::kLine});
  }
  if (!Finite(xlo)) xlo = 0, xhi = 1, ylo = 0, yhi = 1;
  const bool fixed = chart.y_min.has_value() && chart.y_max.has_value();
  const Ticks yt = NiceTicks(chart.y_min.value_or(ylo), chart.y_max.value_or(yhi), 5, !fixed);
  Doc doc(chart.width, chart.height);
  const XYFrame f = DrawXYFrame(doc, chart.title, chart.subtitle, chart.y_label,
                                !chart.x_label.empty(), chart.width, chart.height, legend, yt,
                                xlo, xhi);
  const Scale &x = f.x, &y = f.y;
  const double left = f.left, right = f.right, top = f.top, bottom = f.bottom;
  doc.Raw(absl::StrFormat(
      "<clipPath id=\"plot\"><rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\"/></clipPath>",
      C(left - 4), C(top - 4), C(right - left + 8), C(bottom - top + 8)));
  doc.Raw("<g clip-path=\"url(#plot)\">");
  for (size_t s = 0; s < chart.series.size(); ++s) {
    const auto& series = chart.series[s];
    std::vector<std::array<double, 2>> pts;
    for (size_t i = 0; i < series.x.size() && i < series.y.size(); ++i) {
      pts.push_back({x(series.x[i]), y(series.y[i])});
    }
    doc.Path(pts, Colour(s), 2);
    for (size_t i = 0; i < pts.size(); ++i) {
      const bool alone =
          (i == 0 || !Finite(pts[i - 1][1])) && (i + 1 == pts.size() || !Finite(pts[i + 1][1]));
      if ((chart.markers || alone) && Finite(pts[i][0]) && Finite(pts[i][1])) {
        doc.Dot(pts[i][0], pts[i][1], 3, Colour(s), "stroke=\"#ffffff\" stroke-width=\"0.8\"");
      }
    }
  }
  doc.Raw("</g>");
  if (!chart.x_label.empty()) {
    doc.Text((left + right) / 2, chart.height - 16, Fit(chart.x_label, kFontSize, right - left),
             kFontSize, "middle");
  }
  return doc.Done();
}

std::string MarkdownTable(const std::vector<std::string>& header,
                          const std::vector<std::vector<std::string>>& rows) {
  size_t cols = header.size();
  for (const auto& r : rows) cols = std::max(cols, r.size());
  auto cell = [](const std::vector<std::string>& r, size_t j) {
    std::string out;
    for (const char ch : j < r.size() ? r[j] : std::string()) {
      if (ch == '|')
        out += "\\|";
      else
        out += (ch == '\n' || ch == '\r') ? ' ' : ch;
    }
    return out;
  };
  std::string out = "|", rule = "|";
  for (size_t j = 0; j < cols; ++j) {
    bool numeric = !rows.empty();
    for (const auto& r : rows) {
      double v;
      std::string s = j < r.size() ? r[j] : "";
      if (!s.empty() && s.back() == '%') s.pop_back();
      numeric = numeric && absl::SimpleAtod(s, &v);
    }
    absl::StrAppend(&out, " ", cell(header, j), " |");
    absl::StrAppend(&rule, numeric ? "---:|" : "---|");
  }
  absl::StrAppend(&out, "\n", rule, "\n");
  for (const auto& r : rows) {
    absl::StrAppend(&out, "|");
    for (size_t j = 0; j < cols; ++j) absl::StrAppend(&out, " ", cell(r, j), " |");
    absl::StrAppend(&out, "\n");
  }
  return out;
}

absl::Status WriteFile(const std::string& path, const std::string& content) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

}  // namespace burnout::eval
