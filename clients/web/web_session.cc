#include "clients/web/web_session.h"

#include <openssl/rand.h>

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"

namespace burnout::web {

using Steady = std::chrono::steady_clock;

// One browser session and its StreamSession call. The reader thread owns Read/Finish; HTTP
// threads write under write_mu (gRPC allows one reader and one writer at a time).
class LiveSession {
 public:
  explicit LiveSession(std::string authorization) : authorization(std::move(authorization)) {}
  ~LiveSession() {
    ctx.TryCancel();
    if (reader.joinable()) reader.join();
  }

  void ReadLoop(int max_buffered) {
    burnout::v1::SessionUpdate u;
    bool summary = false;
    while (stream->Read(&u)) {
      std::string json;
      google::protobuf::util::JsonPrintOptions print;
      print.preserve_proto_field_names = true;
      print.always_print_primitive_fields = true;
      const char* kind = "modality";
      switch (u.update_case()) {
        case burnout::v1::SessionUpdate::kStarted:
          (void)google::protobuf::util::MessageToJsonString(u.started(), &json, print);
          break;
        case burnout::v1::SessionUpdate::kModality:
          (void)google::protobuf::util::MessageToJsonString(u.modality(), &json, print);
          break;
        case burnout::v1::SessionUpdate::kFused:
          kind = "fused";
          (void)google::protobuf::util::MessageToJsonString(u.fused(), &json, print);
          break;
        case burnout::v1::SessionUpdate::kSummary:
          kind = "summary";
          summary = true;
          (void)google::protobuf::util::MessageToJsonString(u.summary(), &json, print);
          break;
        default:
          continue;
      }
      std::lock_guard<std::mutex> lock(mu);
      if (u.update_case() == burnout::v1::SessionUpdate::kStarted) {
        started = std::move(json);
      } else {
        Push({kind, std::move(json)}, max_buffered);
      }
      cv.notify_all();
    }
    const grpc::Status s = stream->Finish();
    std::lock_guard<std::mutex> lock(mu);
    if (!s.ok() || !summary) {
      status = s.ok() ? grpc::Status(grpc::StatusCode::INTERNAL,
                                     "the session ended without its summary")
                      : s;
      Push({"error", ErrorJson(status.error_code(), status.error_message())}, max_buffered);
    }
    ended = true;
    ended_at = Steady::now();
    cv.notify_all();
  }

  // Keeps summaries and errors; past the bound, the oldest modality update (then fused) goes.
  void Push(LiveEvent e, int max_buffered) {
    if (static_cast<int>(events.size()) >= max_buffered) {
      for (const char* victim : {"modality", "fused"}) {
        auto it = std::find_if(events.begin(), events.end(),
                               [victim](const LiveEvent& x) { return x.kind == victim; });
        if (it != events.end()) {
          events.erase(it);
          ++dropped;
          break;
        }
      }
    }
    events.push_back(std::move(e));
  }

  const std::string authorization;
  grpc::ClientContext ctx;
  std::unique_ptr<grpc::ClientReaderWriterInterface<burnout::v1::SessionRequest,
                                                    burnout::v1::SessionUpdate>>
      stream;
  std::thread reader;

  std::mutex write_mu;  // one writer at a time; WritesDone under it too
  bool writes_done = false;

  std::mutex mu;
  std::condition_variable cv;
  std::optional<std::string> started;  // SessionStarted JSON
  std::deque<LiveEvent> events;
  int64_t dropped = 0;
  bool ended = false;
  grpc::Status status;
  bool reader_attached = false;
  Steady::time_point touched = Steady::now();
  Steady::time_point ended_at;
};

namespace {

std::string NewHandle() {
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof raw) != 1) return "";
  std::string out;
  absl::WebSafeBase64Escape(std::string(reinterpret_cast<char*>(raw), sizeof raw), &out);
  return out;
}

ApiResponse Error(grpc::StatusCode code, const std::string& message) {
  return {HttpStatusFor(code), ErrorJson(code, message)};
}

ApiResponse NoSuchSession() {
  return Error(grpc::StatusCode::NOT_FOUND, "no such live session (it ended, or was never opened "
                                            "with this sign-in)");
}

}  // namespace

LiveSessions::LiveSessions(std::shared_ptr<burnout::v1::BurnoutRisk::StubInterface> stub,
                           LiveOptions options)
    : stub_(std::move(stub)), options_(options) {
  janitor_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      stop_cv_.wait_for(lock, std::chrono::seconds(1));
      if (stopping_) break;
      lock.unlock();
      Sweep();
      lock.lock();
    }
  });
}

LiveSessions::~LiveSessions() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  janitor_.join();
  std::map<std::string, std::shared_ptr<LiveSession>> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    all.swap(sessions_);
  }
  all.clear();  // each cancels its call and joins its reader
}

int LiveSessions::open_sessions() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(sessions_.size());
}

std::shared_ptr<LiveSession> LiveSessions::Find(const std::string& handle,
                                                const std::string& authorization) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(handle);
  if (it == sessions_.end() || it->second->authorization != authorization) return nullptr;
  return it->second;
}

ApiResponse LiveSessions::Open(const std::string& json_body, const std::string& authorization) {
  burnout::v1::SessionRequest open;
  google::protobuf::util::JsonParseOptions parse;
  const auto parsed =
      google::protobuf::util::JsonStringToMessage(json_body, open.mutable_open(), parse);
  if (!parsed.ok()) {
    return Error(grpc::StatusCode::INVALID_ARGUMENT,
                 absl::StrCat("the body is not a burnout.v1.SessionOpen in proto JSON: ",
                              std::string(parsed.message())));
  }
  if (open_sessions() >= options_.max_sessions) {
    return Error(grpc::StatusCode::RESOURCE_EXHAUSTED,
                 absl::StrCat("this server already carries ", options_.max_sessions,
                              " live sessions; try again later"));
  }
  const std::string handle = NewHandle();
  if (handle.empty()) return Error(grpc::StatusCode::INTERNAL, "no randomness for a session handle");
  auto s = std::make_shared<LiveSession>(authorization);
  if (!authorization.empty()) s->ctx.AddMetadata("authorization", authorization);
  s->stream = stub_->StreamSession(&s->ctx);
  const bool wrote = s->stream->Write(open);
  s->reader = std::thread([raw = s.get(), max = options_.max_buffered_events] { raw->ReadLoop(max); });
  std::unique_lock<std::mutex> lock(s->mu);
  if (wrote) {
    s->cv.wait_for(lock, std::chrono::milliseconds(options_.open_timeout_ms),
                   [&] { return s->started.has_value() || s->ended; });
  }
  if (!s->started) {
    lock.unlock();
    if (wrote && !s->ended) s->ctx.TryCancel();
    if (s->reader.joinable()) s->reader.join();
    if (!s->status.ok() && s->status.error_code() != grpc::StatusCode::CANCELLED) {
      return Error(s->status.error_code(), s->status.error_message());
    }
    return Error(grpc::StatusCode::UNAVAILABLE, "the orchestrator did not start the session");
  }
  const std::string started = *s->started;
  lock.unlock();
  {
    std::lock_guard<std::mutex> g(mu_);
    sessions_[handle] = s;
  }
  return {200, absl::StrCat("{\"handle\":\"", handle, "\",\"started\":", started, "}")};
}

absl::Status ParseSessionInput(const std::string& json,
                               std::vector<burnout::v1::SessionRequest>* out) {
  out->clear();
  const auto body = nlohmann::json::parse(json, nullptr, false);
  if (!body.is_object() || !body.contains("requests") || !body["requests"].is_array()) {
    return absl::InvalidArgumentError(
        "the body must be {\"requests\": [SessionRequest, ...]} (audio chunks and video frames, "
        "in capture order)");
  }
  out->reserve(body["requests"].size());
  for (const auto& item : body["requests"]) {
    burnout::v1::SessionRequest r;
    const auto parsed = google::protobuf::util::JsonStringToMessage(item.dump(), &r);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("request ", out->size(),
                                                     " is not a burnout.v1.SessionRequest: ",
                                                     std::string(parsed.message())));
    }
    if (r.message_case() != burnout::v1::SessionRequest::kAudio &&
        r.message_case() != burnout::v1::SessionRequest::kFrame) {
      return absl::InvalidArgumentError(absl::StrCat(
          "request ", out->size(), " is neither \"audio\" nor \"frame\" (the session is already open)"));
    }
    out->push_back(std::move(r));
  }
  return absl::OkStatus();
}

ApiResponse LiveSessions::Input(const std::string& handle, const std::string& json_body,
                                const std::string& authorization) {
  auto s = Find(handle, authorization);
  if (!s) return NoSuchSession();
  std::vector<burnout::v1::SessionRequest> requests;
  if (absl::Status parsed = ParseSessionInput(json_body, &requests); !parsed.ok()) {
    return Error(grpc::StatusCode::INVALID_ARGUMENT, std::string(parsed.message()));
  }
  {
    std::lock_guard<std::mutex> lock(s->mu);
    s->touched = Steady::now();
  }
  int accepted = 0;
  {
    std::lock_guard<std::mutex> w(s->write_mu);
    if (s->writes_done) {
      return Error(grpc::StatusCode::FAILED_PRECONDITION, "the session was finished: no more input");
    }
    for (const auto& r : requests) {
      if (!s->stream->Write(r)) break;
      ++accepted;
    }
  }
  if (accepted < static_cast<int>(requests.size())) {
    return Error(grpc::StatusCode::FAILED_PRECONDITION,
                 absl::StrCat("the session has ended after ", accepted,
                              " of these inputs; its events say why"));
  }
  return {200, absl::StrCat("{\"accepted\":", accepted, "}")};
}

ApiResponse LiveSessions::Finish(const std::string& handle, const std::string& authorization) {
  auto s = Find(handle, authorization);
  if (!s) return NoSuchSession();
  std::lock_guard<std::mutex> w(s->write_mu);
  if (!s->writes_done) {
    s->writes_done = true;
    s->stream->WritesDone();
  }
  return {200, "{\"finishing\":true}"};
}

ApiResponse LiveSessions::Cancel(const std::string& handle, const std::string& authorization) {
  auto s = Find(handle, authorization);
  if (!s) return NoSuchSession();
  s->ctx.TryCancel();
  return {200, "{\"cancelled\":true}"};
}

std::unique_ptr<LiveSessions::Reader> LiveSessions::Attach(const std::string& handle,
                                                           const std::string& authorization,
                                                           ApiResponse* error) {
  auto s = Find(handle, authorization);
  if (!s) {
    *error = NoSuchSession();
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(s->mu);
  if (s->reader_attached) {
    *error = Error(grpc::StatusCode::ALREADY_EXISTS, "this session's events are already being read");
    return nullptr;
  }
  s->reader_attached = true;
  s->touched = Steady::now();
  return std::make_unique<Reader>(s);
}

LiveSessions::Reader::Reader(std::shared_ptr<LiveSession> s) : s_(std::move(s)) {}

LiveSessions::Reader::~Reader() {
  std::lock_guard<std::mutex> lock(s_->mu);
  s_->reader_attached = false;
  s_->touched = Steady::now();
}

std::optional<LiveEvent> LiveSessions::Reader::Next(std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(s_->mu);
  s_->cv.wait_for(lock, wait, [&] { return !s_->events.empty() || s_->ended; });
  s_->touched = Steady::now();
  if (s_->events.empty()) return std::nullopt;
  LiveEvent e = std::move(s_->events.front());
  s_->events.pop_front();
  return e;
}

bool LiveSessions::Reader::done() const {
  std::lock_guard<std::mutex> lock(s_->mu);
  return s_->ended && s_->events.empty();
}

void LiveSessions::Sweep() {
  const auto now = Steady::now();
  std::vector<std::shared_ptr<LiveSession>> gone;  // destroyed outside mu_
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    LiveSession& s = *it->second;
    bool forget = false;
    {
      std::lock_guard<std::mutex> g(s.mu);
      if (s.ended) {
        forget = !s.reader_attached &&
                 (s.events.empty() || now - s.ended_at > std::chrono::milliseconds(options_.linger_ms));
      } else if (!s.reader_attached &&
                 now - s.touched > std::chrono::milliseconds(options_.idle_ms)) {
        s.ctx.TryCancel();  // the orchestrator ends it as "client went away" and stores it
      }
    }
    if (forget) {
      gone.push_back(std::move(it->second));
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
}

std::string LiveSessions::Format(const LiveEvent& e) {
  return absl::StrCat("event: ", e.kind, "\ndata: ", e.json, "\n\n");
}

}  // namespace burnout::web
