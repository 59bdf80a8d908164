// The retention job: every `interval`, deletes what RetentionConfig no longer keeps, with the
// store's no-trace guarantee, and logs what went. Runs once at start.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "burnout/v1/config.pb.h"
#include "orchestrator/store/store.h"

namespace burnout::orchestrator {

class RetentionJob {
 public:
  // Not started when every class is kept forever. `store` must outlive the job.
  RetentionJob(store::AssessmentStore* store, const burnout::v1::RetentionConfig& config);
  ~RetentionJob();  // stops and joins
  RetentionJob(const RetentionJob&) = delete;
  RetentionJob& operator=(const RetentionJob&) = delete;

  // One pass now, with `now_ms` as the clock; what it deleted.
  absl::StatusOr<store::RetentionCounts> RunOnce(int64_t now_ms);
  bool running() const { return thread_.joinable(); }

 private:
  void Loop();

  store::AssessmentStore* store_;
  burnout::v1::RetentionConfig config_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace burnout::orchestrator
