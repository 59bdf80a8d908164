#include "common/auth/token.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

namespace burnout::auth {
namespace {

struct FileCloser {
  void operator()(FILE* f) const {
    if (f) std::fclose(f);
  }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct MdFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using File = std::unique_ptr<FILE, FileCloser>;
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdFree>;

std::string B64(const std::string& raw) { return absl::WebSafeBase64Escape(raw); }

absl::StatusOr<Key> ReadPrivateKey(const std::string& path) {
  File f(std::fopen(path.c_str(), "r"));
  if (!f) return absl::UnavailableError(absl::StrCat("cannot read the signing key ", path));
  Key key(PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr));
  if (!key || EVP_PKEY_id(key.get()) != EVP_PKEY_ED25519) {
    return absl::FailedPreconditionError(absl::StrCat(path, " is not an Ed25519 private key (PEM)"));
  }
  return key;
}

bool IsRole(const std::string& r) { return r == kRolePerson || r == kRoleOperator; }

}  // namespace

absl::Status GenerateKeyPair(const std::string& private_key_path,
                             const std::string& public_key_path) {
  Key key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) return absl::InternalError("Ed25519 key generation failed");
  {
    const mode_t old = ::umask(077);
    File f(std::fopen(private_key_path.c_str(), "w"));
    ::umask(old);
    if (!f || !PEM_write_PrivateKey(f.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr)) {
      return absl::UnavailableError(absl::StrCat("cannot write ", private_key_path));
    }
  }
  File f(std::fopen(public_key_path.c_str(), "w"));
  if (!f || !PEM_write_PUBKEY(f.get(), key.get())) {
    return absl::UnavailableError(absl::StrCat("cannot write ", public_key_path));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> SignToken(const Claims& c, const std::string& private_key_path) {
  if (c.subject.empty()) return absl::InvalidArgumentError("token: the subject is empty");
  if (!IsRole(c.role)) {
    return absl::InvalidArgumentError(absl::StrCat("token: unknown role \"", c.role,
                                                   "\"; person or operator"));
  }
  if (c.expires_at <= c.issued_at) {
    return absl::InvalidArgumentError("token: it must expire after it is issued");
  }
  auto key = ReadPrivateKey(private_key_path);
  if (!key.ok()) return key.status();
  nlohmann::json payload = {{"sub", c.subject}, {"role", c.role},
                            {"iat", c.issued_at}, {"exp", c.expires_at}};
  if (!c.issuer.empty()) payload["iss"] = c.issuer;
  if (c.not_before > 0) payload["nbf"] = c.not_before;
  const std::string input = absl::StrCat(B64(R"({"alg":"EdDSA","typ":"JWT"})"), ".",
                                         B64(payload.dump()));
  MdCtx ctx(EVP_MD_CTX_new());
  size_t len = 64;
  std::string sig(len, '\0');
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key->get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return absl::InternalError("token: Ed25519 signing failed");
  }
  sig.resize(len);
  return absl::StrCat(input, ".", B64(sig));
}

std::string LocalIssuerKey(const std::string& run_dir) { return run_dir + "/auth/issuer.key"; }
std::string LocalIssuerPublicKey(const std::string& run_dir) {
  return run_dir + "/auth/issuer.pub";
}

absl::Status EnsureLocalIssuer(const std::string& run_dir) {
  std::error_code ec;
  std::filesystem::create_directories(run_dir + "/auth", ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot create ", run_dir, "/auth"));
  if (std::filesystem::exists(LocalIssuerKey(run_dir)) &&
      std::filesystem::exists(LocalIssuerPublicKey(run_dir))) {
    return absl::OkStatus();
  }
  return GenerateKeyPair(LocalIssuerKey(run_dir), LocalIssuerPublicKey(run_dir));
}

absl::StatusOr<std::string> LocalToken(const std::string& run_dir, const std::string& subject,
                                       const std::string& role, int ttl_s) {
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  Claims c;
  c.subject = subject;
  c.role = role;
  c.issuer = "burnoutctl";
  c.issued_at = now;
  c.expires_at = now + ttl_s;
  return SignToken(c, LocalIssuerKey(run_dir));
}

absl::StatusOr<std::unique_ptr<TokenVerifier>> TokenVerifier::FromPublicKeyFile(
    const std::string& path) {
  File f(std::fopen(path.c_str(), "r"));
  if (!f) return absl::FailedPreconditionError(absl::StrCat("cannot read the token key ", path));
  EVP_PKEY* key = PEM_read_PUBKEY(f.get(), nullptr, nullptr, nullptr);
  if (!key || EVP_PKEY_id(key) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(key);
    return absl::FailedPreconditionError(absl::StrCat(path, " is not an Ed25519 public key (PEM)"));
  }
  return std::unique_ptr<TokenVerifier>(new TokenVerifier(key));
}

TokenVerifier::~TokenVerifier() { EVP_PKEY_free(key_); }

absl::StatusOr<Claims> TokenVerifier::Verify(const std::string& token, int64_t now, int leeway_s,
                                             const std::string& issuer) const {
  auto bad = [](const std::string& why) { return absl::UnauthenticatedError(absl::StrCat("token ", why)); };
  if (token.size() > 8192) return bad("too long");
  const std::vector<std::string> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) return bad("malformed: not header.payload.signature");
  std::string header_raw, payload_raw, sig;
  if (!absl::WebSafeBase64Unescape(parts[0], &header_raw) ||
      !absl::WebSafeBase64Unescape(parts[1], &payload_raw) ||
      !absl::WebSafeBase64Unescape(parts[2], &sig)) {
    return bad("malformed: not base64url");
  }
  const nlohmann::json header = nlohmann::json::parse(header_raw, nullptr, false);
  if (!header.is_object()) return bad("malformed: the header is not JSON");
  const std::string alg = header.value("alg", "");
  if (alg != "EdDSA") {
    return bad(absl::StrCat("algorithm \"", alg, "\" is not accepted (EdDSA only)"));
  }
  const std::string input = absl::StrCat(parts[0], ".", parts[1]);
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_) != 1 ||
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return bad("signature does not verify");
  }
  const nlohmann::json p = nlohmann::json::parse(payload_raw, nullptr, false);
  if (!p.is_object()) return bad("malformed: the payload is not JSON");
  Claims c;
  try {
    c.subject = p.value("sub", "");
    c.role = p.value("role", "");
    c.issuer = p.value("iss", "");
    c.issued_at = p.value("iat", int64_t{0});
    c.not_before = p.value("nbf", int64_t{0});
    c.expires_at = p.value("exp", int64_t{0});
  } catch (const nlohmann::json::exception&) {
    return bad("malformed: a claim has the wrong type");
  }
  if (c.expires_at == 0) return bad("has no expiry (exp)");
  if (now > c.expires_at + leeway_s) return bad(absl::StrCat("expired at ", c.expires_at));
  if (c.not_before > 0 && now + leeway_s < c.not_before) {
    return bad(absl::StrCat("is not valid before ", c.not_before));
  }
  if (!issuer.empty() && c.issuer != issuer) {
    return bad(absl::StrCat("issuer \"", c.issuer, "\" is not the expected \"", issuer, "\""));
  }
  if (c.subject.empty()) return bad("has no subject (sub)");
  if (!IsRole(c.role)) return bad(absl::StrCat("role \"", c.role, "\" is unknown"));
  return c;
}

}  // namespace burnout::auth
