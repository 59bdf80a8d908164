// What the orchestrator knows of a person beyond one assessment, as the API's messages: the
// personal baseline and an assessment's deviations from it, the escalation alerts, the CBI
// check-ins with their agreement and calibration, and the person's and the organisation's
// summaries. The arithmetic lives in orchestrator/insight (plain structs, tested there); this
// file maps assessments onto it. Pure functions of their arguments; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "burnout/v1/burnout_risk.pb.h"
#include "burnout/v1/config.pb.h"
#include "burnout/v1/fusion.pb.h"
#include "orchestrator/store/store.h"

namespace burnout::orchestrator {

// The quantities a baseline follows in one assessment, by name: "risk" (unless fusion
// abstained), "energy", "stress", "work", the text's burnout dimensions ("text.exhaustion"),
// and the voice's and face's person-dependent indicators ("voice.pitch_variability_st",
// "voice.rms_dbfs", "face.perclos", ...) of the modalities that were used.
std::vector<std::pair<std::string, double>> BaselineQuantities(const burnout::v1::Assessment& a);

// The passive risk score of an assessment, P(moderate) / 2 + P(high); nullopt-like -1 when
// fusion abstained.
double PassiveRisk(const burnout::v1::Assessment& a);

// The baseline over `history` (newest first): per quantity, median and MAD of the newest
// config.window values. Ready once min_assessments assessments gave a risk.
burnout::v1::PersonalBaseline BuildBaseline(const std::string& user_id,
                                            const std::vector<burnout::v1::Assessment>& history,
                                            const burnout::v1::BaselineConfig& config,
                                            int64_t now_ms);

// The assessment's quantities against the baseline (computed without it), with plain words for
// the notable ones; the cold-start sentence until the baseline is ready.
burnout::v1::BaselineComparison CompareToBaseline(const burnout::v1::Assessment& a,
                                                  const burnout::v1::PersonalBaseline& baseline);

// The configured personal indicators' baselines for fusion; empty until the baseline is ready.
std::vector<burnout::v1::IndicatorBaseline> FusionBaselines(
    const burnout::v1::PersonalBaseline& baseline, const burnout::v1::BaselineConfig& config);

// An assessment as a point of the person's passive series.
store::SeriesPoint PointOf(const burnout::v1::Assessment& a);

// The person's escalation episodes over `series` (any order, any span), recomputed from
// scratch: "risk_rising" over the daily means of the risk score and "stress_rising" over those
// of stress (abstentions left out of both), by UTC day. Newest raised first.
std::vector<burnout::v1::Alert> ComputeAlerts(const std::string& user_id,
                                              const std::vector<store::SeriesPoint>& series,
                                              const burnout::v1::AlertConfig& config);

// The check-ins' agreement with the passive risk. A check-in is compared through its personal
// burnout scale (the work-related one when personal is missing) against 100 x the mean passive
// risk of the assessments in the checkin.window_days up to it; with min_calibration_pairs such
// pairs, the person's calibration (insight/calibration.h) is fitted and reported.
burnout::v1::CheckInAgreement AgreementOf(const std::vector<burnout::v1::CheckIn>& checkins,
                                          const std::vector<store::SeriesPoint>& series,
                                          const burnout::v1::CheckInConfig& config);

// The latest check-in beside `current`'s passive estimate, calibrated once enough check-ins
// allow it. `series` includes `current`.
burnout::v1::SelfReport BuildSelfReport(const std::vector<burnout::v1::CheckIn>& checkins,
                                        const std::vector<store::SeriesPoint>& series,
                                        const burnout::v1::Assessment& current,
                                        const burnout::v1::CheckInConfig& config);

// Scores a check-in request (INVALID_ARGUMENT naming the item for a bad answer) into a CheckIn
// with the passive estimate of the window before `now_ms`.
absl::StatusOr<burnout::v1::CheckIn> ScoreCheckIn(const burnout::v1::CheckInRequest& request,
                                                  const std::vector<store::SeriesPoint>& series,
                                                  int64_t now_ms,
                                                  const burnout::v1::CheckInConfig& config);

// The 13 CBI items with their responses, the citation and the notice.
burnout::v1::CheckInForm MakeCheckInForm();

// The person's period [since_ms, until_ms): levels, means, alerts raised or active in it,
// check-ins in it, agreement over all check-ins.
burnout::v1::PersonSummary SummarizePerson(const std::string& user_id, int64_t since_ms,
                                           int64_t until_ms,
                                           const std::vector<burnout::v1::Assessment>& history,
                                           const std::vector<burnout::v1::CheckIn>& checkins,
                                           const std::vector<burnout::v1::Alert>& alerts,
                                           const std::vector<store::SeriesPoint>& series,
                                           const burnout::v1::CheckInConfig& config);

// The groups' aggregates with groups below min_group_size suppressed (name only), and the
// overall over the groups shown.
burnout::v1::OrgSummary SummarizeOrg(const std::vector<store::GroupAggregate>& groups,
                                     int64_t since_ms, int64_t until_ms, int min_group_size);

}  // namespace burnout::orchestrator
