// The dynamic batcher: batch formation by size and delay, a bounded queue, items that do not
// wait, and draining on destruction. No timing assertions: delays only decide grouping.
#include "common/grpc/batcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

namespace burnout::grpcx {
namespace {

using namespace std::chrono_literals;

struct Recorder {
  std::mutex mu;
  std::vector<std::vector<int>> batches;
  void Run(std::vector<int>& b) {
    std::lock_guard<std::mutex> lock(mu);
    batches.push_back(b);
  }
  size_t total() {
    std::lock_guard<std::mutex> lock(mu);
    size_t n = 0;
    for (auto& b : batches) n += b.size();
    return n;
  }
};

TEST(BatcherTest, GathersUpToTheMaximumWithinTheDelay) {
  Recorder rec;
  {
    BatchingOptions o;
    o.max_batch_size = 4;
    o.max_queue_delay = 500ms;  // long: the batch fills before it expires
    o.max_queue = 100;
    DynamicBatcher<int> b(o, [&](std::vector<int>& batch) { rec.Run(batch); });
    for (int i = 0; i < 10; ++i) {
      int v = i;
      ASSERT_TRUE(b.TrySubmit(v));
    }
  }  // the destructor runs what is queued
  ASSERT_EQ(rec.total(), 10u);
  for (auto& batch : rec.batches) EXPECT_LE(batch.size(), 4u);
  EXPECT_EQ(rec.batches[0].size(), 4u);
  EXPECT_EQ(rec.batches[0], (std::vector<int>{0, 1, 2, 3}));  // arrival order kept
}

TEST(BatcherTest, BatchSizeOneRunsEachItemAlone) {
  Recorder rec;
  {
    BatchingOptions o;
    o.max_batch_size = 1;
    o.max_queue_delay = 100ms;
    DynamicBatcher<int> b(o, [&](std::vector<int>& batch) { rec.Run(batch); });
    for (int i = 0; i < 5; ++i) {
      int v = i;
      ASSERT_TRUE(b.TrySubmit(v));
    }
  }
  ASSERT_EQ(rec.batches.size(), 5u);
}

TEST(BatcherTest, AFullQueueRefusesAndLeavesTheItem) {
  std::atomic<bool> release{false};
  BatchingOptions o;
  o.max_batch_size = 1;
  o.max_queue = 2;
  o.threads = 1;
  std::atomic<int> ran{0};
  DynamicBatcher<std::string> b(o, [&](std::vector<std::string>&) {
    while (!release) std::this_thread::sleep_for(1ms);
    ++ran;
  });
  std::string first = "first";
  ASSERT_TRUE(b.TrySubmit(first));
  while (b.queued() != 0) std::this_thread::sleep_for(1ms);  // the thread holds it
  std::string a = "a", c = "c", refused = "refused";
  ASSERT_TRUE(b.TrySubmit(a));
  ASSERT_TRUE(b.TrySubmit(c));
  EXPECT_FALSE(b.TrySubmit(refused));
  EXPECT_EQ(refused, "refused");  // untouched, for the caller to answer
  release = true;
  while (ran < 3) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(b.stats().items, 3u);
}

TEST(BatcherTest, ItemsThatDoNotWaitRunWithoutTheDelay) {
  // An hour's delay: were it applied, this test would hang until ctest's timeout fails it.
  std::atomic<int> ran{0};
  BatchingOptions o;
  o.max_batch_size = 8;
  o.max_queue_delay = std::chrono::hours(1);
  DynamicBatcher<int> b(o, [&](std::vector<int>& batch) { ran += static_cast<int>(batch.size()); });
  int v = 1;
  ASSERT_TRUE(b.TrySubmit(v, /*wait_for_batch=*/false));
  while (ran == 0) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(b.stats().batches, 1u);
  EXPECT_EQ(b.stats().largest_batch, 1u);
}

TEST(BatcherTest, ConfigDefaultsAndRanges) {
  v1::ServerConfig server;
  server.set_max_queue(77);
  server.set_worker_threads(3);
  v1::BatchingConfig c;
  ASSERT_TRUE(PrepareBatchingConfig(server, &c).ok());
  EXPECT_EQ(c.max_batch_size(), 8);
  EXPECT_EQ(c.max_queue_delay_us(), 1000);
  EXPECT_EQ(c.max_queue(), 77);
  EXPECT_EQ(c.threads(), 3);
  c.set_max_batch_size(1000);
  auto s = PrepareBatchingConfig(server, &c);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("batching.max_batch_size"), std::string::npos);
  v1::BatchingConfig never_wait;
  never_wait.set_max_queue_delay_us(-1);
  ASSERT_TRUE(PrepareBatchingConfig(server, &never_wait).ok());
  EXPECT_EQ(ToBatchingOptions(never_wait).max_queue_delay.count(), 0);
}

}  // namespace
}  // namespace burnout::grpcx
