// burnout-eval-text --report end to end on GoEmotions dev (skipped when ../shared is absent):
// the report has its sections, quotes the figures the program printed, and every chart it
// references is there. Also: a missing data directory fails before any report is written.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/text/goemotions.h"
#include "tests/testing/temp_dir.h"

namespace burnout::text {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr char kDataDir[] = BURNOUT_SOURCE_DIR "/../shared/data/goemotions";
constexpr char kEvaluator[] = BURNOUT_BIN_DIR "/burnout-eval-text";

std::string Read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs the evaluator with `flags`, its output captured to `log`; returns the exit status.
int RunEvaluator(const std::string& flags, const std::string& log) {
  const std::string command = std::string(kEvaluator) + " " + flags + " > " + log + " 2>&1";
  return std::system(command.c_str());
}

// The first capture of `pattern` in `text`, or "" (with a failure) when it does not match.
std::string Capture(const std::string& text, const std::string& pattern) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(pattern))) {
    ADD_FAILURE() << "no match for " << pattern << " in\n" << text;
    return "";
  }
  return m[1];
}

TEST(TextReportTest, MissingDataDirectoryFailsBeforeWritingAReport) {
  const std::string out = testutil::FreshPath("text_report_no_data");
  const std::string log = testutil::FreshPath("text_report_no_data.log");
  EXPECT_NE(RunEvaluator("--data_dir=/nonexistent/goemotions --lexicon_dir= --report=" + out, log), 0);
  EXPECT_THAT(Read(log), HasSubstr("/nonexistent/goemotions does not exist"));
  EXPECT_FALSE(fs::exists(out));
}

TEST(TextReportTest, ReportOnGoEmotionsDevQuotesThePrintedFiguresAndItsChartsExist) {
  if (!CheckDataDir(kDataDir).ok()) GTEST_SKIP() << "GoEmotions not at " << kDataDir;
  const std::string out = testutil::FreshPath("text_report");
  const std::string log = testutil::FreshPath("text_report.log");
  ASSERT_EQ(RunEvaluator(std::string("--data_dir=") + kDataDir + " --lexicon_dir= --report=" + out, log), 0)
      << Read(log);
  const std::string printed = Read(log);
  const std::string multi_f1 = Capture(printed, R"(\nmacro-F1 ([0-9.]+)\n)");
  const std::string rows = Capture(printed, R"(single-label rows: ([0-9]+),)");
  const std::string accuracy = Capture(printed, R"(single-label rows: [0-9]+, accuracy ([0-9.]+),)");
  const std::string single_f1 = Capture(printed, R"(single-label rows: [0-9]+, accuracy [0-9.]+, macro-F1 ([0-9.]+) \(argmax\))");
  EXPECT_THAT(printed, HasSubstr("wrote report " + out + "/index.md in "));
  EXPECT_GT(std::stoi(rows), 4000);  // dev has 5,426 rows, most with one Ekman label

  const std::string md = Read(fs::path(out) / "index.md");
  for (const char* section :
       {"# Text emotion model text-emotion-goemotions/1 on GoEmotions dev", "Demszky et al., ACL 2020",
        "## Summary", "## Per class", "## Confusion matrix", "## Calibration", "## The most confident errors",
        "## Separability of the embeddings", "## Multi-label scores on all rows"}) {
    EXPECT_THAT(md, HasSubstr(section));
  }
  // The summary row: rows, classes, accuracy, macro-F1 — as the program printed them.
  EXPECT_THAT(md, HasSubstr("| " + rows + " | 7 | " + accuracy + " | " + single_f1 + " |"));
  // The multi-label macro-F1 the program printed, and its per-class table with thresholds.
  EXPECT_THAT(md, HasSubstr("Multi-label macro-F1 " + multi_f1 + "."));
  EXPECT_THAT(md, HasSubstr("| label | threshold | precision | recall | F1 | support |"));
  // The errors table shows the texts.
  EXPECT_THAT(md, HasSubstr("| row | confidence | true | predicted | p(true) | input |"));

  // Every referenced chart exists and is a complete SVG document.
  static const std::regex kImage(R"(!\[[^\]]*\]\(([^)]+)\))");
  std::vector<std::string> charts;
  for (std::sregex_iterator it(md.begin(), md.end(), kImage), end; it != end; ++it) charts.push_back((*it)[1]);
  EXPECT_EQ(charts, (std::vector<std::string>{"per_class.svg", "confusion.svg", "reliability.svg", "pca.svg",
                                              "tsne.svg"}));
  for (const auto& chart : charts) {
    const fs::path path = fs::path(out) / chart;
    ASSERT_TRUE(fs::exists(path)) << chart;
    const std::string svg = Read(path);
    EXPECT_EQ(svg.rfind("<?xml", 0), 0u) << chart;
    EXPECT_THAT(svg, HasSubstr("</svg>")) << chart;
    EXPECT_THAT(svg, HasSubstr("GoEmotions dev")) << chart;  // every chart names what it shows
  }
}

}  // namespace
}  // namespace burnout::text
