#include "orchestrator/assessor.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/limits/limits.h"
#include "common/status/macros.h"
#include "orchestrator/explainer.h"
#include "orchestrator/export.h"
#include "orchestrator/state_engine.h"

namespace burnout::orchestrator {
namespace {

using burnout::v1::Assessment;
using burnout::v1::Modality;
using burnout::v1::ModalityOutcome;
using Clock = std::chrono::system_clock;
using Steady = std::chrono::steady_clock;

double MsSince(Steady::time_point t) {
  return std::chrono::duration<double, std::milli>(Steady::now() - t).count();
}

void AddTiming(Assessment* a, const std::string& stage, double ms) {
  auto* t = a->add_timings();
  t->set_stage(stage);
  t->set_millis(ms);
}

std::string NewAssessmentId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return absl::StrFormat("%016x%016x", rng(), rng());
}

Deadline Min(Deadline a, Deadline b) { return std::min(a, b); }
Deadline In(int ms) { return Clock::now() + std::chrono::milliseconds(ms); }

// Counts outstanding calls; Wait returns when all have reported.
class Latch {
 public:
  explicit Latch(int n) : n_(n) {}
  void CountDown() {
    std::lock_guard<std::mutex> lock(mu_);
    if (--n_ == 0) cv_.notify_all();
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return n_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int n_;
};

}  // namespace

absl::Status CheckOptionalId(const std::string& id, const char* field) {
  if (id.size() > 128) {
    return absl::InvalidArgumentError(absl::StrCat(field, " is ", id.size(), " bytes; the limit is 128"));
  }
  for (unsigned char c : id) {
    if (c <= 0x20 || c >= 0x7f) {
      return absl::InvalidArgumentError(absl::StrCat(field, " must be printable ASCII without spaces"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckUserId(const std::string& id) {
  if (id.empty()) return absl::InvalidArgumentError("user_id is required");
  return CheckOptionalId(id, "user_id");
}

std::string MaskReason(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kUnavailable:
      return absl::StrCat("service unavailable (", s.message(), ")");
    case absl::StatusCode::kDeadlineExceeded:
      return "service too slow (deadline exceeded)";
    case absl::StatusCode::kResourceExhausted:
      return absl::StrCat("service overloaded (", s.message(), ")");
    case absl::StatusCode::kInvalidArgument:
      return absl::StrCat("input rejected (", s.message(), ")");
    default:
      return absl::StrCat("service error ", absl::StatusCodeToString(s.code()), " (", s.message(), ")");
  }
}

Assessor::Assessor(const AssessorOptions& options, const AssessorDeps& deps)
    : options_(options), deps_(deps) {}

absl::StatusOr<Assessment> Assessor::Assess(const burnout::v1::AssessRequest& req,
                                            Deadline deadline) {
  const auto start = Steady::now();
  BR_RETURN_IF_ERROR(CheckUserId(req.user_id()));
  BR_RETURN_IF_ERROR(CheckOptionalId(req.request_id(), "request_id"));
  if (!req.has_text() && !req.has_audio() && !req.has_image()) {
    return absl::InvalidArgumentError("no modality given: send text, audio or an image");
  }
  if (req.has_text()) {
    BR_RETURN_IF_ERROR(limits::CheckText(req.text(), options_.max_text_bytes, "max_text_bytes"));
  }
  if (req.has_audio()) {
    BR_RETURN_IF_ERROR(limits::CheckSize("audio", req.audio().data().size(),
                                         options_.max_media_bytes, "max_media_bytes"));
  }
  if (req.has_image()) {
    BR_RETURN_IF_ERROR(limits::CheckSize("image", req.image().data().size(),
                                         options_.max_media_bytes, "max_media_bytes"));
  }
  if (!req.request_id().empty()) {
    BR_ASSIGN_OR_RETURN(auto stored, deps_.store->FindByRequestId(req.user_id(), req.request_id()));
    if (stored) {
      stored->set_replayed(true);
      return *std::move(stored);
    }
  }

  Assessment a = NewAssessment(req.user_id(), req.request_id());
  if (options_.keep_text && req.has_text()) a.set_text(req.text());

  // Fan out. Analyzers may use at most 3/4 of what is left, so fusion, trend and the
  // store still have time when an analyzer runs to its deadline.
  struct Slot {
    Modality modality;
    bool present;
    AnalyzerClient* client;
    int timeout_ms;
    AnalyzerInput input;
    absl::StatusOr<burnout::v1::ModalityResult> result = absl::UnknownError("not called");
    double millis = 0;
  };
  std::vector<Slot> slots;
  slots.push_back({burnout::v1::MODALITY_TEXT, req.has_text(), deps_.text, options_.text_timeout_ms,
                   {burnout::v1::MODALITY_TEXT, req.text(), ""}});
  slots.push_back({burnout::v1::MODALITY_VOICE, req.has_audio(), deps_.voice,
                   options_.voice_timeout_ms, {burnout::v1::MODALITY_VOICE, "", req.audio().data(), req.audio().filename()}});
  slots.push_back({burnout::v1::MODALITY_FACE, req.has_image(), deps_.face, options_.face_timeout_ms,
                   {burnout::v1::MODALITY_FACE, "", req.image().data(), req.image().filename()}});
  const auto fan_start = Steady::now();
  const auto remaining = deadline - Clock::now();
  const Deadline analyzers_deadline = Clock::now() + remaining * 3 / 4;
  int calls = 0;
  for (const auto& s : slots) calls += (s.present && s.client) ? 1 : 0;
  Latch latch(calls);
  for (auto& s : slots) {
    if (!s.present || !s.client) continue;
    const auto call_start = Steady::now();
    s.client->AnalyzeAsync(s.input, Min(analyzers_deadline, In(s.timeout_ms)),
                           [&s, &latch, call_start](absl::StatusOr<burnout::v1::ModalityResult> r) {
                             s.result = std::move(r);
                             s.millis = MsSince(call_start);
                             latch.CountDown();
                           });
  }
  latch.Wait();
  const double analyze_ms = MsSince(fan_start);
  AddTiming(&a, "analyze", analyze_ms);

  std::vector<std::string> reasons;
  bool input_rejected = false;
  bool any_used = false;
  for (auto& s : slots) {
    ModalityOutcome* o = a.add_modalities();
    o->set_modality(s.modality);
    const std::string name = ModalityName(s.modality);
    if (!s.present) {
      o->set_mask_reason(kNotProvided);
      continue;
    }
    if (!s.client) {
      o->set_mask_reason(absl::StrCat("no ", name, " service is deployed"));
    } else if (!s.result.ok()) {
      o->set_mask_reason(MaskReason(s.result.status()));
      input_rejected |= s.result.status().code() == absl::StatusCode::kInvalidArgument;
    } else {
      o->set_used(true);
      *o->mutable_result() = *s.result;
      AddTiming(&a, name, s.millis);
      any_used = true;
      continue;
    }
    reasons.push_back(absl::StrCat(name, ": ", o->mask_reason()));
  }
  if (!any_used) {
    const std::string msg =
        absl::StrCat("no modality could be analysed; ", absl::StrJoin(reasons, "; "));
    return input_rejected ? absl::InvalidArgumentError(msg) : absl::UnavailableError(msg);
  }
  BR_RETURN_IF_ERROR(FuseInto(&a, deadline));
  BR_ASSIGN_OR_RETURN(a, TrendExplainStore(std::move(a), deadline));
  AddTiming(&a, "total", MsSince(start));
  return a;
}

Assessment Assessor::NewAssessment(const std::string& user_id,
                                   const std::string& request_id) const {
  Assessment a;
  a.set_assessment_id(NewAssessmentId());
  a.set_user_id(user_id);
  a.set_request_id(request_id);
  a.set_created_at_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                          Clock::now().time_since_epoch()).count());
  a.set_notice(kNotice);
  return a;
}

absl::Status Assessor::FuseInto(Assessment* a, Deadline deadline) {
  burnout::v1::FuseRequest fuse;
  for (const auto& o : a->modalities()) {
    if (!o.used()) continue;
    burnout::v1::ModalityResult* dst =
        o.modality() == burnout::v1::MODALITY_TEXT    ? fuse.mutable_text()
        : o.modality() == burnout::v1::MODALITY_VOICE ? fuse.mutable_voice()
                                                      : fuse.mutable_face();
    *dst = o.result();
  }
  if (!fuse.has_text() && !fuse.has_voice() && !fuse.has_face()) {
    return absl::InvalidArgumentError("no modality to fuse");
  }
  const auto fusion_start = Steady::now();
  auto fused = deps_.fusion->Fuse(fuse, Min(deadline, In(options_.fusion_timeout_ms)));
  AddTiming(a, "fusion", MsSince(fusion_start));
  if (!fused.ok()) {
    return absl::UnavailableError(absl::StrCat("fusion failed, nothing was stored: ",
                                               fused.status().message()));
  }
  *a->mutable_risk() = *fused;
  for (const auto& w : fused->attention()) {
    for (auto& o : *a->mutable_modalities()) {
      if (o.modality() == w.modality()) o.set_attention_weight(o.used() ? w.weight() : 0.0f);
    }
  }
  std::vector<ModalityOutcome> outcomes(a->modalities().begin(), a->modalities().end());
  const EmotionProfile emotions = CombineEmotions(outcomes);
  *a->mutable_state() = ComputeState(emotions, outcomes);
  for (float f : TrendFeatures(a->state(), RiskScore(*fused), emotions)) a->add_trend_features(f);
  return absl::OkStatus();
}

absl::StatusOr<Assessment> Assessor::TrendExplainStore(Assessment a, Deadline deadline) {
  const std::vector<float> features(a.trend_features().begin(), a.trend_features().end());
  const auto trend_start = Steady::now();
  *a.mutable_trend() = ComputeTrend(a.user_id(), &features, deadline);
  AddTiming(&a, "temporal", MsSince(trend_start));

  for (auto& n : Explain(a)) *a.add_narratives() = std::move(n);

  const auto store_start = Steady::now();
  absl::Status put = deps_.store->Put(a);
  const double store_ms = MsSince(store_start);
  if (absl::IsAlreadyExists(put)) {
    // A concurrent request with the same request_id won; answer with what it stored.
    BR_ASSIGN_OR_RETURN(auto stored, deps_.store->FindByRequestId(a.user_id(), a.request_id()));
    if (stored) {
      stored->set_replayed(true);
      return *std::move(stored);
    }
  }
  if (!put.ok()) {
    return absl::UnavailableError(absl::StrCat("could not store the assessment: ", put.message()));
  }
  AddTiming(&a, "store", store_ms);
  return a;
}

absl::StatusOr<Assessment> Assessor::FuseLive(const std::string& user_id,
                                              std::vector<ModalityOutcome> outcomes,
                                              Deadline deadline) {
  Assessment a;
  a.set_user_id(user_id);
  a.set_created_at_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                          Clock::now().time_since_epoch()).count());
  a.set_notice(kNotice);
  for (auto& o : outcomes) *a.add_modalities() = std::move(o);
  BR_RETURN_IF_ERROR(FuseInto(&a, deadline));
  a.mutable_trend()->set_unavailable_reason(
      "live update: the trend is computed for the session's stored summary");
  for (auto& n : Explain(a)) *a.add_narratives() = std::move(n);
  return a;
}

absl::StatusOr<Assessment> Assessor::StoreSession(const std::string& user_id,
                                                  const std::string& session_id,
                                                  std::vector<ModalityOutcome> outcomes,
                                                  burnout::v1::SessionReport report,
                                                  Deadline deadline) {
  const auto start = Steady::now();
  Assessment a = NewAssessment(user_id, session_id);
  for (auto& o : outcomes) *a.add_modalities() = std::move(o);
  *a.mutable_session() = std::move(report);
  BR_RETURN_IF_ERROR(FuseInto(&a, deadline));
  BR_ASSIGN_OR_RETURN(a, TrendExplainStore(std::move(a), deadline));
  AddTiming(&a, "total", MsSince(start));
  return a;
}

burnout::v1::TrendSummary Assessor::ComputeTrend(const std::string& user_id,
                                                 const std::vector<float>* current,
                                                 Deadline deadline) {
  burnout::v1::TrendSummary out;
  const int want = std::max(1, options_.trend_window - (current ? 1 : 0));
  auto history = deps_.store->History(user_id, want, 0);
  if (!history.ok()) {
    out.set_unavailable_reason(absl::StrCat("history unavailable: ", history.status().message()));
    return out;
  }
  burnout::v1::TrendRequest req;
  for (const auto& name : kTrendFeatureNames) req.add_feature_names(name);
  for (auto it = history->rbegin(); it != history->rend(); ++it) {  // oldest first
    if (it->trend_features_size() != static_cast<int>(kTrendFeatureNames.size())) continue;
    *req.add_steps()->mutable_values() = it->trend_features();
  }
  if (current) {
    auto* step = req.add_steps();
    for (float f : *current) step->add_values(f);
  }
  out.set_assessments_used(req.steps_size());
  if (req.steps_size() < options_.min_trend_assessments) {
    out.set_unavailable_reason(absl::StrFormat("%d of the %d assessments a trend needs",
                                               req.steps_size(), options_.min_trend_assessments));
    return out;
  }
  auto trend = deps_.temporal->Predict(req, Min(deadline, In(options_.temporal_timeout_ms)));
  if (!trend.ok()) {
    out.set_unavailable_reason(
        absl::StrCat("trend service failed (", trend.status().message(), ")"));
    return out;
  }
  out.set_trend(trend->trend());
  *out.mutable_probabilities() = trend->probabilities();
  out.set_confidence(trend->confidence());
  out.set_assessments_used(trend->steps_used());
  return out;
}

absl::StatusOr<burnout::v1::HistoryResponse> Assessor::History(
    const burnout::v1::HistoryRequest& request) {
  BR_RETURN_IF_ERROR(CheckUserId(request.user_id()));
  const int limit = request.limit() > 0 ? std::min(request.limit(), 1000) : 20;
  BR_ASSIGN_OR_RETURN(auto rows, deps_.store->History(request.user_id(), limit, request.since_ms()));
  burnout::v1::HistoryResponse out;
  for (auto& r : rows) *out.add_assessments() = std::move(r);
  return out;
}

absl::StatusOr<burnout::v1::TrendSummary> Assessor::Trend(const std::string& user_id,
                                                          Deadline deadline) {
  BR_RETURN_IF_ERROR(CheckUserId(user_id));
  return ComputeTrend(user_id, nullptr, deadline);
}

absl::StatusOr<burnout::v1::ExportResponse> Assessor::Export(
    const burnout::v1::ExportRequest& request) {
  BR_RETURN_IF_ERROR(CheckUserId(request.user_id()));
  BR_ASSIGN_OR_RETURN(auto rows, deps_.store->History(request.user_id(), 0, 0));
  std::reverse(rows.begin(), rows.end());  // oldest first reads naturally in a file
  burnout::v1::ExportResponse out;
  out.set_assessments(static_cast<int>(rows.size()));
  if (request.format() == burnout::v1::EXPORT_FORMAT_JSON) {
    out.set_content_type("application/json");
    BR_ASSIGN_OR_RETURN(*out.mutable_data(), ToJson(rows));
  } else {
    out.set_content_type("text/csv");
    out.set_data(ToCsv(rows));
  }
  return out;
}

absl::StatusOr<burnout::v1::DeleteUserDataResponse> Assessor::Delete(const std::string& user_id) {
  BR_RETURN_IF_ERROR(CheckUserId(user_id));
  BR_ASSIGN_OR_RETURN(int n, deps_.store->DeleteUser(user_id));
  burnout::v1::DeleteUserDataResponse out;
  out.set_assessments_deleted(n);
  return out;
}

}  // namespace burnout::orchestrator
