// Who may call what (README "Who may read what"). A person's token lets them read, export,
// change and delete only their own data; an operator's token may read the k-anonymous
// aggregates and health, never a person's data. With auth.required off (development), calls
// without a token are served as "anonymous"; a token that is present is always checked, so a
// forged or expired one is refused either way. No gRPC here: the adapter passes the
// `authorization` metadata value.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "burnout/v1/config.pb.h"
#include "common/auth/token.h"

namespace burnout::orchestrator {

struct Principal {
  std::string subject;            // "" when anonymous
  std::string role;               // auth::kRolePerson / kRoleOperator; "" when anonymous
  bool anonymous() const { return subject.empty(); }
  // For the audit log: "person:<id>", "operator:<id>", "anonymous".
  std::string Actor() const;
};

class Access {
 public:
  // FAILED_PRECONDITION when auth.required and the public key cannot be read.
  static absl::StatusOr<std::unique_ptr<Access>> Create(const burnout::v1::AuthConfig& config);

  // From the `authorization` header value ("" when absent): UNAUTHENTICATED for a missing
  // token when required, a header that is not "Bearer <token>", or a token that fails
  // verification (the reason given).
  absl::StatusOr<Principal> Authenticate(const std::string& authorization) const;

  // PERMISSION_DENIED unless the principal is the person `user_id` (or anonymous while auth
  // is not required). The message never says whether `user_id` has data.
  absl::Status MayAccessPerson(const Principal& p, const std::string& user_id) const;
  // The org summary: operators and people (aggregates only), anonymous while not required.
  absl::Status MayReadAggregates(const Principal& p) const;

  bool required() const { return config_.required(); }

 private:
  Access(burnout::v1::AuthConfig config, std::unique_ptr<auth::TokenVerifier> verifier)
      : config_(std::move(config)), verifier_(std::move(verifier)) {}
  burnout::v1::AuthConfig config_;
  std::unique_ptr<auth::TokenVerifier> verifier_;  // null when no key is configured
};

}  // namespace burnout::orchestrator
