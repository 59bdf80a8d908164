#include "orchestrator/person_insight.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/api/api_text.h"
#include "orchestrator/insight/alerts.h"
#include "orchestrator/insight/baseline.h"
#include "orchestrator/insight/calibration.h"
#include "orchestrator/insight/cbi.h"
#include "orchestrator/insight/passive_risk.h"

namespace burnout::orchestrator {
namespace {

using burnout::v1::Assessment;
using burnout::v1::CheckIn;

constexpr int64_t kDayMs = 86400000;

constexpr const char* kTextQuantities[] = {"exhaustion", "overload", "mental_distance",
                                           "reduced_efficacy", "recovery"};
constexpr const char* kVoiceQuantities[] = {"pitch_variability_st", "speaking_rate_sps",
                                            "speech_ratio",         "rms_dbfs",
                                            "f0_mean_hz",           "pause_mean_s",
                                            "energy_variability_db"};
constexpr const char* kFaceQuantities[] = {"perclos", "eyes_open", "smile", "yawns",
                                           "blink_rate_per_min"};

const burnout::v1::ModalityResult* Used(const Assessment& a, burnout::v1::Modality m) {
  for (const auto& o : a.modalities()) {
    if (o.modality() == m && o.used() && o.has_result()) return &o.result();
  }
  return nullptr;
}

template <size_t N>
void AddIndicators(const burnout::v1::ModalityResult* r, const char* prefix,
                   const char* const (&names)[N], std::vector<std::pair<std::string, double>>* out) {
  if (r == nullptr) return;
  for (const char* name : names) {
    for (const auto& ind : r->indicators()) {
      if (ind.name() == name && std::isfinite(ind.value())) {
        out->emplace_back(absl::StrCat(prefix, ".", name), ind.value());
        break;
      }
    }
  }
}

insight::BaselineOptions Options(const burnout::v1::BaselineConfig& c) {
  insight::BaselineOptions o;
  if (c.window() > 0) o.window = c.window();
  if (c.min_assessments() > 0) o.min_observations = c.min_assessments();
  return o;
}

std::vector<insight::Observation> Observations(const std::vector<Assessment>& history) {
  std::vector<insight::Observation> obs;
  for (const auto& a : history) {
    for (auto& [name, value] : BaselineQuantities(a)) {
      obs.push_back({a.created_at_ms(), std::move(name), value});
    }
  }
  return obs;
}

insight::Baseline FromProto(const burnout::v1::PersonalBaseline& b) {
  insight::Baseline out;
  out.min_observations = std::max(1, b.assessments_needed());
  for (const auto& s : b.stats()) {
    insight::IndicatorBaseline ib;
    ib.count = s.n();
    ib.stats = insight::RobustStats{s.median(), s.mad(), s.scale(), s.n()};
    out.indicators[s.name()] = ib;
  }
  return out;
}

int RiskCount(const std::vector<Assessment>& history) {
  int n = 0;
  for (const auto& a : history) n += PassiveRisk(a) >= 0 ? 1 : 0;
  return n;
}

// A check-in's score against the passive risk: personal burnout, else work-related.
std::optional<double> CheckInScore(const CheckIn& c) {
  if (c.has_personal()) return c.personal();
  if (c.has_work()) return c.work();
  return std::nullopt;
}

std::vector<insight::CalibrationPair> Pairs(const std::vector<CheckIn>& checkins,
                                            const std::vector<store::SeriesPoint>& series,
                                            const burnout::v1::CheckInConfig& config) {
  std::vector<insight::TimedValue> c, p;
  for (const auto& k : checkins) {
    if (auto s = CheckInScore(k)) c.push_back({k.created_at_ms(), *s});
  }
  for (const auto& pt : series) {
    if (!pt.abstained) p.push_back({pt.time_ms, pt.risk});
  }
  return insight::PairCheckins(c, p, std::max(1, config.window_days()) * kDayMs);
}

insight::CalibrationOptions CalOptions(const burnout::v1::CheckInConfig& config) {
  insight::CalibrationOptions o;
  if (config.prior_pairs() > 0) o.prior_pairs = config.prior_pairs();
  if (config.min_calibration_pairs() > 0) o.min_pairs = config.min_calibration_pairs();
  return o;
}

std::string NewId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return absl::StrFormat("%016x%016x", rng(), rng());
}

// A stable id for an alert episode: FNV-1a of the person, kind and the day it was raised, so
// recomputing the alerts keeps their ids.
std::string AlertId(const std::string& user, const std::string& kind, int64_t day) {
  uint64_t h = 1469598103934665603ULL;
  for (char ch : absl::StrCat(user, "\n", kind, "\n", day)) {
    h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ULL;
  }
  return absl::StrFormat("al-%016x", h);
}

std::string Points(double v) { return absl::StrFormat("%.0f", v); }

}  // namespace

double PassiveRisk(const Assessment& a) { return insight::PassiveRisk(a).value_or(-1); }

std::vector<std::pair<std::string, double>> BaselineQuantities(const Assessment& a) {
  std::vector<std::pair<std::string, double>> out;
  const double risk = PassiveRisk(a);
  if (risk >= 0) out.emplace_back("risk", risk);
  if (a.has_state()) {
    out.emplace_back("energy", a.state().energy());
    out.emplace_back("stress", a.state().stress());
    out.emplace_back("work", a.state().work());
  }
  AddIndicators(Used(a, burnout::v1::MODALITY_TEXT), "text", kTextQuantities, &out);
  AddIndicators(Used(a, burnout::v1::MODALITY_VOICE), "voice", kVoiceQuantities, &out);
  AddIndicators(Used(a, burnout::v1::MODALITY_FACE), "face", kFaceQuantities, &out);
  return out;
}

burnout::v1::PersonalBaseline BuildBaseline(const std::string& user_id,
                                            const std::vector<Assessment>& history,
                                            const burnout::v1::BaselineConfig& config,
                                            int64_t now_ms) {
  const insight::BaselineOptions options = Options(config);
  // The newest `window` assessments: the baseline never reaches further back than that.
  std::vector<Assessment> recent(
      history.begin(), history.begin() + std::min<size_t>(history.size(), options.window));
  const insight::Baseline b = insight::ComputeBaseline(Observations(recent), options);
  burnout::v1::PersonalBaseline out;
  out.set_user_id(user_id);
  out.set_computed_at_ms(now_ms);
  const int have = RiskCount(recent);
  out.set_assessments_used(static_cast<int>(recent.size()));
  out.set_assessments_needed(options.min_observations);
  out.set_ready(have >= options.min_observations);
  out.set_message(insight::ColdStartMessage(have, options.min_observations));
  for (const auto& [name, ib] : b.indicators) {
    if (!ib.stats) continue;
    auto* s = out.add_stats();
    s->set_name(name);
    s->set_median(ib.stats->median);
    s->set_mad(ib.stats->mad);
    s->set_scale(ib.stats->scale);
    s->set_n(ib.stats->n);
  }
  return out;
}

burnout::v1::BaselineComparison CompareToBaseline(const Assessment& a,
                                                  const burnout::v1::PersonalBaseline& baseline) {
  burnout::v1::BaselineComparison out;
  out.set_ready(baseline.ready());
  out.set_assessments_used(baseline.assessments_used());
  out.set_assessments_needed(baseline.assessments_needed());
  out.set_message(baseline.message());
  for (const auto& p : a.risk().personalized()) out.add_personalized(p);
  if (!baseline.ready()) return out;
  const insight::Baseline b = FromProto(baseline);
  for (const auto& [name, value] : BaselineQuantities(a)) {
    const insight::Deviation d = insight::Deviate(name, value, b);
    if (!d.ready) continue;
    auto* dev = out.add_deviations();
    dev->set_name(name);
    dev->set_value(value);
    dev->set_baseline_median(d.median);
    dev->set_baseline_scale(d.scale);
    dev->set_z(static_cast<float>(d.z));
    dev->set_relative_change(d.relative ? static_cast<float>(*d.relative) : 0.0f);
    dev->set_text(insight::DescribeDeviation(d));
  }
  // The largest deviations first: what a person should read.
  std::stable_sort(out.mutable_deviations()->begin(), out.mutable_deviations()->end(),
                   [](const auto& x, const auto& y) { return std::abs(x.z()) > std::abs(y.z()); });
  return out;
}

std::vector<burnout::v1::IndicatorBaseline> FusionBaselines(
    const burnout::v1::PersonalBaseline& baseline, const burnout::v1::BaselineConfig& config) {
  std::vector<burnout::v1::IndicatorBaseline> out;
  if (!baseline.ready()) return out;
  for (const auto& wanted : config.personal_indicators()) {
    const std::vector<std::string> parts = absl::StrSplit(wanted, absl::MaxSplits('.', 1));
    if (parts.size() != 2) continue;
    const burnout::v1::Modality m = parts[0] == "text"    ? burnout::v1::MODALITY_TEXT
                                    : parts[0] == "voice" ? burnout::v1::MODALITY_VOICE
                                    : parts[0] == "face"  ? burnout::v1::MODALITY_FACE
                                                          : burnout::v1::MODALITY_UNSPECIFIED;
    if (m == burnout::v1::MODALITY_UNSPECIFIED) continue;
    for (const auto& s : baseline.stats()) {
      if (s.name() != wanted || !(s.scale() > 0)) continue;
      burnout::v1::IndicatorBaseline ib;
      ib.set_modality(m);
      ib.set_name(parts[1]);
      ib.set_median(s.median());
      ib.set_scale(s.scale());
      ib.set_n(s.n());
      out.push_back(std::move(ib));
    }
  }
  return out;
}

store::SeriesPoint PointOf(const Assessment& a) {
  const double r = PassiveRisk(a);
  return {a.created_at_ms(), r >= 0 ? r : 0.0, a.state().stress(), r < 0};
}

std::vector<burnout::v1::Alert> ComputeAlerts(const std::string& user_id,
                                              const std::vector<store::SeriesPoint>& series,
                                              const burnout::v1::AlertConfig& config) {
  insight::AlertOptions o;
  if (config.raise_z() > 0) o.raise_z = config.raise_z();
  if (config.clear_z() > 0) o.clear_z = config.clear_z();
  if (config.raise_days() > 0) o.raise_days = config.raise_days();
  if (config.clear_days() > 0) o.clear_days = config.clear_days();
  if (config.cooldown_days() > 0) o.cooldown_days = config.cooldown_days();
  if (config.baseline_days() > 0) o.baseline_days = config.baseline_days();
  if (config.min_baseline_days() > 0) o.min_baseline_days = config.min_baseline_days();
  if (config.min_scale() > 0) o.min_scale = config.min_scale();
  std::vector<insight::TimedValue> risk, stress;
  int64_t newest = 0;
  for (const auto& pt : series) {
    newest = std::max(newest, pt.time_ms);
    if (pt.abstained) continue;
    risk.push_back({pt.time_ms, pt.risk});
    stress.push_back({pt.time_ms, pt.stress});
  }
  const int64_t today = insight::LocalDay(newest, 0);
  std::vector<burnout::v1::Alert> out;
  for (const auto& [kind, values] :
       {std::pair<std::string, const std::vector<insight::TimedValue>*>{"risk_rising", &risk},
        {"stress_rising", &stress}}) {
    for (const auto& ep : insight::DetectEscalations(kind, insight::DailyMeans(*values, 0), o)) {
      burnout::v1::Alert a;
      a.set_alert_id(AlertId(user_id, kind, ep.raised_day));
      a.set_user_id(user_id);
      a.set_kind(kind);
      a.set_state(ep.cleared_day ? burnout::v1::ALERT_STATE_CLEARED : burnout::v1::ALERT_STATE_ACTIVE);
      a.set_raised_at_ms(ep.raised_day * kDayMs);
      a.set_cleared_at_ms(ep.cleared_day ? *ep.cleared_day * kDayMs : 0);
      a.set_baseline(static_cast<float>(ep.baseline_median));
      a.set_value_at_raise(static_cast<float>(ep.value_at_raise));
      a.set_z_at_raise(static_cast<float>(ep.z_at_raise));
      a.set_peak_value(static_cast<float>(ep.peak_value));
      a.set_peak_z(static_cast<float>(ep.peak_z));
      a.set_message(insight::EscalationMessage(ep, today, o));
      out.push_back(std::move(a));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
    return x.raised_at_ms() > y.raised_at_ms();
  });
  return out;
}

burnout::v1::CheckInAgreement AgreementOf(const std::vector<CheckIn>& checkins,
                                          const std::vector<store::SeriesPoint>& series,
                                          const burnout::v1::CheckInConfig& config) {
  const auto pairs = Pairs(checkins, series, config);
  const insight::Agreement ag = insight::MeasureAgreement(pairs);
  burnout::v1::CheckInAgreement out;
  out.set_pairs(ag.pairs);
  if (ag.spearman) out.set_spearman(static_cast<float>(*ag.spearman));
  if (ag.pearson) out.set_pearson(static_cast<float>(*ag.pearson));
  out.set_mean_abs_diff(static_cast<float>(ag.mean_abs_diff.value_or(0)));
  out.set_bias(static_cast<float>(ag.mean_bias.value_or(0)));
  out.set_summary(checkins.empty() ? "No check-ins yet." : ag.summary);
  const insight::PersonalCalibration cal = insight::FitCalibration(pairs, CalOptions(config));
  out.set_calibrated(cal.active);
  out.set_calibration_intercept(static_cast<float>(cal.intercept));
  out.set_calibration_slope(static_cast<float>(cal.slope));
  return out;
}

burnout::v1::SelfReport BuildSelfReport(const std::vector<CheckIn>& checkins,
                                        const std::vector<store::SeriesPoint>& series,
                                        const Assessment& current,
                                        const burnout::v1::CheckInConfig& config) {
  burnout::v1::SelfReport out;
  if (checkins.empty()) return out;
  const CheckIn& latest = checkins.back();
  *out.mutable_latest() = latest;
  *out.mutable_agreement() = AgreementOf(checkins, series, config);
  const double days = (current.created_at_ms() - latest.created_at_ms()) / double(kDayMs);
  std::string text = absl::StrCat(
      "Your last check-in (",
      days < 1 ? std::string("today") : absl::StrFormat("%.0f days ago", std::floor(days)), "): ");
  std::vector<std::string> scales;
  if (latest.has_personal()) {
    scales.push_back(absl::StrCat("personal burnout ", Points(latest.personal()), "/100 (",
                                  latest.personal_band(), ")"));
  }
  if (latest.has_work()) {
    scales.push_back(absl::StrCat("work-related burnout ", Points(latest.work()), "/100 (",
                                  latest.work_band(), ")"));
  }
  absl::StrAppend(&text, absl::StrJoin(scales, ", "), ".");
  const double risk = PassiveRisk(current);
  if (risk >= 0) {
    absl::StrAppend(&text, " Today's passive estimate reads ", Points(100 * risk), "/100");
    const insight::PersonalCalibration cal =
        insight::FitCalibration(Pairs(checkins, series, config), CalOptions(config));
    if (cal.active) {
      const double calibrated = insight::Calibrate(cal, risk);
      out.set_calibrated(static_cast<float>(calibrated));
      absl::StrAppend(&text, "; calibrated to your own check-ins, about ", Points(calibrated),
                      "/100");
    }
    absl::StrAppend(&text, ".");
  }
  if (!out.agreement().summary().empty()) absl::StrAppend(&text, " ", out.agreement().summary());
  out.set_text(text);
  return out;
}

absl::StatusOr<CheckIn> ScoreCheckIn(const burnout::v1::CheckInRequest& request,
                                     const std::vector<store::SeriesPoint>& series, int64_t now_ms,
                                     const burnout::v1::CheckInConfig& config) {
  std::vector<int> answers(request.answers().begin(), request.answers().end());
  auto scores = insight::ScoreCbi(answers);
  if (!scores.ok()) return scores.status();
  CheckIn c;
  c.set_checkin_id(NewId());
  c.set_user_id(request.user_id());
  c.set_request_id(request.request_id());
  c.set_created_at_ms(now_ms);
  for (int a : answers) c.add_answers(a);
  if (scores->personal) {
    c.set_personal(static_cast<float>(*scores->personal));
    c.set_personal_band(scores->personal_band);
  }
  if (scores->work) {
    c.set_work(static_cast<float>(*scores->work));
    c.set_work_band(scores->work_band);
  }
  const int64_t from = now_ms - std::max(1, config.window_days()) * kDayMs;
  double sum = 0;
  int n = 0;
  for (const auto& pt : series) {
    if (pt.abstained || pt.time_ms <= from || pt.time_ms > now_ms) continue;
    sum += pt.risk;
    ++n;
  }
  if (n > 0) c.set_passive(static_cast<float>(100.0 * sum / n));
  c.set_passive_assessments(n);
  return c;
}

burnout::v1::CheckInForm MakeCheckInForm() {
  burnout::v1::CheckInForm f;
  f.set_instrument(
      "Copenhagen Burnout Inventory (CBI): the personal and the work-related burnout scales");
  f.set_citation(
      "Kristensen, T. S., Borritz, M., Villadsen, E., & Christensen, K. B. (2005). The "
      "Copenhagen Burnout Inventory: A new tool for the assessment of burnout. Work & Stress, "
      "19(3), 192-207. Public domain.");
  for (const auto& item : insight::CbiItems()) {
    auto* i = f.add_items();
    i->set_number(item.number);
    i->set_scale(item.scale);
    i->set_text(item.text);
    for (const auto& r : insight::CbiResponses(item.response_kind)) i->add_responses(r);
    i->set_reverse_scored(item.reverse);
  }
  f.set_notice(
      "A self-report questionnaire, kept only for you: scores are scale means from 0 to 100 "
      "(below 50 low, 50-74 moderate, 75-99 high, 100 severe, a convention in later studies). "
      "It is not a diagnosis.");
  return f;
}

burnout::v1::PersonSummary SummarizePerson(const std::string& user_id, int64_t since_ms,
                                           int64_t until_ms, const std::vector<Assessment>& history,
                                           const std::vector<CheckIn>& checkins,
                                           const std::vector<burnout::v1::Alert>& alerts,
                                           const std::vector<store::SeriesPoint>& series,
                                           const burnout::v1::CheckInConfig& config) {
  burnout::v1::PersonSummary out;
  out.set_user_id(user_id);
  out.set_since_ms(since_ms);
  out.set_until_ms(until_ms);
  int counts[4] = {0, 0, 0, 0};
  double risk = 0, energy = 0, stress = 0, work = 0;
  int leveled = 0;
  for (const auto& a : history) {
    if (a.created_at_ms() < since_ms || a.created_at_ms() >= until_ms) continue;
    out.set_assessments(out.assessments() + 1);
    const int level = std::clamp(static_cast<int>(a.risk().level()), 0, 3);
    ++counts[a.risk().abstained() ? 0 : level];
    if (a.risk().abstained() || level == 0) continue;
    ++leveled;
    risk += PassiveRisk(a);
    energy += a.state().energy();
    stress += a.state().stress();
    work += a.state().work();
  }
  for (int l : {1, 2, 3, 0}) {
    auto* c = out.add_levels();
    c->set_level(static_cast<burnout::v1::RiskLevel>(l));
    c->set_count(counts[l]);
  }
  if (leveled > 0) {
    out.set_mean_risk(static_cast<float>(risk / leveled));
    out.set_mean_energy(static_cast<float>(energy / leveled));
    out.set_mean_stress(static_cast<float>(stress / leveled));
    out.set_mean_work(static_cast<float>(work / leveled));
  }
  for (const auto& a : alerts) {
    const bool overlaps = a.raised_at_ms() < until_ms &&
                          (a.state() == burnout::v1::ALERT_STATE_ACTIVE || a.cleared_at_ms() >= since_ms);
    if (overlaps) *out.add_alerts() = a;
  }
  for (const auto& c : checkins) {
    if (c.created_at_ms() >= since_ms && c.created_at_ms() < until_ms) *out.add_checkins() = c;
  }
  *out.mutable_agreement() = AgreementOf(checkins, series, config);
  return out;
}

burnout::v1::OrgSummary SummarizeOrg(const std::vector<store::GroupAggregate>& groups,
                                     int64_t since_ms, int64_t until_ms, int min_group_size) {
  burnout::v1::OrgSummary out;
  out.set_since_ms(since_ms);
  out.set_until_ms(until_ms);
  out.set_min_group_size(min_group_size);
  store::GroupAggregate all;
  double risk = 0, stress = 0, energy = 0, personal = 0, work = 0;
  auto fill = [min_group_size](const store::GroupAggregate& g, burnout::v1::GroupSummary* s) {
    s->set_group(g.group);
    if (g.people < min_group_size) {
      s->set_suppressed(true);
      return;
    }
    s->set_people(g.people);
    s->set_assessments(g.assessments);
    for (const auto& [level, n] : {std::pair{burnout::v1::RISK_LEVEL_LOW, g.low},
                                   {burnout::v1::RISK_LEVEL_MODERATE, g.moderate},
                                   {burnout::v1::RISK_LEVEL_HIGH, g.high},
                                   {burnout::v1::RISK_LEVEL_UNSPECIFIED, g.abstained}}) {
      auto* c = s->add_levels();
      c->set_level(level);
      c->set_count(n);
    }
    s->set_mean_risk(static_cast<float>(g.mean_risk));
    s->set_mean_stress(static_cast<float>(g.mean_stress));
    s->set_mean_energy(static_cast<float>(g.mean_energy));
    s->set_people_with_active_alerts(g.people_with_active_alerts);
    s->set_checkins(g.checkins);
    if (g.checkin_personal_n > 0) s->set_mean_checkin_personal(static_cast<float>(g.mean_checkin_personal));
    if (g.checkin_work_n > 0) s->set_mean_checkin_work(static_cast<float>(g.mean_checkin_work));
  };
  for (const auto& g : groups) {
    auto* s = out.add_groups();
    fill(g, s);
    if (s->suppressed()) {
      out.set_suppressed_groups(out.suppressed_groups() + 1);
      continue;
    }
    // A person counts in one group only, so the people add up exactly.
    all.people += g.people;
    all.assessments += g.assessments;
    all.abstained += g.abstained;
    all.low += g.low;
    all.moderate += g.moderate;
    all.high += g.high;
    const int leveled = g.low + g.moderate + g.high;
    risk += g.mean_risk * leveled;
    stress += g.mean_stress * leveled;
    energy += g.mean_energy * leveled;
    all.people_with_active_alerts += g.people_with_active_alerts;
    all.checkins += g.checkins;
    personal += g.mean_checkin_personal * g.checkin_personal_n;
    work += g.mean_checkin_work * g.checkin_work_n;
    all.checkin_personal_n += g.checkin_personal_n;
    all.checkin_work_n += g.checkin_work_n;
  }
  const int leveled = all.low + all.moderate + all.high;
  if (leveled > 0) {
    all.mean_risk = risk / leveled;
    all.mean_stress = stress / leveled;
    all.mean_energy = energy / leveled;
  }
  if (all.checkin_personal_n > 0) all.mean_checkin_personal = personal / all.checkin_personal_n;
  if (all.checkin_work_n > 0) all.mean_checkin_work = work / all.checkin_work_n;
  all.group = "all groups shown";
  fill(all, out.mutable_overall());
  out.set_notice(absl::StrCat(
      "Aggregates over the people who chose to count in a group. Groups of fewer than ",
      min_group_size,
      " people are not shown, and are left out of the overall figures too. There are no "
      "individual rows. This is not a measure of any person and must not be used to evaluate "
      "employees."));
  return out;
}

}  // namespace burnout::orchestrator
