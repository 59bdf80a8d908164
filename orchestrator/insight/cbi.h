// The Copenhagen Burnout Inventory (CBI), personal and work-related scales: the items, their
// response labels and the published scoring. Pure functions, no I/O; thread-safe.
//
// Kristensen, Borritz, Villadsen & Christensen (2005), "The Copenhagen Burnout Inventory: A new
// tool for the assessment of burnout", Work & Stress 19(3), 192-207. Public domain. The 13
// items are in the published order: 1-6 personal burnout, 7-13 work-related burnout (the
// client-related scale is not used).
//
// Scoring (published): the most severe response (Always / To a very high degree) is 100, then
// 75, 50, 25, and the least severe (Never or almost never / To a very low degree) 0; item 13
// ("enough energy for family and friends") is reversed. A scale's score is the mean of its
// answered items, and a scale is scored only when at least half of its items are answered
// (at least 3 of the 6 personal items, at least 4 of the 7 work items), as in the published
// scoring instructions; otherwise that scale is missing, with a note saying why.
//
// A CBI check-in is the person's own reading of themselves. Its scores and bands are a
// self-awareness aid, never a diagnosis.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace burnout::insight {

inline constexpr int kCbiItemCount = 13;
inline constexpr int kCbiPersonalItems = 6;   // items 1-6
inline constexpr int kCbiWorkItems = 7;       // items 7-13
inline constexpr int kCbiMinPersonalAnswered = 3;  // half of 6
inline constexpr int kCbiMinWorkAnswered = 4;      // half of 7, rounded up

struct CbiItem {
  int number;                 // 1..13, the published order
  std::string scale;          // "personal" | "work"
  std::string text;
  std::string response_kind;  // "frequency" | "degree"
  bool reverse;               // scored 100 - score (item 13 only)
};

// The 13 items, in order (CbiItems()[i].number == i + 1).
const std::vector<CbiItem>& CbiItems();

// The five response labels of a kind ("frequency" or "degree"), ordered from answer 1 = least
// ("Never or almost never" / "To a very low degree") to answer 5 = most ("Always" / "To a very
// high degree"). Empty for any other kind.
const std::vector<std::string>& CbiResponses(const std::string& kind);

struct CbiScores {
  // One per item, in item order: 0..100 after reversal, -1 when skipped.
  std::vector<double> item_scores;
  int personal_answered = 0;       // of 6
  int work_answered = 0;           // of 7
  std::optional<double> personal;  // 0..100; nullopt when fewer than 3 items are answered
  std::optional<double> work;      // 0..100; nullopt when fewer than 4 items are answered
  std::string personal_band;       // CbiBand(*personal), "" when personal is missing
  std::string work_band;           // CbiBand(*work), "" when work is missing
  // Why a scale is missing, e.g. "work-related burnout not scored: 3 of 7 items answered; at
  // least 4 are needed". Empty when both scales are scored.
  std::vector<std::string> notes;
};

// Scores 13 answers, in item order: 1..5 on the CbiResponses scale of the item's kind (1 =
// least, 5 = most; for item 13 too, whose reversal is applied here), 0 = skipped.
// INVALID_ARGUMENT for a count other than 13, for an answer outside 0..5 (naming the item), and
// when neither scale has enough answers to be scored (naming both counts). One scale missing is
// not an error: it is nullopt, with a note.
absl::StatusOr<CbiScores> ScoreCbi(const std::vector<int>& answers);

// The band of a scale score (0..100): below 50 "low", 50 to below 75 "moderate", 75 to below
// 100 "high", 100 "severe"; "" for NaN.
//
// These cut-offs are not in Kristensen et al. (2005), which publishes no thresholds; they are a
// convention in common use in later studies that report the CBI (other cut-offs also circulate,
// e.g. 75-89 / 90-100). They describe where a score sits on the scale, not a diagnosis.
std::string CbiBand(double score);

}  // namespace burnout::insight
