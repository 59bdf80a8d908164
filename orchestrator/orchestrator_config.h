// Turns an OrchestratorConfig into running parts: defaults and range checks, command-line
// overrides, and the Stack that owns the store, the clients and the Assessor.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "burnout/v1/config.pb.h"
#include "orchestrator/assessor.h"
#include "orchestrator/retention.h"
#include "orchestrator/session.h"
#include "orchestrator/store/sqlite_store.h"

namespace burnout::orchestrator {

struct Overrides {
  std::string listen, port_file, log_level;
  int port = -1;
  std::string text_target, voice_target, face_target, fusion_target, temporal_target, sqlite_path;
  std::string tls_ca, tls_cert, tls_key;  // override server.tls
  std::string postgres_url;               // overrides store.postgres_url
  std::string metrics_listen;             // overrides server.metrics_listen
  std::string auth_public_key;            // sets auth.required with this key
};

// Fills defaults, applies overrides, resolves the store path against the config file's
// directory, and checks ranges (INVALID_ARGUMENT naming the key).
absl::Status PrepareOrchestratorConfig(const std::string& config_path, const Overrides& overrides,
                                       burnout::v1::OrchestratorConfig* config);

// The baseline, alerts, check-in, privacy, retention and recommendation settings: defaults
// filled, ranges checked (INVALID_ARGUMENT naming the key), the catalogue path resolved.
absl::Status PrepareInsightConfig(const std::string& config_path,
                                  burnout::v1::OrchestratorConfig* config);

AssessorOptions ToAssessorOptions(const burnout::v1::OrchestratorConfig& config);

class Stack {
 public:
  // Opens the store (UNAVAILABLE / DATA_LOSS naming the file) and makes the clients.
  static absl::StatusOr<std::unique_ptr<Stack>> Create(const burnout::v1::OrchestratorConfig& config);
  Assessor& assessor() { return *assessor_; }
  SessionHub& sessions() { return *sessions_; }

 private:
  std::unique_ptr<store::AssessmentStore> store_;  // SQLite, or PostgreSQL (store.postgres_url)
  std::unique_ptr<AnalyzerClient> text_;
  std::unique_ptr<AnalyzerClient> voice_;
  std::unique_ptr<AnalyzerClient> face_;
  std::unique_ptr<FusionClient> fusion_;
  std::unique_ptr<TemporalClient> temporal_;
  std::unique_ptr<Assessor> assessor_;
  std::unique_ptr<SessionHub> sessions_;
  std::unique_ptr<RetentionJob> retention_;  // stops before the store closes
};

}  // namespace burnout::orchestrator
