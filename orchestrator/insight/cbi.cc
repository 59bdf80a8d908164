#include "orchestrator/insight/cbi.h"

#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace burnout::insight {
namespace {

constexpr int kLeastAnswer = 1, kMostAnswer = 5;

// 0..100: answer 1 -> 0, ..., 5 -> 100; reversed items the other way round.
double ItemScore(int answer, bool reverse) {
  const int steps = reverse ? kMostAnswer - answer : answer - kLeastAnswer;
  return 25.0 * steps;
}

std::string MissingNote(const std::string& name, int answered, int items, int needed) {
  return absl::StrCat(name, " not scored: ", answered, " of ", items, " items answered; at least ",
                      needed, " are needed");
}

}  // namespace

const std::vector<CbiItem>& CbiItems() {
  static const std::vector<CbiItem> kItems = {
      {1, "personal", "How often do you feel tired?", "frequency", false},
      {2, "personal", "How often are you physically exhausted?", "frequency", false},
      {3, "personal", "How often are you emotionally exhausted?", "frequency", false},
      {4, "personal", "How often do you think: \"I can't take it anymore\"?", "frequency", false},
      {5, "personal", "How often do you feel worn out?", "frequency", false},
      {6, "personal", "How often do you feel weak and susceptible to illness?", "frequency", false},
      {7, "work", "Is your work emotionally exhausting?", "degree", false},
      {8, "work", "Do you feel burnt out because of your work?", "degree", false},
      {9, "work", "Does your work frustrate you?", "degree", false},
      {10, "work", "Do you feel worn out at the end of the working day?", "frequency", false},
      {11, "work", "Are you exhausted in the morning at the thought of another day at work?",
       "frequency", false},
      {12, "work", "Do you feel that every working hour is tiring for you?", "frequency", false},
      {13, "work", "Do you have enough energy for family and friends during leisure time?",
       "frequency", true},
  };
  return kItems;
}

const std::vector<std::string>& CbiResponses(const std::string& kind) {
  static const std::vector<std::string> kFrequency = {"Never or almost never", "Seldom",
                                                      "Sometimes", "Often", "Always"};
  static const std::vector<std::string> kDegree = {"To a very low degree", "To a low degree",
                                                   "Somewhat", "To a high degree",
                                                   "To a very high degree"};
  static const std::vector<std::string> kNone;
  if (kind == "frequency") return kFrequency;
  if (kind == "degree") return kDegree;
  return kNone;
}

absl::StatusOr<CbiScores> ScoreCbi(const std::vector<int>& answers) {
  if (answers.size() != static_cast<size_t>(kCbiItemCount)) {
    return absl::InvalidArgumentError(absl::StrCat("expected ", kCbiItemCount,
                                                   " CBI answers (items 1-13), got ",
                                                   answers.size()));
  }
  const auto& items = CbiItems();
  CbiScores s;
  s.item_scores.assign(kCbiItemCount, -1.0);
  double personal_sum = 0, work_sum = 0;
  for (int i = 0; i < kCbiItemCount; ++i) {
    const int a = answers[i];
    if (a == 0) continue;
    if (a < kLeastAnswer || a > kMostAnswer) {
      return absl::InvalidArgumentError(absl::StrCat(
          "CBI item ", items[i].number, ": answer ", a,
          " is out of range; use 1 (least) to 5 (most), or 0 for skipped"));
    }
    const double score = ItemScore(a, items[i].reverse);
    s.item_scores[i] = score;
    if (items[i].scale == "personal") {
      personal_sum += score;
      ++s.personal_answered;
    } else {
      work_sum += score;
      ++s.work_answered;
    }
  }
  const bool personal_ok = s.personal_answered >= kCbiMinPersonalAnswered;
  const bool work_ok = s.work_answered >= kCbiMinWorkAnswered;
  if (!personal_ok && !work_ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "too few CBI answers to score either scale: personal burnout needs at least ",
        kCbiMinPersonalAnswered, " of ", kCbiPersonalItems, " items (", s.personal_answered,
        " answered), work-related burnout at least ", kCbiMinWorkAnswered, " of ", kCbiWorkItems,
        " (", s.work_answered, " answered)"));
  }
  if (personal_ok) {
    s.personal = personal_sum / s.personal_answered;
    s.personal_band = CbiBand(*s.personal);
  } else {
    s.notes.push_back(MissingNote("personal burnout", s.personal_answered, kCbiPersonalItems,
                                  kCbiMinPersonalAnswered));
  }
  if (work_ok) {
    s.work = work_sum / s.work_answered;
    s.work_band = CbiBand(*s.work);
  } else {
    s.notes.push_back(MissingNote("work-related burnout", s.work_answered, kCbiWorkItems,
                                  kCbiMinWorkAnswered));
  }
  return s;
}

std::string CbiBand(double score) {
  if (std::isnan(score)) return "";
  if (score < 50) return "low";
  if (score < 75) return "moderate";
  if (score < 100) return "high";
  return "severe";
}

}  // namespace burnout::insight
