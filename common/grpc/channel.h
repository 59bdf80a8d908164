// Client channels: every target is a gRPC target URI used with round_robin, so a DNS name
// with several replicas spreads calls across them.
#pragma once

#include <memory>
#include <string>

#include "grpcpp/channel.h"

namespace burnout::grpcx {

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target, int max_message_bytes);

}  // namespace burnout::grpcx
