#include "common/grpc/tls.h"

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"

namespace burnout::grpcx {
namespace {

using grpc::experimental::FileWatcherCertificateProvider;

absl::Status CheckPem(const std::string& key, const std::string& path, const char* marker) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(key, ": cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  if (!absl::StrContains(ss.str(), marker)) {
    return absl::InvalidArgumentError(
        absl::StrCat(key, ": ", path, " is not a PEM file (no \"", marker, "\")"));
  }
  return absl::OkStatus();
}

unsigned int Interval(const burnout::v1::TlsConfig& tls) {
  return static_cast<unsigned int>(tls.reload_interval_s() > 0 ? tls.reload_interval_s() : 60);
}

}  // namespace

bool TlsEnabled(const burnout::v1::TlsConfig& tls) {
  return !tls.cert_file().empty() && !tls.key_file().empty();
}

absl::Status ValidateTls(const burnout::v1::TlsConfig& tls, const std::string& p) {
  if (tls.cert_file().empty() != tls.key_file().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(p, "tls: cert_file and key_file go together (one is empty)"));
  }
  if (tls.require_client_cert() && tls.ca_file().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        p, "tls.require_client_cert: needs ca_file, the CA client certificates must chain to"));
  }
  if (tls.reload_interval_s() < 0) {
    return absl::InvalidArgumentError(absl::StrCat(p, "tls.reload_interval_s: must be >= 0"));
  }
  if (!tls.cert_file().empty()) {
    if (auto s = CheckPem(p + "tls.cert_file", tls.cert_file(), "BEGIN CERTIFICATE"); !s.ok()) return s;
    if (auto s = CheckPem(p + "tls.key_file", tls.key_file(), "PRIVATE KEY"); !s.ok()) return s;
  }
  if (!tls.ca_file().empty()) {
    if (auto s = CheckPem(p + "tls.ca_file", tls.ca_file(), "BEGIN CERTIFICATE"); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFor(
    const burnout::v1::TlsConfig& tls) {
  if (!TlsEnabled(tls)) return grpc::InsecureServerCredentials();
  if (absl::Status s = ValidateTls(tls, "server."); !s.ok()) return s;
  auto provider = std::make_shared<FileWatcherCertificateProvider>(
      tls.key_file(), tls.cert_file(), tls.ca_file(), Interval(tls));
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (!tls.ca_file().empty()) options.watch_root_certs();
  options.set_cert_request_type(tls.require_client_cert()
                                    ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                    : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  return grpc::experimental::TlsServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFor(
    const burnout::v1::TlsConfig& tls) {
  if (tls.ca_file().empty() && !TlsEnabled(tls)) return grpc::InsecureChannelCredentials();
  if (absl::Status s = ValidateTls(tls, ""); !s.ok()) return s;
  std::shared_ptr<FileWatcherCertificateProvider> provider;
  if (TlsEnabled(tls)) {
    provider = std::make_shared<FileWatcherCertificateProvider>(tls.key_file(), tls.cert_file(),
                                                                tls.ca_file(), Interval(tls));
  } else {
    provider = std::make_shared<FileWatcherCertificateProvider>(tls.ca_file(), Interval(tls));
  }
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(provider);
  if (!tls.ca_file().empty()) options.watch_root_certs();
  if (TlsEnabled(tls)) options.watch_identity_key_cert_pairs();
  options.set_verify_server_certs(true);
  return grpc::experimental::TlsCredentials(options);
}

}  // namespace burnout::grpcx
