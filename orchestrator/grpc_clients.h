// gRPC implementations of the orchestrator's client interfaces. Each owns a channel to a
// target URI (round_robin over every address the target resolves to). Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "orchestrator/clients.h"

namespace burnout::orchestrator {

std::unique_ptr<AnalyzerClient> MakeTextClient(const std::string& target, int max_message_bytes);
std::unique_ptr<AnalyzerClient> MakeVoiceClient(const std::string& target, int max_message_bytes);
std::unique_ptr<AnalyzerClient> MakeFaceClient(const std::string& target, int max_message_bytes);
std::unique_ptr<FusionClient> MakeFusionClient(const std::string& target, int max_message_bytes);
std::unique_ptr<TemporalClient> MakeTemporalClient(const std::string& target,
                                                   int max_message_bytes);

}  // namespace burnout::orchestrator
