#include "orchestrator/store/sqlite_store.h"

#include <sqlite3.h>

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"

namespace burnout::store {
namespace {

using burnout::v1::Assessment;

// Each migration moves the schema from version i to i+1; never edit a released one.
const char* const kMigrations[] = {
    // 0 -> 1
    R"sql(
    CREATE TABLE assessments (
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL,
      request_id TEXT NOT NULL DEFAULT '',
      created_at_ms INTEGER NOT NULL,
      risk_level INTEGER NOT NULL,
      risk_score REAL NOT NULL,
      confidence REAL NOT NULL,
      uncertainty REAL NOT NULL,
      energy REAL NOT NULL,
      stress REAL NOT NULL,
      work REAL NOT NULL,
      trend INTEGER NOT NULL,
      fusion_model TEXT NOT NULL,
      payload BLOB NOT NULL
    );
    CREATE INDEX assessments_user_time ON assessments(user_id, created_at_ms);
    CREATE UNIQUE INDEX assessments_request ON assessments(user_id, request_id)
      WHERE request_id <> '';
    CREATE TABLE modality_results (
      assessment_id TEXT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
      modality INTEGER NOT NULL,
      used INTEGER NOT NULL,
      mask_reason TEXT NOT NULL,
      quality REAL,
      model_name TEXT, model_version TEXT, model_sha256 TEXT,
      attention_weight REAL NOT NULL,
      PRIMARY KEY (assessment_id, modality)
    );
    CREATE TABLE explanations (
      assessment_id TEXT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
      position INTEGER NOT NULL,
      topic TEXT NOT NULL,
      text TEXT NOT NULL,
      PRIMARY KEY (assessment_id, position)
    );
    )sql",
};

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() { return stmt_; }
  void Bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void BindBlob(int i, const std::string& v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void Bind(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void Bind(int i, double v) { sqlite3_bind_double(stmt_, i, v); }
  int Step() { return sqlite3_step(stmt_); }
  std::string Error() const { return sqlite3_errmsg(db_); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

// The risk score is the trend vector's "risk" entry (orchestrator/state_engine.h).
double RiskScore(const Assessment& a) {
  return a.trend_features_size() > 3 ? a.trend_features(3) : 0.0;
}

absl::StatusOr<Assessment> ParsePayload(sqlite3_stmt* stmt, int col) {
  Assessment a;
  const void* blob = sqlite3_column_blob(stmt, col);
  const int n = sqlite3_column_bytes(stmt, col);
  if (!a.ParseFromArray(blob, n)) {
    return absl::DataLossError("stored assessment payload does not parse");
  }
  return a;
}

}  // namespace

SqliteStore::SqliteStore(sqlite3* db, SqliteOptions options)
    : db_(db), options_(std::move(options)) {}

SqliteStore::~SqliteStore() { sqlite3_close_v2(db_); }

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const SqliteOptions& options) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(options.path.c_str(), &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return absl::UnavailableError(absl::StrCat("cannot open store ", options.path, ": ", msg));
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(db, options));
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                             "PRAGMA foreign_keys=ON", "PRAGMA secure_delete=ON"}) {
    if (absl::Status s = store->Exec(pragma); !s.ok()) {
      return absl::UnavailableError(absl::StrCat("store ", options.path, ": ", s.message()));
    }
  }
  if (absl::Status s = store->Migrate(); !s.ok()) {
    return absl::DataLossError(absl::StrCat("store ", options.path, ": ", s.message()));
  }
  return store;
}

absl::Status SqliteStore::Exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    return absl::InternalError(msg);
  }
  return absl::OkStatus();
}

int SqliteStore::schema_version() {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt st(db_, "PRAGMA user_version");
  return st.ok() && st.Step() == SQLITE_ROW ? sqlite3_column_int(st.get(), 0) : -1;
}

std::string SqliteStore::journal_mode() {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt st(db_, "PRAGMA journal_mode");
  if (!st.ok() || st.Step() != SQLITE_ROW) return "";
  return reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 0));
}

absl::Status SqliteStore::Migrate() {
  int version = 0;
  {
    Stmt st(db_, "PRAGMA user_version");
    if (!st.ok() || st.Step() != SQLITE_ROW) return absl::InternalError("cannot read user_version");
    version = sqlite3_column_int(st.get(), 0);
  }
  if (version > kSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "schema version ", version, " is newer than this build understands (", kSchemaVersion,
        "); upgrade the orchestrator"));
  }
  for (int v = version; v < kSchemaVersion; ++v) {
    // Each step and its version bump commit together, or not at all.
    const std::string sql = absl::StrCat("BEGIN IMMEDIATE;", kMigrations[v],
                                         "PRAGMA user_version=", v + 1, "; COMMIT;");
    if (absl::Status s = Exec(sql); !s.ok()) {
      Exec("ROLLBACK").IgnoreError();
      return absl::InternalError(absl::StrCat("migration to v", v + 1, " failed: ", s.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status SqliteStore::Put(const Assessment& in) {
  Assessment a = in;
  if (!options_.keep_text) a.clear_text();
  std::string payload;
  a.SerializeToString(&payload);
  std::lock_guard<std::mutex> lock(mu_);
  if (absl::Status s = Exec("BEGIN IMMEDIATE"); !s.ok()) return absl::UnavailableError(s.message());
  auto fail = [this](absl::Status s) {
    Exec("ROLLBACK").IgnoreError();
    return s;
  };
  {
    Stmt st(db_,
            "INSERT INTO assessments (id, user_id, request_id, created_at_ms, risk_level, "
            "risk_score, confidence, uncertainty, energy, stress, work, trend, fusion_model, "
            "payload) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!st.ok()) return fail(absl::InternalError(st.Error()));
    st.Bind(1, a.assessment_id());
    st.Bind(2, a.user_id());
    st.Bind(3, a.request_id());
    st.Bind(4, static_cast<int64_t>(a.created_at_ms()));
    st.Bind(5, static_cast<int64_t>(a.risk().level()));
    st.Bind(6, RiskScore(a));
    st.Bind(7, static_cast<double>(a.risk().confidence()));
    st.Bind(8, static_cast<double>(a.risk().uncertainty()));
    st.Bind(9, static_cast<double>(a.state().energy()));
    st.Bind(10, static_cast<double>(a.state().stress()));
    st.Bind(11, static_cast<double>(a.state().work()));
    st.Bind(12, static_cast<int64_t>(a.trend().trend()));
    st.Bind(13, absl::StrCat(a.risk().model().name(), "/", a.risk().model().version()));
    st.BindBlob(14, payload);
    const int rc = st.Step();
    if (rc == SQLITE_CONSTRAINT) {
      return fail(absl::AlreadyExistsError(absl::StrCat(
          "request_id \"", a.request_id(), "\" already stored for user \"", a.user_id(), "\"")));
    }
    if (rc != SQLITE_DONE) return fail(absl::UnavailableError(st.Error()));
  }
  for (const auto& m : a.modalities()) {
    Stmt st(db_,
            "INSERT INTO modality_results (assessment_id, modality, used, mask_reason, quality, "
            "model_name, model_version, model_sha256, attention_weight) "
            "VALUES (?,?,?,?,?,?,?,?,?)");
    if (!st.ok()) return fail(absl::InternalError(st.Error()));
    st.Bind(1, a.assessment_id());
    st.Bind(2, static_cast<int64_t>(m.modality()));
    st.Bind(3, static_cast<int64_t>(m.used()));
    st.Bind(4, m.mask_reason());
    if (m.has_result()) {
      st.Bind(5, static_cast<double>(m.result().quality()));
      st.Bind(6, m.result().model().name());
      st.Bind(7, m.result().model().version());
      st.Bind(8, m.result().model().sha256());
    }
    st.Bind(9, static_cast<double>(m.attention_weight()));
    if (st.Step() != SQLITE_DONE) return fail(absl::UnavailableError(st.Error()));
  }
  for (int i = 0; i < a.narratives_size(); ++i) {
    Stmt st(db_, "INSERT INTO explanations (assessment_id, position, topic, text) VALUES (?,?,?,?)");
    if (!st.ok()) return fail(absl::InternalError(st.Error()));
    st.Bind(1, a.assessment_id());
    st.Bind(2, static_cast<int64_t>(i));
    st.Bind(3, a.narratives(i).topic());
    st.Bind(4, a.narratives(i).text());
    if (st.Step() != SQLITE_DONE) return fail(absl::UnavailableError(st.Error()));
  }
  if (absl::Status s = Exec("COMMIT"); !s.ok()) return fail(absl::UnavailableError(s.message()));
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Assessment>> SqliteStore::FindByRequestId(
    const std::string& user_id, const std::string& request_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt st(db_, "SELECT payload FROM assessments WHERE user_id = ? AND request_id = ?");
  if (!st.ok()) return absl::InternalError(st.Error());
  st.Bind(1, user_id);
  st.Bind(2, request_id);
  const int rc = st.Step();
  if (rc == SQLITE_DONE) return std::optional<Assessment>();
  if (rc != SQLITE_ROW) return absl::UnavailableError(st.Error());
  auto a = ParsePayload(st.get(), 0);
  if (!a.ok()) return a.status();
  return std::optional<Assessment>(std::move(*a));
}

absl::StatusOr<std::vector<Assessment>> SqliteStore::History(const std::string& user_id, int limit,
                                                             int64_t since_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt st(db_,
          "SELECT payload FROM assessments WHERE user_id = ? AND created_at_ms >= ? "
          "ORDER BY created_at_ms DESC, rowid DESC LIMIT ?");
  if (!st.ok()) return absl::InternalError(st.Error());
  st.Bind(1, user_id);
  st.Bind(2, since_ms);
  st.Bind(3, static_cast<int64_t>(limit > 0 ? limit : -1));
  std::vector<Assessment> out;
  for (;;) {
    const int rc = st.Step();
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return absl::UnavailableError(st.Error());
    auto a = ParsePayload(st.get(), 0);
    if (!a.ok()) return a.status();
    out.push_back(std::move(*a));
  }
  return out;
}

absl::StatusOr<int> SqliteStore::DeleteUser(const std::string& user_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt st(db_, "DELETE FROM assessments WHERE user_id = ?");
  if (!st.ok()) return absl::InternalError(st.Error());
  st.Bind(1, user_id);
  if (st.Step() != SQLITE_DONE) return absl::UnavailableError(st.Error());
  return sqlite3_changes(db_);
}

}  // namespace burnout::store
