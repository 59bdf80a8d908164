// Live sessions from the browser: POST plus server-sent events, carried to the orchestrator's
// StreamSession.
//
// A browser cannot speak gRPC's bidirectional streams, and Debian's cpp-httplib has no
// WebSocket; but a session's two directions are independent, so plain HTTP carries them:
//   POST   /api/v1/sessions                  SessionOpen (proto JSON) -> {"handle", "started"}
//   POST   /api/v1/sessions/<handle>/input   {"requests": [SessionRequest, ...]} in capture order
//   GET    /api/v1/sessions/<handle>/events  text/event-stream: modality, fused, summary | error
//   POST   /api/v1/sessions/<handle>/finish  half-close: the summary follows on the events
//   DELETE /api/v1/sessions/<handle>         cancel (the orchestrator ends it as "client went away")
// Each handle is a random 128-bit name bound to the Authorization header that opened it: any
// other header gets 404, as an unknown handle does. The orchestrator still decides, from that
// token, whose session it may be. A session nobody touches for `idle_ms` is cancelled, and a
// finished one is forgotten once its events were read (or `linger_ms` after it ended).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"

#include "burnout/v1/burnout_risk.grpc.pb.h"
#include "clients/web/web_api.h"

namespace burnout::web {

struct LiveOptions {
  int max_sessions = 64;          // open at once; more: 429
  int idle_ms = 30000;            // no input, no reader: cancelled
  int linger_ms = 60000;          // ended, events unread: forgotten after this
  int max_buffered_events = 512;  // unread events kept; beyond, the oldest modality update goes
  int open_timeout_ms = 15000;    // for the orchestrator's `started`
};

// One server-sent event.
struct LiveEvent {
  std::string kind;  // "modality", "fused", "summary", "error"
  std::string json;
};

class LiveSession;

// The body of POST .../input: {"requests": [SessionRequest, ...]} holding only audio chunks and
// video frames; INVALID_ARGUMENT naming the first bad one.
absl::Status ParseSessionInput(const std::string& json, std::vector<burnout::v1::SessionRequest>* out);

class LiveSessions {
 public:
  LiveSessions(std::shared_ptr<burnout::v1::BurnoutRisk::StubInterface> stub, LiveOptions options);
  ~LiveSessions();  // cancels every open session
  LiveSessions(const LiveSessions&) = delete;
  LiveSessions& operator=(const LiveSessions&) = delete;

  ApiResponse Open(const std::string& json_body, const std::string& authorization);
  ApiResponse Input(const std::string& handle, const std::string& json_body,
                    const std::string& authorization);
  ApiResponse Finish(const std::string& handle, const std::string& authorization);
  ApiResponse Cancel(const std::string& handle, const std::string& authorization);

  // The session's event reader: at most one at a time (409 otherwise). Next() waits up to
  // `wait` for an event; nullopt with done() false means "nothing yet" (send a keep-alive).
  class Reader {
   public:
    explicit Reader(std::shared_ptr<LiveSession> s);
    ~Reader();
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;
    std::optional<LiveEvent> Next(std::chrono::milliseconds wait);
    bool done() const;

   private:
    std::shared_ptr<LiveSession> s_;
  };
  // The reader, or the error response to send instead.
  std::unique_ptr<Reader> Attach(const std::string& handle, const std::string& authorization,
                                 ApiResponse* error);

  int open_sessions() const;

  // Cancels idle sessions and forgets ended ones; run by a background thread every second.
  void Sweep();

  // "event: <kind>\ndata: <json>\n\n".
  static std::string Format(const LiveEvent& e);

 private:
  std::shared_ptr<LiveSession> Find(const std::string& handle, const std::string& authorization);

  std::shared_ptr<burnout::v1::BurnoutRisk::StubInterface> stub_;
  LiveOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<LiveSession>> sessions_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread janitor_;
};

}  // namespace burnout::web
