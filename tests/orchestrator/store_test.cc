#include "orchestrator/store/sqlite_store.h"
#include "orchestrator/store/redact.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <sstream>

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

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (fs::temp_directory_path() / ("store_test_" + std::to_string(::getpid()) + ".db")).string();
    Cleanup();
  }
  void TearDown() override { Cleanup(); }
  void Cleanup() {
    for (const char* ext : {"", "-wal", "-shm"}) fs::remove(path_ + ext);
  }
  std::unique_ptr<SqliteStore> Open(bool keep_text = false) {
    auto s = SqliteStore::Open({path_, keep_text, 1000});
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? std::move(*s) : nullptr;
  }
  std::string path_;
};

TEST_F(StoreTest, OpensInWalModeAtTheCurrentSchema) {
  auto s = Open();
  EXPECT_EQ(s->journal_mode(), "wal");
  EXPECT_EQ(s->schema_version(), SqliteStore::kSchemaVersion);
}

TEST_F(StoreTest, PutThenHistoryNewestFirstSurvivesReopen) {
  {
    auto s = Open();
    ASSERT_TRUE(s->Put(Make("a1", "u", 1000)).ok());
    ASSERT_TRUE(s->Put(Make("a2", "u", 2000)).ok());
    ASSERT_TRUE(s->Put(Make("b1", "other", 1500)).ok());
  }
  auto s = Open();
  auto h = s->History("u", 0, 0);
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), 2u);
  EXPECT_EQ((*h)[0].assessment_id(), "a2");
  EXPECT_EQ((*h)[1].assessment_id(), "a1");
  EXPECT_EQ(s->History("u", 1, 0)->size(), 1u);
  EXPECT_EQ(s->History("u", 0, 1500)->size(), 1u);
}

TEST_F(StoreTest, RawTextIsDroppedUnlessConfigured) {
  {
    auto s = Open(false);
    ASSERT_TRUE(s->Put(Make("a1", "u", 1)).ok());
    EXPECT_EQ(s->History("u", 0, 0)->at(0).text(), "");
  }
  auto s = Open(true);
  ASSERT_TRUE(s->Put(Make("a2", "u2", 1)).ok());
  EXPECT_EQ(s->History("u2", 0, 0)->at(0).text(), "my journal");
}

TEST_F(StoreTest, RequestIdIsUniquePerUserAndFailedPutLeavesNothing) {
  auto s = Open();
  ASSERT_TRUE(s->Put(Make("a1", "u", 1, "req-1")).ok());
  auto again = s->Put(Make("a2", "u", 2, "req-1"));
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(s->History("u", 0, 0)->size(), 1u);  // no partial row from the failed put
  EXPECT_TRUE(s->Put(Make("a3", "v", 3, "req-1")).ok());  // another user may reuse it
  auto found = s->FindByRequestId("u", "req-1");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->assessment_id(), "a1");
  EXPECT_FALSE(s->FindByRequestId("u", "nope")->has_value());
}

TEST_F(StoreTest, DeleteUserRemovesEverythingOfThatUserOnly) {
  auto s = Open();
  ASSERT_TRUE(s->Put(Make("a1", "u", 1)).ok());
  ASSERT_TRUE(s->Put(Make("a2", "u", 2)).ok());
  ASSERT_TRUE(s->Put(Make("b1", "v", 3)).ok());
  auto n = s->DeleteUser("u");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->assessments, 2);
  EXPECT_TRUE(s->History("u", 0, 0)->empty());
  EXPECT_EQ(s->History("v", 0, 0)->size(), 1u);
  s.reset();
  // The child tables went with the assessments (foreign keys cascade).
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM modality_results", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 1);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

// The whole of a file's bytes.
std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
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

TEST_F(StoreTest, JournalWordsQuotedAsEvidenceFollowTheTextSetting) {
  {
    auto s = Open(false);
    ASSERT_TRUE(s->Put(WithJournalEvidence("a1", "u", 1)).ok());
    const v1::Assessment got = s->History("u", 0, 0)->at(0);
    EXPECT_EQ(got.text(), "");
    EXPECT_EQ(got.DebugString().find("lavender"), std::string::npos) << got.DebugString();
    EXPECT_EQ(got.modalities(0).result().evidence(0).label(), "sadness");  // the label stays
    EXPECT_NE(got.narratives(0).text().find(kRedacted), std::string::npos);
  }
  auto s = Open(true);
  ASSERT_TRUE(s->Put(WithJournalEvidence("a2", "u2", 1)).ok());
  EXPECT_NE(s->History("u2", 0, 0)->at(0).DebugString().find("lavender field"), std::string::npos);
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

TEST_F(StoreTest, MigratesAVersion1StoreKeepingItsAssessments) {
  {
    // A store as the previous release left it: schema 1 only.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "CREATE TABLE assessments (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, "
                           "request_id TEXT NOT NULL DEFAULT '', created_at_ms INTEGER NOT NULL, "
                           "risk_level INTEGER NOT NULL, risk_score REAL NOT NULL, confidence "
                           "REAL NOT NULL, uncertainty REAL NOT NULL, energy REAL NOT NULL, stress "
                           "REAL NOT NULL, work REAL NOT NULL, trend INTEGER NOT NULL, "
                           "fusion_model TEXT NOT NULL, payload BLOB NOT NULL);"
                           "CREATE TABLE modality_results (assessment_id TEXT, modality INTEGER, "
                           "used INTEGER, mask_reason TEXT, quality REAL, model_name TEXT, "
                           "model_version TEXT, model_sha256 TEXT, attention_weight REAL);"
                           "CREATE TABLE explanations (assessment_id TEXT, position INTEGER, "
                           "topic TEXT, text TEXT);"
                           "PRAGMA user_version=1;",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    std::string payload;
    Make("old", "u", 5).SerializeToString(&payload);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db,
                       "INSERT INTO assessments VALUES ('old','u','',5,2,0.3,0.5,0.01,0.5,0.5,"
                       "0.5,0,'f/1',?)",
                       -1, &st, nullptr);
    sqlite3_bind_blob(st, 1, payload.data(), static_cast<int>(payload.size()), SQLITE_TRANSIENT);
    ASSERT_EQ(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
  }
  auto s = Open();
  EXPECT_EQ(s->schema_version(), SqliteStore::kSchemaVersion);
  ASSERT_EQ(s->History("u", 0, 0)->size(), 1u);
  EXPECT_TRUE(s->PutCheckIn(MakeCheckIn("c1", "u", 6)).ok());
}

TEST_F(StoreTest, CheckInsAlertsBaselinesAndGroups) {
  auto s = Open();
  ASSERT_TRUE(s->PutCheckIn(MakeCheckIn("c2", "u", 200, "r1")).ok());
  ASSERT_TRUE(s->PutCheckIn(MakeCheckIn("c1", "u", 100)).ok());
  EXPECT_EQ(s->PutCheckIn(MakeCheckIn("c3", "u", 300, "r1")).code(), absl::StatusCode::kAlreadyExists);
  auto all = s->CheckIns("u", 0);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].checkin_id(), "c1");  // oldest first
  EXPECT_EQ(s->CheckIns("u", 150)->size(), 1u);
  EXPECT_EQ((*s->FindCheckIn("u", "r1"))->checkin_id(), "c2");

  v1::Alert a1, a2;
  a1.set_alert_id("x1");
  a1.set_kind("risk_rising");
  a1.set_state(v1::ALERT_STATE_ACTIVE);
  a1.set_raised_at_ms(10);
  a2 = a1;
  a2.set_alert_id("x2");
  a2.set_raised_at_ms(20);
  ASSERT_TRUE(s->ReplaceAlerts("u", {a1, a2}).ok());
  ASSERT_TRUE(s->ReplaceAlerts("u", {a2}).ok());  // replaced, not appended
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
  ASSERT_TRUE(s->SetGroup("u", "").ok());
  EXPECT_EQ(*s->Group("u"), "");
}

TEST_F(StoreTest, SeriesReadsThePassiveFiguresFromTheColumnsOldestFirst) {
  auto s = Open();
  v1::Assessment abstained = Make("a2", "u", 2000);
  abstained.mutable_risk()->set_level(v1::RISK_LEVEL_UNSPECIFIED);
  abstained.mutable_risk()->set_abstained(true);
  abstained.mutable_state()->set_stress(0.7f);
  ASSERT_TRUE(s->Put(abstained).ok());
  ASSERT_TRUE(s->Put(Make("a1", "u", 1000)).ok());
  ASSERT_TRUE(s->Put(Make("a0", "u", 10)).ok());
  auto series = s->Series("u", 500);
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 2u);
  EXPECT_EQ((*series)[0].time_ms, 1000);
  EXPECT_FALSE((*series)[0].abstained);
  EXPECT_NEAR((*series)[0].risk, 0.3, 1e-6);  // Make()'s trend features: risk is feature 3
  EXPECT_TRUE((*series)[1].abstained);
  EXPECT_NEAR((*series)[1].stress, 0.7, 1e-6);
}

TEST_F(StoreTest, GroupAggregatesCountPeopleNotRows) {
  auto s = Open();
  for (int p = 0; p < 3; ++p) {
    const std::string user = "p" + std::to_string(p);
    ASSERT_TRUE(s->SetGroup(user, "team").ok());
    for (int k = 0; k < 4; ++k) {
      ASSERT_TRUE(s->Put(Make(user + "-" + std::to_string(k), user, 1000 + k)).ok());
    }
  }
  ASSERT_TRUE(s->Put(Make("loner", "nogroup", 1000)).ok());  // in no group: not counted
  ASSERT_TRUE(s->Put(Make("late", "p0", 99999)).ok());       // outside the period
  auto g = s->GroupAggregates(0, 5000);
  ASSERT_TRUE(g.ok());
  ASSERT_EQ(g->size(), 1u);
  EXPECT_EQ((*g)[0].group, "team");
  EXPECT_EQ((*g)[0].people, 3);
  EXPECT_EQ((*g)[0].assessments, 12);
  EXPECT_EQ((*g)[0].moderate, 12);
}

TEST_F(StoreTest, DeleteLeavesNoTraceInTheDatabaseFileOrItsWal) {
  auto s = Open(true);  // even with journal text kept
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(s->Put(WithJournalEvidence("a" + std::to_string(i), "zebra-person-17", 1000 + i)).ok());
  }
  ASSERT_TRUE(s->PutCheckIn(MakeCheckIn("c1", "zebra-person-17", 5000)).ok());
  ASSERT_TRUE(s->SetGroup("zebra-person-17", "team").ok());
  ASSERT_TRUE(s->Put(Make("keep", "other", 1)).ok());
  const std::string before = Slurp(path_) + Slurp(path_ + "-wal");
  ASSERT_NE(before.find("zebra-person-17"), std::string::npos);  // the test would see it
  ASSERT_NE(before.find("lavender"), std::string::npos);
  auto n = s->DeleteUser("zebra-person-17");
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->assessments, 20);
  EXPECT_EQ(n->checkins, 1);
  EXPECT_TRUE(n->group);
  // Right after the delete, with the store still open.
  for (const std::string file : {path_, path_ + "-wal"}) {
    const std::string bytes = Slurp(file);
    EXPECT_EQ(bytes.find("zebra-person-17"), std::string::npos) << file;
    EXPECT_EQ(bytes.find("lavender"), std::string::npos) << file;
  }
  EXPECT_EQ(s->History("other", 0, 0)->size(), 1u);
}

// One assessment by id, then deleted alone: its rows and its journal words leave the file and
// the WAL; the person's others, and another person's with the same id, stay.
TEST_F(StoreTest, FindByIdAndDeleteOneAssessmentWithoutATrace) {
  auto s = Open(true);
  ASSERT_TRUE(s->Put(WithJournalEvidence("gone", "owl", 1000)).ok());
  ASSERT_TRUE(s->Put(Make("kept", "owl", 2000)).ok());
  ASSERT_TRUE(s->Put(Make("theirs", "other", 1500)).ok());
  auto found = s->FindById("owl", "gone");
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->created_at_ms(), 1000);
  EXPECT_FALSE(s->FindById("other", "gone")->has_value());  // another person's id reads as none
  EXPECT_FALSE(s->FindById("owl", "nope")->has_value());
  ASSERT_NE((Slurp(path_) + Slurp(path_ + "-wal")).find("lavender"), std::string::npos);
  auto wrong_person = s->DeleteAssessment("other", "gone");
  ASSERT_TRUE(wrong_person.ok());
  EXPECT_FALSE(*wrong_person);
  auto deleted = s->DeleteAssessment("owl", "gone");
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_TRUE(*deleted);
  EXPECT_FALSE(*s->DeleteAssessment("owl", "gone"));
  for (const std::string file : {path_, path_ + "-wal"}) {
    EXPECT_EQ(Slurp(file).find("lavender"), std::string::npos) << file;
  }
  auto h = s->History("owl", 0, 0);
  ASSERT_EQ(h->size(), 1u);
  EXPECT_EQ((*h)[0].assessment_id(), "kept");
  EXPECT_EQ(s->History("other", 0, 0)->size(), 1u);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM modality_results WHERE assessment_id = 'gone'", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 0);  // cascaded
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST_F(StoreTest, RetentionDeletesEachClassByItsOwnAgeWithoutATrace) {
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
  ASSERT_TRUE(s->Audit({now - 400 * kDay, "u", "export", "ok", "CSV"}).ok());

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
  EXPECT_EQ(s->CheckIns("u", 0)->size(), 1u);
  for (const std::string file : {path_, path_ + "-wal"}) {
    EXPECT_EQ(Slurp(file).find("lavender"), std::string::npos) << file;
  }
  // A second pass finds nothing more.
  auto again = s->ApplyRetention(p);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->assessments + again->session_series + again->checkins + again->audit, 0);
}

TEST_F(StoreTest, RefusesASchemaFromTheFuture) {
  { auto s = Open(); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  auto s = SqliteStore::Open({path_, false, 1000});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("99"), std::string::npos) << s.status();
}

TEST_F(StoreTest, UnopenablePathIsAnErrorNamingIt) {
  auto s = SqliteStore::Open({"/nonexistent-dir/x/burnout.db", false, 1000});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("/nonexistent-dir/x/burnout.db"), std::string::npos);
}

}  // namespace
}  // namespace burnout::store
