// Live sessions through the real binaries: the whole stack started by `burnoutctl up`, plus a
// second orchestrator with short limits pointed at the same analyzers. Frames are the shared
// face photo pasted into rendered frames (a drawn face without ../shared), audio is espeak-ng
// speech; both are streamed over BurnoutRisk.StreamSession.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <httplib.h>

#include "burnout/v1/burnout_risk.grpc.pb.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"
#include "grpcpp/grpcpp.h"
#include "common/auth/token.h"
#include "common/grpc/channel.h"
#include "services/voice/espeak.h"

namespace {

namespace fs = std::filesystem;
using burnout::v1::SessionRequest;
using burnout::v1::SessionUpdate;
using Steady = std::chrono::steady_clock;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int64_t EpochMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What a capture client sends: each request with the offset (from the start) to send it at.
struct Timed {
  int64_t offset_us;
  SessionRequest request;
};

struct Received {
  SessionUpdate update;
  Steady::time_point at;
};

struct Outcome {
  grpc::Status status;
  std::vector<Received> updates;
  Steady::time_point writes_done;
  const burnout::v1::Assessment* summary() const {
    for (const auto& r : updates) {
      if (r.update.has_summary()) return &r.update.summary();
    }
    return nullptr;
  }
  int Count(SessionUpdate::UpdateCase c) const {
    int n = 0;
    for (const auto& r : updates) n += r.update.update_case() == c;
    return n;
  }
};

class SessionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    run_ = fs::temp_directory_path() / ("session_test_" + std::to_string(::getpid()));
    fs::remove_all(run_);
    fs::create_directories(run_);
    const auto up = Ctl("up --base_port 0");
    ASSERT_EQ(up, 0) << Slurp(run_ / "cmd.err");
    stub_ = burnout::v1::BurnoutRisk::NewStub(
        burnout::grpcx::MakeChannel("127.0.0.1:" + std::to_string(Port("orchestrator")), 0));

    // Frames: the face photo (or a drawn face) at a few positions, JPEG, 320x240.
    cv::Mat face = cv::imread("../shared/data/faces/astronaut.png", cv::IMREAD_COLOR);
    real_face_ = !face.empty();
    if (face.empty()) {
      face = cv::Mat(200, 200, CV_8UC3, cv::Scalar(90, 120, 150));
      cv::circle(face, {100, 100}, 80, {200, 200, 200}, cv::FILLED);
    }
    cv::resize(face, face, {170, 170});
    for (int i = 0; i < 8; ++i) {
      cv::Mat frame(240, 320, CV_8UC3, cv::Scalar(60, 80, 70));
      face.copyTo(frame(cv::Rect(40 + 10 * i, 35, 170, 170)));
      std::vector<uchar> jpeg;
      cv::imencode(".jpg", frame, jpeg, {cv::IMWRITE_JPEG_QUALITY, 85});
      jpegs_.emplace_back(jpeg.begin(), jpeg.end());
    }
    // Audio: espeak-ng speech at 16 kHz (tone bursts when espeak-ng is missing).
    for (const auto& spec : burnout::voice::SpeechCorpus()) {
      auto s = burnout::voice::SynthesizeSpeech(spec);
      if (!s.ok()) break;
      speech_.insert(speech_.end(), s->begin(), s->end());
      speech_.insert(speech_.end(), 4000, 0.0f);
      if (speech_.size() > 16000 * 12) break;
    }
    if (speech_.empty()) {
      for (int i = 0; i < 16000 * 12; ++i) {
        speech_.push_back(0.3f * std::sin(2 * M_PI * (140 + 40 * std::sin(i / 8000.0)) * i / 16000) *
                          ((i / 4000) % 3 != 2));
      }
    }
  }
  static void TearDownTestSuite() {
    StopLimited();
    Ctl("down");
    fs::remove_all(run_);
  }

  static int Ctl(const std::string& args) {
    const std::string cmd = std::string(BURNOUT_BIN_DIR) +
                            "/burnoutctl --config config/stack.textproto --run_dir " +
                            run_.string() + " " + args + " >" + (run_ / "cmd.out").string() +
                            " 2>" + (run_ / "cmd.err").string();
    const int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  }
  static int ReadInt(const fs::path& p) {
    int v = 0;
    std::ifstream(p) >> v;
    return v;
  }
  static int Port(const std::string& s) { return ReadInt(run_ / (s + ".port")); }
  static void KillAndWait(const std::string& service) {
    const int pid = ReadInt(run_ / (service + ".pid"));
    ASSERT_GT(pid, 0);
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    for (int i = 0; i < 500 && kill(pid, 0) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  static SessionRequest Open(const std::string& user, bool voice, bool face,
                             const std::string& text = "") {
    SessionRequest r;
    auto* o = r.mutable_open();
    o->set_user_id(user);
    if (voice) {
      o->add_modalities(burnout::v1::MODALITY_VOICE);
      auto* f = o->mutable_audio_format();
      f->set_encoding(burnout::v1::AUDIO_ENCODING_PCM_F32LE);
      f->set_sample_rate(16000);
      f->set_channels(1);
    }
    if (face) {
      o->add_modalities(burnout::v1::MODALITY_FACE);
      o->set_frame_rate(30);
    }
    if (!text.empty()) o->set_text(text);
    return r;
  }
  static SessionRequest Frame(int i, int64_t t_us) {
    SessionRequest r;
    r.mutable_frame()->set_encoded(jpegs_[i % jpegs_.size()]);
    r.mutable_frame()->set_capture_time_us(t_us);
    return r;
  }
  static SessionRequest Audio(size_t first, size_t n, int64_t t_us) {
    SessionRequest r;
    std::string pcm(n * sizeof(float), '\0');
    for (size_t i = 0; i < n; ++i) {
      const float x = speech_[(first + i) % speech_.size()];
      std::memcpy(pcm.data() + i * sizeof(float), &x, sizeof(float));
    }
    r.mutable_audio()->set_pcm(std::move(pcm));
    r.mutable_audio()->set_capture_time_us(t_us);
    return r;
  }
  // `seconds` of 30 fps frames and/or 100 ms audio chunks, in capture order, stamped from
  // `t0_us` on one clock.
  static std::vector<Timed> Media(double seconds, bool voice, bool face, int64_t t0_us) {
    std::vector<Timed> out;
    const int64_t end = static_cast<int64_t>(seconds * 1e6);
    int64_t next_frame = 0, next_chunk = 0;
    int frame = 0;
    size_t sample = 0;
    while ((face && next_frame < end) || (voice && next_chunk < end)) {
      if (face && next_frame < end && (!voice || next_frame <= next_chunk || next_chunk >= end)) {
        out.push_back({next_frame, Frame(frame, t0_us + next_frame)});
        ++frame;
        next_frame = static_cast<int64_t>(frame * 1e6 / 30);
      } else {
        out.push_back({next_chunk, Audio(sample, 1600, t0_us + next_chunk)});
        sample += 1600;
        next_chunk += 100000;
      }
    }
    return out;
  }

  // The main stack's orchestrator requires bearer tokens: one from the stack's local issuer.
  static void SignIn(grpc::ClientContext* ctx, const std::string& user) {
    auto token = burnout::auth::LocalToken(run_.string(), user);
    ASSERT_TRUE(token.ok()) << token.status();
    ctx->AddMetadata("authorization", "Bearer " + *token);
  }

  // Streams `requests` (paced by their offsets when `realtime`), half-closes, and reads
  // every update; `on_update` sees each as it arrives.
  static Outcome Stream(burnout::v1::BurnoutRisk::Stub* stub, const std::vector<Timed>& requests,
                        bool realtime,
                        const std::function<void(const SessionUpdate&)>& on_update = {},
                        int deadline_s = 120) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(deadline_s));
    if (stub == stub_.get() && !requests.empty() && requests[0].request.has_open()) {
      SignIn(&ctx, requests[0].request.open().user_id());
    }
    auto stream = stub->StreamSession(&ctx);
    Outcome out;
    std::thread writer([&] {
      const auto start = Steady::now();
      for (const auto& t : requests) {
        if (realtime) std::this_thread::sleep_until(start + std::chrono::microseconds(t.offset_us));
        if (!stream->Write(t.request)) break;
      }
      out.writes_done = Steady::now();
      stream->WritesDone();
    });
    SessionUpdate u;
    while (stream->Read(&u)) {
      if (on_update) on_update(u);
      out.updates.push_back({u, Steady::now()});
    }
    writer.join();
    out.status = stream->Finish();
    return out;
  }

  // A second orchestrator on the same analyzers with short limits (idle 1.5 s, at most 4 s
  // per session, one session per person, a client must read within 1.5 s).
  static burnout::v1::BurnoutRisk::Stub* Limited() {
    if (limited_stub_) return limited_stub_.get();
    const fs::path config = run_ / "limited.textproto";
    std::ofstream(config) << "server { listen: \"127.0.0.1:0\" max_message_bytes: 33554432 "
                             "default_deadline_ms: 10000 worker_threads: 8 max_queue: 64 }\n"
                          << "text { target: \"127.0.0.1:" << Port("text") << "\" }\n"
                          << "voice { target: \"127.0.0.1:" << Port("voice") << "\" }\n"
                          << "face { target: \"127.0.0.1:" << Port("face") << "\" }\n"
                          << "fusion { target: \"127.0.0.1:" << Port("fusion") << "\" }\n"
                          << "temporal { target: \"127.0.0.1:" << Port("temporal") << "\" }\n"
                          << "store { sqlite_path: \"" << (run_ / "limited.db").string() << "\" }\n"
                          << "session { idle_timeout_ms: 1500 max_session_s: 4 "
                             "max_sessions_per_person: 1 write_timeout_ms: 1500 "
                             "update_interval_ms: 500 }\n";
    const fs::path port_file = run_ / "limited.port";
    limited_pid_ = fork();
    if (limited_pid_ == 0) {
      const std::string bin = std::string(BURNOUT_BIN_DIR) + "/burnout-orchestrator";
      const std::string log = (run_ / "limited.log").string();
      freopen(log.c_str(), "w", stderr);
      dup2(fileno(stderr), fileno(stdout));  // spdlog writes to stdout
      execl(bin.c_str(), bin.c_str(), "--config", config.c_str(), "--port_file",
            port_file.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 300 && ReadInt(port_file) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_GT(ReadInt(port_file), 0) << Slurp(run_ / "limited.log");
    limited_stub_ = burnout::v1::BurnoutRisk::NewStub(burnout::grpcx::MakeChannel(
        "127.0.0.1:" + std::to_string(ReadInt(port_file)), 0));
    return limited_stub_.get();
  }
  static void StopLimited() {
    limited_stub_.reset();
    if (limited_pid_ > 0) {
      kill(limited_pid_, SIGTERM);
      int status = 0;
      waitpid(limited_pid_, &status, 0);
      limited_pid_ = 0;
    }
  }

  // Until a face-only session gets face results again (the orchestrator's channel to a
  // restarted analyzer reconnects with a backoff of at most a second).
  static void WaitForFace() {
    for (int i = 0; i < 50; ++i) {
      auto ok = Media(0.5, false, true, EpochMicros());
      ok.insert(ok.begin(), {0, Open("probe", false, true)});
      const Outcome out = Stream(stub_.get(), ok, false);
      if (out.status.ok() && out.summary() && out.summary()->session().counters().frames_analyzed() > 0) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    ADD_FAILURE() << "the face analyzer did not come back";
  }

  static burnout::v1::HistoryResponse History(burnout::v1::BurnoutRisk::Stub* stub,
                                              const std::string& user) {
    grpc::ClientContext ctx;
    if (stub == stub_.get()) SignIn(&ctx, user);
    burnout::v1::HistoryRequest req;
    req.set_user_id(user);
    burnout::v1::HistoryResponse out;
    EXPECT_TRUE(stub->GetHistory(&ctx, req, &out).ok());
    return out;
  }

  static fs::path run_;
  static std::unique_ptr<burnout::v1::BurnoutRisk::Stub> stub_;
  static std::unique_ptr<burnout::v1::BurnoutRisk::Stub> limited_stub_;
  static pid_t limited_pid_;
  static bool real_face_;
  static std::vector<std::string> jpegs_;
  static std::vector<float> speech_;
};
fs::path SessionTest::run_;
std::unique_ptr<burnout::v1::BurnoutRisk::Stub> SessionTest::stub_;
std::unique_ptr<burnout::v1::BurnoutRisk::Stub> SessionTest::limited_stub_;
pid_t SessionTest::limited_pid_ = 0;
bool SessionTest::real_face_ = false;
std::vector<std::string> SessionTest::jpegs_;
std::vector<float> SessionTest::speech_;

const burnout::v1::ModalityOutcome& OutcomeOf(const burnout::v1::Assessment& a,
                                              burnout::v1::Modality m) {
  for (const auto& o : a.modalities()) {
    if (o.modality() == m) return o;
  }
  static burnout::v1::ModalityOutcome none;
  return none;
}

TEST_F(SessionTest, LiveUpdatesWhileStreamingThenTheSummaryIsStored) {
  auto requests = Media(7, true, true, EpochMicros());
  requests.insert(requests.begin(), {0, Open("live", true, true, "A long week, but I am coping.")});
  const Outcome out = Stream(stub_.get(), requests, /*realtime=*/true);
  ASSERT_TRUE(out.status.ok()) << out.status.error_message();
  ASSERT_FALSE(out.updates.empty());
  ASSERT_TRUE(out.updates.front().update.has_started());
  const std::string session_id = out.updates.front().update.started().session_id();

  // Live: per-modality results and fused assessments arrive while the client still streams.
  int voice_live = 0, face_live = 0, fused_live = 0, text = 0;
  for (const auto& r : out.updates) {
    const bool live = r.at < out.writes_done;
    if (r.update.has_modality()) {
      const auto& m = r.update.modality();
      EXPECT_FALSE(m.masked()) << m.mask_reason();
      if (m.modality() == burnout::v1::MODALITY_VOICE) voice_live += live;
      if (m.modality() == burnout::v1::MODALITY_FACE) face_live += live;
      if (m.modality() == burnout::v1::MODALITY_TEXT) ++text;
    }
    if (r.update.has_fused()) {
      fused_live += live;
      const auto& a = r.update.fused().assessment();
      // A level, or an explicit "not enough signal" with its reason: never a silent blank.
      EXPECT_TRUE(a.risk().level() != burnout::v1::RISK_LEVEL_UNSPECIFIED ||
                  (a.risk().abstained() && !a.risk().abstain_reason().empty()))
          << a.risk().ShortDebugString();
      EXPECT_FALSE(a.narratives().empty());
      EXPECT_GT(r.update.fused().input_time_us(), 0);
    }
  }
  EXPECT_GE(voice_live, 3);
  EXPECT_GE(face_live, 10);  // 5 frames a second are analysed
  EXPECT_GE(fused_live, 3);
  EXPECT_EQ(text, 1);

  const auto* summary = out.summary();
  ASSERT_NE(summary, nullptr);
  EXPECT_TRUE(out.updates.back().update.has_summary());
  EXPECT_FALSE(summary->assessment_id().empty());
  EXPECT_EQ(summary->request_id(), session_id);
  for (auto m : {burnout::v1::MODALITY_TEXT, burnout::v1::MODALITY_VOICE, burnout::v1::MODALITY_FACE}) {
    EXPECT_TRUE(OutcomeOf(*summary, m).used()) << OutcomeOf(*summary, m).mask_reason();
  }
  const auto& report = summary->session();
  EXPECT_EQ(report.session_id(), session_id);
  EXPECT_EQ(report.ended(), "the client finished");
  EXPECT_NEAR(report.duration_s(), 7.0, 0.5);
  ASSERT_EQ(report.segments_size(), 3);
  EXPECT_EQ(report.segments(0).name(), "beginning");
  EXPECT_EQ(report.segments(2).name(), "end");
  EXPECT_EQ(report.series_size(), 2);
  for (const auto& s : report.series()) EXPECT_GE(s.points_size(), 5) << s.ShortDebugString();
  EXPECT_GE(report.fused_series_size(), 3);
  const auto& c = report.counters();
  EXPECT_EQ(c.frames_received(), 210);
  EXPECT_GE(c.frames_analyzed(), 20);
  EXPECT_LE(c.frames_forwarded(), 40);
  EXPECT_EQ(c.audio_chunks_received(), 70);
  EXPECT_NEAR(c.audio_s_received(), 7.0, 0.01);
  EXPECT_GE(c.voice_windows_analyzed(), 4);
  if (real_face_) {
    const auto& face = OutcomeOf(*summary, burnout::v1::MODALITY_FACE).result();
    double detected = 0;
    for (const auto& i : face.indicators()) {
      if (i.name() == "face_detected") detected = i.value();
    }
    EXPECT_GT(detected, 0.5);
  }

  bool arc = false;
  for (const auto& n : summary->narratives()) {
    arc |= n.topic() == "session" && n.text().find("Over the 7 s session") != std::string::npos;
  }
  EXPECT_TRUE(arc);

  // Stored as one assessment with its series: history and trend see it.
  const auto history = History(stub_.get(), "live");
  ASSERT_EQ(history.assessments_size(), 1);
  EXPECT_EQ(history.assessments(0).assessment_id(), summary->assessment_id());
  EXPECT_EQ(history.assessments(0).session().series_size(), 2);
  EXPECT_EQ(history.assessments(0).session().fused_series_size(), report.fused_series_size());
}

// The browser's way in: burnout-web (started by `up`) carries a session over POST plus
// server-sent events to StreamSession and back, bound to the token that opened it.
TEST_F(SessionTest, TheWebCarriesASessionOverPostAndServerSentEvents) {
  httplib::Client http("127.0.0.1", Port("web"));
  http.set_read_timeout(120, 0);
  auto sign_in = [&](const std::string& user) {
    auto r = http.Post("/api/v1/SignIn", nlohmann::json{{"user_id", user}}.dump(), "application/json");
    EXPECT_TRUE(r && r->status == 200);
    return httplib::Headers{
        {"Authorization", "Bearer " + nlohmann::json::parse(r->body).at("token").get<std::string>()}};
  };
  const auto auth = sign_in("weblive"), stranger = sign_in("stranger");
  auto to_json = [](const google::protobuf::Message& m) {
    std::string out;
    EXPECT_TRUE(google::protobuf::util::MessageToJsonString(m, &out).ok());
    return out;
  };
  const std::string open = to_json(Open("weblive", true, true).open());
  // Someone else's session cannot be opened.
  auto refused = http.Post("/api/v1/sessions", stranger, open, "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403) << refused->body;
  EXPECT_EQ(nlohmann::json::parse(refused->body).at("code"), "PERMISSION_DENIED");

  auto opened = http.Post("/api/v1/sessions", auth, open, "application/json");
  ASSERT_TRUE(opened);
  ASSERT_EQ(opened->status, 200) << opened->body;
  const auto started = nlohmann::json::parse(opened->body);
  const std::string handle = started.at("handle");
  const std::string session_id = started.at("started").at("session_id");
  EXPECT_GE(handle.size(), 20u);

  // Events, read as a browser's fetch() reads them, on their own connection.
  std::mutex mu;
  std::string events;
  std::thread reader([&] {
    httplib::Client sse("127.0.0.1", Port("web"));
    sse.set_read_timeout(120, 0);
    auto r = sse.Get(("/api/v1/sessions/" + handle + "/events").c_str(), auth,
                     [&](const char* data, size_t n) {
                       std::lock_guard<std::mutex> lock(mu);
                       events.append(data, n);
                       return true;
                     });
    EXPECT_TRUE(r && r->status == 200);
  });
  // The handle with another person's token is unknown, as is a made-up one.
  EXPECT_EQ(http.Post(("/api/v1/sessions/" + handle + "/input").c_str(), stranger,
                      R"({"requests":[]})", "application/json")->status, 404);
  EXPECT_EQ(http.Post("/api/v1/sessions/not-a-handle/finish", auth, "", "application/json")->status, 404);

  // 4 s of media in 200 ms batches, paced like a capture.
  const auto media = Media(4, true, true, EpochMicros());
  const auto start = Steady::now();
  for (size_t i = 0; i < media.size();) {
    const int64_t until = media[i].offset_us + 200000;
    std::string batch = "{\"requests\":[";
    for (bool first = true; i < media.size() && media[i].offset_us < until; ++i, first = false) {
      batch += (first ? "" : ",") + to_json(media[i].request);
    }
    batch += "]}";
    std::this_thread::sleep_until(start + std::chrono::microseconds(until));
    auto in = http.Post(("/api/v1/sessions/" + handle + "/input").c_str(), auth, batch, "application/json");
    ASSERT_TRUE(in);
    ASSERT_EQ(in->status, 200) << in->body;
  }
  auto bad = http.Post(("/api/v1/sessions/" + handle + "/input").c_str(), auth,
                       R"({"requests":[{"open":{"user_id":"weblive"}}]})", "application/json");
  EXPECT_EQ(bad->status, 400) << bad->body;
  auto finished = http.Post(("/api/v1/sessions/" + handle + "/finish").c_str(), auth, "", "application/json");
  ASSERT_EQ(finished->status, 200) << finished->body;
  reader.join();

  // Parse the stream: "event: <kind>" / "data: <json>" blocks.
  std::map<std::string, int> kinds;
  nlohmann::json summary;
  std::istringstream lines(events);
  std::string line, kind;
  while (std::getline(lines, line)) {
    if (line.rfind("event: ", 0) == 0) kind = line.substr(7);
    if (line.rfind("data: ", 0) == 0) {
      ++kinds[kind];
      const auto data = nlohmann::json::parse(line.substr(6));
      if (kind == "summary") summary = data;
      if (kind == "error") ADD_FAILURE() << data.dump();
    }
  }
  EXPECT_GE(kinds["modality"], 5) << events.substr(0, 2000);
  EXPECT_GE(kinds["fused"], 2);
  ASSERT_EQ(kinds["summary"], 1);
  EXPECT_EQ(summary.at("request_id"), session_id);
  EXPECT_EQ(summary.at("session").at("ended"), "the client finished");

  // Stored: read back through the web API by id, then deleted alone.
  const std::string id = summary.at("assessment_id");
  const std::string ref = nlohmann::json{{"user_id", "weblive"}, {"assessment_id", id}}.dump();
  auto got = http.Post("/api/v1/GetAssessment", auth, ref, "application/json");
  ASSERT_EQ(got->status, 200) << got->body;
  EXPECT_EQ(nlohmann::json::parse(got->body).at("session").at("session_id"), session_id);
  EXPECT_EQ(http.Post("/api/v1/GetAssessment", stranger, ref, "application/json")->status, 403);
  auto del = http.Post("/api/v1/DeleteAssessment", auth, ref, "application/json");
  ASSERT_EQ(del->status, 200) << del->body;
  EXPECT_TRUE(nlohmann::json::parse(del->body).at("deleted").get<bool>());
  EXPECT_EQ(http.Post("/api/v1/GetAssessment", auth, ref, "application/json")->status, 404);
  EXPECT_EQ(http.Post("/api/v1/DeleteAssessment", auth, ref, "application/json")->status, 404);
  // The finished session is forgotten once read: its handle is gone.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(http.Get(("/api/v1/sessions/" + handle + "/events").c_str(), auth)->status, 404);
}

TEST_F(SessionTest, FaceServiceKilledMidSessionIsMaskedAndTheSessionGoesOn) {
  auto requests = Media(8, true, true, EpochMicros());
  requests.insert(requests.begin(), {0, Open("masked", true, true)});
  std::atomic<bool> killed{false};
  const Outcome out = Stream(stub_.get(), requests, true, [&](const SessionUpdate& u) {
    if (!killed && u.has_modality() && u.modality().modality() == burnout::v1::MODALITY_FACE &&
        u.modality().t_s() > 2) {
      killed = true;
      KillAndWait("face");
    }
  });
  ASSERT_TRUE(killed);
  ASSERT_TRUE(out.status.ok()) << out.status.error_message();
  bool masked = false;
  int fused_after = 0;
  for (const auto& r : out.updates) {
    if (r.update.has_modality() && r.update.modality().masked()) {
      EXPECT_EQ(r.update.modality().modality(), burnout::v1::MODALITY_FACE);
      EXPECT_NE(r.update.modality().mask_reason().find("service unavailable"), std::string::npos)
          << r.update.modality().mask_reason();
      masked = true;
    }
    if (masked && r.update.has_fused()) {
      ++fused_after;
      const auto& a = r.update.fused().assessment();
      EXPECT_FALSE(OutcomeOf(a, burnout::v1::MODALITY_FACE).used());
      EXPECT_NE(OutcomeOf(a, burnout::v1::MODALITY_FACE).mask_reason().find("stream failed"),
                std::string::npos);
      EXPECT_TRUE(OutcomeOf(a, burnout::v1::MODALITY_VOICE).used());
    }
  }
  EXPECT_TRUE(masked);
  EXPECT_GE(fused_after, 2);  // the session went on
  const auto* summary = out.summary();
  ASSERT_NE(summary, nullptr);
  // What face said before it died is kept.
  EXPECT_TRUE(OutcomeOf(*summary, burnout::v1::MODALITY_FACE).used());
  ASSERT_FALSE(summary->session().notes().empty());
  EXPECT_NE(summary->session().notes(0).find("face"), std::string::npos);
  ASSERT_EQ(Ctl("up"), 0);  // face back for the other tests
  WaitForFace();
}

TEST_F(SessionTest, VoiceServiceKilledMidSessionIsMaskedAndTheSessionGoesOn) {
  auto requests = Media(6, true, true, EpochMicros());
  requests.insert(requests.begin(), {0, Open("masked-voice", true, true)});
  std::atomic<bool> killed{false};
  const Outcome out = Stream(stub_.get(), requests, true, [&](const SessionUpdate& u) {
    if (!killed && u.has_modality() && u.modality().modality() == burnout::v1::MODALITY_VOICE) {
      killed = true;
      KillAndWait("voice");
    }
  });
  ASSERT_TRUE(killed);
  ASSERT_TRUE(out.status.ok()) << out.status.error_message();
  int masked = 0, face_after = 0;
  for (const auto& r : out.updates) {
    if (!r.update.has_modality()) continue;
    const auto& m = r.update.modality();
    if (m.modality() == burnout::v1::MODALITY_VOICE && m.masked()) {
      ++masked;
    } else if (masked && m.modality() == burnout::v1::MODALITY_FACE && !m.masked()) {
      ++face_after;
    }
  }
  EXPECT_EQ(masked, 1);
  EXPECT_GE(face_after, 5);
  ASSERT_NE(out.summary(), nullptr);
  ASSERT_EQ(Ctl("up"), 0);
}

// The face analyzer paused (SIGSTOP) mid-session: alive, answering nothing. The session goes
// on with the voice, and after the half-close the summary still comes, the face's last results
// waited for no longer than session.drain_timeout_ms (10 s), and is stored.
TEST_F(SessionTest, APausedFaceAnalyzerMidSessionStillEndsWithTheStoredSummary) {
  auto requests = Media(5, true, true, EpochMicros());
  requests.insert(requests.begin(), {0, Open("paused-face", true, true)});
  const int face = ReadInt(run_ / "face.pid");
  ASSERT_GT(face, 0);
  std::atomic<bool> paused{false};
  const Outcome out = Stream(stub_.get(), requests, true, [&](const SessionUpdate& u) {
    if (!paused && u.has_modality() && u.modality().modality() == burnout::v1::MODALITY_FACE) {
      paused = true;
      kill(face, SIGSTOP);
    }
  });
  kill(face, SIGCONT);
  ASSERT_TRUE(paused);
  ASSERT_TRUE(out.status.ok()) << out.status.error_message();
  const double tail_s =
      std::chrono::duration<double>(out.updates.back().at - out.writes_done).count();
  EXPECT_LT(tail_s, 15.0);  // drain_timeout_ms 10000, then fusion and the store
  int voice_after = 0;
  bool face_seen = false;
  for (const auto& r : out.updates) {
    if (!r.update.has_modality()) continue;
    const auto& m = r.update.modality();
    face_seen |= m.modality() == burnout::v1::MODALITY_FACE;
    voice_after += face_seen && m.modality() == burnout::v1::MODALITY_VOICE && !m.masked();
  }
  EXPECT_GE(voice_after, 2);
  const auto* summary = out.summary();
  ASSERT_NE(summary, nullptr);
  EXPECT_TRUE(OutcomeOf(*summary, burnout::v1::MODALITY_VOICE).used());
  EXPECT_EQ(History(stub_.get(), "paused-face").assessments_size(), 1);
}

// Each bad input ends the session with a precise status.
TEST_F(SessionTest, BadInputEndsTheSessionWithAPreciseStatus) {
  const int64_t t0 = EpochMicros();
  struct Case {
    std::string name;
    std::vector<Timed> requests;
    grpc::StatusCode code;
    std::string says;
  };
  std::vector<Case> cases;
  cases.push_back({"frame before open", {{0, Frame(0, t0)}}, grpc::StatusCode::FAILED_PRECONDITION,
                   "before `open`"});
  {
    auto open = Open("bad", false, true);
    open.mutable_open()->set_frame_rate(1000);
    cases.push_back({"1000 fps opened", {{0, open}}, grpc::StatusCode::INVALID_ARGUMENT,
                     "session.max_fps"});
  }
  cases.push_back({"no modality", {{0, Open("bad", false, false)}},
                   grpc::StatusCode::INVALID_ARGUMENT, "MODALITY_VOICE and/or MODALITY_FACE"});
  cases.push_back({"second open", {{0, Open("bad", true, false)}, {0, Open("bad", true, false)}},
                   grpc::StatusCode::FAILED_PRECONDITION, "second `open`"});
  cases.push_back({"audio not opened", {{0, Open("bad", false, true)}, {0, Audio(0, 1600, t0)}},
                   grpc::StatusCode::FAILED_PRECONDITION, "did not open MODALITY_VOICE"});
  {
    auto changed = Audio(1600, 1600, t0 + 100000);
    changed.mutable_audio()->mutable_format()->set_encoding(burnout::v1::AUDIO_ENCODING_PCM_S16LE);
    changed.mutable_audio()->mutable_format()->set_sample_rate(8000);
    changed.mutable_audio()->mutable_format()->set_channels(1);
    cases.push_back({"format change", {{0, Open("bad", true, false)}, {0, Audio(0, 1600, t0)}, {0, changed}},
                     grpc::StatusCode::INVALID_ARGUMENT, "changed mid-stream"});
  }
  {
    auto odd = Audio(0, 1600, t0);
    odd.mutable_audio()->mutable_pcm()->push_back('x');
    cases.push_back({"partial frame", {{0, Open("bad", true, false)}, {0, odd}},
                     grpc::StatusCode::INVALID_ARGUMENT, "not whole frames"});
  }
  cases.push_back({"oversize chunk", {{0, Open("bad", true, false)}, {0, Audio(0, 80000, t0)}},
                   grpc::StatusCode::INVALID_ARGUMENT, "session.max_chunk_bytes"});
  {
    auto huge = Frame(0, t0);
    huge.mutable_frame()->mutable_encoded()->append(5 << 20, '\0');
    cases.push_back({"oversize frame", {{0, Open("bad", false, true)}, {0, huge}},
                     grpc::StatusCode::INVALID_ARGUMENT, "session.max_frame_bytes"});
  }
  {
    auto text = Frame(0, t0);
    text.mutable_frame()->set_encoded("hello, not a picture");
    cases.push_back({"not an image", {{0, Open("bad", false, true)}, {0, text}},
                     grpc::StatusCode::INVALID_ARGUMENT, "neither a JPEG nor a PNG"});
  }
  {
    SessionRequest raw;
    raw.mutable_frame()->mutable_raw()->set_width(320);
    raw.mutable_frame()->mutable_raw()->set_height(240);
    raw.mutable_frame()->mutable_raw()->set_format(burnout::v1::PIXEL_FORMAT_BGR8);
    raw.mutable_frame()->mutable_raw()->set_pixels(std::string(320 * 240 * 3, '\x40'));
    raw.mutable_frame()->set_capture_time_us(t0 + 40000);
    cases.push_back({"encoded then raw", {{0, Open("bad", false, true)}, {0, Frame(0, t0)}, {0, raw}},
                     grpc::StatusCode::INVALID_ARGUMENT, "frame format changed mid-stream"});
  }
  cases.push_back({"backwards", {{0, Open("bad", false, true)}, {0, Frame(0, t0 + 100000)}, {0, Frame(1, t0)}},
                   grpc::StatusCode::INVALID_ARGUMENT, "went backwards"});
  cases.push_back({"jump", {{0, Open("bad", false, true)}, {0, Frame(0, t0)}, {0, Frame(1, t0 + 60000000)}},
                   grpc::StatusCode::INVALID_ARGUMENT, "jumped"});
  cases.push_back({"two clocks", {{0, Open("bad", true, true)}, {0, Frame(0, t0)}, {0, Audio(0, 1600, t0 - 3600000000LL)}},
                   grpc::StatusCode::INVALID_ARGUMENT, "one clock"});
  cases.push_back({"closed before open", {}, grpc::StatusCode::FAILED_PRECONDITION,
                   "closed before `open`"});
  for (const auto& c : cases) {
    const Outcome out = Stream(stub_.get(), c.requests, false);
    EXPECT_EQ(out.status.error_code(), c.code) << c.name << ": " << out.status.error_message();
    EXPECT_NE(out.status.error_message().find(c.says), std::string::npos)
        << c.name << ": " << out.status.error_message();
  }
  // The service is still fine.
  auto ok = Media(1, false, true, EpochMicros());
  ok.insert(ok.begin(), {0, Open("bad", false, true)});
  EXPECT_TRUE(Stream(stub_.get(), ok, false).status.ok());
}

// 1000 frames a second are read, counted and mostly dropped, never queued.
TEST_F(SessionTest, AThousandFramesASecondAreDroppedAndCounted) {
  const int64_t t0 = EpochMicros();
  std::vector<Timed> requests = {{0, Open("fast", false, true)}};
  for (int i = 0; i < 3000; ++i) requests.push_back({0, Frame(i, t0 + 1000 * i)});
  const Outcome out = Stream(stub_.get(), requests, false);
  ASSERT_TRUE(out.status.ok()) << out.status.error_message();
  ASSERT_NE(out.summary(), nullptr);
  const auto& c = out.summary()->session().counters();
  EXPECT_EQ(c.frames_received(), 3000);
  EXPECT_GE(c.frames_over_rate(), 2700);  // max_fps 60 of 1000
  EXPECT_LE(c.frames_forwarded(), 20);    // 5 a second of 3 s of capture time
  EXPECT_GE(c.frames_analyzed(), 1);
}

TEST_F(SessionTest, ConcurrentSessionsPerPersonAreLimited) {
  grpc::ClientContext c1, c2, c3;
  for (auto* c : {&c1, &c2, &c3}) SignIn(c, "busy");
  auto s1 = stub_->StreamSession(&c1);
  auto s2 = stub_->StreamSession(&c2);
  SessionUpdate u;
  ASSERT_TRUE(s1->Write(Open("busy", false, true)));
  ASSERT_TRUE(s1->Read(&u) && u.has_started());
  ASSERT_TRUE(s2->Write(Open("busy", false, true)));
  ASSERT_TRUE(s2->Read(&u) && u.has_started());
  auto s3 = stub_->StreamSession(&c3);
  s3->Write(Open("busy", false, true));
  EXPECT_FALSE(s3->Read(&u));
  const auto st = s3->Finish();
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(st.error_message().find("session.max_sessions_per_person"), std::string::npos)
      << st.error_message();
  for (auto* s : {s1.get(), s2.get()}) {
    s->WritesDone();
    while (s->Read(&u)) {
    }
    EXPECT_EQ(s->Finish().error_code(), grpc::StatusCode::FAILED_PRECONDITION);  // nothing sent
  }
  auto ok = Media(1, false, true, EpochMicros());
  ok.insert(ok.begin(), {0, Open("busy", false, true)});
  EXPECT_TRUE(Stream(stub_.get(), ok, false).status.ok());  // the slots were released
}

TEST_F(SessionTest, LimitsEndTheSessionAndKeepWhatWasAnalysed) {
  auto* limited = Limited();
  // Silence: the idle timeout ends it; what was analysed is stored and sent first.
  {
    grpc::ClientContext ctx;
    auto s = limited->StreamSession(&ctx);
    ASSERT_TRUE(s->Write(Open("idle", true, true)));
    for (const auto& t : Media(2, true, true, EpochMicros())) ASSERT_TRUE(s->Write(t.request));
    SessionUpdate u;
    const burnout::v1::Assessment* summary = nullptr;
    std::vector<SessionUpdate> got;
    while (s->Read(&u)) got.push_back(u);
    const auto st = s->Finish();
    EXPECT_EQ(st.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << st.error_message();
    EXPECT_NE(st.error_message().find("session.idle_timeout_ms"), std::string::npos);
    EXPECT_NE(st.error_message().find("stored as"), std::string::npos) << st.error_message();
    ASSERT_FALSE(got.empty());
    ASSERT_TRUE(got.back().has_summary());
    summary = &got.back().summary();
    EXPECT_EQ(summary->session().ended(), "the client went silent");
    EXPECT_EQ(History(limited, "idle").assessments_size(), 1);
  }
  // Too long: max_session_s (4 s of capture time).
  {
    auto requests = Media(6, true, true, EpochMicros());
    requests.insert(requests.begin(), {0, Open("long", true, true)});
    const Outcome out = Stream(limited, requests, false);
    EXPECT_EQ(out.status.error_code(), grpc::StatusCode::OUT_OF_RANGE) << out.status.error_message();
    EXPECT_NE(out.status.error_message().find("session.max_session_s"), std::string::npos);
    ASSERT_NE(out.summary(), nullptr);
    EXPECT_EQ(out.summary()->session().ended(), "the session reached its maximum length");
  }
}

// A client that sends but never reads: its updates cannot pile up; it is cut off after
// write_timeout_ms, its person's slot is freed and what it sent is stored.
TEST_F(SessionTest, AClientThatNeverReadsIsCutOffAndItsSessionStored) {
  auto* limited = Limited();
  grpc::ChannelArguments args;
  args.SetInt("grpc.http2.lookahead_bytes", 1024);  // a small receive window
  args.SetInt("grpc.http2.bdp_probe", 0);
  auto channel = grpc::CreateCustomChannel(
      "127.0.0.1:" + std::to_string(ReadInt(run_ / "limited.port")),
      grpc::InsecureChannelCredentials(), args);
  auto stub = burnout::v1::BurnoutRisk::NewStub(channel);
  grpc::ClientContext ctx;
  auto s = stub->StreamSession(&ctx);
  ASSERT_TRUE(s->Write(Open("deaf", true, true)));
  const auto start = Steady::now();
  for (const auto& t : Media(3.9, true, true, EpochMicros())) {
    std::this_thread::sleep_until(start + std::chrono::microseconds(t.offset_us));
    if (!s->Write(t.request)) break;  // cut off
  }
  // The slot frees within a bounded time: a new session for the same person opens.
  bool reopened = false;
  for (int i = 0; i < 100 && !reopened; ++i) {
    auto ok = Media(1, false, true, EpochMicros());
    ok.insert(ok.begin(), {0, Open("deaf", false, true)});
    reopened = Stream(limited, ok, false).status.ok();
    if (!reopened) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(reopened);
  ctx.TryCancel();
  s->Finish();
  // Cut off for not reading, not ended by the idle timeout after the writes stopped.
  bool stored = false;
  const auto history = History(limited, "deaf");
  for (const auto& a : history.assessments()) {
    stored |= a.session().ended() == "the client stopped reading";
  }
  EXPECT_TRUE(stored);
}

// One client opens many sessions and reads none of them, each on its own small-window
// channel: every one is cut off (or refused at open once the server is full), each cut-off
// session is stored, and meanwhile another client's session on the same orchestrator runs to
// its summary; afterwards every slot is free again.
TEST_F(SessionTest, AClientWithManyStreamsThatNeverReadsHarmsNoOne) {
  auto* limited = Limited();
  constexpr int kDeaf = 10;
  struct Deaf {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<burnout::v1::BurnoutRisk::Stub> stub;
    grpc::ClientContext ctx;
    std::unique_ptr<grpc::ClientReaderWriter<SessionRequest, SessionUpdate>> stream;
  };
  std::vector<std::unique_ptr<Deaf>> deaf;
  grpc::ChannelArguments args;
  args.SetInt("grpc.http2.lookahead_bytes", 1024);
  args.SetInt("grpc.http2.bdp_probe", 0);
  for (int i = 0; i < kDeaf; ++i) {
    auto d = std::make_unique<Deaf>();
    args.SetInt("grpc.channel_id", i);  // separate connections
    d->channel = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(ReadInt(run_ / "limited.port")),
                                           grpc::InsecureChannelCredentials(), args);
    d->stub = burnout::v1::BurnoutRisk::NewStub(d->channel);
    d->stream = d->stub->StreamSession(&d->ctx);
    ASSERT_TRUE(d->stream->Write(Open("deaf-many-" + std::to_string(i), true, true)));
    deaf.push_back(std::move(d));
  }
  std::vector<std::thread> writers;
  for (auto& d : deaf) {
    writers.emplace_back([&d] {
      const auto start = Steady::now();
      for (const auto& t : Media(3.5, true, true, EpochMicros())) {
        std::this_thread::sleep_until(start + std::chrono::microseconds(t.offset_us));
        if (!d->stream->Write(t.request)) break;  // cut off
      }
    });
  }
  // Meanwhile, a reading client's session (a short one, inside max_session_s).
  auto ok = Media(2, false, true, EpochMicros());
  ok.insert(ok.begin(), {0, Open("reader-among-deaf", false, true)});
  const Outcome reader = Stream(limited, ok, false);
  for (auto& t : writers) t.join();
  EXPECT_TRUE(reader.status.ok()) << reader.status.error_message();
  EXPECT_NE(reader.summary(), nullptr);
  for (auto& d : deaf) {
    d->ctx.TryCancel();
    d->stream->Finish();
  }
  // Each deaf session was cut off for not reading (and stored) or refused when the server was
  // full; the slots are free again: each person opens a new session.
  int cut_off = 0;
  for (int i = 0; i < kDeaf; ++i) {
    const std::string user = "deaf-many-" + std::to_string(i);
    const auto history = History(limited, user);
    for (const auto& a : history.assessments()) {
      cut_off += a.session().ended() == "the client stopped reading";
    }
    bool reopened = false;
    for (int k = 0; k < 50 && !reopened; ++k) {
      auto again = Media(0.5, false, true, EpochMicros());
      again.insert(again.begin(), {0, Open(user, false, true)});
      reopened = Stream(limited, again, false).status.ok();
      if (!reopened) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    EXPECT_TRUE(reopened) << user;
  }
  EXPECT_GE(cut_off, 1);
  std::printf("%d of %d never-reading sessions cut off and stored\n", cut_off, kDeaf);
}

// kill -9 of a capture client (this binary, re-run as SessionChild): the session ends, its
// part is stored, the slot is freed.
TEST_F(SessionTest, AClientKilledMidSessionLeavesItsSessionStored) {
  Limited();
  const std::string port = std::to_string(ReadInt(run_ / "limited.port"));
  const pid_t child = fork();
  if (child == 0) {
    setenv("BURNOUT_SESSION_CHILD_PORT", port.c_str(), 1);
    execl("/proc/self/exe", "session_test", "--gtest_filter=SessionChild.StreamsUntilKilled",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  auto* limited = Limited();
  // Wait until the child's session is open (the orchestrator logs it) and has streamed a
  // while, then kill it.
  for (int i = 0; i < 200 && Slurp(run_ / "limited.log").find("opened for killed") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  bool stored = false;
  for (int i = 0; i < 100 && !stored; ++i) {
    const auto history = History(limited, "killed");
    for (const auto& a : history.assessments()) {
      stored |= a.session().ended() == "the client went away";
    }
    if (!stored) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(stored) << Slurp(run_ / "limited.log");
  // The slot is freed when the reactor finishes, which can come a moment after the summary is
  // stored: the person may open a session again within a few seconds.
  grpc::Status again;
  for (int i = 0; i < 50; ++i) {
    auto ok = Media(1, false, true, EpochMicros());
    ok.insert(ok.begin(), {0, Open("killed", false, true)});
    again = Stream(limited, ok, false).status;
    if (again.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(again.ok()) << again.error_code() << ": " << again.error_message();
}

// The capture client the test above kills: streams drawn frames and a tone until killed.
TEST(SessionChild, StreamsUntilKilled) {
  const char* port = std::getenv("BURNOUT_SESSION_CHILD_PORT");
  if (!port) GTEST_SKIP() << "runs only as the child of AClientKilledMidSessionLeavesItsSessionStored";
  auto stub = burnout::v1::BurnoutRisk::NewStub(
      burnout::grpcx::MakeChannel(std::string("127.0.0.1:") + port, 0));
  grpc::ClientContext ctx;
  auto s = stub->StreamSession(&ctx);
  SessionRequest open;
  open.mutable_open()->set_user_id("killed");
  open.mutable_open()->add_modalities(burnout::v1::MODALITY_VOICE);
  open.mutable_open()->add_modalities(burnout::v1::MODALITY_FACE);
  open.mutable_open()->set_frame_rate(30);
  auto* f = open.mutable_open()->mutable_audio_format();
  f->set_encoding(burnout::v1::AUDIO_ENCODING_PCM_F32LE);
  f->set_sample_rate(16000);
  f->set_channels(1);
  ASSERT_TRUE(s->Write(open));
  cv::Mat frame(240, 320, CV_8UC3, cv::Scalar(60, 80, 70));
  cv::circle(frame, {160, 120}, 80, {200, 200, 200}, cv::FILLED);
  std::vector<uchar> jpeg;
  cv::imencode(".jpg", frame, jpeg);
  const int64_t t0 = EpochMicros();
  const auto start = Steady::now();
  for (int i = 0; i < 117; ++i) {  // 3.9 s: under the limited orchestrator's max_session_s
    std::this_thread::sleep_until(start + std::chrono::microseconds(i * 1000000 / 30));
    SessionRequest r;
    r.mutable_frame()->set_encoded(std::string(jpeg.begin(), jpeg.end()));
    r.mutable_frame()->set_capture_time_us(t0 + int64_t{i} * 1000000 / 30);
    s->Write(r);
    if (i % 3 == 0) {
      SessionRequest a;
      std::string pcm(1600 * sizeof(float), '\0');
      for (int k = 0; k < 1600; ++k) {
        const float x = 0.3f * std::sin(2 * M_PI * 180 * (i / 3 * 1600 + k) / 16000.0);
        std::memcpy(pcm.data() + k * sizeof(float), &x, sizeof(float));
      }
      a.mutable_audio()->set_pcm(std::move(pcm));
      a.mutable_audio()->set_capture_time_us(t0 + int64_t{i / 3} * 100000);
      s->Write(a);
    }
  }
  pause();  // killed here
}

}  // namespace
