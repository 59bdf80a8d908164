#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "common/eval/classifier_report.h"
#include "common/eval/metrics.h"
#include "common/eval/projection.h"
#include "common/eval/svg.h"

namespace burnout::eval {
namespace {

using Matrix = std::vector<std::vector<double>>;

Matrix Blobs(int per_blob, int blobs, int dim, double spread, uint64_t seed,
             std::vector<int>* groups) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  Matrix centres(blobs, std::vector<double>(dim));
  for (int b = 0; b < blobs; ++b) centres[b][b % dim] = spread;  // mutually far apart
  Matrix x;
  for (int i = 0; i < per_blob * blobs; ++i) {
    std::vector<double> row(dim);
    for (int k = 0; k < dim; ++k) row[k] = centres[i % blobs][k] + normal(rng);
    x.push_back(row);
    groups->push_back(i % blobs);
  }
  return x;
}

Matrix ToMatrix(const Projection& p) {
  Matrix m;
  for (const auto& q : p.points) m.push_back({q[0], q[1]});
  return m;
}

// "" when `doc` is a well-formed SVG document as far as these charts go: tags nest and
// close in order, attributes are quoted, '&' only starts an entity, and no geometric
// attribute holds NaN or inf. Else what is wrong.
std::string CheckSvg(const std::string& doc) {
  static const std::regex kAttr(R"re(\s*([A-Za-z][\w:-]*)="([^"<]*)"\s*)re");
  static const std::regex kEntity(R"(&(amp|lt|gt|quot|#[0-9]+);)");
  static const std::string kGeometric =
      " x y x1 y1 x2 y2 cx cy r width height d transform font-size viewBox dy ";
  std::vector<std::string> open;
  size_t i = doc.rfind("<?xml", 0) == 0 ? doc.find("?>") + 2 : 0;
  bool root_seen = false;
  while (i < doc.size()) {
    if (doc[i] == '&') {
      std::smatch m;
      const std::string rest = doc.substr(i, 8);
      if (!std::regex_search(rest, m, kEntity) || m.position(0) != 0) return "bare & at " + rest;
    }
    if (doc[i] != '<') {
      ++i;
      continue;
    }
    const size_t end = doc.find('>', i);
    if (end == std::string::npos) return "unterminated tag";
    std::string tag = doc.substr(i + 1, end - i - 1);
    i = end + 1;
    if (tag[0] == '/') {
      if (open.empty() || open.back() != tag.substr(1))
        return "mismatched </" + tag.substr(1) + ">";
      open.pop_back();
      continue;
    }
    const bool self_closing = tag.back() == '/';
    if (self_closing) tag.pop_back();
    const size_t name_end = std::min(tag.find_first_of(" \n"), tag.size());
    const std::string name = tag.substr(0, name_end);
    if (open.empty() && root_seen) return "content after the root";
    if (open.empty() && name != "svg") return "root is not svg: " + name;
    root_seen = true;
    std::string attrs = tag.substr(name_end);
    std::smatch m;
    while (std::regex_search(attrs, m, kAttr, std::regex_constants::match_continuous)) {
      std::string value = m[2];
      for (auto& ch : value) ch = static_cast<char>(std::tolower(ch));
      if (kGeometric.find(" " + m[1].str() + " ") != std::string::npos &&
          (value.find("nan") != std::string::npos || value.find("inf") != std::string::npos)) {
        return "non-finite " + m[1].str() + "=\"" + value + "\"";
      }
      attrs = m.suffix();
    }
    if (attrs.find_first_not_of(" \n") != std::string::npos) return "bad attributes: " + tag;
    if (!self_closing) open.push_back(name);
  }
  return open.empty() && root_seen ? "" : "unclosed <" + (open.empty() ? "svg" : open.back()) + ">";
}

// xmllint's verdict when it is installed (libxml2-utils), else true.
bool XmllintAccepts(const std::string& doc) {
  if (std::system("xmllint --version >/dev/null 2>&1") != 0) return true;
  const auto path =
      std::filesystem::temp_directory_path() / ("eval_test_" + std::to_string(::getpid()) + ".svg");
  EXPECT_TRUE(WriteFile(path.string(), doc).ok());
  const int rc = std::system(("xmllint --noout '" + path.string() + "'").c_str());
  std::filesystem::remove(path);
  return rc == 0;
}

void ExpectGoodSvg(const std::string& doc, const std::vector<std::string>& must_contain) {
  EXPECT_EQ(CheckSvg(doc), "") << doc;
  EXPECT_TRUE(XmllintAccepts(doc)) << doc;
  for (const auto& s : must_contain) EXPECT_NE(doc.find(s), std::string::npos) << s << "\n" << doc;
}

TEST(MetricsTest, ConfusionScoresMatchHandValues) {
  // Class c is never predicted; d never occurs at all; out-of-range pairs are skipped.
  const Confusion c = MakeConfusion({"a", "b", "c", "d"}, {0, 0, 0, 1, 1, 2, 2, 0, 5, -1},
                                    {0, 0, 1, 1, 0, 0, 1, 4, 0, 0});
  const std::vector<std::vector<int64_t>> want = {
      {2, 1, 0, 0}, {1, 1, 0, 0}, {1, 1, 0, 0}, {0, 0, 0, 0}};
  EXPECT_EQ(c.counts, want);
  const auto s = PerClassScores(c);
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].label, "a");
  EXPECT_DOUBLE_EQ(s[0].precision, 0.5);
  EXPECT_DOUBLE_EQ(s[0].recall, 2.0 / 3);
  EXPECT_DOUBLE_EQ(s[0].f1, 4.0 / 7);
  EXPECT_EQ(s[0].support, 3);
  EXPECT_DOUBLE_EQ(s[1].precision, 1.0 / 3);
  EXPECT_DOUBLE_EQ(s[1].recall, 0.5);
  EXPECT_DOUBLE_EQ(s[1].f1, 0.4);
  EXPECT_DOUBLE_EQ(s[2].precision, 0.0);  // never predicted: zero_division = 0
  EXPECT_DOUBLE_EQ(s[2].recall, 0.0);
  EXPECT_DOUBLE_EQ(s[2].f1, 0.0);
  EXPECT_EQ(s[2].support, 2);
  EXPECT_EQ(s[3].support, 0);
  EXPECT_DOUBLE_EQ(MacroF1(c), (4.0 / 7 + 0.4 + 0.0) / 3);  // d is not averaged in
  EXPECT_DOUBLE_EQ(Accuracy(c), 3.0 / 7);
  const Confusion empty = MakeConfusion({"x"}, {}, {});
  EXPECT_EQ(MacroF1(empty), 0.0);
  EXPECT_EQ(Accuracy(empty), 0.0);
}

TEST(MetricsTest, ReliabilityOfCalibratedAndOverconfidentSets) {
  Matrix probs;
  std::vector<int> truth;
  for (const int percent : {55, 65, 75, 85, 95}) {  // exactly `percent` of 100 correct
    for (int i = 0; i < 100; ++i) {
      probs.push_back({percent / 100.0, 1 - percent / 100.0});
      truth.push_back(i < percent ? 0 : 1);
    }
  }
  const Reliability calibrated = MeasureReliability(probs, truth);
  EXPECT_NEAR(calibrated.ece, 0.0, 1e-12);
  ASSERT_EQ(calibrated.bins.size(), 15u);
  EXPECT_EQ(calibrated.bins[14].count, 100);  // 0.95 * 15 = 14.25
  EXPECT_DOUBLE_EQ(calibrated.bins[14].accuracy, 0.95);
  EXPECT_DOUBLE_EQ(calibrated.bins[14].lo, 14.0 / 15);

  // Half at confidence 0.95 with accuracy 0.5, half at 0.75 with accuracy 0.75 (calibrated):
  // ECE = 0.5 * 0.45 + 0.5 * 0 = 0.225. Confidence 1.0 falls in the last bin.
  probs.clear();
  truth.clear();
  for (int i = 0; i < 100; ++i) {
    probs.push_back({0.95, 0.05, 0.0});
    truth.push_back(i % 2);
    probs.push_back({0.25, 0.75, 0.0});
    truth.push_back(i % 4 == 0 ? 2 : 1);
  }
  const Reliability over = MeasureReliability(probs, truth);
  EXPECT_NEAR(over.ece, 0.225, 1e-12);
  EXPECT_NEAR(over.bins[14].mean_confidence, 0.95, 1e-12);
  EXPECT_NEAR(over.bins[11].accuracy, 0.75, 1e-12);
  const Reliability one = MeasureReliability({{1.0, 0.0}, {}}, {0, 0}, 10);
  EXPECT_EQ(one.bins[9].count, 1);  // the empty row is skipped
  EXPECT_EQ(one.ece, 0.0);
}

TEST(MetricsTest, Silhouette) {
  // 1-D hand value: {0, 1} against {10, 11}.
  EXPECT_DOUBLE_EQ(Silhouette({{0}, {1}, {10}, {11}}, {0, 0, 1, 1}), (9.5 / 10.5 + 8.5 / 9.5) / 2);
  std::vector<int> groups;
  const Matrix far = Blobs(50, 2, 5, 40, 1, &groups);
  EXPECT_GT(Silhouette(far, groups), 0.8);
  std::vector<int> mixed;
  const Matrix one_blob = Blobs(200, 1, 5, 0, 2, &mixed);
  for (size_t i = 0; i < mixed.size(); ++i) mixed[i] = static_cast<int>(i % 2);
  EXPECT_NEAR(Silhouette(one_blob, mixed), 0.0, 0.05);
  EXPECT_EQ(Silhouette(one_blob, std::vector<int>(one_blob.size(), 3)), 0.0);
}

TEST(ProjectionTest, PcaRecoversADirectionAndIsDeterministic) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  const double dir[3] = {2.0 / 7, 3.0 / 7, -6.0 / 7};
  Matrix x;
  std::vector<double> t;
  for (int i = 0; i < 300; ++i) {
    t.push_back(5 * normal(rng));
    x.push_back({});
    for (const double d : dir) x.back().push_back(10 + t.back() * d + 0.05 * normal(rng));
  }
  const Projection p = Pca2(x);
  ASSERT_EQ(p.points.size(), x.size());
  ASSERT_EQ(p.explained.size(), 2u);
  EXPECT_GT(p.explained[0], 0.99);
  EXPECT_LT(p.explained[1], 0.01);
  // Component 1 is +-t; its largest |loading| (-6/7 on axis 2) is made positive: it is -t.
  double st = 0, sp = 0, stt = 0, spp = 0, stp = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    st += t[i], sp += p.points[i][0];
    stt += t[i] * t[i], spp += p.points[i][0] * p.points[i][0], stp += t[i] * p.points[i][0];
  }
  const double n = t.size();
  const double corr = (stp - st * sp / n) / std::sqrt((stt - st * st / n) * (spp - sp * sp / n));
  EXPECT_LT(corr, -0.999);
  EXPECT_EQ(Pca2(x).points, p.points);
  EXPECT_EQ(Pca2({{1, 2}, {1, 2}}).points[1][0], 0.0);  // constant data
  EXPECT_TRUE(Pca2({}).points.empty());
}

TEST(ProjectionTest, TsneSeparatesBlobsAndFollowsItsSeed) {
  std::vector<int> groups;
  const Matrix x = Blobs(60, 3, 10, 12, 3, &groups);
  TsneOptions o;
  o.seed = 11;
  const Projection a = Tsne2(x, o);
  ASSERT_EQ(a.points.size(), x.size());
  EXPECT_GT(Silhouette(ToMatrix(a), groups), 0.5);
  EXPECT_TRUE(std::isfinite(a.kl));
  EXPECT_GT(a.kl, 0.0);
  EXPECT_EQ(Tsne2(x, o).points, a.points);
  o.seed = 12;
  EXPECT_NE(Tsne2(x, o).points, a.points);
  // Tiny inputs: perplexity is clamped, nothing blows up.
  for (const Matrix& small :
       {Matrix{{1, 2}}, Matrix{{0, 0}, {1, 1}}, Matrix{{0}, {1}, {2}, {3}, {3}}}) {
    for (const auto& q : Tsne2(small, o).points) {
      EXPECT_TRUE(std::isfinite(q[0]) && std::isfinite(q[1]));
    }
  }
}

TEST(SvgTest, ChartsAreWellFormedWithTitlesLegendsAndEscapedText) {
  BarChart bar;
  bar.title = "Per-class F1";
  bar.x_label = "class";
  bar.y_label = "F1";
  bar.categories = {"calm", "a<&>b", "a rather long category name"};
  bar.series = {{"validation", {0.8, 0.5, 0.3}}, {"test \"held out\"", {0.7, 0.6, NAN}}};
  bar.value_labels = true;
  const std::string b = BarChartSvg(bar);
  ExpectGoodSvg(b, {"Per-class F1", "validation", "test &quot;held out&quot;", "a&lt;&amp;&gt;b",
                    "font-family=\"sans-serif\"", "#ffffff"});
  EXPECT_EQ(b.find("a<&>b"), std::string::npos);

  const Confusion c = MakeConfusion({"low", "a<&>b", "high"}, {0, 0, 1, 2, 2}, {0, 1, 1, 2, 0});
  ExpectGoodSvg(HeatmapSvg(c, "Risk confusion", true),
                {"Risk confusion", "a&lt;&amp;&gt;b", "predicted", "true", "50%"});
  ExpectGoodSvg(HeatmapSvg(c, "Counts", false), {"Counts", "count"});

  const Reliability r = MeasureReliability({{0.9, 0.1}, {0.6, 0.4}, {0.3, 0.7}}, {0, 1, 1});
  const std::string rel = ReliabilitySvg("Calibration", {{"before T", r}, {"after <T>", r}});
  ExpectGoodSvg(rel, {"Calibration", "perfect calibration", "before T (ECE ", "after &lt;T&gt;"});

  ScatterChart s;
  s.title = "t-SNE";
  s.x_label = "t-SNE 1";
  s.points = {{0, 0}, {1, 2}, {3, -1}, {NAN, 1}};
  s.groups = {0, 1, 1, 0};
  s.group_names = {"low", "a<&>b"};
  ExpectGoodSvg(ScatterSvg(s), {"t-SNE", "low (2)", "a&lt;&amp;&gt;b (2)", "fill-opacity"});

  LineChart l;
  l.title = "Training loss";
  l.series = {{"train", {1, 2, 3, 4}, {1.0, 0.7, INFINITY, 0.5}}, {"val", {1, 2}, {1.1, 0.9}}};
  l.markers = true;
  ExpectGoodSvg(LineChartSvg(l), {"Training loss", "train", "val", "<path"});
}

TEST(SvgTest, DegenerateInputsStayFinite) {
  std::vector<std::string> docs;
  BarChart bar;
  docs.push_back(BarChartSvg(bar));  // nothing at all
  bar.categories = {"one"};
  bar.series = {{"s", {}}};
  bar.y_min = bar.y_max = 2;  // an empty range
  docs.push_back(BarChartSvg(bar));
  bar.y_min = NAN;
  bar.y_max = INFINITY;
  bar.series = {{"s", {NAN}}};
  docs.push_back(BarChartSvg(bar));
  docs.push_back(HeatmapSvg(Confusion{}, "empty", true));
  docs.push_back(HeatmapSvg(MakeConfusion({"a", "b"}, {}, {}), "no counts", false));
  docs.push_back(ReliabilitySvg("none", {}));
  docs.push_back(ReliabilitySvg("empty", {{"x", MeasureReliability({}, {})}}));
  ScatterChart s;
  docs.push_back(ScatterSvg(s));
  s.points = {{3, 3}};  // a single point
  docs.push_back(ScatterSvg(s));
  s.points = {{1, 5}, {1, 5}, {1, 5}};  // constant
  s.groups = {0, 9, -1};
  docs.push_back(ScatterSvg(s));
  s.points = {{-1e308, 0}, {1e308, 1e-300}};  // a range that overflows
  docs.push_back(ScatterSvg(s));
  LineChart l;
  docs.push_back(LineChartSvg(l));
  l.series = {{"flat", {0, 1, 2}, {4, 4, 4}}, {"empty", {}, {}}, {"nan", {NAN}, {NAN}}};
  docs.push_back(LineChartSvg(l));
  l.series = {{"huge", {0, 1e-9}, {1e12, -1e12}}};
  l.y_min = 5;
  l.y_max = 5;
  docs.push_back(LineChartSvg(l));
  for (const auto& d : docs) EXPECT_EQ(CheckSvg(d), "") << d;
}

TEST(SvgTest, MarkdownTableAndWriteFile) {
  EXPECT_EQ(MarkdownTable({"label", "F1", "note"}, {{"low", "0.81", "a|b"}, {"high", "75%"}}),
            "| label | F1 | note |\n|---|---:|---|\n| low | 0.81 | a\\|b |\n| high | 75% |  |\n");
  const auto dir =
      std::filesystem::temp_directory_path() / ("eval_test_dir_" + std::to_string(::getpid()));
  const std::string path = (dir / "plots" / "x.svg").string();
  ASSERT_TRUE(WriteFile(path, "<svg/>").ok());
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "<svg/>");
  const absl::Status bad = WriteFile(path + "/under_a_file", "x");
  EXPECT_EQ(bad.code(), absl::StatusCode::kInternal);
  EXPECT_NE(bad.message().find("under_a_file"), std::string::npos);
  std::filesystem::remove_all(dir);
}


// ---- The single-classifier report ----

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The SVG files index.md references, in order.
std::vector<std::string> ReferencedSvgs(const std::string& md) {
  static const std::regex kImage(R"(!\[[^\]]*\]\(([^)]+\.svg)\))");
  std::vector<std::string> out;
  for (std::sregex_iterator it(md.begin(), md.end(), kImage), end; it != end; ++it) out.push_back((*it)[1]);
  return out;
}

// The line of `md` that contains `needle` ("" when none).
std::string LineWith(const std::string& md, const std::string& needle) {
  const size_t at = md.find(needle);
  if (at == std::string::npos) return "";
  const size_t begin = md.rfind('\n', at) + 1, end = md.find('\n', at);
  return md.substr(begin, end - begin);
}

// Ten rows over three classes, seven right: accuracy 0.7. Row 6 is the most confident error
// (0.9 on "c" for a true "a"), then row 8 (0.8), then row 3 (0.6).
ClassifierEvaluation SmallEvaluation() {
  ClassifierEvaluation ev;
  ev.title = "Toy model on toy rows";
  ev.data_note = "ten hand-made rows";
  ev.program = "eval_test --report";
  ev.labels = {"anger", "joy", "surprise"};
  ev.truth = {0, 0, 0, 1, 1, 1, 0, 2, 2, 2};
  ev.probs = {{0.8, 0.1, 0.1}, {0.6, 0.3, 0.1}, {0.5, 0.4, 0.1}, {0.6, 0.3, 0.1}, {0.1, 0.7, 0.2},
              {0.2, 0.5, 0.3}, {0.05, 0.05, 0.9}, {0.1, 0.2, 0.7}, {0.1, 0.8, 0.1}, {0.3, 0.3, 0.4}};
  ev.inputs = {"calm", "fine", "ok", "so | happy\nreally", "yay", "nice", "what\r\nno | way | *bold*",
               "wow", "oh", "hm"};
  return ev;
}

TEST(ClassifierReportTest, WritesTheSectionsChartsAndHandComputedFigures) {
  const auto dir = std::filesystem::temp_directory_path() / ("classifier_report_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  ClassifierEvaluation ev = SmallEvaluation();
  ev.extra_sections = {{"Multi-label scores", "| a | b |\n|---|---|\n| 1 | 2 |"}};
  ASSERT_TRUE(WriteClassifierReport(dir.string(), ev).ok());
  const std::string md = ReadText(dir / "index.md");
  for (const char* s : {"# Toy model on toy rows", "Data: ten hand-made rows", "`eval_test --report`",
                        "## Summary", "## Per class", "## Confusion matrix", "## Calibration",
                        "## The most confident errors", "## Multi-label scores\n\n| a | b |"}) {
    EXPECT_NE(md.find(s), std::string::npos) << s << "\n" << md;
  }
  // 7 of 10 right; the majority class (anger, 4 rows) gives 0.4.
  EXPECT_NE(LineWith(md, "| 10 | 3 |").find("| 0.7000 |"), std::string::npos) << md;
  EXPECT_NE(LineWith(md, "| 10 | 3 |").find("| 0.4000 |"), std::string::npos) << md;
  // anger: 3 of its 4 predictions right (row 3 is joy), 3 of its 4 rows found (row 6 is not).
  EXPECT_NE(md.find("| anger | 0.750 | 0.750 | 0.750 | 4 | 4 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| joy | 0.667 | 0.667 | 0.667 | 3 | 3 |"), std::string::npos) << md;
  // No embeddings: no separability section and no scatter files.
  EXPECT_EQ(md.find("Separability"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir / "pca.svg"));
  EXPECT_FALSE(std::filesystem::exists(dir / "tsne.svg"));
  const auto svgs = ReferencedSvgs(md);
  EXPECT_EQ(svgs, (std::vector<std::string>{"per_class.svg", "confusion.svg", "reliability.svg"}));
  for (const auto& f : svgs) {
    ASSERT_TRUE(std::filesystem::exists(dir / f)) << f;
    ExpectGoodSvg(ReadText(dir / f), {"Toy model on toy rows"});
  }
  ExpectGoodSvg(ReadText(dir / "per_class.svg"), {"precision", "recall", "F1", "anger (4)"});
  ExpectGoodSvg(ReadText(dir / "reliability.svg"), {"top label (ECE"});

  // The errors table: most confident first, each row on one line with its input escaped.
  const size_t table = md.find("| row | confidence | true | predicted | p(true) | input |");
  ASSERT_NE(table, std::string::npos) << md;
  std::vector<std::string> lines;
  for (size_t at = md.find('\n', table) + 1; at < md.size() && md[at] == '|';) {
    const size_t end = md.find('\n', at);
    lines.push_back(md.substr(at, end - at));
    at = end + 1;
  }
  ASSERT_EQ(lines.size(), 4u);  // the rule, then the three errors
  EXPECT_EQ(lines[1], "| 6 | 90.0% | anger | surprise | 5.0% | what no \\| way \\| \\*bold\\* |");
  EXPECT_EQ(lines[2].rfind("| 8 | 80.0% | surprise | joy |", 0), 0u) << lines[2];
  EXPECT_EQ(lines[3], "| 3 | 60.0% | joy | anger | 30.0% | so \\| happy really |");
  std::filesystem::remove_all(dir);
}

TEST(ClassifierReportTest, EmbeddingsGiveScatterPlotsOfABalancedSubsample) {
  const auto dir = std::filesystem::temp_directory_path() / ("classifier_report_emb_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  // Three blobs, the third rare (its rows come last): the subsample still shows all three.
  ClassifierEvaluation ev;
  ev.title = "Blobs";
  ev.labels = {"x", "y", "z"};
  std::vector<int> groups;
  const Matrix blobs = Blobs(60, 3, 4, 8.0, 11, &groups);
  for (size_t i = 0; i < blobs.size(); ++i) {
    if (groups[i] == 2 && i > 60) continue;  // z keeps its first 20 rows only
    ev.embeddings.push_back(blobs[i]);
    ev.truth.push_back(groups[i]);
    std::vector<double> p(3, 0.1);
    p[groups[i]] = 0.8;
    ev.probs.push_back(p);
  }
  ev.tsne_rows = 45;
  // A stale plot from an earlier run is replaced, not kept.
  ASSERT_TRUE(WriteFile((dir / "tsne.svg").string(), "old").ok());
  ASSERT_TRUE(WriteClassifierReport(dir.string(), ev).ok());
  const std::string md = ReadText(dir / "index.md");
  EXPECT_NE(md.find("## Separability of the embeddings"), std::string::npos) << md;
  EXPECT_NE(md.find("45 of the 140 rows (4-dimensional embeddings)"), std::string::npos) << md;
  EXPECT_NE(md.find("(3 of 3 classes present)"), std::string::npos) << md;
  EXPECT_NE(md.find("None: every row's most probable label is its true one."), std::string::npos);
  for (const char* f : {"pca.svg", "tsne.svg"}) {
    ASSERT_TRUE(std::filesystem::exists(dir / f)) << f;
    ExpectGoodSvg(ReadText(dir / f), {"x (15)", "y (15)", "z (15)", "silhouette"});
  }
  EXPECT_EQ(ReferencedSvgs(md).size(), 5u);
  // Well-separated blobs: a high silhouette in the embedding space.
  static const std::regex kSil(R"(\| embedding \(4 dimensions\) \| ([0-9.]+) \|)");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(md, m, kSil)) << md;
  EXPECT_GT(std::stod(m[1]), 0.6);

  // Run again without embeddings into the same directory: the scatter files go.
  ev.embeddings.clear();
  ASSERT_TRUE(WriteClassifierReport(dir.string(), ev).ok());
  EXPECT_FALSE(std::filesystem::exists(dir / "pca.svg"));
  EXPECT_FALSE(std::filesystem::exists(dir / "tsne.svg"));
  std::filesystem::remove_all(dir);
}

TEST(ClassifierReportTest, RejectsInconsistentInput) {
  const std::string dir = (std::filesystem::temp_directory_path() / "classifier_report_never").string();
  auto code = [&](const ClassifierEvaluation& ev) { return WriteClassifierReport(dir, ev).code(); };
  ClassifierEvaluation ev = SmallEvaluation();
  ev.truth.push_back(0);
  EXPECT_EQ(code(ev), absl::StatusCode::kInvalidArgument);
  ev = SmallEvaluation();
  ev.truth[2] = 3;
  EXPECT_EQ(code(ev), absl::StatusCode::kInvalidArgument);
  ev = SmallEvaluation();
  ev.probs[1] = {0.5, 0.5};
  EXPECT_EQ(code(ev), absl::StatusCode::kInvalidArgument);
  ev = SmallEvaluation();
  ev.probs[1][0] = NAN;
  EXPECT_EQ(code(ev), absl::StatusCode::kInvalidArgument);
  ev = SmallEvaluation();
  ev.inputs.pop_back();
  EXPECT_EQ(code(ev), absl::StatusCode::kInvalidArgument);
  ev = SmallEvaluation();
  ev.embeddings.assign(ev.truth.size(), {1.0, 2.0});
  ev.embeddings[4] = {1.0};
  EXPECT_EQ(code(ev), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(ClassifierEvaluation{}), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(ClassifierReportTest, InputCellFlattensEscapesAndCuts) {
  EXPECT_EQ(InputCell("  a\tb\n\n c  "), "a b c");
  EXPECT_EQ(InputCell("x|y"), "x|y");  // the pipe is MarkdownTable's to escape
  EXPECT_EQ(InputCell("a*b_c`d[e]<f>~g&h\\i"), "a\\*b\\_c\\`d\\[e\\]\\<f\\>\\~g\\&h\\\\i");
  EXPECT_EQ(InputCell("abcdef", 4), "abc…");
  EXPECT_EQ(InputCell("abcd", 4), "abcd");
  EXPECT_EQ(InputCell("ééééé", 3), "éé…");  // code points, not bytes
  const std::string cell = InputCell(std::string(500, 'w'));
  EXPECT_EQ(cell, std::string(159, 'w') + "…");
  // In a table, a pipe and a backslash before it both survive as text.
  EXPECT_EQ(MarkdownTable({"input"}, {{InputCell("a\\|b")}}), "| input |\n|---|\n| a\\\\\\|b |\n");
}

}  // namespace
}  // namespace burnout::eval
