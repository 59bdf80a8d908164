#include "orchestrator/retention.h"

#include <chrono>

#include "spdlog/spdlog.h"

namespace burnout::orchestrator {

RetentionJob::RetentionJob(store::AssessmentStore* store, const burnout::v1::RetentionConfig& config)
    : store_(store), config_(config) {
  if (config_.assessments_days() > 0 || config_.session_series_days() > 0 ||
      config_.checkins_days() > 0 || config_.audit_days() > 0) {
    thread_ = std::thread([this] { Loop(); });
  }
}

RetentionJob::~RetentionJob() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<store::RetentionCounts> RetentionJob::RunOnce(int64_t now_ms) {
  store::RetentionPolicy p;
  p.now_ms = now_ms;
  p.assessments_days = config_.assessments_days();
  p.session_series_days = config_.session_series_days();
  p.checkins_days = config_.checkins_days();
  p.audit_days = config_.audit_days();
  return store_->ApplyRetention(p);
}

void RetentionJob::Loop() {
  const auto interval = std::chrono::seconds(config_.interval_s() > 0 ? config_.interval_s() : 3600);
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    auto n = RunOnce(now);
    if (!n.ok()) {
      spdlog::warn("retention: {}", std::string(n.status().message()));
    } else if (n->assessments + n->session_series + n->checkins + n->audit > 0) {
      spdlog::info(
          "retention: deleted {} assessments, {} session series, {} check-ins, {} audit entries",
          n->assessments, n->session_series, n->checkins, n->audit);
    }
    lock.lock();
    cv_.wait_for(lock, interval, [this] { return stop_; });
  }
}

}  // namespace burnout::orchestrator
