// gRPC implementations of the orchestrator's client interfaces. Each owns a channel to a
// target URI (round_robin over every address the target resolves to). Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "burnout/v1/config.pb.h"
#include "orchestrator/clients.h"

namespace burnout::orchestrator {

// `tls`: the CA the services' certificates must chain to, and the orchestrator's own
// certificate presented to them (mutual TLS); empty: plaintext.
std::unique_ptr<AnalyzerClient> MakeTextClient(const std::string& target, int max_message_bytes,
                                               const burnout::v1::TlsConfig& tls = {});
std::unique_ptr<AnalyzerClient> MakeVoiceClient(const std::string& target, int max_message_bytes,
                                                const burnout::v1::TlsConfig& tls = {});
std::unique_ptr<AnalyzerClient> MakeFaceClient(const std::string& target, int max_message_bytes,
                                               const burnout::v1::TlsConfig& tls = {});
std::unique_ptr<FusionClient> MakeFusionClient(const std::string& target, int max_message_bytes,
                                               const burnout::v1::TlsConfig& tls = {});
std::unique_ptr<TemporalClient> MakeTemporalClient(const std::string& target,
                                                   int max_message_bytes,
                                                   const burnout::v1::TlsConfig& tls = {});

}  // namespace burnout::orchestrator
