// What reading an assessment against the person costs the orchestrator, by history size: the
// store reads (the newest 30 assessments, the last 120 days' passive series from the columns,
// the check-ins) and the insight arithmetic (baseline, deviations, alerts recomputed from
// scratch, check-in agreement), against the one History read of the newest 10 the trend
// needed before. A real SQLite file (WAL, synchronous=FULL),
// no services.
//
//   ./build/bin/person_bench [repeats=50]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "benchmarks/bench_util.h"
#include "orchestrator/person_insight.h"
#include "orchestrator/state_engine.h"
#include "orchestrator/store/sqlite_store.h"

namespace {

namespace fs = std::filesystem;
using burnout::bench::Percentile;
using namespace burnout;

constexpr int64_t kDayMs = 86400000;

// An assessment shaped like a real one: three modalities with their indicators, a narrative.
v1::Assessment Make(const std::string& user, int64_t t, int i) {
  v1::Assessment a;
  a.set_assessment_id(user + "-" + std::to_string(i));
  a.set_user_id(user);
  a.set_created_at_ms(t);
  const float risk = 0.3f + 0.2f * static_cast<float>((i * 37) % 10) / 10.0f;
  a.mutable_risk()->set_level(v1::RISK_LEVEL_MODERATE);
  a.mutable_state()->set_energy(0.5f);
  a.mutable_state()->set_stress(risk);
  a.mutable_state()->set_work(0.5f);
  const char* names[3][5] = {{"exhaustion", "overload", "mental_distance", "reduced_efficacy", "recovery"},
                             {"pitch_variability_st", "speaking_rate_sps", "speech_ratio", "rms_dbfs", "f0_mean_hz"},
                             {"perclos", "eyes_open", "smile", "yawns", "blink_rate_per_min"}};
  for (int m = 0; m < 3; ++m) {
    auto* o = a.add_modalities();
    o->set_modality(static_cast<v1::Modality>(m + 1));
    o->set_used(true);
    for (const char* n : names[m]) {
      auto* ind = o->mutable_result()->add_indicators();
      ind->set_name(n);
      ind->set_value(0.1 * (i % 7) + 1.0);
    }
    for (int e = 0; e < 7; ++e) o->mutable_result()->add_emotions()->set_probability(1.0f / 7);
  }
  a.add_narratives()->set_text(std::string(300, 'x'));
  for (float f : orchestrator::TrendFeatures(a.state(), risk, orchestrator::EmotionProfile{})) {
    a.add_trend_features(f);
  }
  return a;
}

double Ms(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 50;
  const fs::path dir = fs::temp_directory_path() / ("person_bench_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto store = store::SqliteStore::Open({(dir / "bench.db").string(), false, 5000});
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", std::string(store.status().message()).c_str());
    return 1;
  }
  v1::BaselineConfig bc;
  bc.set_window(30);
  bc.set_min_assessments(5);
  bc.add_personal_indicators("voice.pitch_variability_st");
  v1::AlertConfig ac;
  v1::CheckInConfig cc;
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::printf("%-28s %10s %10s %10s %10s %8s\n", "history (assessments/day)", "old p50", "new p50",
              "new p99", "insight", "ratio");
  for (const auto& [user, per_day] :
       std::vector<std::pair<std::string, int>>{{"none", 0}, {"daily", 1}, {"thrice", 3}, {"ten", 10}}) {
    int n = 0;
    for (int d = 119; d >= 1 && per_day > 0; --d) {
      for (int k = 0; k < per_day; ++k) {
        (*store)->Put(Make(user, now - d * kDayMs + k * 3600000, n++)).IgnoreError();
      }
      if (d % 7 == 0) {
        v1::CheckIn c;
        c.set_checkin_id(user + "-c" + std::to_string(d));
        c.set_user_id(user);
        c.set_created_at_ms(now - d * kDayMs + 1000);
        c.set_personal(50);
        (*store)->PutCheckIn(c).IgnoreError();
      }
    }
    const v1::Assessment current = Make(user, now, n + 1);
    std::vector<double> old_ms, new_ms, insight_ms;
    for (int r = 0; r < repeats; ++r) {
      auto t0 = std::chrono::steady_clock::now();
      auto recent = (*store)->History(user, 10, 0);
      old_ms.push_back(Ms(t0));
      t0 = std::chrono::steady_clock::now();
      auto history = (*store)->History(user, 30, 0);
      auto series = (*store)->Series(user, now - 120 * kDayMs);
      auto checkins = (*store)->CheckIns(user, 0);
      const auto t1 = std::chrono::steady_clock::now();
      const auto baseline = orchestrator::BuildBaseline(user, *history, bc, now);
      const auto comparison = orchestrator::CompareToBaseline(current, baseline);
      series->push_back(orchestrator::PointOf(current));
      const auto alerts = orchestrator::ComputeAlerts(user, *series, ac);
      const auto self = orchestrator::BuildSelfReport(*checkins, *series, current, cc);
      insight_ms.push_back(Ms(t1));
      new_ms.push_back(Ms(t0));
      if (comparison.deviations_size() < 0 || alerts.size() > 1000 || self.text().size() > 1 << 20) return 2;
    }
    const double o = Percentile(old_ms, 0.5), p = Percentile(new_ms, 0.5);
    std::printf("%-28s %9.2fms %9.2fms %9.2fms %9.2fms %7.1fx\n",
                (std::to_string(n) + " (" + std::to_string(per_day) + "/day)").c_str(), o, p,
                Percentile(new_ms, 0.99), Percentile(insight_ms, 0.5), o > 0 ? p / o : 0.0);
  }
  store->reset();
  fs::remove_all(dir);
  return 0;
}
