#include "orchestrator/access.h"

#include <chrono>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace burnout::orchestrator {

std::string Principal::Actor() const {
  return anonymous() ? "anonymous" : absl::StrCat(role, ":", subject);
}

absl::StatusOr<std::unique_ptr<Access>> Access::Create(const burnout::v1::AuthConfig& config) {
  std::unique_ptr<auth::TokenVerifier> verifier;
  if (!config.public_key_file().empty()) {
    auto v = auth::TokenVerifier::FromPublicKeyFile(config.public_key_file());
    if (!v.ok()) return v.status();
    verifier = std::move(*v);
  } else if (config.required()) {
    return absl::FailedPreconditionError("auth.required: needs auth.public_key_file");
  }
  return std::unique_ptr<Access>(new Access(config, std::move(verifier)));
}

absl::StatusOr<Principal> Access::Authenticate(const std::string& authorization) const {
  if (authorization.empty()) {
    if (config_.required()) {
      return absl::UnauthenticatedError(
          "no bearer token: send \"authorization: Bearer <token>\" (burnoutctl token issues one)");
    }
    return Principal{};
  }
  constexpr absl::string_view kBearer = "Bearer ";
  if (!absl::StartsWith(authorization, kBearer)) {
    return absl::UnauthenticatedError("the authorization header is not \"Bearer <token>\"");
  }
  if (!verifier_) {
    return absl::UnauthenticatedError("this orchestrator has no token key (auth.public_key_file)");
  }
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  auto claims = verifier_->Verify(authorization.substr(kBearer.size()), now,
                                  config_.leeway_s() > 0 ? config_.leeway_s() : 30,
                                  config_.issuer());
  if (!claims.ok()) return claims.status();
  return Principal{claims->subject, claims->role};
}

absl::Status Access::MayAccessPerson(const Principal& p, const std::string& user_id) const {
  if (p.anonymous()) {
    if (config_.required()) return absl::UnauthenticatedError("no bearer token");
    return absl::OkStatus();
  }
  if (p.role == auth::kRoleOperator) {
    return absl::PermissionDeniedError(
        "an operator token may read health and the group aggregates, never a person's data");
  }
  if (p.subject != user_id) {
    return absl::PermissionDeniedError(
        absl::StrCat("the token is for \"", p.subject, "\"; it reads and changes only their own data"));
  }
  return absl::OkStatus();
}

absl::Status Access::MayReadAggregates(const Principal& p) const {
  if (p.anonymous() && config_.required()) return absl::UnauthenticatedError("no bearer token");
  return absl::OkStatus();
}

}  // namespace burnout::orchestrator
