// Who may call what: a person only their own data, an operator only aggregates.
#include "orchestrator/access.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

namespace burnout::orchestrator {
namespace {

namespace fs = std::filesystem;

class AccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    run_ = (fs::temp_directory_path() / ("access_test_" + std::to_string(::getpid()))).string();
    ASSERT_TRUE(auth::EnsureLocalIssuer(run_).ok());
    config_.set_required(true);
    config_.set_public_key_file(auth::LocalIssuerPublicKey(run_));
    auto a = Access::Create(config_);
    ASSERT_TRUE(a.ok()) << a.status();
    access_ = std::move(*a);
  }
  void TearDown() override { fs::remove_all(run_); }
  std::string Bearer(const std::string& user, const std::string& role = "person") {
    return "Bearer " + auth::LocalToken(run_, user, role).value();
  }
  std::string run_;
  burnout::v1::AuthConfig config_;
  std::unique_ptr<Access> access_;
};

TEST_F(AccessTest, APersonReachesOnlyTheirOwnData) {
  auto alice = access_->Authenticate(Bearer("alice"));
  ASSERT_TRUE(alice.ok()) << alice.status();
  EXPECT_EQ(alice->Actor(), "person:alice");
  EXPECT_TRUE(access_->MayAccessPerson(*alice, "alice").ok());
  const absl::Status other = access_->MayAccessPerson(*alice, "bob");
  EXPECT_EQ(other.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(other.message().find("bob"), std::string::npos);  // says nothing about bob
  EXPECT_TRUE(access_->MayReadAggregates(*alice).ok());
}

TEST_F(AccessTest, AnOperatorSeesAggregatesNeverAPerson) {
  auto op = access_->Authenticate(Bearer("ops", "operator"));
  ASSERT_TRUE(op.ok());
  EXPECT_TRUE(access_->MayReadAggregates(*op).ok());
  EXPECT_EQ(access_->MayAccessPerson(*op, "ops").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(access_->MayAccessPerson(*op, "alice").code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(AccessTest, MissingMalformedAndForeignTokensAreUnauthenticated) {
  EXPECT_EQ(access_->Authenticate("").status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(access_->Authenticate("Basic YWxpY2U6cHc=").status().code(),
            absl::StatusCode::kUnauthenticated);
  const std::string other = run_ + "-other";
  ASSERT_TRUE(auth::EnsureLocalIssuer(other).ok());
  auto forged = access_->Authenticate("Bearer " + auth::LocalToken(other, "alice").value());
  EXPECT_EQ(forged.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(forged.status().message().find("signature"), std::string::npos);
  fs::remove_all(other);
  auto expired = auth::LocalToken(run_, "alice", "person", -120);
  EXPECT_FALSE(expired.ok());  // cannot even be signed: it would expire before it is issued
}

TEST_F(AccessTest, WithoutRequiredAuthAnonymousCallsPassButBadTokensDoNot) {
  burnout::v1::AuthConfig optional = config_;
  optional.set_required(false);
  auto a = Access::Create(optional);
  ASSERT_TRUE(a.ok());
  auto anon = (*a)->Authenticate("");
  ASSERT_TRUE(anon.ok());
  EXPECT_EQ(anon->Actor(), "anonymous");
  EXPECT_TRUE((*a)->MayAccessPerson(*anon, "alice").ok());
  EXPECT_EQ((*a)->Authenticate("Bearer not.a.token").status().code(),
            absl::StatusCode::kUnauthenticated);
  burnout::v1::AuthConfig no_key;
  no_key.set_required(true);
  EXPECT_EQ(Access::Create(no_key).status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace burnout::orchestrator
