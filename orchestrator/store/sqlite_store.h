// SQLite implementation of AssessmentStore: WAL journal, synchronous=FULL (a committed
// assessment survives a process or machine crash), versioned schema migrations applied at
// Open. Thread-safe: one connection behind a mutex (SQLite serialises writers anyway).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "orchestrator/store/store.h"

struct sqlite3;

namespace burnout::store {

struct SqliteOptions {
  std::string path;          // file path; ":memory:" for tests of the logic only
  bool keep_text = false;    // keep journal text (Assessment.text); off by default
  int busy_timeout_ms = 5000;
};

class SqliteStore final : public AssessmentStore {
 public:
  // Opens (creating if needed) and migrates. UNAVAILABLE / DATA_LOSS naming the path.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const SqliteOptions& options);
  ~SqliteStore() override;

  absl::Status Put(const burnout::v1::Assessment& assessment) override;
  absl::StatusOr<std::optional<burnout::v1::Assessment>> FindByRequestId(
      const std::string& user_id, const std::string& request_id) override;
  absl::StatusOr<std::vector<burnout::v1::Assessment>> History(const std::string& user_id,
                                                              int limit,
                                                              int64_t since_ms) override;
  absl::StatusOr<int> DeleteUser(const std::string& user_id) override;

  int schema_version();
  std::string journal_mode();

  static constexpr int kSchemaVersion = 1;

 private:
  SqliteStore(sqlite3* db, SqliteOptions options);
  absl::Status Migrate();
  absl::Status Exec(const std::string& sql);

  sqlite3* db_;
  SqliteOptions options_;
  std::mutex mu_;
};

}  // namespace burnout::store
