// PostgresStore against a real server: the behaviours store_test checks for SQLite, plus two
// stores ("orchestrators") racing the same request, concurrent migrations, a broken
// connection, and the measured Put / History latency next to SQLite's. One throwaway cluster
// for the whole binary (tests/testing/postgres_cluster.h; BURNOUT_TEST_PG_URL for a server of
// your own); every test works in a schema of its own, dropped afterwards.
#include "orchestrator/store/postgres_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <pqxx/pqxx>
#include <thread>

#include "absl/strings/str_cat.h"
#include "orchestrator/store/redact.h"
#include "orchestrator/store/sqlite_store.h"
#include "tests/testing/postgres_cluster.h"
#include "tests/testing/temp_dir.h"

namespace burnout::store {
namespace {

namespace fs = std::filesystem;

v1::Assessment Make(const std::string& id, const std::string& user, int64_t t,
                    const std::string& request_id = "") {
  v1::Assessment a;
  a.set_assessment_id(id);
  a.set_user_id(user);
  a.set_request_id(request_id);
  a.set_created_at_ms(t);
  a.set_text("my journal");
  a.mutable_risk()->set_level(v1::RISK_LEVEL_MODERATE);
  auto* m = a.add_modalities();
  m->set_modality(v1::MODALITY_TEXT);
  m->set_used(true);
  m->mutable_result()->mutable_model()->set_name("text-emotion-goemotions");
  a.add_narratives()->set_text("because");
  for (int i = 0; i < 10; ++i) a.add_trend_features(0.1f * i);
  return a;
}

v1::Assessment WithJournalEvidence(const std::string& id, const std::string& user, int64_t t) {
  v1::Assessment a = Make(id, user, t);
  a.set_text("I walked past the lavender field and felt nothing at all");
  auto* ev = a.mutable_modalities(0)->mutable_result()->add_evidence();
  ev->set_label("sadness");
  ev->set_feature("lavender field");
  ev->set_contribution(0.4f);
  a.mutable_modalities(0)->mutable_result()->add_findings("you wrote \"lavender field\" twice");
  a.mutable_narratives(0)->set_text("sadness rests on \"lavender field\"");
  a.mutable_narratives(0)->add_evidence("sadness: \"lavender field\" pushed sadness by +0.40");
  return a;
}

v1::CheckIn MakeCheckIn(const std::string& id, const std::string& user, int64_t t,
                        const std::string& request_id = "") {
  v1::CheckIn c;
  c.set_checkin_id(id);
  c.set_user_id(user);
  c.set_request_id(request_id);
  c.set_created_at_ms(t);
  c.set_personal(62.5f);
  c.set_personal_band("moderate");
  for (int i = 0; i < 13; ++i) c.add_answers(3);
  return c;
}

v1::Alert MakeAlert(const std::string& id, int64_t raised, v1::AlertState state) {
  v1::Alert a;
  a.set_alert_id(id);
  a.set_kind("risk_rising");
  a.set_state(state);
  a.set_raised_at_ms(raised);
  return a;
}

// `url` with one more connection parameter (URI or keyword/value form); `value` has no
// characters that need quoting beyond '=' in a URI.
std::string WithParam(const std::string& url, const std::string& key, std::string value) {
  if (url.find("://") != std::string::npos) {
    for (size_t at; (at = value.find('=')) != std::string::npos;) value.replace(at, 1, "%3D");
    return url + (url.find('?') == std::string::npos ? "?" : "&") + key + "=" + value;
  }
  return url + " " + key + "='" + value + "'";
}

// `url` with its search_path set to `schema`.
std::string WithSchema(const std::string& url, const std::string& schema) {
  return WithParam(url, "options", "-csearch_path=" + schema);
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_ = testutil::PostgresCluster::Start(); }
  static void TearDownTestSuite() { cluster_.reset(); }

  void SetUp() override {
    if (!cluster_->ok()) GTEST_SKIP() << "no PostgreSQL server: " << cluster_->error();
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    schema_ = "t_" + std::to_string(getpid()) + "_" + info->name();
    std::transform(schema_.begin(), schema_.end(), schema_.begin(), ::tolower);
    schema_ = schema_.substr(0, 60);
    pqxx::connection c(cluster_->url());
    pqxx::nontransaction t(c);
    t.exec("DROP SCHEMA IF EXISTS " + t.quote_name(schema_) + " CASCADE");
    t.exec("CREATE SCHEMA " + t.quote_name(schema_));
    url_ = WithSchema(cluster_->url(), schema_);
  }
  void TearDown() override {
    if (schema_.empty()) return;
    pqxx::connection c(cluster_->url());
    pqxx::nontransaction t(c);
    t.exec("DROP SCHEMA IF EXISTS " + t.quote_name(schema_) + " CASCADE");
  }

  std::unique_ptr<PostgresStore> Open(bool keep_text = false, int connections = 4) {
    auto s = PostgresStore::Open({url_, keep_text, connections});
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? std::move(*s) : nullptr;
  }
  // One value from SQL run on a connection of the test's own, in its schema.
  std::string Sql(const std::string& sql) {
    pqxx::connection c(url_);
    pqxx::work t(c);
    const pqxx::result r = t.exec(sql);
    t.commit();
    return r.empty() || r[0][0].is_null() ? "" : r[0][0].as<std::string>();
  }
  int SqlInt(const std::string& sql) { return std::stoi(Sql(sql)); }

  static std::unique_ptr<testutil::PostgresCluster> cluster_;
  std::string schema_, url_;
};

std::unique_ptr<testutil::PostgresCluster> PostgresStoreTest::cluster_;

TEST_F(PostgresStoreTest, OpensAtTheCurrentSchemaAndReopeningChangesNothing) {
  {
    auto s = Open();
    ASSERT_TRUE(s);
    EXPECT_EQ(s->schema_version(), PostgresStore::kSchemaVersion);
    ASSERT_TRUE(s->Put(Make("a1", "u", 1)).ok());
  }
  auto s = Open();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->schema_version(), PostgresStore::kSchemaVersion);
  EXPECT_EQ(Sql("SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_version"),
            "1,2,3");
  EXPECT_EQ(s->History("u", 0, 0)->size(), 1u);
}

TEST_F(PostgresStoreTest, OrchestratorsStartingTogetherMigrateOnce) {
  constexpr int kStores = 8;
  std::vector<absl::StatusOr<std::unique_ptr<PostgresStore>>> stores(kStores);
  std::vector<std::thread> threads;
  for (int i = 0; i < kStores; ++i) {
    threads.emplace_back([&, i] { stores[i] = PostgresStore::Open({url_, false, 1}); });
  }
  for (auto& t : threads) t.join();
  for (auto& s : stores) {
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_EQ((*s)->schema_version(), PostgresStore::kSchemaVersion);
  }
  EXPECT_EQ(SqlInt("SELECT COUNT(*) FROM schema_version"), PostgresStore::kSchemaVersion);
}

TEST_F(PostgresStoreTest, RefusesASchemaFromTheFuture) {
  { ASSERT_TRUE(Open()); }
  Sql("INSERT INTO schema_version (version) VALUES (99)");
  auto s = PostgresStore::Open({url_, false, 1});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kFailedPrecondition) << s.status();
  EXPECT_NE(s.status().message().find("99"), std::string::npos) << s.status();
}

TEST_F(PostgresStoreTest, PutThenHistoryNewestFirstSurvivesReopen) {
  {
    auto s = Open();
    ASSERT_TRUE(s->Put(Make("a1", "u", 1000)).ok());
    ASSERT_TRUE(s->Put(Make("a2", "u", 2000)).ok());
    ASSERT_TRUE(s->Put(Make("b1", "other", 1500)).ok());
    ASSERT_TRUE(s->Put(Make("a3", "u", 2000)).ok());  // same time: insertion order breaks it
  }
  auto s = Open();
  auto h = s->History("u", 0, 0);
  ASSERT_TRUE(h.ok()) << h.status();
  ASSERT_EQ(h->size(), 3u);
  EXPECT_EQ((*h)[0].assessment_id(), "a3");
  EXPECT_EQ((*h)[1].assessment_id(), "a2");
  EXPECT_EQ((*h)[2].assessment_id(), "a1");
  EXPECT_EQ(s->History("u", 1, 0)->size(), 1u);
  EXPECT_EQ(s->History("u", 0, 1500)->size(), 2u);
  EXPECT_EQ(SqlInt("SELECT COUNT(*) FROM modality_results"), 4);
  EXPECT_EQ(SqlInt("SELECT COUNT(*) FROM explanations"), 4);
}

TEST_F(PostgresStoreTest, FindByIdAndDeleteOneAssessment) {
  auto s = Open();
  ASSERT_TRUE(s->Put(Make("gone", "owl", 1000)).ok());
  ASSERT_TRUE(s->Put(Make("kept", "owl", 2000)).ok());
  ASSERT_TRUE(s->Put(Make("theirs", "other", 1500)).ok());
  auto found = s->FindById("owl", "gone");
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->created_at_ms(), 1000);
  EXPECT_FALSE(s->FindById("other", "gone")->has_value());
  EXPECT_FALSE(*s->DeleteAssessment("other", "gone"));
  auto deleted = s->DeleteAssessment("owl", "gone");
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_TRUE(*deleted);
  EXPECT_FALSE(*s->DeleteAssessment("owl", "gone"));
  EXPECT_FALSE(s->FindById("owl", "gone")->has_value());
  EXPECT_EQ(s->History("owl", 0, 0)->size(), 1u);
  EXPECT_EQ(s->History("other", 0, 0)->size(), 1u);
  EXPECT_EQ(SqlInt("SELECT COUNT(*) FROM modality_results WHERE assessment_id = 'gone'"), 0);
  EXPECT_EQ(SqlInt("SELECT COUNT(*) FROM explanations WHERE assessment_id = 'gone'"), 0);
}

TEST_F(PostgresStoreTest, RawTextIsDroppedUnlessConfigured) {
  {
    auto s = Open(false);
    ASSERT_TRUE(s->Put(Make("a1", "u", 1)).ok());
    EXPECT_EQ(s->History("u", 0, 0)->at(0).text(), "");
  }
  auto s = Open(true);
  ASSERT_TRUE(s->Put(Make("a2", "u2", 1)).ok());
  EXPECT_EQ(s->History("u2", 0, 0)->at(0).text(), "my journal");
}

TEST_F(PostgresStoreTest, RequestIdIsUniquePerUserAndFailedPutLeavesNothing) {
  auto s = Open();
  ASSERT_TRUE(s->Put(Make("a1", "u", 1, "req-1")).ok());
  auto again = s->Put(Make("a2", "u", 2, "req-1"));
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists) << again;
  EXPECT_EQ(s->History("u", 0, 0)->size(), 1u);  // no partial row from the failed put
  EXPECT_EQ(SqlInt("SELECT COUNT(*) FROM modality_results WHERE assessment_id = 'a2'"), 0);
  EXPECT_TRUE(s->Put(Make("a3", "v", 3, "req-1")).ok());  // another user may reuse it
  EXPECT_TRUE(s->Put(Make("a4", "u", 4)).ok());           // empty request ids never collide
  EXPECT_TRUE(s->Put(Make("a5", "u", 5)).ok());
  auto found = s->FindByRequestId("u", "req-1");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->assessment_id(), "a1");
  EXPECT_FALSE(s->FindByRequestId("u", "nope")->has_value());
}

TEST_F(PostgresStoreTest, JournalWordsQuotedAsEvidenceFollowTheTextSetting) {
  {
    auto s = Open(false);
    ASSERT_TRUE(s->Put(WithJournalEvidence("a1", "u", 1)).ok());
    const v1::Assessment got = s->History("u", 0, 0)->at(0);
    EXPECT_EQ(got.text(), "");
    EXPECT_EQ(got.DebugString().find("lavender"), std::string::npos) << got.DebugString();
    EXPECT_EQ(got.modalities(0).result().evidence(0).label(), "sadness");  // the label stays
    EXPECT_NE(got.narratives(0).text().find(kRedacted), std::string::npos);
    // Nor in any column: the explanations table has the redacted narrative.
    EXPECT_EQ(SqlInt("SELECT COUNT(*) FROM explanations WHERE text LIKE '%lavender%'"), 0);
    EXPECT_EQ(SqlInt("SELECT COUNT(*) FROM assessments "
                     "WHERE position('lavender'::bytea IN payload) > 0"),
              0);
  }
  auto s = Open(true);
  ASSERT_TRUE(s->Put(WithJournalEvidence("a2", "u2", 1)).ok());
  EXPECT_NE(s->History("u2", 0, 0)->at(0).DebugString().find("lavender field"), std::string::npos);
}

TEST_F(PostgresStoreTest, CheckInsAlertsBaselinesAndGroups) {
  auto s = Open();
  ASSERT_TRUE(s->PutCheckIn(MakeCheckIn("c2", "u", 200, "r1")).ok());
  ASSERT_TRUE(s->PutCheckIn(MakeCheckIn("c1", "u", 100)).ok());
  EXPECT_EQ(s->PutCheckIn(MakeCheckIn("c3", "u", 300, "r1")).code(),
            absl::StatusCode::kAlreadyExists);
  auto all = s->CheckIns("u", 0);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].checkin_id(), "c1");  // oldest first
  EXPECT_FLOAT_EQ((*all)[0].personal(), 62.5f);
  EXPECT_EQ(s->CheckIns("u", 150)->size(), 1u);
  EXPECT_EQ((*s->FindCheckIn("u", "r1"))->checkin_id(), "c2");
  EXPECT_FALSE(s->FindCheckIn("u", "r2")->has_value());
  EXPECT_EQ(Sql("SELECT COUNT(*) FILTER (WHERE work IS NULL) FROM checkins"), "2");

  const v1::Alert a1 = MakeAlert("x1", 10, v1::ALERT_STATE_ACTIVE);
  const v1::Alert a2 = MakeAlert("x2", 20, v1::ALERT_STATE_ACTIVE);
  ASSERT_TRUE(s->ReplaceAlerts("u", {a1, a2}).ok());
  EXPECT_EQ((*s->Alerts("u"))[0].alert_id(), "x2");  // newest raised first
  ASSERT_TRUE(s->ReplaceAlerts("u", {a2}).ok());     // replaced, not appended
  auto alerts = s->Alerts("u");
  ASSERT_EQ(alerts->size(), 1u);
  EXPECT_EQ((*alerts)[0].alert_id(), "x2");

  v1::PersonalBaseline b;
  b.set_user_id("u");
  b.set_ready(true);
  b.add_stats()->set_name("risk");
  ASSERT_TRUE(s->PutBaseline(b).ok());
  b.mutable_stats(0)->set_median(0.4);
  ASSERT_TRUE(s->PutBaseline(b).ok());
  EXPECT_DOUBLE_EQ((*s->GetBaseline("u"))->stats(0).median(), 0.4);
  EXPECT_FALSE(s->GetBaseline("nobody")->has_value());

  ASSERT_TRUE(s->SetGroup("u", "team-a").ok());
  EXPECT_EQ(*s->Group("u"), "team-a");
  ASSERT_TRUE(s->SetGroup("u", "team-b").ok());
  EXPECT_EQ(*s->Group("u"), "team-b");
  ASSERT_TRUE(s->SetGroup("u", "").ok());
  EXPECT_EQ(*s->Group("u"), "");

  ASSERT_TRUE(s->Audit({1000, "u", "export", "ok", "CSV", "person:u"}).ok());
  ASSERT_TRUE(s->Audit({2000, "u", "checkin", "ok", "", "operator:ops"}).ok());
  auto log = s->AuditLog("u");
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ((*log)[0].action, "checkin");  // newest first
  EXPECT_EQ((*log)[0].actor, "operator:ops");
  EXPECT_EQ((*log)[1].actor, "person:u");
  EXPECT_EQ((*log)[1].detail, "CSV");
}

TEST_F(PostgresStoreTest, SeriesReadsThePassiveFiguresFromTheColumnsOldestFirst) {
  auto s = Open();
  v1::Assessment abstained = Make("a2", "u", 2000);
  abstained.mutable_risk()->set_level(v1::RISK_LEVEL_UNSPECIFIED);
  abstained.mutable_risk()->set_abstained(true);
  abstained.mutable_state()->set_stress(0.7f);
  ASSERT_TRUE(s->Put(abstained).ok());
  ASSERT_TRUE(s->Put(Make("a1", "u", 1000)).ok());
  ASSERT_TRUE(s->Put(Make("a0", "u", 10)).ok());
  auto series = s->Series("u", 500);
  ASSERT_TRUE(series.ok()) << series.status();
  ASSERT_EQ(series->size(), 2u);
  EXPECT_EQ((*series)[0].time_ms, 1000);
  EXPECT_FALSE((*series)[0].abstained);
  EXPECT_NEAR((*series)[0].risk, 0.3, 1e-6);  // Make()'s trend features: risk is feature 3
  EXPECT_TRUE((*series)[1].abstained);
  EXPECT_NEAR((*series)[1].stress, 0.7, 1e-6);
}

TEST_F(PostgresStoreTest, GroupAggregatesCountPeopleNotRows) {
  auto s = Open();
  for (int p = 0; p < 3; ++p) {
    const std::string user = "p" + std::to_string(p);
    ASSERT_TRUE(s->SetGroup(user, "team").ok());
    for (int k = 0; k < 4; ++k) {
      v1::Assessment a = Make(user + "-" + std::to_string(k), user, 1000 + k);
      a.mutable_state()->set_stress(0.5f);
      ASSERT_TRUE(s->Put(a).ok());
    }
  }
  v1::Assessment abstained = Make("p0-abstained", "p0", 1100);
  abstained.mutable_risk()->set_level(v1::RISK_LEVEL_UNSPECIFIED);
  abstained.mutable_state()->set_stress(1.0f);  // not in the means: no level
  ASSERT_TRUE(s->Put(abstained).ok());
  ASSERT_TRUE(s->Put(Make("loner", "nogroup", 1000)).ok());  // in no group: not counted
  ASSERT_TRUE(s->Put(Make("late", "p0", 99999)).ok());       // outside the period
  ASSERT_TRUE(s->ReplaceAlerts("p1", {MakeAlert("al1", 1000, v1::ALERT_STATE_ACTIVE),
                                      MakeAlert("al2", 1001, v1::ALERT_STATE_ACTIVE)})
                  .ok());
  ASSERT_TRUE(s->PutCheckIn(MakeCheckIn("c1", "p2", 1000)).ok());
  ASSERT_TRUE(s->SetGroup("solo", "a-team").ok());  // a group with nothing in the period
  auto g = s->GroupAggregates(0, 5000);
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_EQ(g->size(), 1u);
  EXPECT_EQ((*g)[0].group, "team");
  EXPECT_EQ((*g)[0].people, 3);
  EXPECT_EQ((*g)[0].assessments, 13);
  EXPECT_EQ((*g)[0].abstained, 1);
  EXPECT_EQ((*g)[0].moderate, 12);
  EXPECT_NEAR((*g)[0].mean_risk, 0.3, 1e-6);
  EXPECT_NEAR((*g)[0].mean_stress, 0.5, 1e-6);
  EXPECT_EQ((*g)[0].people_with_active_alerts, 1);  // two alerts, one person
  EXPECT_EQ((*g)[0].checkins, 1);
  EXPECT_EQ((*g)[0].checkin_personal_n, 1);
  EXPECT_NEAR((*g)[0].mean_checkin_personal, 62.5, 1e-6);
  EXPECT_EQ((*g)[0].checkin_work_n, 0);
}

// Every file under `dir` whose bytes contain `needle`, relative to `dir`.
std::vector<std::string> FilesContaining(const std::string& dir, const std::string& needle) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::ifstream in(it->path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(needle) != std::string::npos) {
      out.push_back(fs::relative(it->path(), dir).string());
    }
  }
  return out;
}

TEST_F(PostgresStoreTest, DeleteUserRemovesEverythingOfThatPersonOnlyAndNothingReadsBack) {
  auto s = Open(true);  // even with journal text kept
  const std::string who = "zebra-person-17";
  for (int i = 0; i < 20; ++i) {
    v1::Assessment a = WithJournalEvidence("z" + std::to_string(i), who, 1000 + i);
    a.set_request_id("req-" + std::to_string(i));
    ASSERT_TRUE(s->Put(a).ok());
  }
  ASSERT_TRUE(s->PutCheckIn(MakeCheckIn("zc1", who, 5000, "creq")).ok());
  ASSERT_TRUE(s->ReplaceAlerts(who, {MakeAlert("za1", 10, v1::ALERT_STATE_ACTIVE)}).ok());
  v1::PersonalBaseline b;
  b.set_user_id(who);
  ASSERT_TRUE(s->PutBaseline(b).ok());
  ASSERT_TRUE(s->SetGroup(who, "team").ok());
  ASSERT_TRUE(s->Audit({0, who, "export", "ok", "CSV", "person:" + who}).ok());
  ASSERT_TRUE(s->Put(Make("keep", "other", 1)).ok());
  ASSERT_TRUE(s->SetGroup("other", "team").ok());

  auto n = s->DeleteUser(who);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->assessments, 20);
  EXPECT_EQ(n->checkins, 1);
  EXPECT_EQ(n->alerts, 1);
  EXPECT_EQ(n->audit, 1);
  EXPECT_TRUE(n->baseline);
  EXPECT_TRUE(n->group);

  // Nothing of the person reads back through the store ...
  EXPECT_TRUE(s->History(who, 0, 0)->empty());
  EXPECT_TRUE(s->Series(who, 0)->empty());
  EXPECT_FALSE(s->FindByRequestId(who, "req-3")->has_value());
  EXPECT_TRUE(s->CheckIns(who, 0)->empty());
  EXPECT_FALSE(s->FindCheckIn(who, "creq")->has_value());
  EXPECT_TRUE(s->Alerts(who)->empty());
  EXPECT_FALSE(s->GetBaseline(who)->has_value());
  EXPECT_EQ(*s->Group(who), "");
  EXPECT_TRUE(s->AuditLog(who)->empty());
  // ... nor through SQL on any table: no id, no journal word, in any column or payload (a
  // row's text form shows a BYTEA payload as hex).
  for (const char* table : {"assessments", "modality_results", "explanations", "checkins",
                            "alerts", "baselines", "people", "audit"}) {
    std::string where;
    for (const char* word : {"zebra-person-17", "lavender"}) {
      absl::StrAppend(&where, where.empty() ? "" : " OR ", "x::text LIKE '%", word,
                      "%' OR x::text LIKE '%' || encode('", word, "'::bytea, 'hex') || '%'");
    }
    EXPECT_EQ(SqlInt(absl::StrCat("SELECT COUNT(*) FROM ", table, " x WHERE ", where)), 0)
        << table;
  }
  EXPECT_EQ(SqlInt("SELECT COUNT(*) FROM modality_results"), 1);  // the other person's
  EXPECT_EQ(SqlInt("SELECT COUNT(*) FROM explanations"), 1);
  // The other person is untouched, and the deletion is audited without the id.
  EXPECT_EQ(s->History("other", 0, 0)->size(), 1u);
  EXPECT_EQ(*s->Group("other"), "team");
  EXPECT_EQ(Sql("SELECT detail FROM audit WHERE action = 'delete' AND user_id = ''"),
            "a person's data: 20 assessments, 1 check-ins");

  // What is left on disk (not asserted: PostgreSQL does not zero freed space, and the WAL
  // keeps the inserts until its segments are recycled; postgres_store.h says so).
  if (cluster_->local()) {
    pqxx::connection c(cluster_->url());
    pqxx::nontransaction(c).exec("CHECKPOINT");
    const std::string data = cluster_->data_dir();
    int heap = 0, wal = 0;
    for (const auto& f : FilesContaining(data, who)) {
      (f.rfind("pg_wal", 0) == 0 ? wal : heap) += 1;
    }
    std::printf("[ on disk  ] after DeleteUser + VACUUM + CHECKPOINT, files still holding the "
                "deleted id: %d table/index file(s), %d WAL segment(s)\n",
                heap, wal);
  }
}

TEST_F(PostgresStoreTest, ARoleThatCannotVacuumDeletesButSaysItCouldNotReclaim) {
  { ASSERT_TRUE(Open()); }  // migrated (and owned) by the cluster's user
  const std::string role = "writer_" + std::to_string(getpid());
  try {
    Sql("DROP ROLE IF EXISTS " + role);
    Sql("CREATE ROLE " + role + " LOGIN");
  } catch (const std::exception& e) {
    GTEST_SKIP() << "cannot create a role on this server: " << e.what();
  }
  Sql("GRANT USAGE ON SCHEMA " + schema_ + " TO " + role);
  Sql("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + schema_ + " TO " + role);
  {
    auto opened = PostgresStore::Open({WithParam(url_, "user", role), false, 1});
    ASSERT_TRUE(opened.ok()) << opened.status();
    ASSERT_TRUE((*opened)->Put(Make("a1", "u", 1)).ok());
    auto n = (*opened)->DeleteUser("u");
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.status().code(), absl::StatusCode::kFailedPrecondition) << n.status();
    EXPECT_NE(n.status().message().find("the data was deleted"), std::string::npos);
    EXPECT_NE(n.status().message().find(role), std::string::npos) << n.status();
  }
  EXPECT_EQ(SqlInt("SELECT COUNT(*) FROM assessments"), 0);  // the deletion did commit
  Sql("DROP OWNED BY " + role);
  Sql("DROP ROLE " + role);
}

TEST_F(PostgresStoreTest, RetentionDeletesEachClassByItsOwnAge) {
  auto s = Open(true);
  constexpr int64_t kDay = 86400000;
  const int64_t now = 100 * kDay;
  v1::Assessment old_session = WithJournalEvidence("old", "u", now - 40 * kDay);
  auto* series = old_session.mutable_session()->add_series();
  series->add_points()->set_t_s(1.0);
  old_session.mutable_session()->add_fused_series()->set_t_s(1.0);
  ASSERT_TRUE(s->Put(old_session).ok());
  v1::Assessment mid = Make("mid", "u", now - 20 * kDay);
  *mid.mutable_session() = old_session.session();
  ASSERT_TRUE(s->Put(mid).ok());
  ASSERT_TRUE(s->Put(Make("new", "u", now - kDay)).ok());
  ASSERT_TRUE(s->PutCheckIn(MakeCheckIn("c-old", "u", now - 100 * kDay)).ok());
  ASSERT_TRUE(s->PutCheckIn(MakeCheckIn("c-new", "u", now - kDay)).ok());
  ASSERT_TRUE(s->Audit({now - 400 * kDay, "u", "export", "ok", "CSV", "person:u"}).ok());

  RetentionPolicy p;
  p.now_ms = now;
  p.assessments_days = 30;
  p.session_series_days = 10;
  p.checkins_days = 60;
  p.audit_days = 365;
  auto n = s->ApplyRetention(p);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->assessments, 1);
  EXPECT_EQ(n->session_series, 1);
  EXPECT_EQ(n->checkins, 1);
  EXPECT_EQ(n->audit, 1);
  auto h = *s->History("u", 0, 0);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[1].assessment_id(), "mid");
  EXPECT_TRUE(h[1].session().series().empty());
  EXPECT_TRUE(h[1].session().fused_series().empty());
  EXPECT_FALSE(h[1].session().notes().empty());
  EXPECT_EQ(s->CheckIns("u", 0)->size(), 1u);
  EXPECT_TRUE(s->AuditLog("u")->empty());
  EXPECT_EQ(SqlInt("SELECT COUNT(*) FROM assessments WHERE position('lavender'::bytea IN payload) > 0"),
            0);
  EXPECT_EQ(SqlInt("SELECT COUNT(*) FROM explanations WHERE assessment_id = 'old'"), 0);
  EXPECT_EQ(SqlInt("SELECT COUNT(*) FROM audit WHERE action = 'retention'"), 1);
  // A second pass finds nothing more.
  auto again = s->ApplyRetention(p);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->assessments + again->session_series + again->checkins + again->audit, 0);
}

TEST_F(PostgresStoreTest, TwoOrchestratorsRacingTheSameRequestStoreExactlyOne) {
  auto first = Open(false, 4);
  auto second = Open(false, 4);
  ASSERT_TRUE(first && second);
  constexpr int kRounds = 10, kThreadsPerStore = 6;
  for (int round = 0; round < kRounds; ++round) {
    const std::string request = "req-" + std::to_string(round);
    std::atomic<int> stored{0}, already{0}, other{0};
    std::mutex mu;
    std::string winner;
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int i = 0; i < 2 * kThreadsPerStore; ++i) {
      PostgresStore* store = i % 2 ? second.get() : first.get();
      threads.emplace_back([&, store, i] {
        const std::string id = request + "-by-" + std::to_string(i);
        while (!go.load()) std::this_thread::yield();
        const absl::Status s = store->Put(Make(id, "racer", 1000 + i, request));
        if (s.ok()) {
          ++stored;
          std::lock_guard<std::mutex> lock(mu);
          winner = id;
        } else if (s.code() == absl::StatusCode::kAlreadyExists) {
          ++already;
        } else {
          ++other;
          ADD_FAILURE() << s;
        }
      });
    }
    go = true;
    for (auto& t : threads) t.join();
    EXPECT_EQ(stored.load(), 1) << request;
    EXPECT_EQ(already.load(), 2 * kThreadsPerStore - 1) << request;
    EXPECT_EQ(other.load(), 0);
    for (PostgresStore* store : {first.get(), second.get()}) {
      auto found = store->FindByRequestId("racer", request);
      ASSERT_TRUE(found.ok() && found->has_value()) << request;
      EXPECT_EQ((*found)->assessment_id(), winner);
    }
  }
  EXPECT_EQ(first->History("racer", 0, 0)->size(), static_cast<size_t>(kRounds));
  EXPECT_EQ(SqlInt("SELECT COUNT(*) FROM modality_results"), kRounds);  // no loser's rows
}

TEST_F(PostgresStoreTest, ManyThreadsShareASmallPool) {
  const std::string app = "pool_" + std::to_string(getpid());
  auto opened = PostgresStore::Open({WithParam(url_, "application_name", app), false, 2});
  ASSERT_TRUE(opened.ok()) << opened.status();
  auto& s = *opened;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < 20; ++k) {
        const std::string user = "u" + std::to_string(t);
        if (!s->Put(Make(user + "-" + std::to_string(k), user, k)).ok()) ++failures;
        if (!s->History(user, 5, 0).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(SqlInt("SELECT COUNT(*) FROM assessments"), 160);
  // The pool keeps its connections open: never more than its size.
  const int open =
      SqlInt("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = '" + app + "'");
  EXPECT_GE(open, 1);
  EXPECT_LE(open, 2);
}

TEST_F(PostgresStoreTest, AnUnparsablePayloadIsDataLoss) {
  auto s = Open();
  ASSERT_TRUE(s->Put(Make("a1", "u", 1)).ok());
  Sql("UPDATE assessments SET payload = '\\xffffffff'::bytea");
  auto h = s->History("u", 0, 0);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), absl::StatusCode::kDataLoss) << h.status();
  EXPECT_EQ(s->FindByRequestId("u", "").status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(PostgresStoreTest, ABrokenConnectionIsUnavailableAndThePoolRecovers) {
  const std::string app = "broken_" + std::to_string(getpid());
  auto opened = PostgresStore::Open({WithParam(url_, "application_name", app), false, 1});
  ASSERT_TRUE(opened.ok()) << opened.status();
  auto& s = *opened;
  ASSERT_TRUE(s->Put(Make("a1", "u", 1)).ok());
  // The server ends the store's session (as a restart or a failover would).
  EXPECT_EQ(SqlInt("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
                   "WHERE application_name = '" + app + "'"),
            1);
  auto first = s->History("u", 0, 0);
  if (!first.ok()) {
    EXPECT_EQ(first.status().code(), absl::StatusCode::kUnavailable) << first.status();
    EXPECT_NE(first.status().message().find(PostgresStore::RedactedUrl(url_)), std::string::npos)
        << first.status();
  }
  std::printf("[ reconnect] the call after the server ended the session: %s\n",
              first.ok() ? "OK (reconnected transparently)"
                         : std::string(first.status().ToString()).c_str());
  auto h = s->History("u", 0, 0);  // on a new connection
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->size(), 1u);
}

TEST_F(PostgresStoreTest, PrintsPutAndHistoryLatencyAgainstSqlite) {
  constexpr int kPuts = 200, kReads = 200;
  auto pg = Open();
  auto lite = SqliteStore::Open({testutil::FreshPath("latency.db"), false, 5000});
  ASSERT_TRUE(pg && lite.ok());
  auto measure = [&](AssessmentStore& store, const char* name) {
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    for (int i = 0; i < kPuts; ++i) {
      ASSERT_TRUE(store.Put(WithJournalEvidence("a" + std::to_string(i), "u", i)).ok());
    }
    const auto t1 = Clock::now();
    for (int i = 0; i < kReads; ++i) ASSERT_EQ(store.History("u", 30, 0)->size(), 30u);
    const auto t2 = Clock::now();
    const auto us = [](auto d) {
      return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
    };
    std::printf("[ latency  ] %-10s Put %7.3f ms   History(30 of %d) %7.3f ms   (mean of %d / %d)\n",
                name, us(t1 - t0) / 1000.0 / kPuts, kPuts, us(t2 - t1) / 1000.0 / kReads, kPuts,
                kReads);
  };
  measure(**lite, "SQLite");
  measure(*pg, "PostgreSQL");
}

TEST(PostgresStoreUrl, ErrorsNameTheUrlWithoutItsPassword) {
  EXPECT_EQ(PostgresStore::RedactedUrl("postgresql://me:s3cret@db.example:5432/burnout"),
            "postgresql://me:***@db.example:5432/burnout");
  EXPECT_EQ(PostgresStore::RedactedUrl("postgres://me@db/burnout?password=s3cret&sslmode=require"),
            "postgres://me@db/burnout?password=***&sslmode=require");
  EXPECT_EQ(PostgresStore::RedactedUrl("host=db user=me password='s3 cret' dbname=burnout"),
            "host=db user=me password=*** dbname=burnout");
  EXPECT_EQ(PostgresStore::RedactedUrl("host=db password=s3cret"), "host=db password=***");
  EXPECT_EQ(PostgresStore::RedactedUrl("postgresql://me@db/burnout"), "postgresql://me@db/burnout");
}

TEST(PostgresStoreUrl, AnUnreachableServerIsUnavailableNamingTheUrlWithoutThePassword) {
  // A port nothing listens on (bound, then closed).
  int port = 0;
  {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port = ntohs(addr.sin_port);
    close(fd);
  }
  const std::string url =
      "postgresql://burnout:s3cret-pw@127.0.0.1:" + std::to_string(port) + "/db?connect_timeout=5";
  auto s = PostgresStore::Open({url, false, 4});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kUnavailable) << s.status();
  EXPECT_NE(s.status().message().find("postgresql://burnout:***@127.0.0.1:" + std::to_string(port)),
            std::string::npos)
      << s.status();
  EXPECT_EQ(s.status().message().find("s3cret-pw"), std::string::npos) << s.status();
}

}  // namespace
}  // namespace burnout::store
