#include "orchestrator/store/sqlite_store.h"

#include <sqlite3.h>

#include <chrono>
#include <functional>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "orchestrator/store/derived.h"
#include "orchestrator/store/redact.h"

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
    // 1 -> 2: check-ins, alerts, baselines, group membership, audit; which assessments still
    // carry session series (existing rows are checked once by the retention job).
    R"sql(
    ALTER TABLE assessments ADD COLUMN has_series INTEGER NOT NULL DEFAULT 1;
    CREATE TABLE checkins (
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL,
      request_id TEXT NOT NULL DEFAULT '',
      created_at_ms INTEGER NOT NULL,
      personal REAL,
      work REAL,
      payload BLOB NOT NULL
    );
    CREATE INDEX checkins_user_time ON checkins(user_id, created_at_ms);
    CREATE UNIQUE INDEX checkins_request ON checkins(user_id, request_id) WHERE request_id <> '';
    CREATE TABLE alerts (
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL,
      kind TEXT NOT NULL,
      state INTEGER NOT NULL,
      raised_at_ms INTEGER NOT NULL,
      cleared_at_ms INTEGER NOT NULL,
      payload BLOB NOT NULL
    );
    CREATE INDEX alerts_user ON alerts(user_id, raised_at_ms);
    CREATE TABLE baselines (
      user_id TEXT PRIMARY KEY,
      computed_at_ms INTEGER NOT NULL,
      payload BLOB NOT NULL
    );
    CREATE TABLE people (
      user_id TEXT PRIMARY KEY,
      group_name TEXT NOT NULL
    );
    CREATE INDEX people_group ON people(group_name);
    CREATE TABLE audit (
      seq INTEGER PRIMARY KEY,
      at_ms INTEGER NOT NULL,
      user_id TEXT NOT NULL,
      action TEXT NOT NULL,
      outcome TEXT NOT NULL,
      detail TEXT NOT NULL
    );
    CREATE INDEX audit_user ON audit(user_id, at_ms);
    )sql",
    // 2 -> 3: who did it.
    R"sql(
    ALTER TABLE audit ADD COLUMN actor TEXT NOT NULL DEFAULT '';
    )sql",
};

}  // namespace

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

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

template <typename Proto = Assessment>
absl::StatusOr<Proto> ParsePayload(sqlite3_stmt* stmt, int col) {
  Proto a;
  const void* blob = sqlite3_column_blob(stmt, col);
  const int n = sqlite3_column_bytes(stmt, col);
  if (!a.ParseFromArray(blob, n)) {
    return absl::DataLossError(
        absl::StrCat("stored ", a.GetDescriptor()->name(), " payload does not parse"));
  }
  return a;
}

std::string Serialized(const google::protobuf::Message& m) {
  std::string out;
  m.SerializeToString(&out);
  return out;
}

std::string ColumnText(sqlite3_stmt* st, int col) {
  const unsigned char* t = sqlite3_column_text(st, col);
  return t ? reinterpret_cast<const char*>(t) : "";
}

constexpr int64_t kDayMs = 86400000;

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
  if (!options_.keep_text) RedactJournalWords(&a);
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
            "payload, has_series) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!st.ok()) return fail(absl::InternalError(st.Error()));
    st.Bind(1, a.assessment_id());
    st.Bind(2, a.user_id());
    st.Bind(3, a.request_id());
    st.Bind(4, static_cast<int64_t>(a.created_at_ms()));
    st.Bind(5, static_cast<int64_t>(a.risk().level()));
    st.Bind(6, StoredRiskScore(a));
    st.Bind(7, static_cast<double>(a.risk().confidence()));
    st.Bind(8, static_cast<double>(a.risk().uncertainty()));
    st.Bind(9, static_cast<double>(a.state().energy()));
    st.Bind(10, static_cast<double>(a.state().stress()));
    st.Bind(11, static_cast<double>(a.state().work()));
    st.Bind(12, static_cast<int64_t>(a.trend().trend()));
    st.Bind(13, absl::StrCat(a.risk().model().name(), "/", a.risk().model().version()));
    st.BindBlob(14, payload);
    st.Bind(15, static_cast<int64_t>(HasSessionSeries(a)));
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

absl::StatusOr<std::optional<Assessment>> SqliteStore::FindOne(const char* sql,
                                                               const std::string& user_id,
                                                               const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt st(db_, sql);
  if (!st.ok()) return absl::InternalError(st.Error());
  st.Bind(1, user_id);
  st.Bind(2, key);
  const int rc = st.Step();
  if (rc == SQLITE_DONE) return std::optional<Assessment>();
  if (rc != SQLITE_ROW) return absl::UnavailableError(st.Error());
  auto a = ParsePayload(st.get(), 0);
  if (!a.ok()) return a.status();
  return std::optional<Assessment>(std::move(*a));
}

absl::StatusOr<std::optional<Assessment>> SqliteStore::FindByRequestId(
    const std::string& user_id, const std::string& request_id) {
  return FindOne("SELECT payload FROM assessments WHERE user_id = ? AND request_id = ?", user_id,
                 request_id);
}

absl::StatusOr<std::optional<Assessment>> SqliteStore::FindById(const std::string& user_id,
                                                                const std::string& assessment_id) {
  return FindOne("SELECT payload FROM assessments WHERE user_id = ? AND id = ?", user_id,
                 assessment_id);
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

absl::Status SqliteStore::Transaction(const std::function<absl::Status()>& body) {
  if (absl::Status s = Exec("BEGIN IMMEDIATE"); !s.ok()) return absl::UnavailableError(s.message());
  absl::Status s = body();
  if (s.ok()) s = Exec("COMMIT");
  if (!s.ok()) Exec("ROLLBACK").IgnoreError();
  return s;
}

absl::StatusOr<int> SqliteStore::Run(const char* sql,
                                     const std::function<void(Stmt&)>& bind) {
  Stmt st(db_, sql);
  if (!st.ok()) return absl::InternalError(st.Error());
  if (bind) bind(st);
  if (st.Step() != SQLITE_DONE) return absl::UnavailableError(st.Error());
  return sqlite3_changes(db_);
}

absl::Status SqliteStore::CheckpointTruncate() {
  // Copies every WAL frame into the database file and truncates the WAL to zero bytes, so
  // the page images a deletion replaced are gone from the journal too. A reader of another
  // connection can hold it up briefly; try for about a second.
  for (int attempt = 0; attempt < 50; ++attempt) {
    int log = -1, done = -1;
    const int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
    if (rc == SQLITE_OK) return absl::OkStatus();
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) {
      return absl::UnavailableError(absl::StrCat("WAL checkpoint failed: ", sqlite3_errmsg(db_)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return absl::UnavailableError(
      "the data was deleted, but another reader kept the WAL from being truncated; it is "
      "truncated at the next successful checkpoint");
}

absl::StatusOr<DeleteCounts> SqliteStore::DeleteUser(const std::string& user_id) {
  std::lock_guard<std::mutex> lock(mu_);
  DeleteCounts counts;
  auto by_user = [&user_id](Stmt& st) { st.Bind(1, user_id); };
  absl::Status s = Transaction([&]() -> absl::Status {
    BR_ASSIGN_OR_RETURN(counts.assessments, Run("DELETE FROM assessments WHERE user_id = ?", by_user));
    BR_ASSIGN_OR_RETURN(counts.checkins, Run("DELETE FROM checkins WHERE user_id = ?", by_user));
    BR_ASSIGN_OR_RETURN(counts.alerts, Run("DELETE FROM alerts WHERE user_id = ?", by_user));
    BR_ASSIGN_OR_RETURN(int b, Run("DELETE FROM baselines WHERE user_id = ?", by_user));
    BR_ASSIGN_OR_RETURN(int g, Run("DELETE FROM people WHERE user_id = ?", by_user));
    BR_ASSIGN_OR_RETURN(counts.audit, Run("DELETE FROM audit WHERE user_id = ?", by_user));
    counts.baseline = b > 0;
    counts.group = g > 0;
    // The deletion itself is audited, without the id it deleted.
    BR_ASSIGN_OR_RETURN(int ignored, Run("INSERT INTO audit (at_ms, user_id, action, outcome, "
                                         "detail) VALUES (?, '', 'delete', 'ok', ?)",
                                         [&](Stmt& st) {
                                           st.Bind(1, NowMs());
                                           st.Bind(2, absl::StrCat("a person's data: ",
                                                                   counts.assessments,
                                                                   " assessments, ",
                                                                   counts.checkins, " check-ins"));
                                         }));
    (void)ignored;
    return absl::OkStatus();
  });
  if (!s.ok()) return absl::UnavailableError(s.message());
  BR_RETURN_IF_ERROR(CheckpointTruncate());
  return counts;
}

absl::StatusOr<bool> SqliteStore::DeleteAssessment(const std::string& user_id,
                                                   const std::string& assessment_id) {
  std::lock_guard<std::mutex> lock(mu_);
  int deleted = 0;
  absl::Status s = Transaction([&]() -> absl::Status {
    // Its modality results and explanations cascade; secure_delete zeroes the freed pages.
    BR_ASSIGN_OR_RETURN(deleted, Run("DELETE FROM assessments WHERE user_id = ? AND id = ?",
                                     [&](Stmt& st) {
                                       st.Bind(1, user_id);
                                       st.Bind(2, assessment_id);
                                     }));
    return absl::OkStatus();
  });
  if (!s.ok()) return absl::UnavailableError(s.message());
  if (deleted > 0) BR_RETURN_IF_ERROR(CheckpointTruncate());
  return deleted > 0;
}

absl::StatusOr<std::vector<SeriesPoint>> SqliteStore::Series(const std::string& user_id,
                                                            int64_t since_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt st(db_,
          "SELECT created_at_ms, risk_score, stress, risk_level FROM assessments "
          "WHERE user_id = ? AND created_at_ms >= ? ORDER BY created_at_ms, rowid");
  if (!st.ok()) return absl::InternalError(st.Error());
  st.Bind(1, user_id);
  st.Bind(2, since_ms);
  std::vector<SeriesPoint> out;
  for (;;) {
    const int rc = st.Step();
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return absl::UnavailableError(st.Error());
    out.push_back({sqlite3_column_int64(st.get(), 0), sqlite3_column_double(st.get(), 1),
                   sqlite3_column_double(st.get(), 2), sqlite3_column_int(st.get(), 3) == 0});
  }
  return out;
}

absl::Status SqliteStore::PutCheckIn(const burnout::v1::CheckIn& c) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt st(db_,
          "INSERT INTO checkins (id, user_id, request_id, created_at_ms, personal, work, payload) "
          "VALUES (?,?,?,?,?,?,?)");
  if (!st.ok()) return absl::InternalError(st.Error());
  st.Bind(1, c.checkin_id());
  st.Bind(2, c.user_id());
  st.Bind(3, c.request_id());
  st.Bind(4, static_cast<int64_t>(c.created_at_ms()));
  if (c.has_personal()) st.Bind(5, static_cast<double>(c.personal()));
  if (c.has_work()) st.Bind(6, static_cast<double>(c.work()));
  st.BindBlob(7, Serialized(c));
  const int rc = st.Step();
  if (rc == SQLITE_CONSTRAINT) {
    return absl::AlreadyExistsError(absl::StrCat("check-in request_id \"", c.request_id(),
                                                 "\" already stored for user \"", c.user_id(),
                                                 "\""));
  }
  if (rc != SQLITE_DONE) return absl::UnavailableError(st.Error());
  return absl::OkStatus();
}

absl::StatusOr<std::optional<burnout::v1::CheckIn>> SqliteStore::FindCheckIn(
    const std::string& user_id, const std::string& request_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt st(db_, "SELECT payload FROM checkins WHERE user_id = ? AND request_id = ?");
  if (!st.ok()) return absl::InternalError(st.Error());
  st.Bind(1, user_id);
  st.Bind(2, request_id);
  const int rc = st.Step();
  if (rc == SQLITE_DONE) return std::optional<burnout::v1::CheckIn>();
  if (rc != SQLITE_ROW) return absl::UnavailableError(st.Error());
  BR_ASSIGN_OR_RETURN(auto c, ParsePayload<burnout::v1::CheckIn>(st.get(), 0));
  return std::optional<burnout::v1::CheckIn>(std::move(c));
}

template <typename Proto>
absl::StatusOr<std::vector<Proto>> SqliteStore::Rows(const char* sql,
                                                     const std::function<void(Stmt&)>& bind) {
  Stmt st(db_, sql);
  if (!st.ok()) return absl::InternalError(st.Error());
  bind(st);
  std::vector<Proto> out;
  for (;;) {
    const int rc = st.Step();
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return absl::UnavailableError(st.Error());
    BR_ASSIGN_OR_RETURN(Proto p, ParsePayload<Proto>(st.get(), 0));
    out.push_back(std::move(p));
  }
  return out;
}

absl::StatusOr<std::vector<burnout::v1::CheckIn>> SqliteStore::CheckIns(const std::string& user_id,
                                                                        int64_t since_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  return Rows<burnout::v1::CheckIn>(
      "SELECT payload FROM checkins WHERE user_id = ? AND created_at_ms >= ? "
      "ORDER BY created_at_ms, rowid",
      [&](Stmt& st) {
        st.Bind(1, user_id);
        st.Bind(2, since_ms);
      });
}

absl::Status SqliteStore::ReplaceAlerts(const std::string& user_id,
                                        const std::vector<burnout::v1::Alert>& alerts) {
  std::lock_guard<std::mutex> lock(mu_);
  return Transaction([&]() -> absl::Status {
    BR_RETURN_IF_ERROR(Run("DELETE FROM alerts WHERE user_id = ?",
                           [&](Stmt& st) { st.Bind(1, user_id); }).status());
    for (const auto& a : alerts) {
      BR_RETURN_IF_ERROR(
          Run("INSERT INTO alerts (id, user_id, kind, state, raised_at_ms, cleared_at_ms, payload) "
              "VALUES (?,?,?,?,?,?,?)",
              [&](Stmt& st) {
                st.Bind(1, a.alert_id());
                st.Bind(2, user_id);
                st.Bind(3, a.kind());
                st.Bind(4, static_cast<int64_t>(a.state()));
                st.Bind(5, static_cast<int64_t>(a.raised_at_ms()));
                st.Bind(6, static_cast<int64_t>(a.cleared_at_ms()));
                st.BindBlob(7, Serialized(a));
              })
              .status());
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<burnout::v1::Alert>> SqliteStore::Alerts(const std::string& user_id) {
  std::lock_guard<std::mutex> lock(mu_);
  return Rows<burnout::v1::Alert>(
      "SELECT payload FROM alerts WHERE user_id = ? ORDER BY raised_at_ms DESC, kind",
      [&](Stmt& st) { st.Bind(1, user_id); });
}

absl::Status SqliteStore::PutBaseline(const burnout::v1::PersonalBaseline& b) {
  std::lock_guard<std::mutex> lock(mu_);
  return Run("INSERT INTO baselines (user_id, computed_at_ms, payload) VALUES (?,?,?) "
             "ON CONFLICT(user_id) DO UPDATE SET computed_at_ms = excluded.computed_at_ms, "
             "payload = excluded.payload",
             [&](Stmt& st) {
               st.Bind(1, b.user_id());
               st.Bind(2, static_cast<int64_t>(b.computed_at_ms()));
               st.BindBlob(3, Serialized(b));
             })
      .status();
}

absl::StatusOr<std::optional<burnout::v1::PersonalBaseline>> SqliteStore::GetBaseline(
    const std::string& user_id) {
  std::lock_guard<std::mutex> lock(mu_);
  BR_ASSIGN_OR_RETURN(auto rows, Rows<burnout::v1::PersonalBaseline>(
                                     "SELECT payload FROM baselines WHERE user_id = ?",
                                     [&](Stmt& st) { st.Bind(1, user_id); }));
  if (rows.empty()) return std::optional<burnout::v1::PersonalBaseline>();
  return std::optional<burnout::v1::PersonalBaseline>(std::move(rows.front()));
}

absl::Status SqliteStore::SetGroup(const std::string& user_id, const std::string& group) {
  std::lock_guard<std::mutex> lock(mu_);
  if (group.empty()) {
    return Run("DELETE FROM people WHERE user_id = ?", [&](Stmt& st) { st.Bind(1, user_id); })
        .status();
  }
  return Run("INSERT INTO people (user_id, group_name) VALUES (?, ?) "
             "ON CONFLICT(user_id) DO UPDATE SET group_name = excluded.group_name",
             [&](Stmt& st) {
               st.Bind(1, user_id);
               st.Bind(2, group);
             })
      .status();
}

absl::StatusOr<std::string> SqliteStore::Group(const std::string& user_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt st(db_, "SELECT group_name FROM people WHERE user_id = ?");
  if (!st.ok()) return absl::InternalError(st.Error());
  st.Bind(1, user_id);
  const int rc = st.Step();
  if (rc == SQLITE_DONE) return std::string();
  if (rc != SQLITE_ROW) return absl::UnavailableError(st.Error());
  return ColumnText(st.get(), 0);
}

absl::StatusOr<std::vector<GroupAggregate>> SqliteStore::GroupAggregates(int64_t since_ms,
                                                                         int64_t until_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<GroupAggregate> out;
  {
    Stmt st(db_,
            "SELECT p.group_name, COUNT(DISTINCT a.user_id), COUNT(*), "
            "SUM(a.risk_level = 0), SUM(a.risk_level = 1), SUM(a.risk_level = 2), "
            "SUM(a.risk_level = 3), "
            "AVG(CASE WHEN a.risk_level <> 0 THEN a.risk_score END), "
            "AVG(CASE WHEN a.risk_level <> 0 THEN a.stress END), "
            "AVG(CASE WHEN a.risk_level <> 0 THEN a.energy END) "
            "FROM assessments a JOIN people p ON p.user_id = a.user_id "
            "WHERE a.created_at_ms >= ? AND a.created_at_ms < ? "
            "GROUP BY p.group_name ORDER BY p.group_name");
    if (!st.ok()) return absl::InternalError(st.Error());
    st.Bind(1, since_ms);
    st.Bind(2, until_ms);
    for (;;) {
      const int rc = st.Step();
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return absl::UnavailableError(st.Error());
      GroupAggregate g;
      g.group = ColumnText(st.get(), 0);
      g.people = sqlite3_column_int(st.get(), 1);
      g.assessments = sqlite3_column_int(st.get(), 2);
      g.abstained = sqlite3_column_int(st.get(), 3);
      g.low = sqlite3_column_int(st.get(), 4);
      g.moderate = sqlite3_column_int(st.get(), 5);
      g.high = sqlite3_column_int(st.get(), 6);
      g.mean_risk = sqlite3_column_double(st.get(), 7);
      g.mean_stress = sqlite3_column_double(st.get(), 8);
      g.mean_energy = sqlite3_column_double(st.get(), 9);
      out.push_back(std::move(g));
    }
  }
  auto find = [&out](const std::string& name) -> GroupAggregate* {
    for (auto& g : out) {
      if (g.group == name) return &g;
    }
    return nullptr;
  };
  {
    Stmt st(db_,
            "SELECT p.group_name, COUNT(DISTINCT al.user_id) FROM alerts al "
            "JOIN people p ON p.user_id = al.user_id WHERE al.state = 1 GROUP BY p.group_name");
    if (!st.ok()) return absl::InternalError(st.Error());
    while (st.Step() == SQLITE_ROW) {
      if (GroupAggregate* g = find(ColumnText(st.get(), 0))) {
        g->people_with_active_alerts = sqlite3_column_int(st.get(), 1);
      }
    }
  }
  {
    Stmt st(db_,
            "SELECT p.group_name, COUNT(*), COUNT(c.personal), AVG(c.personal), COUNT(c.work), "
            "AVG(c.work) FROM checkins c JOIN people p ON p.user_id = c.user_id "
            "WHERE c.created_at_ms >= ? AND c.created_at_ms < ? GROUP BY p.group_name");
    if (!st.ok()) return absl::InternalError(st.Error());
    st.Bind(1, since_ms);
    st.Bind(2, until_ms);
    while (st.Step() == SQLITE_ROW) {
      if (GroupAggregate* g = find(ColumnText(st.get(), 0))) {
        g->checkins = sqlite3_column_int(st.get(), 1);
        g->checkin_personal_n = sqlite3_column_int(st.get(), 2);
        g->mean_checkin_personal = sqlite3_column_double(st.get(), 3);
        g->checkin_work_n = sqlite3_column_int(st.get(), 4);
        g->mean_checkin_work = sqlite3_column_double(st.get(), 5);
      }
    }
  }
  return out;
}

absl::Status SqliteStore::Audit(const AuditEntry& e) {
  std::lock_guard<std::mutex> lock(mu_);
  return Run("INSERT INTO audit (at_ms, user_id, action, outcome, detail, actor) "
             "VALUES (?,?,?,?,?,?)",
             [&](Stmt& st) {
               st.Bind(1, e.at_ms ? e.at_ms : NowMs());
               st.Bind(2, e.user_id);
               st.Bind(3, e.action);
               st.Bind(4, e.outcome);
               st.Bind(5, e.detail);
               st.Bind(6, e.actor);
             })
      .status();
}

absl::StatusOr<std::vector<AuditEntry>> SqliteStore::AuditLog(const std::string& user_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Stmt st(db_,
          "SELECT at_ms, user_id, action, outcome, detail, actor FROM audit WHERE user_id = ? "
          "ORDER BY at_ms DESC, seq DESC");
  if (!st.ok()) return absl::InternalError(st.Error());
  st.Bind(1, user_id);
  std::vector<AuditEntry> out;
  while (st.Step() == SQLITE_ROW) {
    out.push_back({sqlite3_column_int64(st.get(), 0), ColumnText(st.get(), 1),
                   ColumnText(st.get(), 2), ColumnText(st.get(), 3), ColumnText(st.get(), 4),
                   ColumnText(st.get(), 5)});
  }
  return out;
}

absl::StatusOr<RetentionCounts> SqliteStore::ApplyRetention(const RetentionPolicy& p) {
  std::lock_guard<std::mutex> lock(mu_);
  RetentionCounts counts;
  auto before = [&p](int days) { return p.now_ms - static_cast<int64_t>(days) * kDayMs; };
  absl::Status s = Transaction([&]() -> absl::Status {
    if (p.assessments_days > 0) {
      BR_ASSIGN_OR_RETURN(counts.assessments,
                          Run("DELETE FROM assessments WHERE created_at_ms < ?",
                              [&](Stmt& st) { st.Bind(1, before(p.assessments_days)); }));
    }
    if (p.checkins_days > 0) {
      BR_ASSIGN_OR_RETURN(counts.checkins,
                          Run("DELETE FROM checkins WHERE created_at_ms < ?",
                              [&](Stmt& st) { st.Bind(1, before(p.checkins_days)); }));
    }
    if (p.audit_days > 0) {
      BR_ASSIGN_OR_RETURN(counts.audit, Run("DELETE FROM audit WHERE at_ms < ?", [&](Stmt& st) {
                            st.Bind(1, before(p.audit_days));
                          }));
    }
    if (p.session_series_days > 0) {
      std::vector<std::pair<std::string, Assessment>> rewrite;
      {
        Stmt st(db_, "SELECT id, payload FROM assessments WHERE has_series = 1 AND created_at_ms < ?");
        if (!st.ok()) return absl::InternalError(st.Error());
        st.Bind(1, before(p.session_series_days));
        while (st.Step() == SQLITE_ROW) {
          BR_ASSIGN_OR_RETURN(Assessment a, ParsePayload(st.get(), 1));
          rewrite.emplace_back(ColumnText(st.get(), 0), std::move(a));
        }
      }
      for (auto& entry : rewrite) {
        const std::string& id = entry.first;  // (a structured binding cannot be captured in C++17)
        Assessment& a = entry.second;
        const bool had = HasSessionSeries(a);
        if (had) {
          a.mutable_session()->clear_series();
          a.mutable_session()->clear_fused_series();
          a.mutable_session()->add_notes(
              "the session's series were deleted by the retention policy; its summary stays");
        }
        BR_RETURN_IF_ERROR(Run("UPDATE assessments SET payload = ?, has_series = 0 WHERE id = ?",
                               [&](Stmt& st) {
                                 st.BindBlob(1, Serialized(a));
                                 st.Bind(2, id);
                               })
                               .status());
        counts.session_series += had ? 1 : 0;
      }
    }
    const int total = counts.assessments + counts.checkins + counts.audit + counts.session_series;
    if (total > 0) {
      BR_RETURN_IF_ERROR(
          Run("INSERT INTO audit (at_ms, user_id, action, outcome, detail) "
              "VALUES (?, '', 'retention', 'ok', ?)",
              [&](Stmt& st) {
                st.Bind(1, p.now_ms);
                st.Bind(2, absl::StrCat(counts.assessments, " assessments, ",
                                        counts.session_series, " session series, ",
                                        counts.checkins, " check-ins, ", counts.audit,
                                        " audit entries past their retention"));
              })
              .status());
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return absl::UnavailableError(s.message());
  if (counts.assessments + counts.checkins + counts.audit + counts.session_series > 0) {
    BR_RETURN_IF_ERROR(CheckpointTruncate());
  }
  return counts;
}

}  // namespace burnout::store
