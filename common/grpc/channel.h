// Client channels: every target is a gRPC target URI used with round_robin, so a DNS name
// with several replicas spreads calls across them.
#pragma once

#include <memory>
#include <string>

#include "burnout/v1/config.pb.h"
#include "grpcpp/channel.h"

namespace burnout::grpcx {

// Plaintext unless `tls` has a CA or a certificate (common/grpc/tls.h). A TLS config whose files
// cannot be read gives a channel that fails every call with the reason.
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target, int max_message_bytes,
                                           const burnout::v1::TlsConfig& tls = {});

}  // namespace burnout::grpcx
