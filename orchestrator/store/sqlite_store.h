// SQLite implementation of AssessmentStore: WAL journal, synchronous=FULL (a committed
// assessment survives a process or machine crash), versioned schema migrations applied at
// Open. Thread-safe: one connection behind a mutex (SQLite serialises writers anyway).
//
// No trace after a deletion: secure_delete overwrites deleted content in the database file
// with zeros, and DeleteUser / ApplyRetention then checkpoint the WAL with TRUNCATE, so the
// journal's older page images of the deleted rows are gone from disk when they return.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "orchestrator/store/store.h"

struct sqlite3;

namespace burnout::store {

struct SqliteOptions {
  std::string path;          // file path; ":memory:" for tests of the logic only
  // Keep journal text (Assessment.text) and the words its evidence quotes; off by default
  // (store/redact.h says what is removed).
  bool keep_text = false;
  int busy_timeout_ms = 5000;
};

class Stmt;  // a prepared statement (sqlite_store.cc)

class SqliteStore final : public AssessmentStore {
 public:
  // Opens (creating if needed) and migrates. UNAVAILABLE / DATA_LOSS naming the path.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const SqliteOptions& options);
  ~SqliteStore() override;

  absl::Status Put(const burnout::v1::Assessment& assessment) override;
  absl::StatusOr<std::optional<burnout::v1::Assessment>> FindByRequestId(
      const std::string& user_id, const std::string& request_id) override;
  absl::StatusOr<std::optional<burnout::v1::Assessment>> FindById(
      const std::string& user_id, const std::string& assessment_id) override;
  absl::StatusOr<std::vector<burnout::v1::Assessment>> History(const std::string& user_id,
                                                              int limit,
                                                              int64_t since_ms) override;
  absl::StatusOr<std::vector<SeriesPoint>> Series(const std::string& user_id,
                                                  int64_t since_ms) override;
  absl::Status PutCheckIn(const burnout::v1::CheckIn& checkin) override;
  absl::StatusOr<std::optional<burnout::v1::CheckIn>> FindCheckIn(
      const std::string& user_id, const std::string& request_id) override;
  absl::StatusOr<std::vector<burnout::v1::CheckIn>> CheckIns(const std::string& user_id,
                                                             int64_t since_ms) override;
  absl::Status ReplaceAlerts(const std::string& user_id,
                             const std::vector<burnout::v1::Alert>& alerts) override;
  absl::StatusOr<std::vector<burnout::v1::Alert>> Alerts(const std::string& user_id) override;
  absl::Status PutBaseline(const burnout::v1::PersonalBaseline& baseline) override;
  absl::StatusOr<std::optional<burnout::v1::PersonalBaseline>> GetBaseline(
      const std::string& user_id) override;
  absl::Status SetGroup(const std::string& user_id, const std::string& group) override;
  absl::StatusOr<std::string> Group(const std::string& user_id) override;
  absl::StatusOr<std::vector<GroupAggregate>> GroupAggregates(int64_t since_ms,
                                                              int64_t until_ms) override;
  absl::Status Audit(const AuditEntry& entry) override;
  absl::StatusOr<std::vector<AuditEntry>> AuditLog(const std::string& user_id) override;
  absl::StatusOr<DeleteCounts> DeleteUser(const std::string& user_id) override;
  absl::StatusOr<bool> DeleteAssessment(const std::string& user_id,
                                        const std::string& assessment_id) override;
  absl::StatusOr<RetentionCounts> ApplyRetention(const RetentionPolicy& policy) override;

  int schema_version();
  std::string journal_mode();

  static constexpr int kSchemaVersion = 3;

 private:
  SqliteStore(sqlite3* db, SqliteOptions options);
  // The person's one assessment a two-parameter SELECT of its payload finds, if any.
  absl::StatusOr<std::optional<burnout::v1::Assessment>> FindOne(const char* sql,
                                                                 const std::string& user_id,
                                                                 const std::string& key);
  absl::Status Migrate();
  absl::Status Exec(const std::string& sql);
  // BEGIN IMMEDIATE, body, COMMIT (ROLLBACK when anything fails). Caller holds mu_.
  absl::Status Transaction(const std::function<absl::Status()>& body);
  // One statement without rows; returns the rows changed. Caller holds mu_.
  absl::StatusOr<int> Run(const char* sql, const std::function<void(Stmt&)>& bind);
  // Rows of one payload column. Caller holds mu_.
  template <typename Proto>
  absl::StatusOr<std::vector<Proto>> Rows(const char* sql,
                                          const std::function<void(Stmt&)>& bind);
  absl::Status CheckpointTruncate();

  sqlite3* db_;
  SqliteOptions options_;
  std::mutex mu_;
};

}  // namespace burnout::store
