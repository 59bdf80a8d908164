// Wellness suggestions keyed to an assessment's own evidence (config/recommendations.textproto,
// a burnout.v1.RecommendationCatalog). Pure functions apart from the loader; thread-safe.
// Suggestions are everyday, non-clinical ideas; never a diagnosis, never a treatment.
//
// Quantities a trigger compares (config.proto's RecommendationTrigger, plus two marked *):
//   risk_level          1 low, 2 moderate, 3 high; missing when the model abstained
//   risk                P(moderate)/2 + P(high): the trend feature "risk" (a.trend_features,
//                       kTrendFeatureNames order), else from a.risk().calibrated_probabilities;
//                       missing when the model abstained
//   energy, stress, work  a.state(), 0..1; missing without a state
//   text.<dimension>, voice.<indicator>, face.<indicator>
//                       the indicator of that modality's result, when the modality was used
//   z.<quantity>        the robust z of a.baseline().deviations() named <quantity>
//                       ("z.stress", "z.voice.pitch_variability_st")
//   alert.<kind>        1 while an ACTIVE alert of that kind is in a.alerts(), else 0
//   alert.<kind>.days*  whole days an ACTIVE alert of that kind has lasted, from its
//                       raised_at_ms to a.created_at_ms; missing when none is active (or the
//                       assessment has no time)
//   checkin.personal, checkin.work  the latest check-in's scale score (0..100), when scored
//   emotion.<name>*     the assessment's mixed emotion profile (a.trend_features: anger,
//                       disgust, fear, joy, neutral, sadness)
// A missing (or non-finite) quantity never triggers. A trigger holds when the value is
// >= at_least (if set) and <= at_most (if set).
//
// Recommend: a rule fires when any of its triggers holds. Its `why` is "Because " + the held
// triggers' reasons, each with its value ("your writing is about exhaustion (0.71)"), joined
// with ", " and " and "; `evidence` lists each held trigger ("text.exhaustion = 0.71 (at least
// 0.45)"). Fired rules are ordered by priority (higher first), ties by id; at most
// max_recommendations (0: kDefaultMaxRecommendations) are kept, except that the rule with id
// kAlwaysIncludedRule ("professional": a doctor, counsellor or employee assistance programme)
// is never cut when it fires.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "burnout/v1/burnout_risk.pb.h"
#include "burnout/v1/config.pb.h"

namespace burnout::insight {

inline constexpr int kDefaultMaxRecommendations = 3;
inline constexpr char kAlwaysIncludedRule[] = "professional";

// OK, or INVALID_ARGUMENT naming the rule: ids non-empty and unique; each rule has a title, a
// text and at least one trigger; each trigger has a known quantity (above), at_least or
// at_most (at_least <= at_most when both) and a reason; max_recommendations >= 0.
absl::Status ValidateRecommendationCatalog(const burnout::v1::RecommendationCatalog& catalog);

// Loads (strict text proto, common/config) and validates; errors name the file.
absl::StatusOr<burnout::v1::RecommendationCatalog> LoadRecommendationCatalog(const std::string& path);

// The value of a quantity in an assessment (see above); nullopt when missing.
std::optional<double> RecommendationQuantity(const burnout::v1::Assessment& assessment,
                                             const std::string& quantity);

std::vector<burnout::v1::Recommendation> Recommend(
    const burnout::v1::Assessment& assessment, const burnout::v1::RecommendationCatalog& catalog);

}  // namespace burnout::insight
