#include "common/grpc/executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace burnout::grpcx {
namespace {

TEST(ExecutorTest, RunsEveryAcceptedTask) {
  std::atomic<int> n{0};
  {
    Executor ex(2, 100);
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(ex.TrySubmit([&n] { ++n; }));
  }
  EXPECT_EQ(n.load(), 50);
}

TEST(ExecutorTest, FullQueueRefusesInsteadOfBlocking) {
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  Executor ex(1, 2);
  ASSERT_TRUE(ex.TrySubmit([gate] { gate.wait(); }));  // occupies the worker
  // Wait until the worker has taken it, so the queue is empty.
  while (ex.queued() != 0) std::this_thread::yield();
  EXPECT_TRUE(ex.TrySubmit([] {}));
  EXPECT_TRUE(ex.TrySubmit([] {}));
  EXPECT_FALSE(ex.TrySubmit([] {}));
  release.set_value();
}

}  // namespace
}  // namespace burnout::grpcx
