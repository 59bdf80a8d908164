#include "orchestrator/assessor.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/grpc/metrics.h"
#include "common/limits/limits.h"
#include "common/status/macros.h"
#include "spdlog/spdlog.h"
#include "orchestrator/explainer.h"
#include "orchestrator/export.h"
#include "orchestrator/orchestrator_config.h"
#include "orchestrator/insight/contradictions.h"
#include "orchestrator/insight/recommendations.h"
#include "orchestrator/person_insight.h"
#include "orchestrator/state_engine.h"
#include "common/state/trend_features.h"

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

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
      .count();
}

constexpr int64_t kDayMs = 86400000;

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
    : options_(options), deps_(deps) {
  // Unset (0) insight settings take the configuration's defaults.
  burnout::v1::OrchestratorConfig c;
  *c.mutable_baseline() = options_.baseline;
  *c.mutable_alerts() = options_.alerts;
  *c.mutable_checkin() = options_.checkin;
  c.mutable_privacy()->set_min_group_size(options_.min_group_size);
  c.set_contradiction_threshold(options_.contradiction_threshold);
  c.set_recommendations("none");
  if (PrepareInsightConfig("", &c).ok()) {
    options_.baseline = c.baseline();
    options_.alerts = c.alerts();
    options_.checkin = c.checkin();
  }
}

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
    // Masked modalities by why, for /metrics (the kind, not the message).
    grpcx::Metrics::Get().Count(
        "burnout_masked_total",
        {{"modality", name},
         {"reason", !s.client ? "not deployed"
                              : absl::StatusCodeToString(s.result.status().code())}});
  }
  if (!any_used) {
    const std::string msg =
        absl::StrCat("no modality could be analysed; ", absl::StrJoin(reasons, "; "));
    return input_rejected ? absl::InvalidArgumentError(msg) : absl::UnavailableError(msg);
  }
  BR_ASSIGN_OR_RETURN(Person person, LoadPerson(req.user_id(), a.created_at_ms()));
  BR_RETURN_IF_ERROR(FuseInto(&a, deadline, &person));
  BR_ASSIGN_OR_RETURN(a, TrendExplainStore(std::move(a), person, deadline));
  AddTiming(&a, "total", MsSince(start));
  return a;
}

absl::StatusOr<Assessor::Person> Assessor::LoadPerson(const std::string& user_id,
                                                      int64_t now_ms) {
  Person p;
  const int by_count = std::max(options_.baseline.window(), options_.trend_window);
  auto history = deps_.store->History(user_id, by_count, 0);
  if (!history.ok()) {
    return absl::UnavailableError(
        absl::StrCat("the person's history is unavailable: ", history.status().message()));
  }
  p.history = std::move(*history);
  const int64_t since = now_ms - static_cast<int64_t>(options_.alerts.history_days()) * kDayMs;
  auto series = deps_.store->Series(user_id, since);
  if (!series.ok()) {
    return absl::UnavailableError(
        absl::StrCat("the person's history is unavailable: ", series.status().message()));
  }
  p.series = std::move(*series);
  auto checkins = deps_.store->CheckIns(user_id, 0);
  if (!checkins.ok()) {
    return absl::UnavailableError(
        absl::StrCat("the person's check-ins are unavailable: ", checkins.status().message()));
  }
  p.checkins = std::move(*checkins);
  p.baseline = BuildBaseline(user_id, p.history, options_.baseline, now_ms);
  return p;
}

void Assessor::Audit(const std::string& user_id, const std::string& actor,
                     const std::string& action, const absl::Status& outcome,
                     const std::string& detail) {
  store::AuditEntry e;
  e.at_ms = NowMs();
  e.user_id = user_id;
  e.actor = actor;
  e.action = action;
  e.outcome = outcome.ok() ? "ok"
                           : absl::StrCat(absl::StatusCodeToString(outcome.code()), ": ",
                                          outcome.message());
  e.detail = detail;
  if (absl::Status s = deps_.store->Audit(e); !s.ok()) {
    spdlog::warn("audit entry for {} not written: {}", user_id, std::string(s.message()));
  }
}

absl::StatusOr<burnout::v1::AuditLogResponse> Assessor::AuditLog(
    const burnout::v1::AuditLogRequest& request) {
  BR_RETURN_IF_ERROR(CheckUserId(request.user_id()));
  BR_ASSIGN_OR_RETURN(auto entries, deps_.store->AuditLog(request.user_id()));
  const int limit = request.limit() > 0 ? std::min(request.limit(), 10000) : 100;
  burnout::v1::AuditLogResponse out;
  for (const auto& e : entries) {
    if (out.records_size() >= limit) break;
    auto* r = out.add_records();
    r->set_at_ms(e.at_ms);
    r->set_action(e.action);
    r->set_outcome(e.outcome);
    r->set_detail(e.detail);
    r->set_actor(e.actor);
  }
  return out;
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

absl::Status Assessor::FuseInto(Assessment* a, Deadline deadline, const Person* person) {
  burnout::v1::FuseRequest fuse;
  if (person != nullptr) {
    for (auto& b : FusionBaselines(person->baseline, options_.baseline)) {
      *fuse.add_baselines() = std::move(b);
    }
  }
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

absl::StatusOr<Assessment> Assessor::TrendExplainStore(Assessment a, const Person& person,
                                                       Deadline deadline) {
  const auto trend_start = Steady::now();
  *a.mutable_trend() = ComputeTrend(person.history, &a, deadline);
  AddTiming(&a, "temporal", MsSince(trend_start));

  const auto insight_start = Steady::now();
  *a.mutable_baseline() = CompareToBaseline(a, person.baseline);
  std::vector<store::SeriesPoint> series = person.series;
  series.push_back(PointOf(a));
  const std::vector<burnout::v1::Alert> alerts = ComputeAlerts(a.user_id(), series, options_.alerts);
  for (const auto& alert : alerts) {
    // The alerts as they stand now: active ones, and those this assessment's day cleared.
    if (alert.state() == burnout::v1::ALERT_STATE_ACTIVE ||
        alert.cleared_at_ms() >= a.created_at_ms() - kDayMs) {
      *a.add_alerts() = alert;
    }
  }
  *a.mutable_self_report() = BuildSelfReport(person.checkins, series, a, options_.checkin);
  for (auto& c : insight::FindContradictions(a, options_.contradiction_threshold)) {
    *a.add_contradictions() = std::move(c);
  }
  if (options_.recommendations.rules_size() > 0) {
    for (auto& r : insight::Recommend(a, options_.recommendations)) {
      *a.add_recommendations() = std::move(r);
    }
  }
  for (auto& n : Explain(a)) *a.add_narratives() = std::move(n);
  AddTiming(&a, "insight", MsSince(insight_start));

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
  // Derived state, recomputable from the history: a failure here loses nothing, the next
  // assessment or read recomputes it.
  std::vector<Assessment> with_current;
  with_current.reserve(person.history.size() + 1);
  with_current.push_back(a);
  with_current.insert(with_current.end(), person.history.begin(), person.history.end());
  if (absl::Status s = deps_.store->PutBaseline(
          BuildBaseline(a.user_id(), with_current, options_.baseline, a.created_at_ms()));
      !s.ok()) {
    AddTiming(&a, "baseline_not_stored", 0);
  }
  deps_.store->ReplaceAlerts(a.user_id(), alerts).IgnoreError();
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
  BR_ASSIGN_OR_RETURN(Person person, LoadPerson(user_id, a.created_at_ms()));
  BR_RETURN_IF_ERROR(FuseInto(&a, deadline, &person));
  BR_ASSIGN_OR_RETURN(a, TrendExplainStore(std::move(a), person, deadline));
  AddTiming(&a, "total", MsSince(start));
  return a;
}

burnout::v1::TrendSummary Assessor::ComputeTrend(const std::vector<Assessment>& history,
                                                 const Assessment* current, Deadline deadline) {
  burnout::v1::TrendSummary out;
  // The newest trend_window assessments with the temporal model's features, oldest first,
  // each with the time since the one before it.
  std::vector<const Assessment*> steps;
  if (current) steps.push_back(current);
  for (const auto& h : history) {
    if (static_cast<int>(steps.size()) >= options_.trend_window) break;
    if (h.trend_features_size() != static_cast<int>(kTrendFeatureNames.size())) continue;
    steps.push_back(&h);
  }
  std::reverse(steps.begin(), steps.end());
  burnout::v1::TrendRequest req;
  for (const auto& name : kTrendFeatureNames) req.add_feature_names(name);
  req.add_feature_names(temporal::kGapDaysFeature);
  for (size_t i = 0; i < steps.size(); ++i) {
    auto* step = req.add_steps();
    *step->mutable_values() = steps[i]->trend_features();
    const double gap_days =
        i == 0 ? 0.0
               : std::max<int64_t>(0, steps[i]->created_at_ms() - steps[i - 1]->created_at_ms()) /
                     static_cast<double>(kDayMs);
    step->add_values(static_cast<float>(temporal::EncodeGapDays(gap_days)));
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
  BR_ASSIGN_OR_RETURN(auto history, deps_.store->History(user_id, options_.trend_window, 0));
  return ComputeTrend(history, nullptr, deadline);
}

absl::StatusOr<burnout::v1::ExportResponse> Assessor::Export(
    const burnout::v1::ExportRequest& request) {
  BR_RETURN_IF_ERROR(CheckUserId(request.user_id()));
  const std::string& user = request.user_id();
  burnout::v1::PersonExport person;
  person.set_user_id(user);
  person.set_exported_at_ms(NowMs());
  absl::Status status = [&]() -> absl::Status {
    BR_ASSIGN_OR_RETURN(auto rows, deps_.store->History(user, 0, 0));
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) {  // oldest first reads naturally
      *person.add_assessments() = std::move(*it);
    }
    BR_ASSIGN_OR_RETURN(auto checkins, deps_.store->CheckIns(user, 0));
    for (auto& c : checkins) *person.add_checkins() = std::move(c);
    BR_ASSIGN_OR_RETURN(auto alerts, deps_.store->Alerts(user));
    for (auto& a : alerts) *person.add_alerts() = std::move(a);
    BR_ASSIGN_OR_RETURN(auto baseline, deps_.store->GetBaseline(user));
    if (baseline) *person.mutable_baseline() = std::move(*baseline);
    BR_ASSIGN_OR_RETURN(*person.mutable_group(), deps_.store->Group(user));
    BR_ASSIGN_OR_RETURN(auto audit, deps_.store->AuditLog(user));
    for (const auto& e : audit) {
      auto* r = person.add_audit();
      r->set_at_ms(e.at_ms);
      r->set_action(e.action);
      r->set_outcome(e.outcome);
      r->set_detail(e.detail);
      r->set_actor(e.actor);
    }
    return absl::OkStatus();
  }();
  const bool json = request.format() == burnout::v1::EXPORT_FORMAT_JSON;
  BR_RETURN_IF_ERROR(status);
  burnout::v1::ExportResponse out;
  out.set_assessments(person.assessments_size());
  out.set_checkins(person.checkins_size());
  out.set_alerts(person.alerts_size());
  if (json) {
    out.set_content_type("application/json");
    BR_ASSIGN_OR_RETURN(*out.mutable_data(), ToJson(person));
  } else {
    out.set_content_type("text/csv");
    out.set_data(ToCsv(person));
  }
  return out;
}

absl::StatusOr<burnout::v1::DeleteUserDataResponse> Assessor::Delete(const std::string& user_id) {
  BR_RETURN_IF_ERROR(CheckUserId(user_id));
  BR_ASSIGN_OR_RETURN(store::DeleteCounts n, deps_.store->DeleteUser(user_id));
  burnout::v1::DeleteUserDataResponse out;
  out.set_assessments_deleted(n.assessments);
  out.set_checkins_deleted(n.checkins);
  out.set_alerts_deleted(n.alerts);
  out.set_baseline_deleted(n.baseline);
  out.set_group_membership_deleted(n.group);
  out.set_audit_entries_deleted(n.audit);
  return out;
}

absl::StatusOr<Assessment> Assessor::Get(const burnout::v1::GetAssessmentRequest& request) {
  BR_RETURN_IF_ERROR(CheckUserId(request.user_id()));
  BR_RETURN_IF_ERROR(CheckOptionalId(request.assessment_id(), "assessment_id"));
  BR_ASSIGN_OR_RETURN(auto a, deps_.store->FindById(request.user_id(), request.assessment_id()));
  if (!a) {
    return absl::NotFoundError(
        absl::StrCat("no assessment \"", request.assessment_id(), "\" for this person"));
  }
  return *std::move(a);
}

absl::StatusOr<burnout::v1::DeleteAssessmentResponse> Assessor::DeleteOne(
    const burnout::v1::DeleteAssessmentRequest& request) {
  const std::string& user = request.user_id();
  BR_RETURN_IF_ERROR(CheckUserId(user));
  if (request.assessment_id().empty()) return absl::InvalidArgumentError("assessment_id is empty");
  BR_RETURN_IF_ERROR(CheckOptionalId(request.assessment_id(), "assessment_id"));
  BR_ASSIGN_OR_RETURN(bool deleted, deps_.store->DeleteAssessment(user, request.assessment_id()));
  if (!deleted) {
    return absl::NotFoundError(
        absl::StrCat("no assessment \"", request.assessment_id(), "\" for this person"));
  }
  // The derived state is recomputed without it, as if it had never been made.
  const int64_t now = NowMs();
  BR_ASSIGN_OR_RETURN(Person person, LoadPerson(user, now));
  BR_RETURN_IF_ERROR(
      deps_.store->PutBaseline(BuildBaseline(user, person.history, options_.baseline, now)));
  const std::vector<burnout::v1::Alert> alerts = ComputeAlerts(user, person.series, options_.alerts);
  BR_RETURN_IF_ERROR(deps_.store->ReplaceAlerts(user, alerts));
  BR_ASSIGN_OR_RETURN(auto all, deps_.store->Series(user, 0));
  burnout::v1::DeleteAssessmentResponse out;
  out.set_deleted(true);
  out.set_assessments_left(static_cast<int>(all.size()));
  out.set_alerts(static_cast<int>(alerts.size()));
  return out;
}

burnout::v1::CheckInForm Assessor::CheckInForm() const { return MakeCheckInForm(); }

absl::StatusOr<burnout::v1::CheckInResponse> Assessor::CheckIn(
    const burnout::v1::CheckInRequest& request) {
  BR_RETURN_IF_ERROR(CheckUserId(request.user_id()));
  BR_RETURN_IF_ERROR(CheckOptionalId(request.request_id(), "request_id"));
  const std::string& user = request.user_id();
  burnout::v1::CheckInResponse out;
  if (!request.request_id().empty()) {
    BR_ASSIGN_OR_RETURN(auto stored, deps_.store->FindCheckIn(user, request.request_id()));
    if (stored) {
      *out.mutable_checkin() = std::move(*stored);
      out.set_replayed(true);
    }
  }
  const int64_t now = NowMs();
  BR_ASSIGN_OR_RETURN(auto history, deps_.store->Series(user, 0));
  if (!out.replayed()) {
    BR_ASSIGN_OR_RETURN(burnout::v1::CheckIn c, ScoreCheckIn(request, history, now, options_.checkin));
    absl::Status put = deps_.store->PutCheckIn(c);
    if (absl::IsAlreadyExists(put)) {
      BR_ASSIGN_OR_RETURN(auto stored, deps_.store->FindCheckIn(user, request.request_id()));
      if (stored) {
        c = std::move(*stored);
        out.set_replayed(true);
        put = absl::OkStatus();
      }
    }
    if (!put.ok()) {
      return absl::UnavailableError(absl::StrCat("could not store the check-in: ", put.message()));
    }
    *out.mutable_checkin() = std::move(c);
  }
  BR_ASSIGN_OR_RETURN(auto checkins, deps_.store->CheckIns(user, 0));
  *out.mutable_agreement() = AgreementOf(checkins, history, options_.checkin);
  return out;
}

absl::StatusOr<burnout::v1::CheckInsResponse> Assessor::CheckIns(
    const burnout::v1::CheckInsRequest& request) {
  BR_RETURN_IF_ERROR(CheckUserId(request.user_id()));
  BR_ASSIGN_OR_RETURN(auto all, deps_.store->CheckIns(request.user_id(), 0));
  BR_ASSIGN_OR_RETURN(auto history, deps_.store->Series(request.user_id(), 0));
  burnout::v1::CheckInsResponse out;
  *out.mutable_agreement() = AgreementOf(all, history, options_.checkin);
  for (auto& c : all) {
    if (c.created_at_ms() >= request.since_ms()) *out.add_checkins() = std::move(c);
  }
  return out;
}

absl::StatusOr<burnout::v1::PersonalBaseline> Assessor::Baseline(const std::string& user_id) {
  BR_RETURN_IF_ERROR(CheckUserId(user_id));
  BR_ASSIGN_OR_RETURN(auto history, deps_.store->History(user_id, options_.baseline.window(), 0));
  return BuildBaseline(user_id, history, options_.baseline, NowMs());
}

absl::StatusOr<burnout::v1::AlertsResponse> Assessor::Alerts(
    const burnout::v1::AlertsRequest& request) {
  BR_RETURN_IF_ERROR(CheckUserId(request.user_id()));
  BR_ASSIGN_OR_RETURN(auto alerts, deps_.store->Alerts(request.user_id()));
  burnout::v1::AlertsResponse out;
  for (auto& a : alerts) {
    if (request.include_cleared() || a.state() == burnout::v1::ALERT_STATE_ACTIVE) {
      *out.add_alerts() = std::move(a);
    }
  }
  return out;
}

absl::StatusOr<burnout::v1::PersonSummary> Assessor::Summary(
    const burnout::v1::SummaryRequest& request, Deadline deadline) {
  BR_RETURN_IF_ERROR(CheckUserId(request.user_id()));
  const std::string& user = request.user_id();
  const int64_t until = request.until_ms() > 0 ? request.until_ms() : NowMs() + 1;
  const int64_t since = request.since_ms() > 0 ? request.since_ms() : until - 30 * kDayMs;
  if (since >= until) {
    return absl::InvalidArgumentError("since_ms must be before until_ms");
  }
  BR_ASSIGN_OR_RETURN(auto history, deps_.store->History(user, 0, 0));
  BR_ASSIGN_OR_RETURN(auto checkins, deps_.store->CheckIns(user, 0));
  BR_ASSIGN_OR_RETURN(auto alerts, deps_.store->Alerts(user));
  BR_ASSIGN_OR_RETURN(auto series, deps_.store->Series(user, 0));
  burnout::v1::PersonSummary out = SummarizePerson(user, since, until, history, checkins, alerts,
                                                   series, options_.checkin);
  *out.mutable_baseline() = BuildBaseline(user, history, options_.baseline, NowMs());
  std::vector<Assessment> in_period;
  for (const auto& a : history) {
    if (a.created_at_ms() < until) in_period.push_back(a);
  }
  *out.mutable_trend() = ComputeTrend(in_period, nullptr, deadline);
  out.set_notice(kNotice);
  return out;
}

absl::StatusOr<burnout::v1::OrgSummary> Assessor::OrgSummary(
    const burnout::v1::OrgSummaryRequest& request) {
  const int64_t until = request.until_ms() > 0 ? request.until_ms() : NowMs() + 1;
  const int64_t since = request.since_ms() > 0 ? request.since_ms() : until - 30 * kDayMs;
  if (since >= until) {
    return absl::InvalidArgumentError("since_ms must be before until_ms");
  }
  BR_ASSIGN_OR_RETURN(auto groups, deps_.store->GroupAggregates(since, until));
  return SummarizeOrg(groups, since, until, options_.min_group_size);
}

absl::StatusOr<burnout::v1::SetGroupResponse> Assessor::SetGroup(
    const burnout::v1::SetGroupRequest& request) {
  BR_RETURN_IF_ERROR(CheckUserId(request.user_id()));
  if (request.group().size() > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("group is ", request.group().size(), " bytes; the limit is 64"));
  }
  BR_RETURN_IF_ERROR(CheckOptionalId(request.group(), "group"));
  BR_RETURN_IF_ERROR(deps_.store->SetGroup(request.user_id(), request.group()));
  burnout::v1::SetGroupResponse out;
  out.set_group(request.group());
  return out;
}

}  // namespace burnout::orchestrator
