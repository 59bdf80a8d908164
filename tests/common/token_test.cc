// Bearer tokens: Ed25519 JWTs signed and verified through OpenSSL.
#include "common/auth/token.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"

namespace burnout::auth {
namespace {

namespace fs = std::filesystem;

class TokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("token_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    ASSERT_TRUE(GenerateKeyPair(Path("a.key"), Path("a.pub")).ok());
    ASSERT_TRUE(GenerateKeyPair(Path("b.key"), Path("b.pub")).ok());
    auto v = TokenVerifier::FromPublicKeyFile(Path("a.pub"));
    ASSERT_TRUE(v.ok()) << v.status();
    verifier_ = std::move(*v);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  static Claims For(const std::string& sub, int64_t exp = kNow + 600) {
    Claims c;
    c.subject = sub;
    c.issuer = "burnoutctl";
    c.issued_at = std::min(kNow, exp - 600);
    c.expires_at = exp;
    return c;
  }
  std::string Sign(const Claims& c, const std::string& key = "a.key") {
    auto t = SignToken(c, Path(key));
    EXPECT_TRUE(t.ok()) << t.status();
    return t.value_or("");
  }
  absl::Status Check(const std::string& token) {
    return verifier_->Verify(token, kNow, 30, "burnoutctl").status();
  }
  static constexpr int64_t kNow = 1800000000;
  fs::path dir_;
  std::unique_ptr<TokenVerifier> verifier_;
};

TEST_F(TokenTest, ASignedTokenVerifiesWithItsClaims) {
  Claims c = For("alice");
  c.role = kRoleOperator;
  auto got = verifier_->Verify(Sign(c), kNow, 30, "burnoutctl");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->subject, "alice");
  EXPECT_EQ(got->role, "operator");
  EXPECT_EQ(got->expires_at, kNow + 600);
  // The private key is readable by its owner only.
  EXPECT_EQ(fs::status(Path("a.key")).permissions() & fs::perms::others_read, fs::perms::none);
}

TEST_F(TokenTest, ExpiredNotYetValidAndOtherIssuersAreRefused) {
  EXPECT_NE(Check(Sign(For("alice", kNow - 31))).message().find("expired"), std::string::npos);
  EXPECT_TRUE(Check(Sign(For("alice", kNow - 10))).ok());  // within the leeway
  Claims later = For("alice");
  later.not_before = kNow + 120;
  EXPECT_NE(Check(Sign(later)).message().find("not valid before"), std::string::npos);
  Claims other = For("alice");
  other.issuer = "someone-else";
  EXPECT_NE(Check(Sign(other)).message().find("issuer"), std::string::npos);
}

TEST_F(TokenTest, ForgedTokensAreRefused) {
  const std::string good = Sign(For("alice"));
  std::vector<std::string> parts = absl::StrSplit(good, '.');
  ASSERT_EQ(parts.size(), 3u);
  // Signed by another key.
  EXPECT_NE(Check(Sign(For("alice"), "b.key")).message().find("signature"), std::string::npos);
  // The payload changed to another person, the signature kept.
  const std::string mallory = absl::WebSafeBase64Escape(
      R"({"sub":"bob","role":"person","iss":"burnoutctl","iat":1800000000,"exp":1800000600})");
  absl::Status s = Check(parts[0] + "." + mallory + "." + parts[2]);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(s.message().find("signature"), std::string::npos);
  // "alg": "none" with no signature, and HS256, are refused before any key is used.
  const std::string none = absl::WebSafeBase64Escape(R"({"alg":"none","typ":"JWT"})");
  EXPECT_NE(Check(none + "." + parts[1] + ".").message().find("not accepted"), std::string::npos);
  const std::string hs = absl::WebSafeBase64Escape(R"({"alg":"HS256","typ":"JWT"})");
  EXPECT_NE(Check(hs + "." + parts[1] + "." + parts[2]).message().find("not accepted"),
            std::string::npos);
  // Garbage.
  for (const std::string& junk : {std::string(""), std::string("abc"), std::string("a.b"),
                                  std::string("!!.??.**"), std::string(10000, 'x')}) {
    EXPECT_EQ(Check(junk).code(), absl::StatusCode::kUnauthenticated) << junk.substr(0, 20);
  }
}

TEST_F(TokenTest, SigningChecksTheClaimsAndTheKey) {
  EXPECT_EQ(SignToken(For(""), Path("a.key")).status().code(), absl::StatusCode::kInvalidArgument);
  Claims odd = For("alice");
  odd.role = "admin";
  EXPECT_EQ(SignToken(odd, Path("a.key")).status().code(), absl::StatusCode::kInvalidArgument);
  Claims instant = For("alice");
  instant.expires_at = instant.issued_at;
  EXPECT_EQ(SignToken(instant, Path("a.key")).status().code(),
            absl::StatusCode::kInvalidArgument);  // expires when issued
  EXPECT_FALSE(SignToken(For("alice"), Path("a.pub")).ok());  // a public key cannot sign
  EXPECT_EQ(TokenVerifier::FromPublicKeyFile(Path("missing.pub")).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(TokenTest, TheLocalIssuerSignsForTheDevelopmentStack) {
  const std::string run = (dir_ / "run").string();
  ASSERT_TRUE(EnsureLocalIssuer(run).ok());
  ASSERT_TRUE(EnsureLocalIssuer(run).ok());  // kept when present
  auto t = LocalToken(run, "alice");
  ASSERT_TRUE(t.ok()) << t.status();
  auto v = TokenVerifier::FromPublicKeyFile(LocalIssuerPublicKey(run));
  ASSERT_TRUE(v.ok());
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  auto c = (*v)->Verify(*t, now, 30, "burnoutctl");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->subject, "alice");
  EXPECT_EQ(c->role, "person");
}

}  // namespace
}  // namespace burnout::auth
