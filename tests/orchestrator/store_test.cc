#include "orchestrator/store/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

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
  EXPECT_EQ(*n, 2);
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
