// The columns every store derives from an assessment besides its payload. Header-only.
#pragma once

#include "burnout/v1/burnout_risk.pb.h"

namespace burnout::store {

// The risk score column: the trend features' "risk" entry (orchestrator/state_engine.h), kept
// for abstentions too (their risk_level is 0, which the aggregates leave out).
inline double StoredRiskScore(const burnout::v1::Assessment& a) {
  return a.trend_features_size() > 3 ? a.trend_features(3) : 0.0;
}

// Whether the payload still carries a session's series (the retention job's has_series).
inline bool HasSessionSeries(const burnout::v1::Assessment& a) {
  return a.has_session() &&
         (a.session().series_size() > 0 || a.session().fused_series_size() > 0);
}

}  // namespace burnout::store
