#include "orchestrator/store/postgres_store.h"

#include <chrono>
#include <pqxx/pqxx>
#include <regex>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "orchestrator/store/derived.h"
#include "orchestrator/store/redact.h"

namespace burnout::store {
namespace {

using burnout::v1::Assessment;

// Each migration moves the schema from version i to i+1; never edit a released one. The same
// numbered steps as SqliteStore's, in PostgreSQL's types: `seq` identity columns stand for
// SQLite's rowid (the insertion order that breaks ties in time), flags are BOOLEAN.
const char* const kMigrations[] = {
    // 0 -> 1
    R"sql(
    CREATE TABLE assessments (
      seq BIGINT GENERATED ALWAYS AS IDENTITY,
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL,
      request_id TEXT NOT NULL DEFAULT '',
      created_at_ms BIGINT NOT NULL,
      risk_level INTEGER NOT NULL,
      risk_score DOUBLE PRECISION NOT NULL,
      confidence DOUBLE PRECISION NOT NULL,
      uncertainty DOUBLE PRECISION NOT NULL,
      energy DOUBLE PRECISION NOT NULL,
      stress DOUBLE PRECISION NOT NULL,
      work DOUBLE PRECISION NOT NULL,
      trend INTEGER NOT NULL,
      fusion_model TEXT NOT NULL,
      payload BYTEA NOT NULL
    );
    CREATE INDEX assessments_user_time ON assessments(user_id, created_at_ms);
    CREATE UNIQUE INDEX assessments_request ON assessments(user_id, request_id)
      WHERE request_id <> '';
    CREATE TABLE modality_results (
      assessment_id TEXT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
      modality INTEGER NOT NULL,
      used BOOLEAN NOT NULL,
      mask_reason TEXT NOT NULL,
      quality DOUBLE PRECISION,
      model_name TEXT, model_version TEXT, model_sha256 TEXT,
      attention_weight DOUBLE PRECISION NOT NULL,
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
    ALTER TABLE assessments ADD COLUMN has_series BOOLEAN NOT NULL DEFAULT TRUE;
    CREATE TABLE checkins (
      seq BIGINT GENERATED ALWAYS AS IDENTITY,
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL,
      request_id TEXT NOT NULL DEFAULT '',
      created_at_ms BIGINT NOT NULL,
      personal DOUBLE PRECISION,
      work DOUBLE PRECISION,
      payload BYTEA NOT NULL
    );
    CREATE INDEX checkins_user_time ON checkins(user_id, created_at_ms);
    CREATE UNIQUE INDEX checkins_request ON checkins(user_id, request_id) WHERE request_id <> '';
    CREATE TABLE alerts (
      id TEXT PRIMARY KEY,
      user_id TEXT NOT NULL,
      kind TEXT NOT NULL,
      state INTEGER NOT NULL,
      raised_at_ms BIGINT NOT NULL,
      cleared_at_ms BIGINT NOT NULL,
      payload BYTEA NOT NULL
    );
    CREATE INDEX alerts_user ON alerts(user_id, raised_at_ms);
    CREATE TABLE baselines (
      user_id TEXT PRIMARY KEY,
      computed_at_ms BIGINT NOT NULL,
      payload BYTEA NOT NULL
    );
    CREATE TABLE people (
      user_id TEXT PRIMARY KEY,
      group_name TEXT NOT NULL
    );
    CREATE INDEX people_group ON people(group_name);
    CREATE TABLE audit (
      seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      at_ms BIGINT NOT NULL,
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
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == PostgresStore::kSchemaVersion);

// The advisory lock every orchestrator takes while it migrates ("burnout" in ASCII).
constexpr int64_t kMigrationLock = 0x6275726E6F7574;

// The prepared statements every pooled connection knows (prepared on first use).
struct Prepared {
  const char* name;
  const char* sql;
};
const Prepared kStatements[] = {
    {"put_assessment",
     "INSERT INTO assessments (id, user_id, request_id, created_at_ms, risk_level, risk_score, "
     "confidence, uncertainty, energy, stress, work, trend, fusion_model, payload, has_series) "
     "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)"},
    {"put_modality",
     "INSERT INTO modality_results (assessment_id, modality, used, mask_reason, quality, "
     "model_name, model_version, model_sha256, attention_weight) "
     "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)"},
    {"put_explanation",
     "INSERT INTO explanations (assessment_id, position, topic, text) VALUES ($1,$2,$3,$4)"},
    {"find_assessment", "SELECT payload FROM assessments WHERE user_id = $1 AND request_id = $2"},
    {"find_by_id", "SELECT payload FROM assessments WHERE user_id = $1 AND id = $2"},
    {"delete_assessment", "DELETE FROM assessments WHERE user_id = $1 AND id = $2"},
    {"history",
     "SELECT payload FROM assessments WHERE user_id = $1 AND created_at_ms >= $2 "
     "ORDER BY created_at_ms DESC, seq DESC LIMIT $3"},
    {"series",
     "SELECT created_at_ms, risk_score, stress, risk_level FROM assessments "
     "WHERE user_id = $1 AND created_at_ms >= $2 ORDER BY created_at_ms, seq"},
    {"put_checkin",
     "INSERT INTO checkins (id, user_id, request_id, created_at_ms, personal, work, payload) "
     "VALUES ($1,$2,$3,$4,$5,$6,$7)"},
    {"find_checkin", "SELECT payload FROM checkins WHERE user_id = $1 AND request_id = $2"},
    {"checkins",
     "SELECT payload FROM checkins WHERE user_id = $1 AND created_at_ms >= $2 "
     "ORDER BY created_at_ms, seq"},
    {"delete_alerts", "DELETE FROM alerts WHERE user_id = $1"},
    {"put_alert",
     "INSERT INTO alerts (id, user_id, kind, state, raised_at_ms, cleared_at_ms, payload) "
     "VALUES ($1,$2,$3,$4,$5,$6,$7)"},
    {"alerts",
     "SELECT payload FROM alerts WHERE user_id = $1 ORDER BY raised_at_ms DESC, kind COLLATE \"C\""},
    {"put_baseline",
     "INSERT INTO baselines (user_id, computed_at_ms, payload) VALUES ($1,$2,$3) "
     "ON CONFLICT (user_id) DO UPDATE SET computed_at_ms = excluded.computed_at_ms, "
     "payload = excluded.payload"},
    {"baseline", "SELECT payload FROM baselines WHERE user_id = $1"},
    {"delete_group", "DELETE FROM people WHERE user_id = $1"},
    {"set_group",
     "INSERT INTO people (user_id, group_name) VALUES ($1,$2) "
     "ON CONFLICT (user_id) DO UPDATE SET group_name = excluded.group_name"},
    {"group", "SELECT group_name FROM people WHERE user_id = $1"},
    {"group_assessments",
     "SELECT p.group_name, COUNT(DISTINCT a.user_id), COUNT(*), "
     "COUNT(*) FILTER (WHERE a.risk_level = 0), COUNT(*) FILTER (WHERE a.risk_level = 1), "
     "COUNT(*) FILTER (WHERE a.risk_level = 2), COUNT(*) FILTER (WHERE a.risk_level = 3), "
     "AVG(a.risk_score) FILTER (WHERE a.risk_level <> 0), "
     "AVG(a.stress) FILTER (WHERE a.risk_level <> 0), "
     "AVG(a.energy) FILTER (WHERE a.risk_level <> 0) "
     "FROM assessments a JOIN people p ON p.user_id = a.user_id "
     "WHERE a.created_at_ms >= $1 AND a.created_at_ms < $2 "
     "GROUP BY p.group_name ORDER BY p.group_name COLLATE \"C\""},
    {"group_alerts",
     "SELECT p.group_name, COUNT(DISTINCT al.user_id) FROM alerts al "
     "JOIN people p ON p.user_id = al.user_id WHERE al.state = 1 GROUP BY p.group_name"},
    {"group_checkins",
     "SELECT p.group_name, COUNT(*), COUNT(c.personal), AVG(c.personal), COUNT(c.work), "
     "AVG(c.work) FROM checkins c JOIN people p ON p.user_id = c.user_id "
     "WHERE c.created_at_ms >= $1 AND c.created_at_ms < $2 GROUP BY p.group_name"},
    {"put_audit",
     "INSERT INTO audit (at_ms, user_id, action, outcome, detail, actor) "
     "VALUES ($1,$2,$3,$4,$5,$6)"},
    {"audit_log",
     "SELECT at_ms, user_id, action, outcome, detail, actor FROM audit WHERE user_id = $1 "
     "ORDER BY at_ms DESC, seq DESC"},
    {"delete_user_assessments", "DELETE FROM assessments WHERE user_id = $1"},
    {"delete_user_checkins", "DELETE FROM checkins WHERE user_id = $1"},
    {"delete_user_alerts", "DELETE FROM alerts WHERE user_id = $1"},
    {"delete_user_baseline", "DELETE FROM baselines WHERE user_id = $1"},
    {"delete_user_group", "DELETE FROM people WHERE user_id = $1"},
    {"delete_user_audit", "DELETE FROM audit WHERE user_id = $1"},
    {"audit_anonymous",
     "INSERT INTO audit (at_ms, user_id, action, outcome, detail) VALUES ($1, '', $2, 'ok', $3)"},
    {"retire_assessments", "DELETE FROM assessments WHERE created_at_ms < $1"},
    {"retire_checkins", "DELETE FROM checkins WHERE created_at_ms < $1"},
    {"retire_audit", "DELETE FROM audit WHERE at_ms < $1"},
    // FOR UPDATE: a second orchestrator's retention pass waits, re-checks has_series and
    // skips the rows this one rewrote, so each series is counted once.
    {"series_to_retire",
     "SELECT id, payload FROM assessments WHERE has_series AND created_at_ms < $1 FOR UPDATE"},
    {"rewrite_payload", "UPDATE assessments SET payload = $1, has_series = FALSE WHERE id = $2"},
};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

pqxx::binarystring Bytes(const google::protobuf::Message& m) {
  std::string out;
  m.SerializeToString(&out);
  return pqxx::binarystring(out);
}

template <typename Proto = Assessment>
absl::StatusOr<Proto> ParsePayload(const pqxx::field& f) {
  Proto p;
  const pqxx::binarystring bytes(f);
  if (!p.ParseFromArray(bytes.get(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(
        absl::StrCat("stored ", p.GetDescriptor()->name(), " payload does not parse"));
  }
  return p;
}

template <typename Proto>
absl::StatusOr<std::vector<Proto>> Payloads(const pqxx::result& r) {
  std::vector<Proto> out;
  out.reserve(r.size());
  for (const auto& row : r) {
    BR_ASSIGN_OR_RETURN(Proto p, ParsePayload<Proto>(row[0]));
    out.push_back(std::move(p));
  }
  return out;
}

// A nullable parameter: libpqxx sends a null `const char*` as SQL NULL.
struct Nullable {
  explicit Nullable(std::optional<std::string> v) : value(std::move(v)) {}
  const char* get() const { return value ? value->c_str() : nullptr; }
  std::optional<std::string> value;
};
template <typename T>
Nullable NullableOf(bool present, T v) {
  return Nullable(present ? std::optional<std::string>(pqxx::to_string(v)) : std::nullopt);
}
Nullable NullableOf(bool present, const std::string& v) {
  return Nullable(present ? std::optional<std::string>(v) : std::nullopt);
}

constexpr int64_t kDayMs = 86400000;

// For reads of one SELECT, which is atomic by itself: no BEGIN / COMMIT round trips.
using ReadOnce = pqxx::nontransaction;

// Every table a person's data lives in (DeleteUser's VACUUM).
constexpr char kPersonTables[] =
    "assessments, modality_results, explanations, checkins, alerts, baselines, people, audit";

}  // namespace

std::string PostgresStore::RedactedUrl(const std::string& url) {
  std::string out = url;
  // URI userinfo: scheme://user:password@host
  static const std::regex kUserinfo(R"(^([A-Za-z][A-Za-z0-9+.-]*://[^:/@?#]*):[^@/?#]*@)");
  out = std::regex_replace(out, kUserinfo, "$1:***@", std::regex_constants::format_first_only);
  // URI query parameter: ?password=... or &password=...
  static const std::regex kQuery(R"(([?&]password=)[^&#]*)", std::regex::icase);
  out = std::regex_replace(out, kQuery, "$1***");
  // keyword/value form: password=secret or password = 'se cret'
  if (out.find("://") == std::string::npos) {
    static const std::regex kKeyword(R"((^|\s)(password\s*=\s*)('(\\.|[^'\\])*'|\S*))",
                                     std::regex::icase);
    out = std::regex_replace(out, kKeyword, "$1$2***");
  }
  return out;
}

PostgresStore::PostgresStore(PostgresOptions options)
    : options_(std::move(options)), redacted_url_(RedactedUrl(options_.url)) {
  if (options_.connections < 1) options_.connections = 1;
}

PostgresStore::~PostgresStore() = default;

struct PostgresStore::Connection {
  explicit Connection(const std::string& url) : c(url) {}
  pqxx::connection c;
};

absl::StatusOr<std::unique_ptr<PostgresStore::Connection>> PostgresStore::Connect() {
  try {
    auto c = std::make_unique<Connection>(options_.url);
    for (const Prepared& p : kStatements) c->c.prepare(p.name, p.sql);
    return c;
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to store ", redacted_url_, ": ", e.what()));
  }
}

absl::StatusOr<std::unique_ptr<PostgresStore>> PostgresStore::Open(const PostgresOptions& options) {
  std::unique_ptr<PostgresStore> store(new PostgresStore(options));
  BR_ASSIGN_OR_RETURN(std::unique_ptr<Connection> c, store->Connect());
  {
    std::lock_guard<std::mutex> lock(store->mu_);
    store->idle_.push_back(std::move(c));
    store->open_ = 1;
  }
  absl::Status migrated = store->WithConnection([&](pqxx::connection_base& conn) {
    return store->Migrate(conn);
  });
  if (!migrated.ok()) {
    if (absl::StartsWith(migrated.message(), "store ")) return migrated;  // names the URL
    return absl::Status(migrated.code(),
                        absl::StrCat("store ", store->redacted_url_, ": ", migrated.message()));
  }
  return store;
}

absl::Status PostgresStore::Migrate(pqxx::connection_base& c) {
  pqxx::work t(c, "migrate");
  // Held until this transaction ends: a second orchestrator waits here, then finds the
  // schema at the version this one committed.
  t.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLock);
  if (!t.exec1("SELECT to_regclass('schema_version') IS NOT NULL")[0].as<bool>()) {
    t.exec(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
        "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
  }
  const int version = t.exec1("SELECT COALESCE(MAX(version), 0) FROM schema_version")[0].as<int>();
  if (version > kSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "schema version ", version, " is newer than this build understands (", kSchemaVersion,
        "); upgrade the orchestrator"));
  }
  for (int v = version; v < kSchemaVersion; ++v) {
    try {
      t.exec(kMigrations[v]);
    } catch (const pqxx::sql_error& e) {
      return absl::InternalError(absl::StrCat("migration to v", v + 1, " failed: ", e.what()));
    }
    t.exec_params("INSERT INTO schema_version (version) VALUES ($1)", v + 1);
  }
  t.commit();  // every step and its version row, or none
  return absl::OkStatus();
}

int PostgresStore::schema_version() {
  int version = -1;
  absl::Status s = WithConnection([&](pqxx::connection_base& c) {
    ReadOnce t(c);
    version = t.exec1("SELECT COALESCE(MAX(version), 0) FROM schema_version")[0].as<int>();
    return absl::OkStatus();
  });
  return s.ok() ? version : -1;
}

absl::Status PostgresStore::WithConnection(
    const std::function<absl::Status(pqxx::connection_base&)>& body) {
  std::unique_ptr<Connection> conn;
  {
    std::unique_lock<std::mutex> lock(mu_);
    idle_cv_.wait(lock, [this] { return !idle_.empty() || open_ < options_.connections; });
    if (!idle_.empty()) {
      conn = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++open_;
    }
  }
  if (!conn) {
    auto c = Connect();
    if (!c.ok()) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        --open_;
      }
      idle_cv_.notify_one();
      return c.status();
    }
    conn = std::move(*c);
  }
  absl::Status s;
  bool broken = false;
  try {
    s = body(conn->c);
  } catch (const pqxx::broken_connection& e) {
    broken = true;
    s = absl::UnavailableError(absl::StrCat("store ", redacted_url_, ": connection lost: ", e.what()));
  } catch (const pqxx::in_doubt_error& e) {
    broken = true;
    s = absl::UnavailableError(absl::StrCat(
        "store ", redacted_url_, ": connection lost during COMMIT; it may or may not have "
        "committed: ", e.what()));
  } catch (const pqxx::sql_error& e) {
    const std::string state = e.sqlstate();
    const std::string cls = state.substr(0, 2);
    // 08 connection, 40 rollback (serialization, deadlock), 53 resources, 57 operator
    // intervention (shutdown), 58 system error: worth retrying; anything else is a bug.
    const bool transient =
        cls == "08" || cls == "40" || cls == "53" || cls == "57" || cls == "58";
    broken = cls == "08" || cls == "57";
    s = absl::Status(transient ? absl::StatusCode::kUnavailable : absl::StatusCode::kInternal,
                     absl::StrCat("store ", redacted_url_, ": ", e.what(), " (SQLSTATE ", state,
                                  ")"));
  } catch (const pqxx::transaction_rollback& e) {
    s = absl::UnavailableError(absl::StrCat("store ", redacted_url_, ": ", e.what()));
  } catch (const std::exception& e) {
    s = absl::InternalError(absl::StrCat("store ", redacted_url_, ": ", e.what()));
  }
  if (!broken) {
    try {
      broken = !conn->c.is_open();
    } catch (...) {
      broken = true;
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (broken) {
      --open_;
    } else {
      idle_.push_back(std::move(conn));
    }
  }
  idle_cv_.notify_one();
  conn.reset();  // a broken one closes outside the lock
  return s;
}

absl::Status PostgresStore::Put(const Assessment& in) {
  Assessment a = in;
  if (!options_.keep_text) RedactJournalWords(&a);
  const pqxx::binarystring payload = Bytes(a);
  return WithConnection([&](pqxx::connection_base& c) -> absl::Status {
    pqxx::work t(c);
    try {
      t.exec_prepared0("put_assessment", a.assessment_id(), a.user_id(), a.request_id(),
                       static_cast<int64_t>(a.created_at_ms()),
                       static_cast<int>(a.risk().level()), StoredRiskScore(a),
                       static_cast<double>(a.risk().confidence()),
                       static_cast<double>(a.risk().uncertainty()),
                       static_cast<double>(a.state().energy()),
                       static_cast<double>(a.state().stress()),
                       static_cast<double>(a.state().work()),
                       static_cast<int>(a.trend().trend()),
                       absl::StrCat(a.risk().model().name(), "/", a.risk().model().version()),
                       payload, HasSessionSeries(a));
    } catch (const pqxx::unique_violation&) {
      return absl::AlreadyExistsError(absl::StrCat(
          "request_id \"", a.request_id(), "\" already stored for user \"", a.user_id(), "\""));
    }
    for (const auto& m : a.modalities()) {
      const bool r = m.has_result();
      t.exec_prepared0("put_modality", a.assessment_id(), static_cast<int>(m.modality()),
                       m.used(), m.mask_reason(),
                       NullableOf(r, static_cast<double>(m.result().quality())).get(),
                       NullableOf(r, m.result().model().name()).get(),
                       NullableOf(r, m.result().model().version()).get(),
                       NullableOf(r, m.result().model().sha256()).get(),
                       static_cast<double>(m.attention_weight()));
    }
    for (int i = 0; i < a.narratives_size(); ++i) {
      t.exec_prepared0("put_explanation", a.assessment_id(), i, a.narratives(i).topic(),
                       a.narratives(i).text());
    }
    t.commit();
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<Assessment>> PostgresStore::FindOne(const char* statement,
                                                                 const std::string& user_id,
                                                                 const std::string& key) {
  std::optional<Assessment> out;
  BR_RETURN_IF_ERROR(WithConnection([&](pqxx::connection_base& c) -> absl::Status {
    ReadOnce t(c);
    const pqxx::result r = t.exec_prepared(statement, user_id, key);
    if (r.empty()) return absl::OkStatus();
    BR_ASSIGN_OR_RETURN(out, ParsePayload(r[0][0]));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::optional<Assessment>> PostgresStore::FindByRequestId(
    const std::string& user_id, const std::string& request_id) {
  return FindOne("find_assessment", user_id, request_id);
}

absl::StatusOr<std::optional<Assessment>> PostgresStore::FindById(
    const std::string& user_id, const std::string& assessment_id) {
  return FindOne("find_by_id", user_id, assessment_id);
}

absl::StatusOr<std::vector<Assessment>> PostgresStore::History(const std::string& user_id,
                                                               int limit, int64_t since_ms) {
  std::vector<Assessment> out;
  BR_RETURN_IF_ERROR(WithConnection([&](pqxx::connection_base& c) -> absl::Status {
    ReadOnce t(c);
    const Nullable lim = NullableOf(limit > 0, static_cast<int64_t>(limit));  // NULL: all
    BR_ASSIGN_OR_RETURN(out, Payloads<Assessment>(
                                 t.exec_prepared("history", user_id, since_ms, lim.get())));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<SeriesPoint>> PostgresStore::Series(const std::string& user_id,
                                                              int64_t since_ms) {
  std::vector<SeriesPoint> out;
  BR_RETURN_IF_ERROR(WithConnection([&](pqxx::connection_base& c) -> absl::Status {
    ReadOnce t(c);
    for (const auto& row : t.exec_prepared("series", user_id, since_ms)) {
      out.push_back({row[0].as<int64_t>(), row[1].as<double>(), row[2].as<double>(),
                     row[3].as<int>() == 0});
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::Status PostgresStore::PutCheckIn(const burnout::v1::CheckIn& ci) {
  return WithConnection([&](pqxx::connection_base& c) -> absl::Status {
    pqxx::work t(c);
    try {
      t.exec_prepared0("put_checkin", ci.checkin_id(), ci.user_id(), ci.request_id(),
                       static_cast<int64_t>(ci.created_at_ms()),
                       NullableOf(ci.has_personal(), static_cast<double>(ci.personal())).get(),
                       NullableOf(ci.has_work(), static_cast<double>(ci.work())).get(), Bytes(ci));
    } catch (const pqxx::unique_violation&) {
      return absl::AlreadyExistsError(absl::StrCat("check-in request_id \"", ci.request_id(),
                                                   "\" already stored for user \"", ci.user_id(),
                                                   "\""));
    }
    t.commit();
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<burnout::v1::CheckIn>> PostgresStore::FindCheckIn(
    const std::string& user_id, const std::string& request_id) {
  std::optional<burnout::v1::CheckIn> out;
  BR_RETURN_IF_ERROR(WithConnection([&](pqxx::connection_base& c) -> absl::Status {
    ReadOnce t(c);
    const pqxx::result r = t.exec_prepared("find_checkin", user_id, request_id);
    if (r.empty()) return absl::OkStatus();
    BR_ASSIGN_OR_RETURN(out, ParsePayload<burnout::v1::CheckIn>(r[0][0]));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<burnout::v1::CheckIn>> PostgresStore::CheckIns(
    const std::string& user_id, int64_t since_ms) {
  std::vector<burnout::v1::CheckIn> out;
  BR_RETURN_IF_ERROR(WithConnection([&](pqxx::connection_base& c) -> absl::Status {
    ReadOnce t(c);
    BR_ASSIGN_OR_RETURN(out, Payloads<burnout::v1::CheckIn>(
                                 t.exec_prepared("checkins", user_id, since_ms)));
    return absl::OkStatus();
  }));
  return out;
}

absl::Status PostgresStore::ReplaceAlerts(const std::string& user_id,
                                          const std::vector<burnout::v1::Alert>& alerts) {
  return WithConnection([&](pqxx::connection_base& c) -> absl::Status {
    pqxx::work t(c);
    t.exec_prepared0("delete_alerts", user_id);
    for (const auto& a : alerts) {
      t.exec_prepared0("put_alert", a.alert_id(), user_id, a.kind(), static_cast<int>(a.state()),
                       static_cast<int64_t>(a.raised_at_ms()),
                       static_cast<int64_t>(a.cleared_at_ms()), Bytes(a));
    }
    t.commit();
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<burnout::v1::Alert>> PostgresStore::Alerts(const std::string& user_id) {
  std::vector<burnout::v1::Alert> out;
  BR_RETURN_IF_ERROR(WithConnection([&](pqxx::connection_base& c) -> absl::Status {
    ReadOnce t(c);
    BR_ASSIGN_OR_RETURN(out, Payloads<burnout::v1::Alert>(t.exec_prepared("alerts", user_id)));
    return absl::OkStatus();
  }));
  return out;
}

absl::Status PostgresStore::PutBaseline(const burnout::v1::PersonalBaseline& b) {
  return WithConnection([&](pqxx::connection_base& c) -> absl::Status {
    pqxx::work t(c);
    t.exec_prepared0("put_baseline", b.user_id(), static_cast<int64_t>(b.computed_at_ms()),
                     Bytes(b));
    t.commit();
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<burnout::v1::PersonalBaseline>> PostgresStore::GetBaseline(
    const std::string& user_id) {
  std::optional<burnout::v1::PersonalBaseline> out;
  BR_RETURN_IF_ERROR(WithConnection([&](pqxx::connection_base& c) -> absl::Status {
    ReadOnce t(c);
    const pqxx::result r = t.exec_prepared("baseline", user_id);
    if (r.empty()) return absl::OkStatus();
    BR_ASSIGN_OR_RETURN(out, ParsePayload<burnout::v1::PersonalBaseline>(r[0][0]));
    return absl::OkStatus();
  }));
  return out;
}

absl::Status PostgresStore::SetGroup(const std::string& user_id, const std::string& group) {
  return WithConnection([&](pqxx::connection_base& c) -> absl::Status {
    pqxx::work t(c);
    if (group.empty()) {
      t.exec_prepared0("delete_group", user_id);
    } else {
      t.exec_prepared0("set_group", user_id, group);
    }
    t.commit();
    return absl::OkStatus();
  });
}

absl::StatusOr<std::string> PostgresStore::Group(const std::string& user_id) {
  std::string out;
  BR_RETURN_IF_ERROR(WithConnection([&](pqxx::connection_base& c) -> absl::Status {
    ReadOnce t(c);
    const pqxx::result r = t.exec_prepared("group", user_id);
    if (!r.empty()) out = r[0][0].as<std::string>();
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<GroupAggregate>> PostgresStore::GroupAggregates(int64_t since_ms,
                                                                           int64_t until_ms) {
  std::vector<GroupAggregate> out;
  BR_RETURN_IF_ERROR(WithConnection([&](pqxx::connection_base& c) -> absl::Status {
    // One snapshot for the three queries.
    pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> t(c);
    for (const auto& row : t.exec_prepared("group_assessments", since_ms, until_ms)) {
      GroupAggregate g;
      g.group = row[0].as<std::string>();
      g.people = row[1].as<int>();
      g.assessments = row[2].as<int>();
      g.abstained = row[3].as<int>();
      g.low = row[4].as<int>();
      g.moderate = row[5].as<int>();
      g.high = row[6].as<int>();
      g.mean_risk = row[7].as<double>(0.0);  // NULL (no assessment with a level): 0
      g.mean_stress = row[8].as<double>(0.0);
      g.mean_energy = row[9].as<double>(0.0);
      out.push_back(std::move(g));
    }
    auto find = [&out](const std::string& name) -> GroupAggregate* {
      for (auto& g : out) {
        if (g.group == name) return &g;
      }
      return nullptr;
    };
    for (const auto& row : t.exec_prepared("group_alerts")) {
      if (GroupAggregate* g = find(row[0].as<std::string>())) {
        g->people_with_active_alerts = row[1].as<int>();
      }
    }
    for (const auto& row : t.exec_prepared("group_checkins", since_ms, until_ms)) {
      if (GroupAggregate* g = find(row[0].as<std::string>())) {
        g->checkins = row[1].as<int>();
        g->checkin_personal_n = row[2].as<int>();
        g->mean_checkin_personal = row[3].as<double>(0.0);
        g->checkin_work_n = row[4].as<int>();
        g->mean_checkin_work = row[5].as<double>(0.0);
      }
    }
    t.commit();
    return absl::OkStatus();
  }));
  return out;
}

absl::Status PostgresStore::Audit(const AuditEntry& e) {
  return WithConnection([&](pqxx::connection_base& c) -> absl::Status {
    pqxx::work t(c);
    t.exec_prepared0("put_audit", e.at_ms ? e.at_ms : NowMs(), e.user_id, e.action, e.outcome,
                     e.detail, e.actor);
    t.commit();
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<AuditEntry>> PostgresStore::AuditLog(const std::string& user_id) {
  std::vector<AuditEntry> out;
  BR_RETURN_IF_ERROR(WithConnection([&](pqxx::connection_base& c) -> absl::Status {
    ReadOnce t(c);
    for (const auto& row : t.exec_prepared("audit_log", user_id)) {
      out.push_back({row[0].as<int64_t>(), row[1].as<std::string>(), row[2].as<std::string>(),
                     row[3].as<std::string>(), row[4].as<std::string>(),
                     row[5].as<std::string>()});
    }
    return absl::OkStatus();
  }));
  return out;
}

absl::Status PostgresStore::Vacuum(pqxx::connection_base& c, const std::string& tables) {
  pqxx::nontransaction t(c);  // VACUUM runs outside a transaction block
  // A role that neither owns a table nor the database would have VACUUM skip it with only a
  // warning; say so instead of returning OK.
  const pqxx::result skipped = t.exec_params(
      "SELECT string_agg(c.relname, ', ') FROM pg_class c "
      "WHERE c.oid = ANY (string_to_array($1, ', ')::regclass[]) "
      "AND NOT pg_has_role(c.relowner, 'USAGE') AND NOT pg_has_role("
      "(SELECT datdba FROM pg_database WHERE datname = current_database()), 'USAGE')",
      tables);
  if (!skipped.empty() && !skipped[0][0].is_null()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the data was deleted, but VACUUM cannot reclaim it: role \"",
        t.exec1("SELECT current_user")[0].as<std::string>(), "\" owns neither ",
        skipped[0][0].as<std::string>(),
        " nor the database (run the store as the role that owns its tables)"));
  }
  try {
    // INDEX_CLEANUP ON: never skip the indexes (the server may otherwise bypass them when few
    // pages changed), so their entries for the deleted rows go too. The tables' TOAST tables
    // are vacuumed with them.
    t.exec(absl::StrCat("VACUUM (INDEX_CLEANUP ON) ", tables));
    return absl::OkStatus();
  } catch (const pqxx::broken_connection&) {
    throw;  // WithConnection drops the connection
  } catch (const pqxx::sql_error& e) {
    return absl::UnavailableError(absl::StrCat(
        "the data was deleted, but VACUUM failed (autovacuum reclaims the rows later): ",
        e.what()));
  }
}

absl::StatusOr<DeleteCounts> PostgresStore::DeleteUser(const std::string& user_id) {
  DeleteCounts counts;
  BR_RETURN_IF_ERROR(WithConnection([&](pqxx::connection_base& c) -> absl::Status {
    {
      pqxx::work t(c);
      auto del = [&](const char* name) {
        return static_cast<int>(t.exec_prepared(name, user_id).affected_rows());
      };
      counts.assessments = del("delete_user_assessments");  // modality results, explanations cascade
      counts.checkins = del("delete_user_checkins");
      counts.alerts = del("delete_user_alerts");
      counts.baseline = del("delete_user_baseline") > 0;
      counts.group = del("delete_user_group") > 0;
      counts.audit = del("delete_user_audit");
      // The deletion itself is audited, without the id it deleted.
      t.exec_prepared0("audit_anonymous", NowMs(), "delete",
                       absl::StrCat("a person's data: ", counts.assessments, " assessments, ",
                                    counts.checkins, " check-ins"));
      t.commit();
    }
    return Vacuum(c, kPersonTables);
  }));
  return counts;
}

absl::StatusOr<bool> PostgresStore::DeleteAssessment(const std::string& user_id,
                                                     const std::string& assessment_id) {
  bool deleted = false;
  BR_RETURN_IF_ERROR(WithConnection([&](pqxx::connection_base& c) -> absl::Status {
    {
      pqxx::work t(c);
      // Its modality results and explanations cascade.
      deleted = t.exec_prepared("delete_assessment", user_id, assessment_id).affected_rows() > 0;
      t.commit();
    }
    return deleted ? Vacuum(c, "assessments, modality_results, explanations") : absl::OkStatus();
  }));
  return deleted;
}

absl::StatusOr<RetentionCounts> PostgresStore::ApplyRetention(const RetentionPolicy& p) {
  RetentionCounts counts;
  auto before = [&p](int days) { return p.now_ms - static_cast<int64_t>(days) * kDayMs; };
  BR_RETURN_IF_ERROR(WithConnection([&](pqxx::connection_base& c) -> absl::Status {
    {
      pqxx::work t(c);
      if (p.assessments_days > 0) {
        counts.assessments = static_cast<int>(
            t.exec_prepared("retire_assessments", before(p.assessments_days)).affected_rows());
      }
      if (p.checkins_days > 0) {
        counts.checkins = static_cast<int>(
            t.exec_prepared("retire_checkins", before(p.checkins_days)).affected_rows());
      }
      if (p.audit_days > 0) {
        counts.audit =
            static_cast<int>(t.exec_prepared("retire_audit", before(p.audit_days)).affected_rows());
      }
      if (p.session_series_days > 0) {
        for (const auto& row : t.exec_prepared("series_to_retire", before(p.session_series_days))) {
          BR_ASSIGN_OR_RETURN(Assessment a, ParsePayload(row[1]));
          const bool had = HasSessionSeries(a);
          if (had) {
            a.mutable_session()->clear_series();
            a.mutable_session()->clear_fused_series();
            a.mutable_session()->add_notes(
                "the session's series were deleted by the retention policy; its summary stays");
          }
          t.exec_prepared0("rewrite_payload", Bytes(a), row[0].as<std::string>());
          counts.session_series += had ? 1 : 0;
        }
      }
      const int total = counts.assessments + counts.checkins + counts.audit + counts.session_series;
      if (total == 0) {
        t.commit();
        return absl::OkStatus();
      }
      t.exec_prepared0("audit_anonymous", p.now_ms, "retention",
                       absl::StrCat(counts.assessments, " assessments, ", counts.session_series,
                                    " session series, ", counts.checkins, " check-ins, ",
                                    counts.audit, " audit entries past their retention"));
      t.commit();
    }
    std::string tables;
    auto add = [&tables](const char* names) {
      absl::StrAppend(&tables, tables.empty() ? "" : ", ", names);
    };
    if (counts.assessments > 0) {
      add("assessments, modality_results, explanations");
    } else if (counts.session_series > 0) {
      add("assessments");  // the payloads the series were cut from
    }
    if (counts.checkins > 0) add("checkins");
    if (counts.audit > 0) add("audit");
    return Vacuum(c, tables);
  }));
  return counts;
}

}  // namespace burnout::store
