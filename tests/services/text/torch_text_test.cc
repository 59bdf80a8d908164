// The TorchScript text path with tiny models that have the exported signature: loading and
// every check, exact tokenisation through to the forward, padding-invariant batches,
// truncation, and the service: dynamic batching, a full queue, hot reload under load.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "burnout/v1/text.grpc.pb.h"
#include "common/config/config.h"
#include "common/grpc/channel.h"
#include "common/grpc/server.h"
#include "common/model/model_dir.h"
#include "common/torchscript/tiny_models.h"
#include "common/torchscript/torchscript_model.h"
#include "services/text/bpe_tokenizer.h"
#include "services/text/text_model.h"
#include "services/text/text_service.h"
#include "tests/testing/temp_dir.h"

namespace burnout::text {
namespace {

namespace fs = std::filesystem;
using torchscript::TinyModelOptions;
using torchscript::TinyVariant;

const char kSharedTokenizer[] = BURNOUT_SOURCE_DIR "/../shared/data/tokenizer/roberta-base";

std::string WriteTiny(const std::string& name, TinyModelOptions o = {}) {
  o.kind = torchscript::kTextKind;
  const std::string dir = testutil::FreshPath(name);
  auto s = torchscript::WriteTinyModel(dir, o);
  EXPECT_TRUE(s.ok()) << s;
  return dir;
}

const v1::Indicator* FindIndicator(const v1::ModalityResult& r, const std::string& name) {
  for (const auto& i : r.indicators()) {
    if (i.name() == name) return &i;
  }
  return nullptr;
}

TEST(TorchTextModelTest, AnalyzesWithTheModelsLabelsEmbeddingAndProvenance) {
  const std::string dir = WriteTiny("tiny_text_ok");
  auto model = TextModel::Load(dir);
  ASSERT_TRUE(model.ok()) << model.status();
  auto r = (*model)->Analyze("I am so tired of all of this, every single day.", {});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->emotions_size(), 7);
  EXPECT_EQ(r->emotions(3).label(), "joy");
  double sum = 0;
  for (const auto& e : r->emotions()) sum += e.probability();
  EXPECT_NEAR(sum, 1.0, 1e-5);
  EXPECT_EQ(r->embedding().dimension(), 16);
  EXPECT_EQ(r->embedding().values_size(), 16);
  EXPECT_EQ(r->embedding().model_id(), "tiny/1");
  EXPECT_EQ(r->model().name(), "tiny");
  EXPECT_EQ(r->model().version(), "1");
  EXPECT_EQ(r->model().sha256().size(), 64u);
  // The lexicon indicators are the default model's, from the project tokenizer.
  ASSERT_NE(FindIndicator(*r, "word_count"), nullptr);
  EXPECT_EQ(FindIndicator(*r, "word_count")->value(), 11);
  EXPECT_GT(FindIndicator(*r, "absolutist_ratio")->value(), 0);
  EXPECT_EQ(FindIndicator(*r, "truncated")->value(), 0);
  EXPECT_EQ(r->quality(), 1.0f);
  EXPECT_TRUE(r->evidence().empty());  // no exact contributions to report

  // Deterministic, and the input matters.
  auto again = (*model)->Analyze("I am so tired of all of this, every single day.", {});
  auto other = (*model)->Analyze("What a wonderful surprise!", {});
  ASSERT_TRUE(again.ok() && other.ok());
  EXPECT_EQ(again->emotions(0).probability(), r->emotions(0).probability());
  EXPECT_NE(other->emotions(0).probability(), r->emotions(0).probability());
}

TEST(TorchTextModelTest, BatchesGiveTheSameResultsAsOneByOne) {
  auto model = TextModel::Load(WriteTiny("tiny_text_batch"));
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_TRUE((*model)->batches());
  const std::vector<std::string_view> texts = {
      "ok", "the the the", "A much longer text, with punctuation; and numbers 12345 too.",
      "Ünïcödé and emoji 😀", "   ", "short"};
  auto batch = (*model)->AnalyzeBatch(texts, {});
  ASSERT_EQ(batch.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    auto one = (*model)->Analyze(texts[i], {});
    ASSERT_EQ(one.ok(), batch[i].ok()) << texts[i];
    if (!one.ok()) {
      EXPECT_EQ(one.status().code(), absl::StatusCode::kInvalidArgument);  // the blank text
      continue;
    }
    for (int l = 0; l < 7; ++l) {
      EXPECT_NEAR(one->emotions(l).probability(), batch[i]->emotions(l).probability(), 1e-5)
          << texts[i];
    }
    for (int d = 0; d < 16; ++d) {
      EXPECT_NEAR(one->embedding().values(d), batch[i]->embedding().values(d), 1e-5);
    }
    EXPECT_EQ(batch[i]->details().at("batch_size"), "5");
  }
}

TEST(TorchTextModelTest, LongTextsAreCutWithAnIndicatorAndAQualityIssue) {
  TinyModelOptions o;
  o.max_length = 8;
  auto model = TextModel::Load(WriteTiny("tiny_text_trunc", o));
  ASSERT_TRUE(model.ok()) << model.status();
  auto r = (*model)->Analyze("this text has many more than eight tokens in it, surely", {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(FindIndicator(*r, "truncated")->value(), 1);
  EXPECT_GT(FindIndicator(*r, "token_count")->value(), 8);
  EXPECT_LT(r->quality(), 1.0f);
  ASSERT_FALSE(r->quality_issues().empty());
  EXPECT_NE(r->quality_issues(0).find("reads the first 8"), std::string::npos) << r->quality_issues(0);
}

TEST(TorchTextModelTest, RobertaVocabularyGivesRobertasIds) {
  if (!fs::exists(std::string(kSharedTokenizer) + "/vocab.json")) {
    GTEST_SKIP() << "../shared/data/tokenizer/roberta-base is absent";
  }
  TinyModelOptions o;
  o.tokenizer_dir = kSharedTokenizer;
  o.max_length = 512;
  const std::string dir = WriteTiny("tiny_text_roberta", o);
  auto model = TextModel::Load(dir);
  ASSERT_TRUE(model.ok()) << model.status();
  auto r = (*model)->Analyze("Hello world!", {});
  ASSERT_TRUE(r.ok()) << r.status();
  // <s> Hello Ġworld ! </s>: five tokens, as RoBERTa has it.
  EXPECT_EQ(FindIndicator(*r, "token_count")->value(), 5);
}

struct BadCase {
  const char* name;
  TinyVariant variant;
  const char* expect;  // in the error message
};

TEST(TorchTextModelTest, WrongFilesAreRefusedNamingTheFileAndWhatWasExpected) {
  const BadCase cases[] = {
      {"wrong_inputs", TinyVariant::kWrongInputs, "forward(input_ids: int64 [B, T], attention_mask"},
      {"wrong_labels", TinyVariant::kWrongLabelCount, "expected [2, 7] (7 labels in the manifest)"},
      {"wrong_dim", TinyVariant::kWrongEmbeddingDim, "embedding has shape [2, 17]; expected [2, 16]"},
      {"not_tuple", TinyVariant::kNotTuple, "expected a tuple (logits"},
      {"nan", TinyVariant::kNonFinite, "non-finite"},
      {"fixed_batch", TinyVariant::kFixedBatch, "warm-up forward failed"},
  };
  for (const auto& c : cases) {
    TinyModelOptions o;
    o.variant = c.variant;
    const std::string dir = WriteTiny(std::string("tiny_text_") + c.name, o);
    auto model = TextModel::Load(dir);
    ASSERT_FALSE(model.ok()) << c.name;
    EXPECT_EQ(model.status().code(), absl::StatusCode::kFailedPrecondition) << c.name;
    const std::string msg(model.status().message());
    EXPECT_NE(msg.find(dir + "/model.pt"), std::string::npos) << c.name << ": " << msg;
    EXPECT_NE(msg.find(c.expect), std::string::npos) << c.name << ": " << msg;
  }
}

void Rewrite(const std::string& path, const std::string& from, const std::string& to) {
  std::ifstream in(path);
  std::string s((std::istreambuf_iterator<char>(in)), {});
  const auto at = s.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  s.replace(at, from.size(), to);
  std::ofstream(path, std::ios::trunc) << s;
}

TEST(TorchTextModelTest, TamperedGarbageAndEscapingFilesAreRefused) {
  {  // a byte changed after the manifest was written
    const std::string dir = WriteTiny("tiny_text_tampered");
    std::fstream f(dir + "/model.pt", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x7f');
    f.close();
    auto m = TextModel::Load(dir);
    ASSERT_FALSE(m.ok());
    EXPECT_NE(m.status().message().find("SHA-256"), std::string::npos) << m.status();
  }
  {  // not TorchScript, with a matching checksum
    const std::string dir = WriteTiny("tiny_text_garbage");
    std::ofstream(dir + "/model.pt", std::ios::trunc) << "this is not a zip archive";
    v1::ModelManifest m;
    ASSERT_TRUE(config::LoadTextProto(dir + "/manifest.textproto", &m).ok());
    ASSERT_TRUE(model::WriteManifest(dir, m).ok());
    auto loaded = TextModel::Load(dir);
    ASSERT_FALSE(loaded.ok());
    EXPECT_NE(loaded.status().message().find("not a TorchScript file"), std::string::npos)
        << loaded.status();
  }
  {  // a tokenizer file outside the model directory
    const std::string dir = WriteTiny("tiny_text_escape");
    Rewrite(dir + "/manifest.textproto", "vocab_file: \"vocab.json\"", "vocab_file: \"../vocab.json\"");
    auto loaded = TextModel::Load(dir);
    ASSERT_FALSE(loaded.ok());
    EXPECT_NE(loaded.status().message().find("inside the model directory"), std::string::npos)
        << loaded.status();
  }
  {  // a symlink leading out of the directory
    const std::string dir = WriteTiny("tiny_text_symlink");
    const std::string outside = testutil::FreshPath("outside_merges.txt");
    fs::copy_file(dir + "/merges.txt", outside);
    fs::remove(dir + "/merges.txt");
    fs::create_symlink(outside, dir + "/merges.txt");
    auto loaded = TextModel::Load(dir);
    ASSERT_FALSE(loaded.ok());
    EXPECT_NE(loaded.status().message().find("outside the model directory"), std::string::npos)
        << loaded.status();
  }
  {  // labels missing from the manifest
    const std::string dir = WriteTiny("tiny_text_nolabels");
    v1::ModelManifest m;
    ASSERT_TRUE(config::LoadTextProto(dir + "/manifest.textproto", &m).ok());
    m.mutable_torchscript()->clear_labels();
    ASSERT_TRUE(model::WriteManifest(dir, m).ok());
    auto loaded = TextModel::Load(dir);
    ASSERT_FALSE(loaded.ok());
    EXPECT_NE(loaded.status().message().find("torchscript.labels"), std::string::npos)
        << loaded.status();
  }
}

// ---- The service: batching, a full queue, hot reload.

v1::TextServiceConfig Config(const std::string& model_dir, int batch, int delay_us, int queue) {
  v1::TextServiceConfig c;
  c.set_model_dir(model_dir);
  c.mutable_batching()->set_max_batch_size(batch);
  c.mutable_batching()->set_max_queue_delay_us(delay_us);
  c.mutable_batching()->set_max_queue(queue);
  c.mutable_batching()->set_threads(1);
  EXPECT_TRUE(PrepareTextConfig(&c).ok());
  return c;
}

struct Served {
  explicit Served(const v1::TextServiceConfig& c) : service(c) {
    v1::ServerConfig sc;
    sc.set_listen("127.0.0.1:0");
    auto h = grpcx::ServerHandle::Start(sc, {&service}, {kTextReadiness});
    EXPECT_TRUE(h.ok()) << h.status();
    handle = std::move(*h);
    stub = v1::TextAnalyzer::NewStub(
        grpcx::MakeChannel("127.0.0.1:" + std::to_string(handle->port()), 0));
  }
  grpc::Status Analyze(const std::string& text, v1::ModalityResult* out) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    v1::AnalyzeTextRequest req;
    req.set_text(text);
    return stub->Analyze(&ctx, req, out);
  }
  TextService service;
  std::unique_ptr<grpcx::ServerHandle> handle;
  std::unique_ptr<v1::TextAnalyzer::Stub> stub;
};

TEST(TorchTextServiceTest, ConcurrentCallsAreBatchedAndAnsweredIndividually) {
  Served s(Config(WriteTiny("svc_text_batch"), 8, 100000, 64));
  ASSERT_TRUE(s.service.LoadModel().ok());
  const int n = 12;
  std::vector<std::string> texts;
  for (int i = 0; i < n; ++i) texts.push_back("message number " + std::to_string(i) + std::string(i, '!'));
  std::vector<v1::ModalityResult> batched(n);
  std::vector<grpc::Status> status(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] { status[i] = s.Analyze(texts[i], &batched[i]); });
  }
  for (auto& t : threads) t.join();
  const auto stats = s.service.batch_stats();
  EXPECT_EQ(stats.items, static_cast<uint64_t>(n));
  EXPECT_LT(stats.batches, static_cast<uint64_t>(n));  // the 100 ms delay lets them gather
  EXPECT_GT(stats.largest_batch, 1u);
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(status[i].ok()) << status[i].error_message();
    v1::ModalityResult alone;
    ASSERT_TRUE(s.Analyze(texts[i], &alone).ok());
    EXPECT_EQ(FindIndicator(batched[i], "token_count")->value(),
              FindIndicator(alone, "token_count")->value());
    for (int l = 0; l < 7; ++l) {
      EXPECT_NEAR(batched[i].emotions(l).probability(), alone.emotions(l).probability(), 1e-5) << i;
    }
  }
}

TEST(TorchTextServiceTest, AFullQueueAnswersResourceExhausted) {
  // One thread, a queue of one and a long delay: the first call waits for a batch to fill,
  // so the second finds the queue full.
  Served s(Config(WriteTiny("svc_text_full"), 8, 1000000, 1));
  ASSERT_TRUE(s.service.LoadModel().ok());
  v1::ModalityResult first_out, second_out;
  grpc::Status first;
  std::thread t([&] { first = s.Analyze("the first call", &first_out); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the first call is queued
  grpc::Status second = s.Analyze("the second call", &second_out);
  t.join();
  EXPECT_EQ(second.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << second.error_message();
  EXPECT_NE(second.error_message().find("batching.max_queue"), std::string::npos);
  EXPECT_TRUE(first.ok()) << first.error_message();
}

TEST(TorchTextServiceTest, HotReloadSwitchesVersionsUnderLoadWithoutAFailedRequest) {
  const std::string repo = testutil::FreshPath("svc_text_repo");
  TinyModelOptions v1o;
  v1o.name = "text-tiny";
  v1o.kind = torchscript::kTextKind;
  ASSERT_TRUE(torchscript::WriteTinyModel(repo + "/1", v1o).ok());
  Served s(Config(repo, 4, 500, 256));
  ASSERT_TRUE(s.service.LoadModel().ok());
  EXPECT_EQ(s.service.serving_dir(), repo + "/1");

  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::atomic<int> saw_v2{0};
  std::vector<std::thread> load;
  for (int t = 0; t < 4; ++t) {
    load.emplace_back([&] {
      while (!stop) {
        v1::ModalityResult out;
        grpc::Status st = s.Analyze("keep the service busy while it switches", &out);
        if (st.ok()) {
          ++ok;
          if (out.model().version() == "2") ++saw_v2;
        } else {
          ++failed;
          ADD_FAILURE() << st.error_message();
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  TinyModelOptions v2o = v1o;
  v2o.version = "2";
  v2o.seed = 2;
  ASSERT_TRUE(torchscript::WriteTinyModel(repo + "/2", v2o).ok());
  ASSERT_TRUE(s.service.LoadModel().ok());
  EXPECT_EQ(s.service.serving_dir(), repo + "/2");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));

  // A broken version 3 fails to load; version 2 keeps serving.
  TinyModelOptions v3o = v1o;
  v3o.version = "3";
  v3o.variant = TinyVariant::kWrongInputs;
  ASSERT_TRUE(torchscript::WriteTinyModel(repo + "/3", v3o).ok());
  absl::Status reload = s.service.LoadModel();
  EXPECT_FALSE(reload.ok());
  EXPECT_NE(reload.message().find(repo + "/3/model.pt"), std::string::npos) << reload;
  EXPECT_EQ(s.service.serving_dir(), repo + "/2");
  // Unchanged files are not retried on every poll; a forced reload (SIGHUP) retries.
  EXPECT_EQ(s.service.LoadModel().message(), reload.message());
  EXPECT_FALSE(s.service.LoadModel(/*force=*/true).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  stop = true;
  for (auto& t : load) t.join();

  EXPECT_EQ(failed.load(), 0);
  EXPECT_GT(ok.load(), 0);
  EXPECT_GT(saw_v2.load(), 0);
  v1::ModalityResult out;
  ASSERT_TRUE(s.Analyze("after the switch", &out).ok());
  EXPECT_EQ(out.model().version(), "2");
  EXPECT_EQ(out.embedding().model_id(), "text-tiny/2");
}

}  // namespace
}  // namespace burnout::text
