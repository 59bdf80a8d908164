// TLS for servers and channels from a TlsConfig (config.proto): certificates are read by
// gRPC's file watcher, so renewed files are picked up every reload_interval_s without a
// restart. No TLS configured: plaintext.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "burnout/v1/config.pb.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"

namespace burnout::grpcx {

// True when cert_file and key_file are set.
bool TlsEnabled(const burnout::v1::TlsConfig& tls);

// INVALID_ARGUMENT naming the key and file for a half-set config (cert without key, client
// certificates required without a CA), a file that cannot be read, or a file that is not PEM.
absl::Status ValidateTls(const burnout::v1::TlsConfig& tls, const std::string& key_prefix);

// The server's credentials: TLS 1.2+ with the certificate and key; with require_client_cert,
// a client certificate chaining to ca_file is required and verified (mutual TLS). Insecure
// when TLS is not enabled.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentialsFor(
    const burnout::v1::TlsConfig& tls);

// A channel's credentials: the server's certificate must chain to ca_file and name the
// target's host; cert_file / key_file, when set, are presented as the client certificate.
// Insecure when neither ca_file nor the certificate is set.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFor(
    const burnout::v1::TlsConfig& tls);

}  // namespace burnout::grpcx
