// Bearer tokens: JWTs (RFC 7519) signed with Ed25519 ("alg": "EdDSA", RFC 8037) through
// OpenSSL's EVP API. The issuer holds the private key (`burnoutctl token`, or a real identity
// provider that can sign EdDSA); the orchestrator holds only the public key, so a leaked
// orchestrator config cannot mint tokens. Only EdDSA is accepted: "none", HS256 and every
// other algorithm are refused, so a token cannot downgrade the check.
//
// Claims read: "sub" (the person's user_id, or the operator's name), "role" ("person" or
// "operator"), "iss", "iat", "nbf" (optional), "exp" (required). Thread-safe after
// construction.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

struct evp_pkey_st;

namespace burnout::auth {

inline constexpr char kRolePerson[] = "person";
inline constexpr char kRoleOperator[] = "operator";

struct Claims {
  std::string subject;
  std::string role = kRolePerson;
  std::string issuer;
  int64_t issued_at = 0;   // unix seconds
  int64_t not_before = 0;  // 0 = none
  int64_t expires_at = 0;
};

// A new Ed25519 key pair as PEM files (the private one mode 0600). INTERNAL / UNAVAILABLE
// naming the file.
absl::Status GenerateKeyPair(const std::string& private_key_path,
                             const std::string& public_key_path);

// A signed token for `claims` with the PEM private key in `private_key_path`.
// INVALID_ARGUMENT for an empty subject, an unknown role or exp <= iat.
absl::StatusOr<std::string> SignToken(const Claims& claims, const std::string& private_key_path);

// The development stack's local sign-in: `burnoutctl up` keeps an issuer key pair in
// <run_dir>/auth (issuer.key, issuer.pub; the orchestrator gets the public one). These read it.
std::string LocalIssuerKey(const std::string& run_dir);
std::string LocalIssuerPublicKey(const std::string& run_dir);
// Creates the pair when missing.
absl::Status EnsureLocalIssuer(const std::string& run_dir);
// A token for `subject` signed with the local issuer key, valid for `ttl_s` from now.
absl::StatusOr<std::string> LocalToken(const std::string& run_dir, const std::string& subject,
                                       const std::string& role = kRolePerson, int ttl_s = 600);

class TokenVerifier {
 public:
  // FAILED_PRECONDITION naming the file unless it holds an Ed25519 public key (PEM).
  static absl::StatusOr<std::unique_ptr<TokenVerifier>> FromPublicKeyFile(const std::string& path);
  ~TokenVerifier();

  // The token's claims, or UNAUTHENTICATED saying why: malformed, another algorithm, a
  // signature that does not verify, expired, not yet valid, another issuer (when `issuer` is
  // set), no subject, an unknown role. `now` in unix seconds; `leeway_s` of clock skew.
  absl::StatusOr<Claims> Verify(const std::string& token, int64_t now, int leeway_s,
                                const std::string& issuer = "") const;

 private:
  explicit TokenVerifier(evp_pkey_st* key) : key_(key) {}
  evp_pkey_st* key_;
};

}  // namespace burnout::auth
