#include "common/torchscript/torchscript_model.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>
#include <torch/script.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <numeric>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/model/model_dir.h"
#include "common/status/macros.h"

namespace burnout::torchscript {

namespace {

using burnout::v1::TorchScriptSpec;

// What each kind's forward takes, for error messages and the schema check.
struct Signature {
  size_t inputs;
  const char* text;
};
Signature SignatureOf(absl::string_view kind) {
  if (kind == kTextKind) {
    return {2, "forward(input_ids: int64 [B, T], attention_mask: int64 [B, T])"};
  }
  if (kind == kVoiceKind) {
    return {2, "forward(input_values: float32 [B, N], attention_mask: int64 [B, N])"};
  }
  if (kind == kFaceGrayKind) return {1, "forward(pixel_values: float32 [B, 1, S, S])"};
  return {1, "forward(pixel_values: float32 [B, 3, S, S])"};
}

// What each kind's forward returns, for error messages.
const char* ReturnsOf(absl::string_view kind) {
  return kind == kLandmarksKind ? "(landmarks [B, N, 3], face_score [B, 1])"
                                : "(logits [B, L], embedding [B, D])";
}

// libtorch's messages span lines (source excerpts, C++ traces): the first 300 characters of
// the non-empty lines, on one line.
std::string OneLine(const std::exception& e) {
  std::string out;
  for (absl::string_view line : absl::StrSplit(e.what(), '\n', absl::SkipWhitespace())) {
    if (!out.empty()) out += " | ";
    absl::StrAppend(&out, absl::StripAsciiWhitespace(line));
    if (out.size() > 300) {
      out.resize(300);
      out += "...";
      break;
    }
  }
  return out;
}

absl::Status Fail(const std::string& where, absl::string_view what) {
  return absl::FailedPreconditionError(absl::StrCat(where, ": ", what));
}

}  // namespace

struct TorchScriptModel::Impl {
  mutable torch::jit::Module module;
};

bool IsImageKind(absl::string_view kind) {
  return kind == kFaceKind || kind == kFaceGrayKind || kind == kLandmarksKind;
}

int ImageChannels(absl::string_view kind) { return kind == kFaceGrayKind ? 1 : 3; }

absl::Status ValidateSpec(const TorchScriptSpec& spec, absl::string_view kind,
                          const std::string& where) {
  if (kind != kTextKind && kind != kVoiceKind && !IsImageKind(kind)) {
    return Fail(where, absl::StrCat("unknown TorchScript kind \"", kind, "\""));
  }
  if (kind == kLandmarksKind) {
    const auto& l = spec.landmarks();
    if (l.count() < 1 || l.count() > 10000) {
      return Fail(where, absl::StrCat("torchscript.landmarks.count: must be 1..10000, got ", l.count()));
    }
    if (!(l.min_face_score() >= 0 && l.min_face_score() < 1)) {
      return Fail(where, "torchscript.landmarks.min_face_score: must be in [0, 1)");
    }
    if (l.has_eyes()) {
      const auto& e = l.eyes();
      if (e.size() < 8 || e.size() > 512) {
        return Fail(where, absl::StrCat("torchscript.landmarks.eyes.size: must be 8..512, got ", e.size()));
      }
      if (!(e.crop_scale() > 0 && e.crop_scale() <= 10)) {
        return Fail(where, "torchscript.landmarks.eyes.crop_scale: must be in (0, 10]");
      }
      if (e.contour_count() < 16 || e.iris_count() < 1 || e.contour_count() + e.iris_count() > 1000) {
        return Fail(where, "torchscript.landmarks.eyes: contour_count >= 16 (both lids) and iris_count >= 1");
      }
      if (e.mirrored() != "left" && e.mirrored() != "right") {
        return Fail(where, absl::StrCat("torchscript.landmarks.eyes.mirrored: \"left\" or \"right\", got \"",
                                        e.mirrored(), "\""));
      }
    }
  } else {
    if (spec.labels().empty()) return Fail(where, "torchscript.labels: the model's output labels must be listed");
    std::set<std::string> seen;
    for (const auto& l : spec.labels()) {
      if (l.empty() || !seen.insert(l).second) {
        return Fail(where, absl::StrCat("torchscript.labels: empty or repeated label \"", l, "\""));
      }
    }
    if (spec.embedding_dim() < 1 || spec.embedding_dim() > 65536) {
      return Fail(where, absl::StrCat("torchscript.embedding_dim: must be 1..65536, got ",
                                      spec.embedding_dim()));
    }
  }
  if (kind == kTextKind) {
    const auto& t = spec.tokenizer();
    if (t.vocab_file().empty() || t.merges_file().empty()) {
      return Fail(where, "torchscript.tokenizer: vocab_file and merges_file must be set");
    }
    if (t.max_length() < 3 || t.max_length() > 8192) {
      return Fail(where, absl::StrCat("torchscript.tokenizer.max_length: must be 3..8192, got ",
                                      t.max_length()));
    }
  } else if (kind == kVoiceKind) {
    const auto& a = spec.audio();
    if (a.sample_rate() < 8000 || a.sample_rate() > 48000) {
      return Fail(where, absl::StrCat("torchscript.audio.sample_rate: must be 8000..48000, got ",
                                      a.sample_rate()));
    }
    if (!(a.max_seconds() > 0 && a.max_seconds() <= 600) || a.min_seconds() < 0 ||
        a.min_seconds() >= a.max_seconds()) {
      return Fail(where, "torchscript.audio: need 0 <= min_seconds < max_seconds <= 600");
    }
  } else {
    const auto& im = spec.image();
    const int channels = ImageChannels(kind);
    if (im.size() < 8 || im.size() > 1024) {
      return Fail(where, absl::StrCat("torchscript.image.size: must be 8..1024, got ", im.size()));
    }
    if (im.mean_size() != channels || im.std_size() != channels) {
      return Fail(where, absl::StrCat("torchscript.image: mean and std must have ", channels,
                                      channels == 1 ? " value" : " values", " each"));
    }
    for (float s : im.std()) {
      if (!(s > 0)) return Fail(where, "torchscript.image.std: values must be > 0");
    }
    if (!(im.rescale() > 0)) return Fail(where, "torchscript.image.rescale: must be > 0 (1/255)");
    if (channels == 1) {
      if (im.channel_order() != "GRAY") {
        return Fail(where, absl::StrCat("torchscript.image.channel_order: a ", kind,
                                        " model takes \"GRAY\", got \"", im.channel_order(), "\""));
      }
      if (im.gray_weights_size() != 3) {
        return Fail(where, "torchscript.image.gray_weights: 3 values (R, G, B) are needed");
      }
      for (float w : im.gray_weights()) {
        if (!(w >= 0 && w <= 1)) return Fail(where, "torchscript.image.gray_weights: values must be in [0, 1]");
      }
    } else if (im.channel_order() != "RGB" && im.channel_order() != "BGR") {
      return Fail(where, absl::StrCat("torchscript.image.channel_order: \"RGB\" or \"BGR\", got \"",
                                      im.channel_order(), "\""));
    }
    if (im.native_size() != 0 && (im.native_size() < 8 || im.native_size() > im.size() * 4)) {
      return Fail(where, absl::StrCat("torchscript.image.native_size: 0 or 8..4 x size, got ",
                                      im.native_size()));
    }
    const auto& c = im.crop();
    for (float v : {c.box_side(), c.mesh_side()}) {
      if (!(v >= 0 && v <= 20)) return Fail(where, "torchscript.image.crop: sides must be in [0, 20]");
    }
    for (float v : {c.box_center_dy(), c.mesh_center_dy()}) {
      if (!(std::abs(v) <= 5)) return Fail(where, "torchscript.image.crop: centre offsets must be in [-5, 5]");
    }
  }
  return absl::OkStatus();
}

TorchScriptModel::~TorchScriptModel() = default;

absl::StatusOr<std::string> TorchScriptModel::File(const std::string& relative,
                                                   const std::string& what) const {
  const std::string manifest_path = (std::filesystem::path(dir_) / model::kManifestName).string();
  BR_ASSIGN_OR_RETURN(std::string path, model::FileInside(dir_, relative, manifest_path, what));
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Fail(manifest_path, absl::StrCat(what, " ", path, " does not exist"));
  }
  return path;
}

absl::StatusOr<std::unique_ptr<TorchScriptModel>> TorchScriptModel::Load(const std::string& dir,
                                                                         absl::string_view kind,
                                                                         LoadOptions options) {
  auto md = model::OpenModelDir(dir, std::string(kind));
  if (!md.ok()) return absl::FailedPreconditionError(md.status().message());
  const std::string manifest_path = (std::filesystem::path(dir) / model::kManifestName).string();
  BR_RETURN_IF_ERROR(ValidateSpec(md->manifest.torchscript(), kind, manifest_path));

  std::unique_ptr<TorchScriptModel> m(new TorchScriptModel());
  m->dir_ = dir;
  m->model_path_ = md->model_path;
  m->kind_ = std::string(kind);
  m->manifest_ = md->manifest;
  m->options_ = options;
  m->info_.set_name(md->manifest.name());
  m->info_.set_version(md->manifest.version());
  m->info_.set_sha256(md->manifest.sha256());
  m->impl_ = std::make_unique<Impl>();
  try {
    m->impl_->module = torch::jit::load(md->model_path, torch::kCPU);
    m->impl_->module.eval();
    if (IsImageKind(kind)) {
      for (torch::Tensor p : m->impl_->module.parameters()) {
        if (p.dim() == 4) p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
      }
    }
  } catch (const std::exception& e) {
    return Fail(md->model_path, absl::StrCat("not a TorchScript file libtorch ",
                                             TORCH_VERSION, " can load (", OneLine(e), ")"));
  }

  const Signature sig = SignatureOf(kind);
  auto method = m->impl_->module.find_method("forward");
  if (!method) return Fail(md->model_path, absl::StrCat("has no forward; expected ", sig.text));
  const auto& args = method->function().getSchema().arguments();
  std::vector<std::string> names;
  for (size_t i = 1; i < args.size(); ++i) names.push_back(args[i].name());
  bool tensors = true;
  for (size_t i = 1; i < args.size(); ++i) {
    tensors = tensors && args[i].type()->kind() == c10::TypeKind::TensorType;
  }
  if (names.size() != sig.inputs || !tensors) {
    return Fail(md->model_path,
                absl::StrCat("forward takes (", absl::StrJoin(names, ", "), "); a ", kind,
                             " model must take ", sig.text, " and return ", ReturnsOf(kind)));
  }

  // Warm-up: a batch of two, then one input of another length, through Forward, which checks
  // every output's shape and values.
  std::vector<ForwardInput> warm(3);
  const auto& spec = m->spec();
  if (kind == kTextKind) {
    warm[0].ids = {0, 4, 5, 2};
    warm[1].ids = {0, 2};
    warm[2].ids = {0, 6, 7, 8, 9, 2};
  } else if (kind == kVoiceKind) {
    const int rate = spec.audio().sample_rate();
    const int n = std::max(rate, static_cast<int>(spec.audio().min_seconds() * rate) + 1);
    for (int k = 0; k < 3; ++k) {
      const int len = k == 2 ? n + rate / 2 : n;
      warm[k].values.resize(len);
      for (int i = 0; i < len; ++i) {
        warm[k].values[i] = 0.3f * static_cast<float>(std::sin(2 * M_PI * (150.0 + 50 * k) * i / rate));
      }
      NormalizeUtterance(&warm[k].values);
    }
  } else {
    const int s = spec.image().size();
    for (auto& w : warm) w.values.assign(ImageChannels(kind) * s * s, 0.0f);
    for (int i = 0; i < s * s; ++i) warm[0].values[i] = static_cast<float>(i % s) / s - 0.5f;
  }
  const ForwardInput* pair[] = {&warm[0], &warm[1]};
  const ForwardInput* single[] = {&warm[2]};
  for (auto batch : {absl::Span<const ForwardInput* const>(pair),
                     absl::Span<const ForwardInput* const>(single)}) {
    auto out = m->Forward(batch);
    if (!out.ok()) {
      return Fail(md->model_path, absl::StrCat("warm-up forward failed: ", out.status().message()));
    }
  }
  if (kind == kLandmarksKind && spec.landmarks().has_eyes()) {
    auto eyes = m->impl_->module.find_method("eyes");
    if (!eyes || eyes->function().getSchema().arguments().size() != 2) {
      return Fail(md->model_path, "the manifest has torchscript.landmarks.eyes but the module has no "
                                  "eyes(pixel_values: float32 [B, 3, S, S]) method");
    }
    const int s = spec.landmarks().eyes().size();
    ForwardInput eye;
    eye.values.assign(3 * s * s, 0.25f);
    const ForwardInput* one[] = {&eye};
    auto out = m->ForwardEyes(one);
    if (!out.ok()) {
      return Fail(md->model_path, absl::StrCat("warm-up of eyes() failed: ", out.status().message()));
    }
  }
  return m;
}

absl::StatusOr<std::vector<ForwardOutput>> TorchScriptModel::Forward(
    absl::Span<const ForwardInput* const> batch) const {
  std::vector<ForwardOutput> results(batch.size());
  if (batch.empty()) return results;
  const auto& spec = this->spec();
  const int64_t labels = spec.labels_size();
  const int64_t dim = spec.embedding_dim();

  // Groups of batch positions that run in one forward.
  std::vector<std::vector<size_t>> groups;
  if (kind_ == kVoiceKind && !spec.audio().return_attention_mask()) {
    std::map<size_t, std::vector<size_t>> by_length;
    for (size_t i = 0; i < batch.size(); ++i) by_length[batch[i]->values.size()].push_back(i);
    for (auto& [len, idx] : by_length) groups.push_back(std::move(idx));
  } else {
    groups.emplace_back(batch.size());
    std::iota(groups[0].begin(), groups[0].end(), 0);
  }

  try {
    c10::InferenceMode guard;
    for (const auto& group : groups) {
      const int64_t b = static_cast<int64_t>(group.size());
      std::vector<c10::IValue> inputs;
      if (kind_ == kTextKind || kind_ == kVoiceKind) {
        const bool text = kind_ == kTextKind;
        size_t longest = 0;
        for (size_t i : group) {
          const size_t n = text ? batch[i]->ids.size() : batch[i]->values.size();
          if (n == 0) return absl::InvalidArgumentError("empty model input");
          longest = std::max(longest, n);
        }
        const int64_t t = static_cast<int64_t>(longest);
        torch::Tensor x = text ? torch::full({b, t}, options_.pad_id, torch::kLong)
                               : torch::zeros({b, t}, torch::kFloat);
        torch::Tensor mask = torch::zeros({b, t}, torch::kLong);
        for (int64_t r = 0; r < b; ++r) {
          const ForwardInput& in = *batch[group[r]];
          const int64_t n = static_cast<int64_t>(text ? in.ids.size() : in.values.size());
          if (text) {
            std::copy(in.ids.begin(), in.ids.end(), x[r].data_ptr<int64_t>());
          } else {
            std::copy(in.values.begin(), in.values.end(), x[r].data_ptr<float>());
          }
          mask[r].narrow(0, 0, n).fill_(1);
        }
        inputs = {x, mask};
      } else {
        const int64_t s = spec.image().size();
        const int64_t c = ImageChannels(kind_);
        torch::Tensor x = torch::empty({b, c, s, s}, torch::kFloat);
        for (int64_t r = 0; r < b; ++r) {
          const ForwardInput& in = *batch[group[r]];
          if (static_cast<int64_t>(in.values.size()) != c * s * s) {
            return absl::InvalidArgumentError(absl::StrCat(
                "image input has ", in.values.size(), " values; the model takes ", c, " x ", s, " x ", s));
          }
          std::copy(in.values.begin(), in.values.end(), x[r].data_ptr<float>());
        }
        inputs = {x.contiguous(at::MemoryFormat::ChannelsLast)};
      }

      c10::IValue out = impl_->module.forward(std::move(inputs));
      if (!out.isTuple() || out.toTupleRef().elements().size() != 2 ||
          !out.toTupleRef().elements()[0].isTensor() || !out.toTupleRef().elements()[1].isTensor()) {
        return absl::InternalError(absl::StrCat("forward returned ", out.tagKind(),
                                                "; expected a tuple ", ReturnsOf(kind_)));
      }
      auto shape = [](const torch::Tensor& t) {
        return absl::StrCat("[", absl::StrJoin(t.sizes().vec(), ", "), "]");
      };
      if (kind_ == kLandmarksKind) {
        const int64_t n = spec.landmarks().count();
        torch::Tensor marks = out.toTupleRef().elements()[0].toTensor().to(torch::kFloat).contiguous();
        torch::Tensor score = out.toTupleRef().elements()[1].toTensor().to(torch::kFloat).contiguous();
        if (marks.dim() != 3 || marks.size(0) != b || marks.size(1) != n || marks.size(2) != 3) {
          return absl::InternalError(absl::StrCat("landmarks have shape ", shape(marks), "; expected [",
                                                  b, ", ", n, ", 3] (torchscript.landmarks.count)"));
        }
        if (score.numel() != b) {
          return absl::InternalError(absl::StrCat("face_score has shape ", shape(score), "; expected [", b, ", 1]"));
        }
        if (!torch::isfinite(marks).all().item<bool>() || !torch::isfinite(score).all().item<bool>()) {
          return absl::InternalError("forward produced non-finite values");
        }
        for (int64_t r = 0; r < b; ++r) {
          ForwardOutput& o = results[group[r]];
          const float* p = marks[r].data_ptr<float>();
          o.landmarks.assign(p, p + 3 * n);
          o.face_score = score.view({b})[r].item<float>();
        }
        continue;
      }
      torch::Tensor logits = out.toTupleRef().elements()[0].toTensor().to(torch::kFloat).contiguous();
      torch::Tensor emb = out.toTupleRef().elements()[1].toTensor().to(torch::kFloat).contiguous();
      if (logits.dim() != 2 || logits.size(0) != b || logits.size(1) != labels) {
        return absl::InternalError(absl::StrCat("logits have shape ", shape(logits), "; expected [",
                                                b, ", ", labels, "] (", labels, " labels in the manifest)"));
      }
      if (emb.dim() != 2 || emb.size(0) != b || emb.size(1) != dim) {
        return absl::InternalError(absl::StrCat("embedding has shape ", shape(emb), "; expected [",
                                                b, ", ", dim, "] (torchscript.embedding_dim)"));
      }
      if (!torch::isfinite(logits).all().item<bool>() || !torch::isfinite(emb).all().item<bool>()) {
        return absl::InternalError("forward produced non-finite values");
      }
      torch::Tensor probs = torch::softmax(logits, 1);
      for (int64_t r = 0; r < b; ++r) {
        ForwardOutput& o = results[group[r]];
        const float* p = probs[r].data_ptr<float>();
        o.probabilities.assign(p, p + labels);
        const float* e = emb[r].data_ptr<float>();
        o.embedding.assign(e, e + dim);
      }
    }
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("libtorch: ", OneLine(e)));
  }
  return results;
}

absl::StatusOr<std::vector<std::vector<float>>> TorchScriptModel::ForwardEyes(
    absl::Span<const ForwardInput* const> batch) const {
  if (kind_ != kLandmarksKind || !spec().landmarks().has_eyes()) {
    return absl::FailedPreconditionError(absl::StrCat(model_path_, " has no eye method"));
  }
  const auto& e = spec().landmarks().eyes();
  const int64_t s = e.size(), n = e.contour_count() + e.iris_count();
  const int64_t b = static_cast<int64_t>(batch.size());
  std::vector<std::vector<float>> results(batch.size());
  if (batch.empty()) return results;
  try {
    c10::InferenceMode guard;
    torch::Tensor x = torch::empty({b, 3, s, s}, torch::kFloat);
    for (int64_t r = 0; r < b; ++r) {
      if (static_cast<int64_t>(batch[r]->values.size()) != 3 * s * s) {
        return absl::InvalidArgumentError(absl::StrCat("eye input has ", batch[r]->values.size(),
                                                       " values; the model takes 3 x ", s, " x ", s));
      }
      std::copy(batch[r]->values.begin(), batch[r]->values.end(), x[r].data_ptr<float>());
    }
    std::vector<c10::IValue> inputs = {x.contiguous(at::MemoryFormat::ChannelsLast)};
    c10::IValue out = impl_->module.get_method("eyes")(std::move(inputs));
    if (!out.isTuple() || out.toTupleRef().elements().empty() || !out.toTupleRef().elements()[0].isTensor()) {
      return absl::InternalError(absl::StrCat("eyes() returned ", out.tagKind(), "; expected (landmarks [B, ", n, ", 3],)"));
    }
    torch::Tensor marks = out.toTupleRef().elements()[0].toTensor().to(torch::kFloat).contiguous();
    if (marks.dim() != 3 || marks.size(0) != b || marks.size(1) != n || marks.size(2) != 3) {
      return absl::InternalError(absl::StrCat("eye landmarks have shape [", absl::StrJoin(marks.sizes().vec(), ", "),
                                              "]; expected [", b, ", ", n, ", 3]"));
    }
    if (!torch::isfinite(marks).all().item<bool>()) return absl::InternalError("eyes() produced non-finite values");
    for (int64_t r = 0; r < b; ++r) {
      const float* p = marks[r].data_ptr<float>();
      results[r].assign(p, p + 3 * n);
    }
  } catch (const std::exception& ex) {
    return absl::InternalError(absl::StrCat("libtorch: ", OneLine(ex)));
  }
  return results;
}

void NormalizeUtterance(std::vector<float>* samples) {
  if (samples->empty()) return;
  double sum = 0;
  for (float v : *samples) sum += v;
  const double mean = sum / samples->size();
  double var = 0;
  for (float v : *samples) var += (v - mean) * (v - mean);
  var /= samples->size();
  const double inv = 1.0 / std::sqrt(var + 1e-7);
  for (float& v : *samples) v = static_cast<float>((v - mean) * inv);
}

bool SetBlasThreads(int n) {
  if (n <= 0) return true;
  // Looked up at run time: the BLAS is whatever libtorch was linked with.
  using SetThreads = void (*)(int);
  auto* set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (set == nullptr) return false;
  set(n);
  return true;
}

void SetTorchThreads(int n) {
  if (n <= 0) return;
  at::set_num_threads(n);
  try {
    at::set_num_interop_threads(1);
  } catch (const std::exception&) {
    // Already set (it can only be set once, before any inter-op work).
  }
}

}  // namespace burnout::torchscript
