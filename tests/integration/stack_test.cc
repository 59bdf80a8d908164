// The whole stack as separate processes on loopback (ports picked by the kernel), driven
// through burnoutctl exactly as a person would: up, assess, a service killed and restarted,
// the orchestrator killed with SIGKILL, bad configs and models.
#include <gtest/gtest.h>
#include <httplib.h>

#include <array>
#include <regex>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <atomic>
#include <sstream>
#include <thread>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "burnout/v1/burnout_risk.grpc.pb.h"
#include "burnout/v1/burnout_risk.pb.h"
#include "burnout/v1/text.grpc.pb.h"
#include "absl/strings/escaping.h"
#include "common/auth/token.h"
#include "nlohmann/json.hpp"
#include "common/grpc/channel.h"
#include "common/grpc/health_client.h"
#include "tests/testing/service_process.h"
#include "google/protobuf/util/json_util.h"

namespace {

namespace fs = std::filesystem;

struct Result {
  int code;
  std::string out, err;
};

std::string Slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class StackTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    run_ = fs::temp_directory_path() / ("stack_test_" + std::to_string(::getpid()));
    fs::remove_all(run_);
    fs::create_directories(run_);
    Result up = Ctl("up --base_port 0");
    ASSERT_EQ(up.code, 0) << up.out << up.err;
  }
  static void TearDownTestSuite() {
    Ctl("down");
    fs::remove_all(run_);
  }

  static Result Run(const std::string& cmd) {
    const fs::path out = run_ / "cmd.out", err = run_ / "cmd.err";
    const int rc = std::system((cmd + " >" + out.string() + " 2>" + err.string()).c_str());
    return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, Slurp(out), Slurp(err)};
  }
  static Result Ctl(const std::string& args) {
    return Run(std::string(BURNOUT_BIN_DIR) + "/burnoutctl --config config/stack.textproto --run_dir " +
               run_.string() + " " + args);
  }
  static burnout::v1::Assessment Assess(const std::string& text, const std::string& extra = "") {
    Result r = Ctl("assess --user it --json --text '" + text + "' " + extra);
    EXPECT_EQ(r.code, 0) << r.err;
    burnout::v1::Assessment a;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &a).ok()) << r.out;
    return a;
  }
  // `burnoutctl assess --json <args>`, parsed.
  static burnout::v1::Assessment AssessJson(const std::string& args) {
    Result r = Ctl("assess --json " + args);
    EXPECT_EQ(r.code, 0) << r.err;
    burnout::v1::Assessment a;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &a).ok()) << r.out;
    return a;
  }
  // The number of lines of `out`, and the last one.
  static int Lines(const std::string& out, std::string* last) {
    int lines = 0;
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line)) {
      ++lines;
      *last = line;
    }
    return lines;
  }
  static int Pid(const std::string& service) {
    std::ifstream in(run_ / (service + ".pid"));
    int pid = 0;
    in >> pid;
    return pid;
  }
  static void KillAndWait(const std::string& service, int sig) {
    const int pid = Pid(service);
    ASSERT_GT(pid, 0);
    ASSERT_EQ(kill(pid, sig), 0);
    for (int i = 0; i < 500 && kill(pid, 0) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  static fs::path run_;
};
fs::path StackTest::run_;

// StackTest::Run for the free helpers below.
struct RunAccess : StackTest {
  static Result Do(const std::string& cmd) { return Run(cmd); }
};
Result StackTest_Run(const std::string& cmd) { return RunAccess::Do(cmd); }

TEST_F(StackTest, AssessTextThroughEveryService) {
  auto a = Assess("I am exhausted and overwhelmed, I cannot keep up with work anymore");
  EXPECT_NE(a.risk().level(), burnout::v1::RISK_LEVEL_UNSPECIFIED);
  ASSERT_EQ(a.modalities_size(), 3);
  ASSERT_TRUE(a.modalities(0).used());
  EXPECT_EQ(a.modalities(0).result().model().name(), "text-emotion-goemotions");
  EXPECT_EQ(a.modalities(0).result().emotions_size(), 7);
  EXPECT_FLOAT_EQ(a.modalities(1).attention_weight(), 0.0f);
  EXPECT_EQ(a.risk().model().name(), "fusion-attention");
  EXPECT_NE(a.notice().find("not a diagnosis"), std::string::npos);
  EXPECT_GE(a.narratives_size(), 3);
  Result human = Ctl("assess --user it --text 'What a wonderful, happy day with my team'");
  ASSERT_EQ(human.code, 0) << human.err;
  EXPECT_NE(human.out.find("Burnout risk:"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("not a diagnosis"), std::string::npos) << human.out;
  Result status = Ctl("status");
  EXPECT_EQ(status.code, 0) << status.out;
}

// One word is too little to go on: fusion abstains, and the assessment says so instead of a
// level, is stored like any other and shows in the history and the export.
TEST_F(StackTest, TooLittleSignalAbstainsAndIsStoredLikeAnyAssessment) {
  Result r = Ctl("assess --user abstain --json --text 'tired'");
  ASSERT_EQ(r.code, 0) << r.err;
  burnout::v1::Assessment a;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &a).ok()) << r.out;
  EXPECT_TRUE(a.risk().abstained());
  EXPECT_EQ(a.risk().level(), burnout::v1::RISK_LEVEL_UNSPECIFIED);
  EXPECT_NE(a.risk().abstain_reason().find("not enough signal to estimate a risk"), std::string::npos);
  ASSERT_GE(a.narratives_size(), 1);
  EXPECT_NE(a.narratives(0).text().find("No risk level was estimated"), std::string::npos)
      << a.narratives(0).text();
  Result human = Ctl("assess --user abstain --text 'ok'");
  ASSERT_EQ(human.code, 0) << human.err;
  EXPECT_NE(human.out.find("Burnout risk: not enough signal"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("not a diagnosis"), std::string::npos) << human.out;
  Result history = Ctl("history --user abstain");
  EXPECT_NE(history.out.find("not enough signal"), std::string::npos) << history.out;
  Result csv = Ctl("export --user abstain --format csv");
  EXPECT_NE(csv.out.find("not enough signal"), std::string::npos) << csv.out;
  // A real entry from the same person gets a level.
  auto full = Assess("I am exhausted and overwhelmed, I cannot keep up with work anymore");
  EXPECT_FALSE(full.risk().abstained());
}

TEST_F(StackTest, BadInputGetsPreciseErrors) {
  Result empty = Ctl("assess --user it --text '   '");
  EXPECT_NE(empty.code, 0);
  EXPECT_NE(empty.err.find("INVALID_ARGUMENT"), std::string::npos) << empty.err;
  std::ofstream(run_ / "big.txt") << std::string(20000, 'a');
  Result big = Ctl("assess --user it --text_file " + (run_ / "big.txt").string());
  EXPECT_NE(big.err.find("max_text_bytes"), std::string::npos) << big.err;
  std::ofstream(run_ / "bad.txt") << "bad \xff\xfe utf8";
  Result bad = Ctl("assess --user it --text_file " + (run_ / "bad.txt").string());
  EXPECT_NE(bad.err.find("UTF-8"), std::string::npos) << bad.err;
}

TEST_F(StackTest, RequestIdIsIdempotentThroughTheStack) {
  auto first = Assess("Long week, but the project shipped", "--request_id same-1");
  auto second = Assess("Long week, but the project shipped", "--request_id same-1");
  EXPECT_EQ(first.assessment_id(), second.assessment_id());
  EXPECT_TRUE(second.replayed());
}

// A spoken clip: espeak-ng speech when it is installed, else a synthetic vowel with
// syllable-like bursts (the voice path is real either way).
static std::string WriteClip(const fs::path& dir) {
  const fs::path wav = dir / "clip.wav";
  const std::string cmd = "espeak-ng -w " + wav.string() +
                          " -s 120 -p 30 'I am so tired, I cannot keep going like this, every day "
                          "is the same' 2>/dev/null";
  if (std::system(cmd.c_str()) != 0 || !fs::exists(wav)) {
    std::ofstream out(wav, std::ios::binary);
    auto put = [&out](uint32_t v, int n) {
      for (int i = 0; i < n; ++i) out.put(static_cast<char>((v >> (8 * i)) & 0xff));
    };
    const int rate = 16000, n = rate * 3;
    out << "RIFF";
    put(36 + 2 * n, 4);
    out << "WAVEfmt ";
    put(16, 4); put(1, 2); put(1, 2); put(rate, 4); put(rate * 2, 4); put(2, 2); put(16, 2);
    out << "data";
    put(2 * n, 4);
    for (int i = 0; i < n; ++i) {
      const double t = static_cast<double>(i) / rate;
      const double env = std::pow(std::max(0.0, std::sin(M_PI * 3.0 * t)), 2);
      double v = 0;
      for (int k = 1; k <= 6; ++k) v += std::sin(2 * M_PI * 130 * k * t) / k;
      put(static_cast<uint16_t>(static_cast<int16_t>(8000 * env * v)), 2);
    }
  }
  return wav.string();
}

TEST_F(StackTest, AssessVoiceAloneAndWithText) {
  const std::string clip = WriteClip(run_);
  Result r = Ctl("assess --user voice --json --audio " + clip);
  ASSERT_EQ(r.code, 0) << r.err;
  burnout::v1::Assessment a;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &a).ok()) << r.out;
  ASSERT_EQ(a.modalities_size(), 3);
  const auto& voice = a.modalities(1);
  ASSERT_TRUE(voice.used()) << voice.mask_reason();
  EXPECT_EQ(voice.result().model().name(), "voice-acoustic");
  EXPECT_EQ(voice.result().emotions_size(), 4);
  EXPECT_GT(voice.attention_weight(), 0.99f);
  EXPECT_FALSE(a.modalities(0).used());
  bool explained = false;
  for (const auto& n : a.narratives()) {
    if (n.topic() == "voice" && n.text().find("syllables per second") != std::string::npos) {
      explained = true;
    }
  }
  EXPECT_TRUE(explained) << r.out;

  Result both = Ctl("assess --user voice --audio " + clip + " --text 'Long week, but fine.'");
  ASSERT_EQ(both.code, 0) << both.err;
  EXPECT_NE(both.out.find("voice"), std::string::npos) << both.out;
  EXPECT_NE(both.out.find("pauses"), std::string::npos) << both.out;

  // Not audio: voice is masked with the analyzer's reason, text still counts.
  std::ofstream(run_ / "fake.wav") << "ID3 this is not a wav file at all, it only has the name";
  const auto f = AssessJson("--user voice --text 'fine' --audio " + (run_ / "fake.wav").string());
  EXPECT_FALSE(f.modalities(1).used());
  EXPECT_NE(f.modalities(1).mask_reason().find("MP3"), std::string::npos)
      << f.modalities(1).mask_reason();
  EXPECT_TRUE(f.modalities(0).used());
}

TEST_F(StackTest, ListenStreamsAudioToTheVoiceService) {
  const std::string clip = WriteClip(run_);
  Result r = Ctl("listen --audio " + clip + " --window_ms 1000 --hop_ms 500 --chunk_ms 50");
  ASSERT_EQ(r.code, 0) << r.err;
  // Rolling results while the clip plays in real time, then the final one.
  std::string last;
  const int lines = Lines(r.out, &last);
  EXPECT_GE(lines, 3) << r.out;
  EXPECT_EQ(last.rfind("final", 0), 0u) << r.out;
  EXPECT_NE(last.find("syl/s"), std::string::npos) << r.out;
  Result missing = Ctl("listen --audio " + (run_ / "nope.wav").string());
  EXPECT_NE(missing.code, 0);
  EXPECT_NE(missing.err.find("cannot read"), std::string::npos) << missing.err;
}

// A photograph of a face: the public-domain astronaut portrait from ../shared when it is
// there, else a drawn picture with no face (the face path is real either way; only the
// detector's answer differs).
static cv::Mat FacePicture(bool* real) {
  cv::Mat m = cv::imread("../shared/data/faces/astronaut.png", cv::IMREAD_COLOR);
  *real = !m.empty();
  if (m.empty()) {
    m = cv::Mat(480, 640, CV_8UC3, cv::Scalar(90, 120, 150));
    cv::circle(m, {320, 240}, 120, {200, 200, 200}, cv::FILLED);
  }
  return m;
}

TEST_F(StackTest, AssessFaceAloneAndWithText) {
  bool real = false;
  const cv::Mat picture = FacePicture(&real);
  const std::string photo = (run_ / "me.jpg").string();
  ASSERT_TRUE(cv::imwrite(photo, picture));
  Result r = Ctl("assess --user face --json --image " + photo);
  ASSERT_EQ(r.code, 0) << r.err;
  burnout::v1::Assessment a;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &a).ok()) << r.out;
  ASSERT_EQ(a.modalities_size(), 3);
  const auto& face = a.modalities(2);
  ASSERT_TRUE(face.used()) << face.mask_reason();
  EXPECT_EQ(face.result().model().name(), "face-expression-fer");
  EXPECT_EQ(face.result().emotions_size(), 7);
  double detected = -1;
  for (const auto& i : face.result().indicators()) {
    if (i.name() == "face_detected") detected = i.value();
  }
  EXPECT_EQ(detected, real ? 1.0 : 0.0) << r.out;
  EXPECT_FALSE(a.modalities(0).used());

  Result both = Ctl("assess --user face --image " + photo + " --text 'Long week, but fine.'");
  ASSERT_EQ(both.code, 0) << both.err;
  EXPECT_NE(both.out.find("face"), std::string::npos) << both.out;

  // A BMP named .jpg: face is masked with the analyzer's reason, text still counts.
  const std::string bmp = (run_ / "fake.jpg").string();
  std::vector<uchar> bytes;
  ASSERT_TRUE(cv::imencode(".bmp", picture, bytes));
  std::ofstream(bmp, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  const auto f = AssessJson("--user face --text 'fine' --image " + bmp);
  EXPECT_FALSE(f.modalities(2).used());
  EXPECT_NE(f.modalities(2).mask_reason().find("BMP"), std::string::npos)
      << f.modalities(2).mask_reason();
  EXPECT_TRUE(f.modalities(0).used());
}

// A capture client streams a video file in real time: per-frame and rolling results arrive
// while it plays, then the final one.
TEST_F(StackTest, WatchStreamsVideoFramesToTheFaceService) {
  bool real = false;
  cv::Mat picture = FacePicture(&real);
  cv::resize(picture, picture, {240, 240});
  const std::string video = (run_ / "clip.avi").string();
  {
    cv::VideoWriter writer(video, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 30, {640, 480});
    ASSERT_TRUE(writer.isOpened());
    for (int i = 0; i < 45; ++i) {  // 1.5 s; the face drifts across a textured scene
      cv::Mat frame(480, 640, CV_8UC3, cv::Scalar(60, 80, 70));
      cv::randn(frame, cv::Scalar(90, 100, 110), cv::Scalar(25, 25, 25));
      picture.copyTo(frame(cv::Rect(100 + 4 * i, 120, 240, 240)));
      writer.write(frame);
    }
  }
  Result r = Ctl("watch --video " + video + " --every 5");
  ASSERT_EQ(r.code, 0) << r.err;
  std::string last;
  const int lines = Lines(r.out, &last);
  EXPECT_GE(lines, 4) << r.out;  // frames 0, 5, ..., 40 are due
  EXPECT_EQ(last.rfind("final", 0), 0u) << r.out;
  if (real) {
    // Found by YuNet, then followed by its landmarks between detections.
    EXPECT_NE(r.out.find("yunet"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("tracked"), std::string::npos) << r.out;
  }
  Result missing = Ctl("watch --video " + (run_ / "nope.avi").string());
  EXPECT_NE(missing.code, 0);
  EXPECT_NE(missing.err.find("cannot open"), std::string::npos) << missing.err;
}

// An analyzer paused with SIGSTOP mid-assessment (alive, its socket open, answering nothing):
// the assessment comes back within the face call's deadline with the face masked and the text
// used, and the face is used again once the process continues.
TEST_F(StackTest, APausedAnalyzerIsMaskedWithinItsDeadlineAndBackAfterwards) {
  bool real = false;
  const std::string photo = (run_ / "paused.jpg").string();
  ASSERT_TRUE(cv::imwrite(photo, FacePicture(&real)));
  const int face = Pid("face");
  ASSERT_GT(face, 0);
  ASSERT_EQ(kill(face, SIGSTOP), 0);
  const auto start = std::chrono::steady_clock::now();
  Result r = Ctl("assess --user it --json --text 'a long tiring week' --image " + photo);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  kill(face, SIGCONT);
  ASSERT_EQ(r.code, 0) << r.err;
  burnout::v1::Assessment a;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.out, &a).ok()) << r.out;
  EXPECT_LT(s, 9.0);  // the face call's timeout_ms is 5000
  ASSERT_EQ(a.modalities_size(), 3);
  EXPECT_TRUE(a.modalities(0).used());
  EXPECT_FALSE(a.modalities(2).used());
  EXPECT_NE(a.modalities(2).mask_reason().find("service too slow (deadline exceeded)"), std::string::npos)
      << a.modalities(2).mask_reason();
  Result again = Ctl("assess --user it --json --text 'a long tiring week' --image " + photo);
  ASSERT_EQ(again.code, 0) << again.err;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(again.out, &a).ok());
  EXPECT_TRUE(a.modalities(2).used()) << a.modalities(2).mask_reason();
}

// Oversize and deadline-less calls straight to the orchestrator: each answered, none hung.
TEST_F(StackTest, OversizeAndDeadlineLessCallsAreAnsweredNotHung) {
  auto stub = burnout::v1::BurnoutRisk::NewStub(burnout::grpcx::MakeChannel(
      "127.0.0.1:" + std::to_string(std::stoi(Slurp(run_ / "orchestrator.port"))), 64 << 20));
  auto call = [&](const burnout::v1::AssessRequest& req, bool deadline, burnout::v1::Assessment* out) {
    grpc::ClientContext ctx;
    if (deadline) ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    ctx.AddMetadata("authorization", "Bearer " + *burnout::auth::LocalToken(run_.string(), "it"));
    return stub->Assess(&ctx, req, out);
  };
  burnout::v1::AssessRequest req;
  req.set_user_id("it");
  req.set_text(std::string(100000, 'a'));  // over max_text_bytes (16384)
  burnout::v1::Assessment a;
  grpc::Status s = call(req, true, &a);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  req.set_text("fine");
  req.mutable_image()->set_data(std::string(40 << 20, '\xff'));  // over max_message_bytes (32 MiB)
  s = call(req, true, &a);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
  // No deadline from the client, the face analyzer paused: the server's own caps answer.
  req.clear_image();
  bool real = false;
  std::vector<uchar> jpeg;
  cv::imencode(".jpg", FacePicture(&real), jpeg);
  req.mutable_image()->set_data(std::string(jpeg.begin(), jpeg.end()));
  const int face = Pid("face");
  ASSERT_EQ(kill(face, SIGSTOP), 0);
  const auto start = std::chrono::steady_clock::now();
  s = call(req, false, &a);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  kill(face, SIGCONT);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_LT(took, 12.0);  // face timeout_ms 5000, default_deadline_ms 10000
  ASSERT_EQ(a.modalities_size(), 3);
  EXPECT_FALSE(a.modalities(2).used());
}

TEST_F(StackTest, TextServiceDownFailsClearlyThenRecovers) {
  KillAndWait("text", SIGKILL);
  Result r = Ctl("assess --user it --text 'I feel fine'");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("no modality could be analysed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("text: service unavailable"), std::string::npos) << r.err;
  Result up = Ctl("up");  // restarts only what is down, on its old port
  ASSERT_EQ(up.code, 0) << up.out << up.err;
  EXPECT_NE(up.out.find("orchestrator: already running"), std::string::npos) << up.out;
  // The orchestrator's channel reconnects with a bounded backoff (at most 1 s).
  Result again;
  for (int i = 0; i < 50; ++i) {
    again = Ctl("assess --user it --json --text 'I feel fine today'");
    if (again.code == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(again.code, 0) << again.err;
  burnout::v1::Assessment a;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(again.out, &a).ok());
  ASSERT_EQ(a.modalities_size(), 3);
  EXPECT_TRUE(a.modalities(0).used());
}

TEST_F(StackTest, StoredAssessmentSurvivesOrchestratorKill9) {
  Assess("Slept badly again");
  Assess("Deadlines everywhere, no time to breathe");
  auto a = Assess("Another draining day, so tired of all this");
  KillAndWait("orchestrator", SIGKILL);
  ASSERT_EQ(Ctl("up").code, 0);
  Result h = Ctl("history --user it --json --limit 100");
  ASSERT_EQ(h.code, 0) << h.err;
  EXPECT_NE(h.out.find(a.assessment_id()), std::string::npos);
  Result csv = Ctl("export --user it --format csv");
  EXPECT_NE(csv.out.find(a.assessment_id()), std::string::npos);
  Result trend = Ctl("trend --user it");
  EXPECT_EQ(trend.code, 0) << trend.err;
  EXPECT_NE(trend.out.find("Trend over"), std::string::npos) << trend.out;
}

// Who may read what, through the stack as a client would meet it: each refusal has its precise
// status, nothing of the other person comes back, and the person's audit log shows the attempt.
TEST_F(StackTest, TokensLetAPersonReadOnlyTheirOwnData) {
  Assess("my own entry for the token test");
  const std::string victim = "victim-4417";
  ASSERT_EQ(Ctl("assess --user " + victim + " --text 'private words about a hard week'").code, 0);
  auto sign = [&](const std::string& user, const std::string& role, int64_t iat, int64_t exp,
                  const std::string& key) {
    burnout::auth::Claims c;
    c.subject = user;
    c.role = role;
    c.issuer = "burnoutctl";
    c.issued_at = iat;
    c.expires_at = exp;
    return burnout::auth::SignToken(c, key).value();
  };
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const std::string issuer = burnout::auth::LocalIssuerKey(run_.string());

  // Another person's id with my token.
  Result other = Ctl("history --user " + victim + " --token " + sign("it", "person", now, now + 600, issuer));
  EXPECT_NE(other.code, 0);
  EXPECT_NE(other.err.find("PERMISSION_DENIED"), std::string::npos) << other.err;
  EXPECT_EQ((other.out + other.err).find("hard week"), std::string::npos);
  Result exported = Ctl("export --user " + victim + " --token " + sign("it", "person", now, now + 600, issuer));
  EXPECT_NE(exported.err.find("PERMISSION_DENIED"), std::string::npos) << exported.err;
  EXPECT_TRUE(exported.out.empty()) << exported.out;
  // Expired an hour ago.
  Result expired = Ctl("history --user it --token " + sign("it", "person", now - 7200, now - 3600, issuer));
  EXPECT_NE(expired.err.find("UNAUTHENTICATED: token expired"), std::string::npos) << expired.err;
  // Signed by a key that is not the stack's.
  const fs::path forger = run_ / "forger";
  fs::create_directories(forger);
  ASSERT_TRUE(burnout::auth::GenerateKeyPair((forger / "k").string(), (forger / "k.pub").string()).ok());
  Result forged = Ctl("history --user " + victim + " --token " +
                      sign(victim, "person", now, now + 600, (forger / "k").string()));
  EXPECT_NE(forged.err.find("UNAUTHENTICATED: token signature does not verify"), std::string::npos)
      << forged.err;
  EXPECT_EQ(forged.out.find("hard week"), std::string::npos);
  // No token at all.
  {
    auto channel = burnout::grpcx::MakeChannel(
        "127.0.0.1:" + std::to_string(std::stoi(Slurp(run_ / "orchestrator.port"))), 0);
    auto stub = burnout::v1::BurnoutRisk::NewStub(channel);
    grpc::ClientContext ctx;
    burnout::v1::HistoryRequest req;
    req.set_user_id(victim);
    burnout::v1::HistoryResponse resp;
    const grpc::Status s = stub->GetHistory(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << s.error_message();
    EXPECT_EQ(resp.assessments_size(), 0);
  }
  // An operator: the aggregates, never a person.
  const std::string op = sign("ops", "operator", now, now + 600, issuer);
  EXPECT_EQ(Ctl("org-summary --token " + op).code, 0);
  Result op_read = Ctl("history --user " + victim + " --token " + op);
  EXPECT_NE(op_read.err.find("PERMISSION_DENIED: an operator token"), std::string::npos) << op_read.err;
  // The person sees who tried.
  Result audit = Ctl("audit --user " + victim);
  ASSERT_EQ(audit.code, 0) << audit.err;
  EXPECT_NE(audit.out.find("person:it"), std::string::npos) << audit.out;
  EXPECT_NE(audit.out.find("operator:ops"), std::string::npos) << audit.out;
  EXPECT_NE(audit.out.find("PERMISSION_DENIED"), std::string::npos) << audit.out;
  EXPECT_NE(audit.out.find("person:" + victim), std::string::npos) << audit.out;  // their own assess
}

// Every service of the stack serves Prometheus metrics; the orchestrator's count the calls just
// made, by method and status code, and time them.
TEST_F(StackTest, EveryServiceServesMetricsThatParse) {
  Assess("an entry for the metrics");
  for (const char* svc : {"text", "voice", "face", "fusion", "temporal", "orchestrator"}) {
    const int port = std::stoi(Slurp(run_ / (std::string(svc) + ".port.metrics")));
    httplib::Client http("127.0.0.1", port);
    auto res = http.Get("/metrics");
    ASSERT_TRUE(res) << svc;
    EXPECT_EQ(res->status, 200) << svc;
    EXPECT_EQ(http.Get("/readyz")->status, 200) << svc;
    std::istringstream in(res->body);
    int samples = 0;
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line[0] == '#') continue;
      const size_t space = line.rfind(' ');
      ASSERT_NE(space, std::string::npos) << line;
      EXPECT_NO_THROW(std::stod(line.substr(space + 1) == "+Inf" ? "1" : line.substr(space + 1))) << line;
      ++samples;
    }
    EXPECT_GT(samples, 0) << svc;
    if (std::string(svc) == "orchestrator") {
      EXPECT_NE(res->body.find(R"(method="/burnout.v1.BurnoutRisk/Assess",code="OK")"),
                std::string::npos) << res->body;
      EXPECT_NE(res->body.find(R"(burnout_rpc_duration_seconds_count{service="burnout.v1.BurnoutRisk",method="/burnout.v1.BurnoutRisk/Assess"})"),
                std::string::npos);
    }
  }
}

// W3C trace context through every hop: a client's traceparent reaches the orchestrator, and the
// analyzers, fusion and temporal log spans of the same trace whose parent is the orchestrator's.
TEST_F(StackTest, ATraceparentIsCarriedThroughEveryHopAndEachSpanLogged) {
  const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  {
    auto channel = burnout::grpcx::MakeChannel(
        "127.0.0.1:" + std::to_string(std::stoi(Slurp(run_ / "orchestrator.port"))), 0);
    auto stub = burnout::v1::BurnoutRisk::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.AddMetadata("traceparent", "00-" + trace + "-00f067aa0ba902b7-01");
    ctx.AddMetadata("authorization",
                    "Bearer " + burnout::auth::LocalToken(run_.string(), "it").value());
    burnout::v1::AssessRequest req;
    req.set_user_id("it");
    req.set_text("a traced entry about a long and tiring week");
    burnout::v1::Assessment a;
    ASSERT_TRUE(stub->Assess(&ctx, req, &a).ok());
  }
  const std::regex span(R"re(\{"span":"([^"]+)","trace_id":"(\w+)","span_id":"(\w+)","parent_id":"(\w*)")re");
  auto spans_of = [&](const std::string& service) {
    std::vector<std::array<std::string, 3>> out;  // method, span, parent
    std::istringstream in(Slurp(run_ / (service + ".log")));
    for (std::string line; std::getline(in, line);) {
      std::smatch m;
      if (std::regex_search(line, m, span) && m[2] == trace) out.push_back({m[1], m[3], m[4]});
    }
    return out;
  };
  std::string orchestrator_span;
  for (int i = 0; i < 100 && orchestrator_span.empty(); ++i) {
    for (const auto& s : spans_of("orchestrator")) {
      if (s[0] == "/burnout.v1.BurnoutRisk/Assess") {
        EXPECT_EQ(s[2], "00f067aa0ba902b7");
        orchestrator_span = s[1];
      }
    }
    if (orchestrator_span.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(orchestrator_span.empty()) << Slurp(run_ / "orchestrator.log");
  for (const char* service : {"text", "fusion", "temporal"}) {
    const auto spans = spans_of(service);
    ASSERT_FALSE(spans.empty()) << service << "\n" << Slurp(run_ / (std::string(service) + ".log"));
    for (const auto& s : spans) EXPECT_EQ(s[2], orchestrator_span) << service << " " << s[0];
  }
}

// burnout-web over the running stack: its static page, the local sign-in, and the JSON API
// with proto JSON in and out, errors as JSON with the gRPC code, tokens passed through.
TEST_F(StackTest, TheWebJsonApiServesTheStackWithTheCallersToken) {
  burnout::testutil::ServiceProcess web;
  web.Start("burnout-web",
            "--listen 127.0.0.1:0 --static_dir clients/web/static --orchestrator 127.0.0.1:" +
                std::to_string(std::stoi(Slurp(run_ / "orchestrator.port"))) + " --dev_issuer_dir " +
                run_.string(),
            run_ / "web.port", run_ / "web.log");
  ASSERT_GT(web.port, 0);
  httplib::Client http("127.0.0.1", web.port);
  auto page = http.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("not a diagnosis"), std::string::npos);
  auto signin = http.Post("/api/v1/SignIn", R"({"user_id":"webby"})", "application/json");
  ASSERT_TRUE(signin);
  ASSERT_EQ(signin->status, 200) << signin->body;
  const auto token = nlohmann::json::parse(signin->body).at("token").get<std::string>();
  const httplib::Headers auth = {{"Authorization", "Bearer " + token}};
  const std::string text = absl::Base64Escape("Exhausted again, the deadlines never stop.");
  auto assessed = http.Post("/api/v1/Assess", auth,
                            R"({"user_id":"webby","request_id":"web-1","text":")" + text + R"("})",
                            "application/json");
  ASSERT_TRUE(assessed);
  ASSERT_EQ(assessed->status, 200) << assessed->body;
  const auto a = nlohmann::json::parse(assessed->body);
  EXPECT_FALSE(a.at("notice").get<std::string>().empty());
  EXPECT_TRUE(a.at("risk").contains("calibrated_probabilities"));
  auto history = http.Post("/api/v1/GetHistory", auth, R"({"user_id":"webby"})", "application/json");
  ASSERT_TRUE(history);
  EXPECT_EQ(history->status, 200);
  EXPECT_EQ(nlohmann::json::parse(history->body).at("assessments").size(), 1u);
  // Another person's data, no token, a bad body, an unknown method.
  auto other = http.Post("/api/v1/GetHistory", auth, R"({"user_id":"it"})", "application/json");
  EXPECT_EQ(other->status, 403);
  EXPECT_EQ(nlohmann::json::parse(other->body).at("code"), "PERMISSION_DENIED");
  auto anonymous = http.Post("/api/v1/GetHistory", R"({"user_id":"webby"})", "application/json");
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(nlohmann::json::parse(anonymous->body).at("code"), "UNAUTHENTICATED");
  auto bad = http.Post("/api/v1/GetHistory", auth, R"({"user_id": 5, "nope": true})", "application/json");
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(nlohmann::json::parse(bad->body).at("code"), "INVALID_ARGUMENT");
  auto unknown = http.Post("/api/v1/DropTables", auth, "{}", "application/json");
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(http.Get("/readyz")->status, 200);
  EXPECT_NE(http.Get("/metrics")->body.find("burnout_web_requests_total"), std::string::npos);
}

TEST_F(StackTest, ZDeleteRemovesTheUsersData) {  // runs last: it empties the history
  Assess("one more entry");
  Result d = Ctl("delete --user it --yes");
  ASSERT_EQ(d.code, 0) << d.err;
  Result h = Ctl("history --user it");
  EXPECT_NE(h.out.find("No assessments stored"), std::string::npos) << h.out;
}

// A new user tries the person-facing commands: check-in, baseline, alerts, summary, a group,
// the org view, export, then delete; right after the delete neither the database file nor its
// WAL holds their id or the words their journal was quoted by.
TEST_F(StackTest, ZPersonCommandsThenDeleteLeavesNoTraceInTheStoreFiles) {
  const std::string user = "quokka-7731";
  for (int i = 0; i < 3; ++i) {
    Result r = Ctl("assess --user " + user +
                   " --text 'I walked past the lavender field again and felt nothing, so tired of "
                   "everything at work, exhausted every single day'");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("more assessment"), std::string::npos) << r.out;  // cold start said
  }
  Result c = Ctl("checkin --user " + user + " --answers 4,4,3,3,4,2,4,3,3,4,4,3,2");
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_NE(c.out.find("personal burnout"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("Passive estimate"), std::string::npos) << c.out;
  Result bad = Ctl("checkin --user " + user + " --answers 4,4,3");
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.err.find("13 items"), std::string::npos) << bad.err;
  Result base = Ctl("baseline --user " + user);
  ASSERT_EQ(base.code, 0) << base.err;
  EXPECT_NE(base.out.find("2 more assessments to learn your baseline"), std::string::npos) << base.out;
  Result al = Ctl("alerts --user " + user);
  ASSERT_EQ(al.code, 0) << al.err;
  EXPECT_NE(al.out.find("No alerts"), std::string::npos) << al.out;
  Result g = Ctl("group --user " + user + " --set research");
  ASSERT_EQ(g.code, 0) << g.err;
  Result sum = Ctl("summary --user " + user);
  ASSERT_EQ(sum.code, 0) << sum.err;
  EXPECT_NE(sum.out.find("3 assessments"), std::string::npos) << sum.out;
  EXPECT_NE(sum.out.find("check-ins:"), std::string::npos) << sum.out;
  Result org = Ctl("org-summary");
  ASSERT_EQ(org.code, 0) << org.err;
  EXPECT_NE(org.out.find("research"), std::string::npos) << org.out;
  EXPECT_NE(org.out.find("suppressed"), std::string::npos) << org.out;  // one person is too few
  EXPECT_EQ(org.out.find(user), std::string::npos) << org.out;
  Result exp = Ctl("export --user " + user + " --format json");
  ASSERT_EQ(exp.code, 0) << exp.err;
  EXPECT_NE(exp.out.find("\"checkins\""), std::string::npos);

  const fs::path db = run_ / "burnout.db", wal = run_ / "burnout.db-wal";
  ASSERT_NE((Slurp(db) + Slurp(wal)).find(user), std::string::npos);  // the grep can see it
  Result d = Ctl("delete --user " + user + " --yes");
  ASSERT_EQ(d.code, 0) << d.err;
  EXPECT_NE(d.out.find("1 check-ins"), std::string::npos) << d.out;
  for (const fs::path& f : {db, wal}) {
    const std::string bytes = Slurp(f);
    EXPECT_EQ(bytes.find(user), std::string::npos) << f;
    EXPECT_EQ(bytes.find("lavender"), std::string::npos) << f;
  }
}

TEST_F(StackTest, ServiceRefusesAConfigWithAnUnknownKey) {
  std::ofstream(run_ / "bad.textproto") << "server { listen: \"127.0.0.1:0\" }\nmodel_dri: \"x\"\n";
  Result r = Run(std::string(BURNOUT_BIN_DIR) + "/burnout-text --config " + (run_ / "bad.textproto").string());
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("model_dri"), std::string::npos) << r.err;
}

TEST_F(StackTest, CorruptModelLeavesServiceAliveButNotReady) {
  const fs::path model = run_ / "model";
  fs::copy("models/text-emotion-goemotions/1", model, fs::copy_options::recursive);
  for (const auto& e : fs::directory_iterator(model)) {
    if (e.path().filename() != "manifest.textproto") {  // flip bytes in the weights
      std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(100);
      f.write("\x01\x02\x03\x04", 4);
    }
  }
  burnout::testutil::ServiceProcess p;
  const int port = p.Start("burnout-text", "--config config/text.textproto --port 0 --model_dir " + model.string(),
                           run_ / "corrupt.port", run_ / "corrupt.log");
  ASSERT_GT(port, 0);
  auto channel = burnout::grpcx::MakeChannel("127.0.0.1:" + std::to_string(port), 0);
  // Wait until the load attempt is logged, then check liveness vs readiness.
  for (int i = 0; i < 500 && Slurp(run_ / "corrupt.log").find("failed to load") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto live = burnout::grpcx::CheckHealth(channel, "", std::chrono::seconds(2));
  auto ready = burnout::grpcx::CheckHealth(channel, "burnout.v1.TextAnalyzer", std::chrono::seconds(2));
  ASSERT_TRUE(live.ok() && ready.ok());
  EXPECT_EQ(*live, burnout::grpcx::Health::kServing);
  EXPECT_EQ(*ready, burnout::grpcx::Health::kNotServing);
  EXPECT_NE(Slurp(run_ / "corrupt.log").find(model.string()), std::string::npos);
  const int status = p.Stop();
  EXPECT_TRUE(WIFEXITED(status)) << "SIGTERM should end it gracefully";
}

// A burnout-text process serving the model repository `repo` (a tiny TorchScript model made
// by burnout-make-tiny-model), polling for new versions every `poll_ms` (-1: SIGHUP only).
struct TextProcess : burnout::testutil::ServiceProcess {
  std::unique_ptr<burnout::v1::TextAnalyzer::Stub> stub;
  burnout::v1::ModalityResult Analyze(grpc::Status* status) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    burnout::v1::AnalyzeTextRequest req;
    req.set_text("a steady stream of requests while the model changes");
    burnout::v1::ModalityResult out;
    *status = stub->Analyze(&ctx, req, &out);
    return out;
  }
};

void StartText(const fs::path& dir, const fs::path& repo, int poll_ms, TextProcess* p) {
  const fs::path config = dir / "text.textproto";
  std::ofstream(config) << "server { listen: \"127.0.0.1:0\" model_poll_ms: " << poll_ms
                        << " torch_threads: 1 }\nmodel_dir: \"" << repo.string() << "\"\n";
  ASSERT_GT(p->Start("burnout-text", "--config " + config.string(), dir / "text.port", dir / "text.log"), 0);
  p->stub = burnout::v1::TextAnalyzer::NewStub(p->WaitReady("burnout.v1.TextAnalyzer"));
}

Result MakeTiny(const fs::path& out, const std::string& version, const std::string& extra = "") {
  return StackTest_Run(std::string(BURNOUT_BIN_DIR) + "/burnout-make-tiny-model --kind torchscript-text --name text-tiny --out " +
                       out.string() + " --version " + version + " --seed " + version + " " + extra);
}

// Waits (up to 20 s) until the service answers with `version`; counts failed calls.
bool WaitForVersion(TextProcess* p, const std::string& version, int* failures) {
  for (int i = 0; i < 1000; ++i) {
    grpc::Status s;
    auto r = p->Analyze(&s);
    if (!s.ok()) ++*failures;
    if (s.ok() && r.model().version() == version) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST_F(StackTest, TextServiceSwitchesToANewModelVersionOnSighupWithoutFailingARequest) {
  const fs::path dir = run_ / "reload_sighup", repo = dir / "text-tiny";
  fs::create_directories(dir);
  ASSERT_EQ(MakeTiny(repo / "1", "1").code, 0);
  TextProcess p;
  StartText(dir, repo, -1, &p);
  ASSERT_NE(p.stub, nullptr);
  grpc::Status s;
  EXPECT_EQ(p.Analyze(&s).model().version(), "1");
  ASSERT_TRUE(s.ok()) << s.error_message();

  // Clients keep calling through the switch.
  std::atomic<bool> stop{false};
  std::atomic<int> failed{0}, answered{0};
  std::thread client([&] {
    while (!stop) {
      grpc::Status st;
      p.Analyze(&st);
      st.ok() ? ++answered : ++failed;
    }
  });
  ASSERT_EQ(MakeTiny(repo / "2", "2").code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(p.Analyze(&s).model().version(), "1");  // no polling: nothing changes by itself
  ASSERT_EQ(kill(p.pid, SIGHUP), 0);
  int failures = 0;
  EXPECT_TRUE(WaitForVersion(&p, "2", &failures)) << Slurp(p.log);

  // A broken version 3 is refused; version 2 keeps serving and the service stays ready.
  ASSERT_EQ(MakeTiny(repo / "3", "3").code, 0);
  std::ofstream(repo / "3" / "model.pt", std::ios::trunc) << "not a model";
  ASSERT_EQ(kill(p.pid, SIGHUP), 0);
  for (int i = 0; i < 500 && Slurp(p.log).find("keeps serving") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(Slurp(p.log).find((repo / "3").string()), std::string::npos) << Slurp(p.log);
  stop = true;
  client.join();
  EXPECT_EQ(p.Analyze(&s).model().version(), "2");
  EXPECT_EQ(failed.load() + failures, 0);
  EXPECT_GT(answered.load(), 0);
}

TEST_F(StackTest, TextServicePicksUpANewVersionByPolling) {
  const fs::path dir = run_ / "reload_poll", repo = dir / "text-tiny";
  fs::create_directories(dir);
  ASSERT_EQ(MakeTiny(repo / "1", "1").code, 0);
  TextProcess p;
  StartText(dir, repo, 200, &p);
  ASSERT_NE(p.stub, nullptr);
  ASSERT_EQ(MakeTiny(repo / "5", "5").code, 0);
  int failures = 0;
  EXPECT_TRUE(WaitForVersion(&p, "5", &failures)) << Slurp(p.log);
  EXPECT_EQ(failures, 0);
}

}  // namespace
