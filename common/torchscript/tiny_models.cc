#include "common/torchscript/tiny_models.h"

#include <torch/script.h>
#include <torch/version.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "burnout/v1/model.pb.h"
#include "common/model/model_dir.h"
#include "common/torchscript/torchscript_model.h"

namespace burnout::torchscript {

namespace {

namespace fs = std::filesystem;

// forward() per kind; {features} computes `f` [B, F] from the inputs, the rest is shared.
constexpr char kTextFeatures[] = R"(
    idx = torch.remainder(input_ids, 1024)
    e = torch.embedding(self.table, idx)
    m = attention_mask.unsqueeze(2).float()
    f = (e * m).sum(1) / m.sum(1).clamp_min(1.0))";
constexpr char kVoiceFeatures[] = R"(
    m = attention_mask.float()
    n = m.sum(1).clamp_min(1.0)
    x = input_values * m
    d = (x[:, 1:] - x[:, :-1]).abs().sum(1) / n
    f = torch.stack([x.abs().sum(1) / n, (x * x).sum(1) / n, d, x.abs().amax(1)], 1))";
constexpr char kFaceFeatures[] = R"(
    f = torch.cat([pixel_values.mean([2, 3]), pixel_values.flatten(2).std(2)], 1))";

std::string ForwardSource(const std::string& kind, TinyVariant v) {
  std::string args, features;
  if (kind == kTextKind) {
    args = v == TinyVariant::kWrongInputs ? "input_ids" : "input_ids, attention_mask";
    features = kTextFeatures;
    if (v == TinyVariant::kWrongInputs) {
      features = absl::StrCat("\n    attention_mask = torch.ones_like(input_ids)", features);
    }
  } else if (kind == kVoiceKind) {
    args = v == TinyVariant::kWrongInputs ? "input_values" : "input_values, attention_mask";
    features = kVoiceFeatures;
    if (v == TinyVariant::kWrongInputs) {
      features = absl::StrCat("\n    attention_mask = torch.ones_like(input_values)", features);
    }
  } else {
    args = v == TinyVariant::kWrongInputs ? "pixel_values, scale" : "pixel_values";
    features = kFaceFeatures;
  }
  std::string tail = R"(
    h = torch.tanh(torch.matmul(f, self.proj) + self.bias_h)
    logits = torch.matmul(h, self.out) + self.bias_o)";
  switch (v) {
    case TinyVariant::kWrongEmbeddingDim:
      absl::StrAppend(&tail, "\n    return (logits, torch.cat([h, h[:, :1]], 1))");
      break;
    case TinyVariant::kNotTuple:
      absl::StrAppend(&tail, "\n    return logits");
      break;
    case TinyVariant::kNonFinite:
      absl::StrAppend(&tail, "\n    return (logits * float('nan'), h)");
      break;
    case TinyVariant::kFixedBatch:
      absl::StrAppend(&tail, "\n    return (logits.view(1, -1), h.view(1, -1))");
      break;
    default:
      absl::StrAppend(&tail, "\n    return (logits, h)");
  }
  return absl::StrCat("def forward(self, ", args, "):", features, tail, "\n");
}

// GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to 256 + n.
std::vector<std::string> ByteSymbols() {
  std::vector<std::string> out(256);
  int n = 0;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
    const int cp = printable ? b : 256 + n++;
    std::string s;
    if (cp < 0x80) {
      s.push_back(static_cast<char>(cp));
    } else {
      s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
    out[b] = s;
  }
  return out;
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

// A byte-level vocabulary: <s> <pad> </s> <unk>, the 256 byte symbols, 3 merges, <mask>.
absl::Status WriteByteVocab(const std::string& dir) {
  std::vector<std::string> tokens = {"<s>", "<pad>", "</s>", "<unk>"};
  for (const auto& s : ByteSymbols()) tokens.push_back(s);
  const std::string g = ByteSymbols()[' '];  // "Ġ"
  tokens.push_back(g + "t");
  tokens.push_back("he");
  tokens.push_back(g + "the");
  tokens.push_back("<mask>");
  std::ofstream vocab(fs::path(dir) / "vocab.json", std::ios::trunc);
  vocab << "{";
  for (size_t i = 0; i < tokens.size(); ++i) {
    vocab << (i ? ", " : "") << JsonString(tokens[i]) << ": " << i;
  }
  vocab << "}\n";
  std::ofstream merges(fs::path(dir) / "merges.txt", std::ios::trunc);
  merges << "#version: 0.2\n" << g << " t\nh e\n" << g << "t he\n";
  if (!vocab || !merges) return absl::InternalError(absl::StrCat("cannot write the vocabulary in ", dir));
  return absl::OkStatus();
}

}  // namespace

std::vector<std::string> DefaultLabels(const std::string& kind) {
  if (kind == kTextKind) return {"anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise"};
  if (kind == kVoiceKind) return {"neutral", "happy", "angry", "sad"};
  return {"angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"};
}

absl::Status WriteTinyModel(const std::string& dir, const TinyModelOptions& o) {
  if (o.kind != kTextKind && o.kind != kVoiceKind && o.kind != kFaceKind) {
    return absl::InvalidArgumentError(absl::StrCat("unknown kind ", o.kind));
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
  const std::vector<std::string> labels = o.labels.empty() ? DefaultLabels(o.kind) : o.labels;
  const int64_t d = o.embedding_dim;
  const int64_t outputs =
      static_cast<int64_t>(labels.size()) + (o.variant == TinyVariant::kWrongLabelCount ? 1 : 0);
  const int64_t features = o.kind == kTextKind ? d : o.kind == kVoiceKind ? 4 : 6;

  try {
    torch::manual_seed(o.seed);
    torch::jit::Module m("TinyEmotionModel");
    if (o.kind == kTextKind) m.register_parameter("table", torch::randn({1024, d}), false);
    m.register_parameter("proj", torch::randn({features, d}) * 2.0, false);
    m.register_parameter("bias_h", torch::randn({d}) * 0.1, false);
    m.register_parameter("out", torch::randn({d, outputs}), false);
    m.register_parameter("bias_o", torch::randn({outputs}) * 0.1, false);
    m.define(ForwardSource(o.kind, o.variant));
    m.save((fs::path(dir) / "model.pt").string());
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("libtorch: ", e.what()));
  }

  burnout::v1::ModelManifest manifest;
  manifest.set_name(o.name);
  manifest.set_version(o.version);
  manifest.set_kind(o.kind);
  manifest.set_file("model.pt");
  manifest.mutable_training()->set_seed(o.seed);
  manifest.mutable_training()->set_data(
      "random weights: a tiny model with the exported signature (tests and benchmarks only)");
  manifest.mutable_training()->set_program("burnout-make-tiny-model");
  auto* spec = manifest.mutable_torchscript();
  for (const auto& l : labels) spec->add_labels(l);
  spec->set_embedding_dim(o.embedding_dim);
  spec->set_embedding(o.kind == kVoiceKind ? "mean-pooled" : "cls");
  spec->set_source("tiny test model");
  spec->set_exported_with(absl::StrCat("libtorch ", TORCH_VERSION, " Module::define"));
  if (o.kind == kTextKind) {
    auto* t = spec->mutable_tokenizer();
    t->set_vocab_file("vocab.json");
    t->set_merges_file("merges.txt");
    t->set_max_length(o.max_length);
    t->set_pad_token("<pad>");
    t->set_bos_token("<s>");
    t->set_eos_token("</s>");
    t->set_unk_token("<unk>");
    if (o.tokenizer_dir.empty()) {
      if (absl::Status s = WriteByteVocab(dir); !s.ok()) return s;
    } else {
      for (const char* f : {"vocab.json", "merges.txt"}) {
        fs::copy_file(fs::path(o.tokenizer_dir) / f, fs::path(dir) / f,
                      fs::copy_options::overwrite_existing, ec);
        if (ec) return absl::InternalError(absl::StrCat("cannot copy ", f, ": ", ec.message()));
      }
    }
  } else if (o.kind == kVoiceKind) {
    auto* a = spec->mutable_audio();
    a->set_sample_rate(16000);
    a->set_do_normalize(true);
    a->set_return_attention_mask(false);
    a->set_max_seconds(30);
    a->set_min_seconds(0.1);
  } else {
    auto* im = spec->mutable_image();
    im->set_size(o.image_size);
    for (int c = 0; c < 3; ++c) {
      im->add_mean(0.5f);
      im->add_std(0.5f);
    }
    im->set_rescale(1.0f / 255.0f);
    im->set_channel_order("RGB");
  }
  return model::WriteManifest(dir, manifest);
}

}  // namespace burnout::torchscript
