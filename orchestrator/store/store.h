// Where a person's data lives: assessments, check-ins, alerts, their baseline, their group
// membership, and the audit of what was done with it. The orchestrator keeps no other state,
// so orchestrators can be replicated over a shared store. Baselines and alerts are derived:
// recomputed deterministically from the assessments, stored so they can be read and listed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "burnout/v1/burnout_risk.pb.h"

namespace burnout::store {

// What DeleteUser removed.
struct DeleteCounts {
  int assessments = 0;
  int checkins = 0;
  int alerts = 0;
  int audit = 0;
  bool baseline = false;
  bool group = false;
};

// How long each class of data is kept, in days before `now_ms`; 0 = forever.
struct RetentionPolicy {
  int64_t now_ms = 0;
  int assessments_days = 0;
  int session_series_days = 0;  // a session summary's series and fused points are dropped
  int checkins_days = 0;
  int audit_days = 0;
};

struct RetentionCounts {
  int assessments = 0;
  int session_series = 0;
  int checkins = 0;
  int audit = 0;
};

// One group's aggregates over a period; computed in the store so no individual row leaves it.
struct GroupAggregate {
  std::string group;
  int people = 0;
  int assessments = 0;
  int abstained = 0;
  int low = 0, moderate = 0, high = 0;
  double mean_risk = 0, mean_stress = 0, mean_energy = 0;  // over assessments with a level
  int people_with_active_alerts = 0;
  int checkins = 0;
  int checkin_personal_n = 0, checkin_work_n = 0;
  double mean_checkin_personal = 0, mean_checkin_work = 0;
};

// One assessment's passive figures, read from the store's columns (no payload): what alerts
// and check-in agreement need over months of history.
struct SeriesPoint {
  int64_t time_ms = 0;
  double risk = 0;         // P(moderate) / 2 + P(high)
  double stress = 0;
  bool abstained = false;  // no level was estimated (risk is for the record only)
};

// One line of the audit log: what was done with a person's data.
struct AuditEntry {
  int64_t at_ms = 0;
  std::string user_id;   // whose data; "" once that person's data is deleted
  std::string action;    // "export", "delete", "retention", "checkin", ...
  std::string outcome;   // "ok" or the error
  std::string detail;
  std::string actor;     // who: "person:<id>", "operator:<id>", "anonymous"
};

class AssessmentStore {
 public:
  virtual ~AssessmentStore() = default;

  // Stores the assessment, its per-modality results and narratives in ONE transaction that
  // is durable when this returns OK. ALREADY_EXISTS if (user_id, request_id) is taken
  // (request_id non-empty); the caller then reads the stored one.
  virtual absl::Status Put(const burnout::v1::Assessment& assessment) = 0;

  // The stored assessment for a client request id, if any.
  virtual absl::StatusOr<std::optional<burnout::v1::Assessment>> FindByRequestId(
      const std::string& user_id, const std::string& request_id) = 0;

  // The person's assessment with that id, if any (another person's id reads as none).
  virtual absl::StatusOr<std::optional<burnout::v1::Assessment>> FindById(
      const std::string& user_id, const std::string& assessment_id) = 0;

  // Newest first; limit <= 0 means all.
  virtual absl::StatusOr<std::vector<burnout::v1::Assessment>> History(const std::string& user_id,
                                                                      int limit,
                                                                      int64_t since_ms) = 0;

  // The person's assessments since `since_ms` as SeriesPoints, oldest first.
  virtual absl::StatusOr<std::vector<SeriesPoint>> Series(const std::string& user_id,
                                                          int64_t since_ms) = 0;

  // A check-in; ALREADY_EXISTS if (user_id, request_id) is taken (request_id non-empty).
  virtual absl::Status PutCheckIn(const burnout::v1::CheckIn& checkin) = 0;
  virtual absl::StatusOr<std::optional<burnout::v1::CheckIn>> FindCheckIn(
      const std::string& user_id, const std::string& request_id) = 0;
  // Oldest first.
  virtual absl::StatusOr<std::vector<burnout::v1::CheckIn>> CheckIns(const std::string& user_id,
                                                                     int64_t since_ms) = 0;

  // Replaces the person's alerts with `alerts` (the recomputed set), in one transaction.
  virtual absl::Status ReplaceAlerts(const std::string& user_id,
                                     const std::vector<burnout::v1::Alert>& alerts) = 0;
  // Newest raised first.
  virtual absl::StatusOr<std::vector<burnout::v1::Alert>> Alerts(const std::string& user_id) = 0;

  virtual absl::Status PutBaseline(const burnout::v1::PersonalBaseline& baseline) = 0;
  virtual absl::StatusOr<std::optional<burnout::v1::PersonalBaseline>> GetBaseline(
      const std::string& user_id) = 0;

  // The group whose aggregates the person counts in; "" = none (the membership is removed).
  virtual absl::Status SetGroup(const std::string& user_id, const std::string& group) = 0;
  virtual absl::StatusOr<std::string> Group(const std::string& user_id) = 0;
  // Per group, over [since_ms, until_ms): aggregates only. Groups with no assessment in the
  // period are left out.
  virtual absl::StatusOr<std::vector<GroupAggregate>> GroupAggregates(int64_t since_ms,
                                                                      int64_t until_ms) = 0;

  virtual absl::Status Audit(const AuditEntry& entry) = 0;
  // The person's audit entries, newest first.
  virtual absl::StatusOr<std::vector<AuditEntry>> AuditLog(const std::string& user_id) = 0;

  // Deletes everything stored for the user, leaving no trace of it in the store's files
  // (nor its journal) when this returns OK.
  virtual absl::StatusOr<DeleteCounts> DeleteUser(const std::string& user_id) = 0;

  // Deletes one of the person's assessments (false: none with that id), with DeleteUser's
  // no-trace guarantee (the caller audits it).
  virtual absl::StatusOr<bool> DeleteAssessment(const std::string& user_id,
                                                const std::string& assessment_id) = 0;

  // Deletes what the policy no longer keeps, with DeleteUser's no-trace guarantee.
  virtual absl::StatusOr<RetentionCounts> ApplyRetention(const RetentionPolicy& policy) = 0;
};

}  // namespace burnout::store
