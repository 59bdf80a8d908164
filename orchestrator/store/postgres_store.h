// PostgreSQL implementation of AssessmentStore, for orchestrators replicated over one shared
// store. Same semantics, error codes and numbered schema steps as SqliteStore (schema version
// 3), in PostgreSQL's SQL: payloads are BYTEA, the applied steps are rows of a
// `schema_version` table, and Open applies the missing ones in ONE transaction under a
// transaction-scoped advisory lock, so orchestrators starting together migrate once and never
// see a half-migrated schema. Thread-safe: a small pool of connections (`connections`), one
// per call in flight; a connection that breaks is dropped and replaced at the next call.
//
// Errors: UNAVAILABLE when the server cannot be reached or the connection breaks (naming the
// URL without its password), ALREADY_EXISTS for a taken (user_id, request_id) (the partial
// unique index decides, so two orchestrators racing the same request store exactly one),
// DATA_LOSS for a stored payload that does not parse, FAILED_PRECONDITION when the database's
// schema is newer than this build, INTERNAL for SQL the server rejects for any other reason.
//
// Durability: each Put is one transaction, acknowledged after COMMIT returns; with the
// server's default synchronous_commit=on the commit's WAL record is flushed before that, so an
// acknowledged assessment survives a crash of the server (a server configured with
// synchronous_commit=off or fsync=off gives that up; that is the server's setting, not ours).
//
// Deletion (DeleteUser, ApplyRetention) on PostgreSQL is NOT SQLite's no-trace deletion.
// What happens: the rows are DELETEd in one transaction (modality results and explanations
// cascade), then `VACUUM (INDEX_CLEANUP ON)` runs on the affected tables (and, through them,
// their TOAST tables). What that does and does not guarantee:
//   - Guaranteed when the call returns OK: the deletion is committed; no query, on any
//     connection or replica that has replayed it, can read the person's rows again.
//   - VACUUM removes the dead row versions from the tables and their index entries and makes
//     the space reusable, but only those no snapshot can still see: a transaction older than
//     the delete (a long report, a pg_dump, a replica with hot_standby_feedback, a
//     replication slot) keeps them until it ends; autovacuum removes them some time after.
//   - PostgreSQL never zeroes freed space. VACUUM marks the dead rows' slots unused and
//     compacts each page, which overwrites only part of the old bytes: measured on
//     PostgreSQL 15 after DELETE + VACUUM + CHECKPOINT, 11 of 20 deleted rows' ids were still
//     readable in the table's file and 12 of 20 in its index's (postgres_store_test prints
//     what it finds). They stay in the table, TOAST and index files until new rows reuse the
//     space; VACUUM's truncation only gives back empty pages at the end of a file. (VACUUM
//     FULL would rewrite the tables into new files, but it locks each table against every
//     read and write for the whole rewrite, so it is not run here; an operator can schedule
//     it, or pg_repack. The old files' disk blocks are freed, not overwritten, either way.)
//   - The WAL keeps every inserted row (and full-page images of the pages it was on) until
//     its segments are recycled after later checkpoints (max_wal_size, wal_keep_size,
//     replication slots and archiving all delay that); WAL archives, base backups and
//     physical replicas' own WAL keep copies for as long as they are kept.
//   - Cost: each deletion scans the affected tables' indexes once (INDEX_CLEANUP ON) and the
//     pages holding dead rows; it waits for any VACUUM already running on those tables.
// So on PostgreSQL, "no trace on disk" depends on the server's operation (encrypted storage,
// WAL and backup retention), not on this store; the call guarantees the logical deletion and
// that VACUUM has run on them. VACUUM needs the tables' owner (the role that ran the
// migrations) or the database's: for any other role the call returns FAILED_PRECONDITION
// after the deletion has committed (PostgreSQL would only warn and skip), and when VACUUM
// itself fails, UNAVAILABLE; both messages say the data was deleted.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "orchestrator/store/store.h"

namespace pqxx {
class connection_base;
}

namespace burnout::store {

struct PostgresOptions {
  // A libpq connection string: "postgresql://user:password@host:port/db?sslmode=..." or
  // "host=... port=... dbname=... user=... password=...".
  std::string url;
  // Keep journal text (Assessment.text) and the words its evidence quotes; off by default
  // (store/redact.h says what is removed).
  bool keep_text = false;
  // The pool's size: at most this many calls run on the server at once (config
  // `postgres_connections`).
  int connections = 4;
};

class PostgresStore final : public AssessmentStore {
 public:
  // Connects (one connection; the rest of the pool connects on demand) and migrates.
  // UNAVAILABLE naming the URL without its password when the server cannot be reached;
  // FAILED_PRECONDITION when the schema is newer than kSchemaVersion.
  static absl::StatusOr<std::unique_ptr<PostgresStore>> Open(const PostgresOptions& options);
  ~PostgresStore() override;

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

  // The highest applied step in `schema_version`; -1 when it cannot be read.
  int schema_version();

  // The URL with any password replaced by "***" (URI userinfo, `password=` keyword or query
  // parameter): what error messages name.
  static std::string RedactedUrl(const std::string& url);

  static constexpr int kSchemaVersion = 3;

 private:
  explicit PostgresStore(PostgresOptions options);
  // The person's one assessment a prepared two-parameter SELECT of its payload finds, if any.
  absl::StatusOr<std::optional<burnout::v1::Assessment>> FindOne(const char* statement,
                                                                 const std::string& user_id,
                                                                 const std::string& key);

  // Runs `body` on a pooled connection, turning libpqxx's exceptions into statuses; a
  // connection that broke is dropped from the pool.
  absl::Status WithConnection(const std::function<absl::Status(pqxx::connection_base&)>& body);
  struct Connection;  // one pooled libpqxx connection (postgres_store.cc)
  absl::StatusOr<std::unique_ptr<Connection>> Connect();
  absl::Status Migrate(pqxx::connection_base& c);
  // VACUUM (INDEX_CLEANUP ON) of `tables` after a committed deletion.
  absl::Status Vacuum(pqxx::connection_base& c, const std::string& tables);

  PostgresOptions options_;
  std::string redacted_url_;
  std::mutex mu_;
  std::condition_variable idle_cv_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  int open_ = 0;                                          // connections in existence; mu_
};

}  // namespace burnout::store
