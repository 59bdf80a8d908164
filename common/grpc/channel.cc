#include "common/grpc/channel.h"

#include "absl/strings/str_cat.h"
#include "common/grpc/tls.h"
#include "spdlog/spdlog.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace burnout::grpcx {

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target, int max_message_bytes,
                                           const burnout::v1::TlsConfig& tls) {
  grpc::ChannelArguments args;
  args.SetLoadBalancingPolicyName("round_robin");
  if (max_message_bytes > 0) {
    args.SetMaxReceiveMessageSize(max_message_bytes);
    args.SetMaxSendMessageSize(max_message_bytes);
  }
  // Reconnect quickly after a replica restarts; masking covers the gap.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  auto creds = ChannelCredentialsFor(tls);
  if (!creds.ok()) {
    // A channel that fails every call: never a silent fall back to plaintext.
    spdlog::error("channel to {}: {}", target, std::string(creds.status().message()));
    return grpc::CreateCustomChannel(absl::StrCat("unix:/nonexistent/", creds.status().message()),
                                     grpc::InsecureChannelCredentials(), args);
  }
  return grpc::CreateCustomChannel(target, *creds, args);
}

}  // namespace burnout::grpcx
