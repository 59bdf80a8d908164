// Model repository semantics: which version a configured path stands for, and ModelSlot's
// availability-preserving refresh (switch on a new version, keep serving on a failed one,
// no retry of unchanged failed files unless forced).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/grpc/model_slot.h"
#include "common/model/model_dir.h"
#include "tests/testing/temp_dir.h"

namespace burnout {
namespace {

namespace fs = std::filesystem;

void WriteVersion(const std::string& dir, const std::string& content) {
  fs::create_directories(dir);
  std::ofstream(dir + "/weights.txt", std::ios::trunc) << content;
  v1::ModelManifest m;
  m.set_name("m");
  m.set_version(fs::path(dir).filename().string());
  m.set_kind("k");
  m.set_file("weights.txt");
  ASSERT_TRUE(model::WriteManifest(dir, m).ok());
}

TEST(ModelRepositoryTest, AVersionDirectoryIsItself) {
  const std::string dir = testutil::FreshPath("repo_single") + "/7";
  WriteVersion(dir, "a");
  auto v = model::ResolveModelVersion(dir);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->dir, dir);
  EXPECT_EQ(v->version, "7");
}

TEST(ModelRepositoryTest, AModelDirectoryServesItsHighestNumberedVersion) {
  const std::string repo = testutil::FreshPath("repo_versions");
  WriteVersion(repo + "/2", "two");
  WriteVersion(repo + "/10", "ten");  // numeric, not lexical, order
  WriteVersion(repo + "/9", "nine");
  fs::create_directories(repo + "/11");  // no manifest yet (being copied): ignored
  WriteVersion(repo + "/latest", "x");   // not a number: ignored
  auto v = model::ResolveModelVersion(repo);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->dir, repo + "/10");
  EXPECT_EQ(v->version, "10");
}

TEST(ModelRepositoryTest, NothingToServeIsNotFoundNamingThePath) {
  const std::string repo = testutil::FreshPath("repo_empty");
  fs::create_directories(repo);
  auto v = model::ResolveModelVersion(repo);
  EXPECT_EQ(v.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(v.status().message().find(repo), std::string::npos);
  EXPECT_EQ(model::ResolveModelVersion(repo + "/missing").status().code(), absl::StatusCode::kNotFound);
}

TEST(ModelRepositoryTest, TheFingerprintFollowsTheFiles) {
  const std::string dir = testutil::FreshPath("repo_fp") + "/1";
  WriteVersion(dir, "a");
  auto a = model::ResolveModelVersion(dir);
  WriteVersion(dir, "bb");
  auto b = model::ResolveModelVersion(dir);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->fingerprint, b->fingerprint);
}

struct Loaded {
  std::string dir;
  std::string content;
};

absl::StatusOr<std::unique_ptr<Loaded>> LoadLoaded(const std::string& dir) {
  auto md = model::OpenModelDir(dir, "k");
  if (!md.ok()) return md.status();
  std::ifstream in(md->model_path);
  std::string s((std::istreambuf_iterator<char>(in)), {});
  if (s == "broken") return absl::FailedPreconditionError(dir + ": broken on purpose");
  return std::make_unique<Loaded>(Loaded{dir, s});
}

TEST(ModelSlotRefreshTest, SwitchesKeepsServingOnFailureAndRetriesOnlyChangedFiles) {
  const std::string repo = testutil::FreshPath("repo_refresh");
  WriteVersion(repo + "/1", "one");
  grpcx::ModelSlot<Loaded> slot;
  int loads = 0;
  auto loader = [&](const std::string& dir) {
    ++loads;
    return LoadLoaded(dir);
  };
  ASSERT_TRUE(slot.Refresh(repo, loader).ok());
  std::shared_ptr<const Loaded> held = slot.Get();
  EXPECT_EQ(held->content, "one");
  ASSERT_TRUE(slot.Refresh(repo, loader).ok());
  EXPECT_EQ(loads, 1);  // unchanged: not reloaded

  WriteVersion(repo + "/2", "two");
  ASSERT_TRUE(slot.Refresh(repo, loader).ok());
  EXPECT_EQ(slot.Get()->content, "two");
  EXPECT_EQ(held->content, "one");  // a request holding the old version still has it

  WriteVersion(repo + "/3", "broken");
  EXPECT_FALSE(slot.Refresh(repo, loader).ok());
  EXPECT_EQ(slot.Get()->content, "two");
  EXPECT_EQ(slot.serving_dir(), repo + "/2");
  const int after_failure = loads;
  EXPECT_FALSE(slot.Refresh(repo, loader).ok());
  EXPECT_EQ(loads, after_failure);  // the same failed files are not retried every poll
  EXPECT_FALSE(slot.Refresh(repo, loader, /*force=*/true).ok());
  EXPECT_EQ(loads, after_failure + 1);  // SIGHUP retries

  WriteVersion(repo + "/3", "three, fixed");  // rewritten: retried on the next poll
  ASSERT_TRUE(slot.Refresh(repo, loader).ok());
  EXPECT_EQ(slot.Get()->content, "three, fixed");
}

TEST(ModelSlotRefreshTest, AFirstLoadFailureIsTheNotReadyReason) {
  const std::string repo = testutil::FreshPath("repo_first_fail");
  WriteVersion(repo + "/1", "broken");
  grpcx::ModelSlot<Loaded> slot;
  EXPECT_FALSE(slot.Refresh(repo, LoadLoaded).ok());
  EXPECT_EQ(slot.Get(), nullptr);
  EXPECT_NE(slot.NotReady().message().find("broken on purpose"), std::string::npos);
}

}  // namespace
}  // namespace burnout
