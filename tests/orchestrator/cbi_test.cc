#include "orchestrator/insight/cbi.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace burnout::insight {
namespace {

using ::testing::HasSubstr;

std::vector<int> All(int answer) { return std::vector<int>(kCbiItemCount, answer); }

TEST(CbiTest, ItemsAreThePublishedThirteenInOrder) {
  const auto& items = CbiItems();
  ASSERT_EQ(items.size(), 13u);
  for (size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(items[i].number, static_cast<int>(i) + 1);
    EXPECT_EQ(items[i].scale, i < 6 ? "personal" : "work");
    EXPECT_FALSE(CbiResponses(items[i].response_kind).empty()) << items[i].number;
    EXPECT_EQ(items[i].reverse, items[i].number == 13);
  }
  EXPECT_EQ(items[0].text, "How often do you feel tired?");
  EXPECT_EQ(items[3].text, "How often do you think: \"I can't take it anymore\"?");
  EXPECT_EQ(items[12].text,
            "Do you have enough energy for family and friends during leisure time?");
  for (int n : {7, 8, 9}) EXPECT_EQ(items[n - 1].response_kind, "degree") << n;
  for (int n : {1, 2, 3, 4, 5, 6, 10, 11, 12, 13}) {
    EXPECT_EQ(items[n - 1].response_kind, "frequency") << n;
  }
}

TEST(CbiTest, ResponsesRunFromLeastToMost) {
  EXPECT_EQ(CbiResponses("frequency"),
            (std::vector<std::string>{"Never or almost never", "Seldom", "Sometimes", "Often",
                                      "Always"}));
  EXPECT_EQ(CbiResponses("degree"),
            (std::vector<std::string>{"To a very low degree", "To a low degree", "Somewhat",
                                      "To a high degree", "To a very high degree"}));
  EXPECT_TRUE(CbiResponses("agreement").empty());
}

TEST(CbiTest, AllAlwaysScoresPersonal100AndWork600Over7) {
  auto s = ScoreCbi(All(5));
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_TRUE(s->personal.has_value());
  ASSERT_TRUE(s->work.has_value());
  EXPECT_DOUBLE_EQ(*s->personal, 100.0);
  // Items 7-12 at 100; item 13 "Always" (enough energy) reverses to 0.
  EXPECT_DOUBLE_EQ(*s->work, 600.0 / 7.0);
  EXPECT_NEAR(*s->work, 85.7, 0.05);
  EXPECT_EQ(s->personal_band, "severe");
  EXPECT_EQ(s->work_band, "high");
  EXPECT_EQ(s->personal_answered, 6);
  EXPECT_EQ(s->work_answered, 7);
  EXPECT_TRUE(s->notes.empty());
  ASSERT_EQ(s->item_scores.size(), 13u);
  for (int i = 0; i < 12; ++i) EXPECT_DOUBLE_EQ(s->item_scores[i], 100.0) << i + 1;
  EXPECT_DOUBLE_EQ(s->item_scores[12], 0.0);
}

TEST(CbiTest, AllNeverScoresPersonal0AndWork100Over7) {
  auto s = ScoreCbi(All(1));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_DOUBLE_EQ(*s->personal, 0.0);
  EXPECT_DOUBLE_EQ(*s->work, 100.0 / 7.0);  // item 13 "Never" -> 100
  EXPECT_DOUBLE_EQ(s->item_scores[12], 100.0);
  EXPECT_EQ(s->personal_band, "low");
  EXPECT_EQ(s->work_band, "low");
}

TEST(CbiTest, EachAnswerMapsToItsPublishedScore) {
  const double expected[] = {0, 25, 50, 75, 100};
  for (int a = 1; a <= 5; ++a) {
    auto s = ScoreCbi(All(a));
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_DOUBLE_EQ(s->item_scores[0], expected[a - 1]) << a;
    EXPECT_DOUBLE_EQ(s->item_scores[6], expected[a - 1]) << a;       // a degree item
    EXPECT_DOUBLE_EQ(s->item_scores[12], 100 - expected[a - 1]) << a;  // reversed
    EXPECT_DOUBLE_EQ(*s->personal, expected[a - 1]) << a;
  }
}

TEST(CbiTest, ReverseScoringOfItem13MovesTheWorkScore) {
  // Work items 7-12 "Sometimes"/"Somewhat" (50); item 13 decides the rest.
  std::vector<int> answers = All(3);
  answers[12] = 1;  // "Never or almost never" enough energy -> 100
  auto low_energy = ScoreCbi(answers);
  answers[12] = 5;  // "Always" enough energy -> 0
  auto high_energy = ScoreCbi(answers);
  ASSERT_TRUE(low_energy.ok() && high_energy.ok());
  EXPECT_DOUBLE_EQ(*low_energy->work, (6 * 50.0 + 100) / 7);
  EXPECT_DOUBLE_EQ(*high_energy->work, (6 * 50.0 + 0) / 7);
  EXPECT_DOUBLE_EQ(*low_energy->personal, 50.0);
}

TEST(CbiTest, SkippedItemsAreLeftOutOfTheMean) {
  std::vector<int> answers = {5, 4, 0, 0, 2, 0,  // personal: 100, 75, 25 -> 200/3
                              4, 0, 3, 0, 2, 0, 5};  // work: 75, 50, 25, 0 -> 37.5
  auto s = ScoreCbi(answers);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->personal_answered, 3);
  EXPECT_EQ(s->work_answered, 4);
  EXPECT_DOUBLE_EQ(*s->personal, 200.0 / 3);
  EXPECT_DOUBLE_EQ(*s->work, 37.5);
  EXPECT_DOUBLE_EQ(s->item_scores[2], -1);
  EXPECT_DOUBLE_EQ(s->item_scores[7], -1);
  EXPECT_DOUBLE_EQ(s->item_scores[12], 0);
  EXPECT_EQ(s->personal_band, "moderate");
  EXPECT_EQ(s->work_band, "low");
}

TEST(CbiTest, PersonalNeedsThreeOfSixAnswered) {
  std::vector<int> answers = All(4);
  answers[0] = answers[1] = answers[2] = answers[3] = 0;  // 2 of 6 left
  auto s = ScoreCbi(answers);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FALSE(s->personal.has_value());
  EXPECT_EQ(s->personal_band, "");
  EXPECT_EQ(s->personal_answered, 2);
  ASSERT_TRUE(s->work.has_value());
  ASSERT_EQ(s->notes.size(), 1u);
  EXPECT_EQ(s->notes[0],
            "personal burnout not scored: 2 of 6 items answered; at least 3 are needed");

  answers[3] = 4;  // 3 of 6: exactly half is enough
  s = ScoreCbi(answers);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_TRUE(s->personal.has_value());
  EXPECT_DOUBLE_EQ(*s->personal, 75.0);
  EXPECT_TRUE(s->notes.empty());
}

TEST(CbiTest, WorkNeedsFourOfSevenAnswered) {
  std::vector<int> answers = All(2);
  answers[6] = answers[7] = answers[8] = answers[9] = 0;  // 3 of 7 left: below half
  auto s = ScoreCbi(answers);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FALSE(s->work.has_value());
  EXPECT_EQ(s->work_band, "");
  EXPECT_EQ(s->work_answered, 3);
  ASSERT_TRUE(s->personal.has_value());
  ASSERT_EQ(s->notes.size(), 1u);
  EXPECT_EQ(s->notes[0],
            "work-related burnout not scored: 3 of 7 items answered; at least 4 are needed");

  answers[9] = 2;  // 4 of 7
  s = ScoreCbi(answers);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_TRUE(s->work.has_value());
  EXPECT_DOUBLE_EQ(*s->work, (25.0 + 25 + 25 + 75) / 4);  // items 10-12 at 25, item 13 reversed
}

TEST(CbiTest, BothScalesShortIsAnError) {
  std::vector<int> answers(13, 0);
  answers[0] = answers[1] = 3;  // 2 personal
  answers[12] = 3;              // 1 work
  auto s = ScoreCbi(answers);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("(2 answered)"));
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("(1 answered)"));
  EXPECT_FALSE(ScoreCbi(std::vector<int>(13, 0)).ok());
}

TEST(CbiTest, RejectsBadInput) {
  auto s = ScoreCbi(std::vector<int>(12, 3));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.status().message(), "expected 13 CBI answers (items 1-13), got 12");
  EXPECT_FALSE(ScoreCbi(std::vector<int>(14, 3)).ok());
  EXPECT_FALSE(ScoreCbi({}).ok());

  std::vector<int> answers = All(3);
  answers[6] = 6;
  s = ScoreCbi(answers);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.status().message(),
            "CBI item 7: answer 6 is out of range; use 1 (least) to 5 (most), or 0 for skipped");
  answers[6] = 3;
  answers[12] = -1;
  s = ScoreCbi(answers);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("CBI item 13: answer -1"));
}

TEST(CbiTest, BandEdges) {
  EXPECT_EQ(CbiBand(0), "low");
  EXPECT_EQ(CbiBand(49.99), "low");
  EXPECT_EQ(CbiBand(50), "moderate");
  EXPECT_EQ(CbiBand(74.99), "moderate");
  EXPECT_EQ(CbiBand(75), "high");
  EXPECT_EQ(CbiBand(99.99), "high");
  EXPECT_EQ(CbiBand(100), "severe");
  EXPECT_EQ(CbiBand(std::nan("")), "");
}

}  // namespace
}  // namespace burnout::insight
