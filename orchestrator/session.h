// BurnoutRisk.StreamSession: live sessions. A capture client opens a session and streams
// audio chunks and video frames; the orchestrator relays them to the voice and face
// analyzers over their AnalyzeStream RPCs, keeps a rolling window of each modality's
// results, sends every result back as it arrives and a fused assessment every
// update_interval_ms, and, when the session ends, stores its summary (fused over the whole
// session, with the time series, segments and stress spikes) as one assessment.
//
// Flow control, end to end: every stream (client, voice, face) has at most one write in
// flight; frames that find the face stream busy are skipped and counted, audio waits in a
// buffer of session.audio_buffer_ms and is dropped (counted) beyond it; updates for a slow
// client wait in a queue of session.max_pending_updates, the oldest per-modality updates
// giving way first; a client that reads nothing for session.write_timeout_ms is cut off.
// Nothing grows with the session's length except the bounded series.
//
// How a session ends, and with which status:
//   client half-closes                    OK, after the analyzers' last results
//   session.max_session_s reached         OUT_OF_RANGE
//   no input for session.idle_timeout_ms  DEADLINE_EXCEEDED
//   client reads nothing for write_timeout_ms   DEADLINE_EXCEEDED (cancelled)
//   client goes away                      CANCELLED
//   bad input (sizes, formats, clocks)    INVALID_ARGUMENT / FAILED_PRECONDITION
// In every case the analysed part is summarised and stored (what was acknowledged is kept),
// and the summary is sent when the client can still read it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "burnout/v1/burnout_risk.grpc.pb.h"
#include "burnout/v1/config.pb.h"
#include "common/grpc/executor.h"
#include "common/grpc/stream_registry.h"
#include "orchestrator/assessor.h"
#include "orchestrator/clients.h"

namespace burnout::orchestrator {

// Fills SessionConfig defaults and checks ranges (INVALID_ARGUMENT naming the key).
absl::Status PrepareSessionConfig(burnout::v1::SessionConfig* config);

struct SessionDeps {
  Assessor* assessor = nullptr;     // fusion, trend and store
  AnalyzerClient* text = nullptr;   // the opening text; null: text not deployed
  std::string voice_target;         // empty: voice not deployed (masked)
  std::string face_target;
  int max_message_bytes = 4 << 20;  // toward the analyzers
  burnout::v1::TlsConfig tls;       // toward the analyzers (grpc_clients.h); empty: plaintext
  int text_timeout_ms = 3000;
  int max_text_bytes = 16384;
  int fusion_timeout_ms = 2000;
  int store_timeout_ms = 10000;     // the summary's fusion, trend and store
};

class SessionStreams;  // the analyzers' stubs

// The sessions of one orchestrator: limits, the per-person count, the timer thread and the
// threads that run fusion and the store for sessions. Thread-safe.
class SessionHub {
 public:
  SessionHub(const burnout::v1::SessionConfig& config, const SessionDeps& deps);
  ~SessionHub();  // sessions must have ended (the server is shut down first)

  grpc::ServerBidiReactor<burnout::v1::SessionRequest, burnout::v1::SessionUpdate>* Start(
      grpc::CallbackServerContext* ctx);

  using Authorizer =
      std::function<absl::Status(const grpc::CallbackServerContext*, const std::string& user_id)>;
  // Asked when a session opens, before anything else of it is done; set before serving.
  void SetAuthorizer(Authorizer authorize) { authorize_ = std::move(authorize); }

 private:
  friend class Session;
  // False when `user_id` has max_sessions_per_person sessions open.
  bool AcquirePerson(const std::string& user_id);
  void ReleasePerson(const std::string& user_id);

  const burnout::v1::SessionConfig config_;
  const SessionDeps deps_;
  std::unique_ptr<SessionStreams> streams_;
  grpcx::Executor executor_;
  std::mutex mu_;
  std::map<std::string, int> per_person_;
  Authorizer authorize_;
  grpcx::StreamRegistry registry_;  // last: its watcher stops before the rest goes
};

}  // namespace burnout::orchestrator
