// The voice analyzer serving a torchscript-voice model (tiny models with the exported
// signature, written to a temporary directory) behind a real gRPC server on port 0: the
// results, the preprocessing limits, every wrong file, dynamic batching and hot reload.
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "burnout/v1/voice.grpc.pb.h"
#include "common/config/config.h"
#include "common/grpc/channel.h"
#include "common/grpc/health_client.h"
#include "common/model/model_dir.h"
#include "common/torchscript/tiny_models.h"
#include "common/torchscript/torchscript_model.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/voice/espeak.h"
#include "services/voice/voice_service.h"
#include "tests/services/running_analyzer.h"
#include "tests/services/voice/wav_util.h"

namespace burnout::voice {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using torchscript::TinyModelOptions;
using torchscript::TinyVariant;

struct Running : testutil::RunningAnalyzer<VoiceService, v1::VoiceAnalyzer,
                                           v1::AudioStreamRequest, v1::VoiceWindowResult> {
  explicit Running(const v1::VoiceServiceConfig& config, bool load = true)
      : RunningAnalyzer(config, kVoiceReadiness, load) {}
  std::shared_ptr<grpc::Channel> Channel() const {
    return grpcx::MakeChannel("127.0.0.1:" + std::to_string(handle->port()), 0);
  }
};

// A fresh directory under the system's temporary directory, removed at the end.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "voice-torch-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string operator/(const std::string& rel) const { return (fs::path(path_) / rel).string(); }

 private:
  std::string path_;
};

v1::VoiceServiceConfig Config(const std::string& model_dir) {
  v1::VoiceServiceConfig c;
  c.set_model_dir(model_dir);
  c.set_max_audio_bytes(2 << 20);
  auto s = PrepareVoiceConfig(&c);
  EXPECT_TRUE(s.ok()) << s;
  return c;
}

TinyModelOptions Tiny(const std::string& version = "1", uint64_t seed = 1,
                      TinyVariant variant = TinyVariant::kGood) {
  TinyModelOptions o;
  o.kind = torchscript::kVoiceKind;
  o.name = "voice-tiny";
  o.version = version;
  o.seed = seed;
  o.variant = variant;
  return o;
}

void WriteTiny(const std::string& dir, const TinyModelOptions& o) {
  auto s = torchscript::WriteTinyModel(dir, o);
  ASSERT_TRUE(s.ok()) << s;
}

// Rewrites dir's manifest after `edit` (the checksum recomputed for the file it names).
template <typename Edit>
void EditManifest(const std::string& dir, Edit edit) {
  v1::ModelManifest m;
  auto s = config::LoadTextProto((fs::path(dir) / model::kManifestName).string(), &m);
  ASSERT_TRUE(s.ok()) << s;
  edit(&m);
  s = model::WriteManifest(dir, m);
  ASSERT_TRUE(s.ok()) << s;
}

grpc::Status Analyze(Running& r, const std::string& audio, v1::ModalityResult* out) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::AnalyzeAudioRequest req;
  req.set_audio(audio);
  req.set_filename("clip.wav");
  return r.stub->Analyze(&ctx, req, out);
}

using testutil::Indicators;
using testutil::Labels;

std::vector<std::string> Stages(const v1::ModalityResult& r) {
  std::vector<std::string> out;
  for (const auto& t : r.timings()) out.push_back(t.stage());
  return out;
}

// Results equal but for timings.
bool SameResult(v1::ModalityResult a, v1::ModalityResult b) {
  a.clear_timings();
  b.clear_timings();
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

// The model's outputs agree (a batched forward may differ from a lone one in the last bits).
void ExpectSameOutputs(const v1::ModalityResult& a, const v1::ModalityResult& b) {
  ASSERT_EQ(a.emotions_size(), b.emotions_size());
  for (int i = 0; i < a.emotions_size(); ++i) {
    EXPECT_EQ(a.emotions(i).label(), b.emotions(i).label());
    EXPECT_NEAR(a.emotions(i).probability(), b.emotions(i).probability(), 1e-5);
  }
  ASSERT_EQ(a.embedding().values_size(), b.embedding().values_size());
  for (int i = 0; i < a.embedding().values_size(); ++i) {
    EXPECT_NEAR(a.embedding().values(i), b.embedding().values(i), 1e-4);
  }
  EXPECT_EQ(Indicators(a), Indicators(b));
}

// A speech clip: espeak-ng when installed, otherwise a syllabic vowel.
std::string SpeechClip() {
  if (EspeakAvailable()) {
    SpeechSpec spec;
    spec.text = "I have been so tired lately, and honestly I do not enjoy my work anymore.";
    auto wav = SynthesizeWav(spec);
    EXPECT_TRUE(wav.ok()) << wav.status();
    if (wav.ok()) return *wav;
  }
  return testutil::Wav16(testutil::Vowel(140, 3.0, 16000, 2.0, 4.0), 16000);
}

v1::AudioStreamRequest Open(int window_ms, int hop_ms) {
  v1::AudioStreamRequest r;
  auto* f = r.mutable_open()->mutable_format();
  f->set_encoding(v1::AUDIO_ENCODING_PCM_S16LE);
  f->set_sample_rate(16000);
  f->set_channels(1);
  r.mutable_open()->set_window_ms(window_ms);
  r.mutable_open()->set_hop_ms(hop_ms);
  return r;
}

std::vector<v1::AudioStreamRequest> Chunks(const std::vector<float>& samples, int chunk) {
  std::vector<v1::AudioStreamRequest> out;
  for (size_t i = 0; i < samples.size(); i += chunk) {
    std::vector<float> part(samples.begin() + i,
                            samples.begin() + std::min(samples.size(), i + chunk));
    v1::AudioStreamRequest r;
    r.mutable_chunk()->set_pcm(testutil::PcmS16(part));
    out.push_back(std::move(r));
  }
  return out;
}

TEST(TorchVoiceServiceTest, BatchingDefaultsComeFromTheServerConfig) {
  v1::VoiceServiceConfig c;
  ASSERT_TRUE(config::LoadTextProto("config/voice.textproto", &c).ok());
  ASSERT_TRUE(PrepareVoiceConfig(&c).ok());
  EXPECT_EQ(c.batching().max_batch_size(), 8);
  EXPECT_EQ(c.batching().max_queue_delay_us(), 1000);
  EXPECT_EQ(c.batching().max_queue(), c.server().max_queue());
  EXPECT_EQ(c.batching().threads(), c.server().worker_threads());
  c.mutable_batching()->set_max_batch_size(1000);
  EXPECT_THAT(std::string(PrepareVoiceConfig(&c).message()), HasSubstr("batching.max_batch_size"));
}

// A real clip end to end: the model's labels, probabilities and embedding, its provenance,
// and the same signal processing as the default model.
TEST(TorchVoiceServiceTest, ServesATinyModelEndToEnd) {
  TempDir tmp;
  const std::string dir = tmp / "voice-tiny/1";
  WriteTiny(dir, Tiny());
  Running r(Config(tmp / "voice-tiny"));
  Running acoustic(Config("models/voice-acoustic/1"));
  const std::string wav = SpeechClip();

  v1::ModalityResult out;
  auto s = Analyze(r, wav, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.modality(), v1::MODALITY_VOICE);
  EXPECT_THAT(Labels(out), ::testing::ElementsAre("neutral", "happy", "angry", "sad"));
  double sum = 0;
  for (const auto& e : out.emotions()) {
    EXPECT_GE(e.probability(), 0.0f);
    sum += e.probability();
  }
  EXPECT_NEAR(sum, 1.0, 1e-5);
  EXPECT_EQ(out.embedding().dimension(), 16);
  EXPECT_EQ(out.embedding().values_size(), 16);
  EXPECT_EQ(out.embedding().model_id(), "voice-tiny/1");
  auto sha = model::Sha256File(dir + "/model.pt");
  ASSERT_TRUE(sha.ok());
  EXPECT_EQ(out.model().name(), "voice-tiny");
  EXPECT_EQ(out.model().version(), "1");
  EXPECT_EQ(out.model().sha256(), *sha);
  EXPECT_EQ(out.evidence_size(), 0);  // no exact contributions: no evidence made up
  EXPECT_THAT(out.findings(), ::testing::Contains(HasSubstr("neural speech model (voice-tiny/1)")));
  EXPECT_THAT(Stages(out), ::testing::IsSupersetOf({"decode", "acoustics", "forward"}));
  auto ind = Indicators(out);
  EXPECT_EQ(ind["truncated"], 0.0);
  EXPECT_GT(ind["model_input_s"], 1.0);
  EXPECT_THAT(out.quality_issues(), ::testing::Not(::testing::Contains(HasSubstr("cut"))));

  // The signal processing is the default model's: same indicators (arousal and tension
  // included), quality and findings.
  v1::ModalityResult def;
  s = Analyze(acoustic, wav, &def);
  ASSERT_TRUE(s.ok()) << s.error_message();
  for (const auto& i : def.indicators()) {
    if (i.name() == "emotion_evidence") continue;  // the default model's own estimate
    ASSERT_TRUE(ind.count(i.name())) << i.name();
    EXPECT_DOUBLE_EQ(ind[i.name()], i.value()) << i.name();
  }
  EXPECT_FLOAT_EQ(out.quality(), def.quality());
  EXPECT_THAT(out.quality_issues(), ::testing::ElementsAreArray(def.quality_issues()));
  for (const auto& f : def.findings()) EXPECT_THAT(out.findings(), ::testing::Contains(f));
  EXPECT_THAT(def.findings(), ::testing::Contains(HasSubstr("syllables per second")));

  // The same input gives the same result.
  v1::ModalityResult again;
  s = Analyze(r, wav, &again);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(SameResult(out, again));
}

// Labels are the manifest's, whatever they are (the voice service does not need fusion's).
TEST(TorchVoiceServiceTest, LabelsComeFromTheManifest) {
  TempDir tmp;
  auto o = Tiny();
  o.labels = {"neu", "hap", "ang", "sad"};
  o.embedding_dim = 8;
  WriteTiny(tmp / "m/1", o);
  Running r(Config(tmp / "m/1"));
  v1::ModalityResult out;
  auto s = Analyze(r, testutil::Wav16(testutil::Vowel(150, 1.5), 16000), &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_THAT(Labels(out), ::testing::ElementsAre("neu", "hap", "ang", "sad"));
  EXPECT_EQ(out.embedding().dimension(), 8);
}

// Longer than max_seconds: the model hears the first max_seconds (exactly what it gives for
// those seconds alone), with a quality issue; shorter than min_seconds: INVALID_ARGUMENT.
TEST(TorchVoiceServiceTest, LongClipsAreCutAndShortOnesRefused) {
  TempDir tmp;
  const std::string dir = tmp / "voice-tiny/1";
  WriteTiny(dir, Tiny());
  EditManifest(dir, [](v1::ModelManifest* m) {
    m->mutable_torchscript()->mutable_audio()->set_max_seconds(2.0);
    m->mutable_torchscript()->mutable_audio()->set_min_seconds(1.0);
  });
  Running r(Config(dir));
  const auto head = testutil::Vowel(150, 2.0, 16000, 2.0, 4.0);
  auto whole = head;
  const auto tail = testutil::Vowel(230, 1.0, 16000, 0.0, 0.0, 0.6);
  whole.insert(whole.end(), tail.begin(), tail.end());

  v1::ModalityResult cut, first;
  auto s = Analyze(r, testutil::Wav16(whole, 16000), &cut);
  ASSERT_TRUE(s.ok()) << s.error_message();
  s = Analyze(r, testutil::Wav16(head, 16000), &first);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_THAT(cut.quality_issues(),
              ::testing::Contains(HasSubstr("cut: the emotion model heard the first 2.0 s of 3.0 s")));
  auto ind = Indicators(cut);
  EXPECT_EQ(ind["truncated"], 1.0);
  EXPECT_NEAR(ind["model_input_s"], 2.0, 1e-9);
  EXPECT_NEAR(ind["duration_s"], 3.0, 0.02);  // the measurements cover the whole clip
  EXPECT_EQ(Indicators(first)["truncated"], 0.0);
  ASSERT_EQ(cut.emotions_size(), 4);
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(cut.emotions(i).probability(), first.emotions(i).probability(), 1e-6);
  }
  for (int i = 0; i < cut.embedding().values_size(); ++i) {
    EXPECT_NEAR(cut.embedding().values(i), first.embedding().values(i), 1e-5);
  }

  v1::ModalityResult out;
  s = Analyze(r, testutil::Wav16(testutil::Vowel(150, 0.5), 16000), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("clip.wav"));
  EXPECT_THAT(s.error_message(), HasSubstr("min_seconds"));
}

TEST(TorchVoiceServiceTest, StreamsRunTheTorchModel) {
  TempDir tmp;
  const std::string dir = tmp / "voice-tiny/1";
  WriteTiny(dir, Tiny());
  EditManifest(dir, [](v1::ModelManifest* m) {
    m->mutable_torchscript()->mutable_audio()->set_min_seconds(0.8);
  });
  Running r(Config(dir));
  std::vector<v1::AudioStreamRequest> reqs = {Open(1000, 500)};
  for (auto& c : Chunks(testutil::Vowel(160, 3.0, 16000, 2.0, 4.0), 1600)) reqs.push_back(c);
  std::vector<v1::VoiceWindowResult> results;
  auto s = r.RunStream(reqs, &results);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_GE(results.size(), 2u);
  EXPECT_TRUE(results.back().final());
  for (const auto& w : results) {
    EXPECT_THAT(Labels(w.result()), ::testing::ElementsAre("neutral", "happy", "angry", "sad"));
    EXPECT_EQ(w.result().model().name(), "voice-tiny");
    EXPECT_EQ(w.result().embedding().model_id(), "voice-tiny/1");
    EXPECT_THAT(Stages(w.result()), ::testing::Contains("forward"));
    EXPECT_NEAR(Indicators(w.result())["model_input_s"], 1.0, 1e-9);
  }

  // A stream whose audio is shorter than the model's min_seconds.
  results.clear();
  reqs = {Open(1000, 500)};
  for (auto& c : Chunks(testutil::Vowel(160, 0.3), 1600)) reqs.push_back(c);
  s = r.RunStream(reqs, &results);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("min_seconds"));
}

// Every wrong file: the service stays alive, is not ready, and says which file and what was
// expected, both from LoadModel and to callers.
TEST(TorchVoiceServiceTest, WrongFilesLeaveTheServiceAliveButNotReady) {
  TempDir tmp;
  struct Case {
    std::string name;
    TinyVariant variant;
    std::function<void(const std::string& dir)> spoil;  // after writing a good or bad model
    std::string file;                                    // the file the error must name
    std::string expected;
  };
  const std::string kSignature =
      "must take forward(input_values: float32 [B, N], attention_mask: int64 [B, N])";
  std::vector<Case> cases = {
      {"wrong-inputs", TinyVariant::kWrongInputs, nullptr, "model.pt", kSignature},
      {"wrong-labels", TinyVariant::kWrongLabelCount, nullptr, "model.pt",
       "logits have shape [2, 5]; expected [2, 4] (4 labels in the manifest)"},
      {"wrong-dim", TinyVariant::kWrongEmbeddingDim, nullptr, "model.pt",
       "embedding has shape [2, 17]; expected [2, 16] (torchscript.embedding_dim)"},
      {"not-tuple", TinyVariant::kNotTuple, nullptr, "model.pt", "expected a tuple"},
      {"nan", TinyVariant::kNonFinite, nullptr, "model.pt", "non-finite"},
      {"fixed-batch", TinyVariant::kFixedBatch, nullptr, "model.pt", "expected [2, 4]"},
      {"checksum", TinyVariant::kGood,
       [](const std::string& dir) {
         std::ofstream(dir + "/model.pt", std::ios::app | std::ios::binary) << "tampered";
       },
       "model.pt", "the manifest expects"},
      {"garbage", TinyVariant::kGood,
       [](const std::string& dir) {
         std::ofstream(dir + "/model.pt", std::ios::trunc | std::ios::binary)
             << std::string(4096, '\x5a');
         EditManifest(dir, [](v1::ModelManifest*) {});  // a matching checksum
       },
       "model.pt", "not a TorchScript file"},
      {"unknown-kind", TinyVariant::kGood,
       [](const std::string& dir) {
         EditManifest(dir, [](v1::ModelManifest* m) { m->set_kind("voice-magic"); });
       },
       "manifest.textproto", "kind is \"voice-magic\""},
      {"escape", TinyVariant::kGood,
       [](const std::string& dir) {
         fs::copy_file(dir + "/model.pt", dir + "/../x.pt");
         EditManifest(dir, [](v1::ModelManifest* m) { m->set_file("../x.pt"); });
       },
       "manifest.textproto", "inside the model directory"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string dir = tmp / (c.name + "/1");
    WriteTiny(dir, Tiny("1", 1, c.variant));
    if (c.spoil) c.spoil(dir);
    Running r(Config(dir), /*load=*/false);
    auto s = r.service.LoadModel();
    ASSERT_FALSE(s.ok());
    EXPECT_THAT(std::string(s.message()), HasSubstr(dir + "/" + c.file));
    EXPECT_THAT(std::string(s.message()), HasSubstr(c.expected));
    v1::ModalityResult out;
    auto call = Analyze(r, testutil::Wav16(testutil::Vowel(150, 1.0), 16000), &out);
    EXPECT_EQ(call.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_THAT(call.error_message(), HasSubstr("model not loaded"));
    EXPECT_THAT(call.error_message(), HasSubstr(c.expected));
    auto channel = r.Channel();
    auto live = grpcx::CheckHealth(channel, "", std::chrono::seconds(5));
    ASSERT_TRUE(live.ok()) << live.status();
    EXPECT_EQ(*live, grpcx::Health::kServing);
    auto ready = grpcx::CheckHealth(channel, kVoiceReadiness, std::chrono::seconds(5));
    ASSERT_TRUE(ready.ok()) << ready.status();
    EXPECT_EQ(*ready, grpcx::Health::kNotServing);
  }
}

// Concurrent calls share forwards, and each gets exactly its own clip's result.
TEST(TorchVoiceServiceTest, ConcurrentCallsAreBatched) {
  TempDir tmp;
  WriteTiny(tmp / "voice-tiny/1", Tiny());
  auto c = Config(tmp / "voice-tiny");
  c.mutable_batching()->set_max_batch_size(8);
  c.mutable_batching()->set_max_queue_delay_us(500000);
  c.mutable_batching()->set_threads(1);
  Running r(c);
  const int n = 8;
  std::vector<std::string> clips;
  for (int i = 0; i < n; ++i) {
    // Equal lengths: wav2vec2-base (no attention mask) batches only equal-length clips.
    clips.push_back(testutil::Wav16(testutil::Vowel(110 + 20 * i, 1.5, 16000, 1.0, 3.0,
                                                    0.1 + 0.05 * i),
                                    16000));
  }
  std::vector<v1::ModalityResult> alone(n), together(n);
  for (int i = 0; i < n; ++i) {
    auto s = Analyze(r, clips[i], &alone[i]);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  EXPECT_FALSE(SameResult(alone[0], alone[1]));  // a mix-up would show
  const auto before = r.service.batcher_stats();
  std::vector<grpc::Status> statuses(n);
  std::vector<std::thread> callers;
  for (int i = 0; i < n; ++i) {
    callers.emplace_back([&, i] { statuses[i] = Analyze(r, clips[i], &together[i]); });
  }
  for (auto& t : callers) t.join();
  const auto after = r.service.batcher_stats();
  for (int i = 0; i < n; ++i) {
    SCOPED_TRACE(i);
    ASSERT_TRUE(statuses[i].ok()) << statuses[i].error_message();
    ExpectSameOutputs(together[i], alone[i]);
  }
  EXPECT_EQ(after.items - before.items, static_cast<uint64_t>(n));
  EXPECT_LT(after.batches - before.batches, static_cast<uint64_t>(n));
  EXPECT_GT(after.largest_batch, 1u);
}

TEST(TorchVoiceServiceTest, AFullBatchingQueueIsResourceExhausted) {
  TempDir tmp;
  WriteTiny(tmp / "voice-tiny/1", Tiny());
  auto c = Config(tmp / "voice-tiny");
  c.mutable_batching()->set_max_batch_size(8);
  c.mutable_batching()->set_max_queue(1);
  c.mutable_batching()->set_threads(1);
  c.mutable_batching()->set_max_queue_delay_us(1000000);  // the first call waits for company
  Running r(c);
  const std::string wav = testutil::Wav16(testutil::Vowel(150, 1.0), 16000);
  const int n = 6;
  std::vector<grpc::Status> statuses(n);
  std::vector<v1::ModalityResult> outs(n);
  std::vector<std::thread> callers;
  for (int i = 0; i < n; ++i) {
    callers.emplace_back([&, i] { statuses[i] = Analyze(r, wav, &outs[i]); });
  }
  for (auto& t : callers) t.join();
  int ok = 0, exhausted = 0;
  for (const auto& s : statuses) {
    if (s.ok()) {
      ++ok;
    } else {
      EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
      EXPECT_THAT(s.error_message(), HasSubstr("batching.max_queue"));
      ++exhausted;
    }
  }
  EXPECT_GE(ok, 1);
  EXPECT_GE(exhausted, 1);
  EXPECT_EQ(ok + exhausted, n);
}

// A new version is served after LoadModel; a broken one is not, and the serving one stays;
// requests during the switches all succeed.
TEST(TorchVoiceServiceTest, HotReloadSwitchesVersionsWithoutDroppingRequests) {
  TempDir tmp;
  const std::string root = tmp / "voice-tiny";
  WriteTiny(root + "/1", Tiny("1", 1));
  Running r(Config(root));
  const std::string wav = testutil::Wav16(testutil::Vowel(150, 1.0, 16000, 2.0, 4.0), 16000);
  v1::ModalityResult v1_result;
  ASSERT_TRUE(Analyze(r, wav, &v1_result).ok());
  EXPECT_EQ(v1_result.model().version(), "1");

  std::atomic<bool> stop{false};
  std::atomic<int> calls{0}, failures{0};
  std::vector<std::thread> clients;
  for (int k = 0; k < 2; ++k) {
    clients.emplace_back([&] {
      while (!stop) {
        v1::ModalityResult out;
        auto s = Analyze(r, wav, &out);
        ++calls;
        if (!s.ok()) {
          ++failures;
          ADD_FAILURE() << s.error_message();
        }
      }
    });
  }
  WriteTiny(root + "/2", Tiny("2", 2));
  auto s = r.service.LoadModel(false);
  EXPECT_TRUE(s.ok()) << s;
  v1::ModalityResult v2_result;
  ASSERT_TRUE(Analyze(r, wav, &v2_result).ok());
  EXPECT_EQ(v2_result.model().version(), "2");
  EXPECT_EQ(v2_result.embedding().model_id(), "voice-tiny/2");
  EXPECT_FALSE(SameResult(v1_result, v2_result));

  WriteTiny(root + "/3", Tiny("3", 3, TinyVariant::kWrongInputs));
  s = r.service.LoadModel(false);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr(root + "/3/model.pt"));
  v1::ModalityResult still;
  auto call = Analyze(r, wav, &still);
  ASSERT_TRUE(call.ok()) << call.error_message();
  EXPECT_EQ(still.model().version(), "2");
  EXPECT_TRUE(SameResult(still, v2_result));
  auto ready = grpcx::CheckHealth(r.Channel(), kVoiceReadiness, std::chrono::seconds(5));
  ASSERT_TRUE(ready.ok()) << ready.status();
  EXPECT_EQ(*ready, grpcx::Health::kServing);

  // Let the clients run across a forced reload too.
  s = r.service.LoadModel(true);
  EXPECT_FALSE(s.ok());
  while (calls < 10) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  stop = true;
  for (auto& t : clients) t.join();
  EXPECT_EQ(failures, 0);
}

}  // namespace
}  // namespace burnout::voice
