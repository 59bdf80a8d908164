// The rolling window of a live audio stream: due times, newest-only hand-out, skip counts,
// bounded memory.
#include "services/voice/stream_window.h"

#include <numeric>
#include <vector>

#include "gtest/gtest.h"

namespace burnout::voice {
namespace {

std::vector<float> Ramp(int64_t from, int n) {
  std::vector<float> v(n);
  std::iota(v.begin(), v.end(), static_cast<float>(from));
  return v;
}

TEST(StreamWindowTest, FirstWindowThenEveryHop) {
  StreamWindow w(/*window=*/30, /*hop=*/10, /*rate=*/10);
  int64_t t = 0;
  auto push = [&](int n) {
    auto v = Ramp(t, n);
    w.Append(v.data(), v.size());
    t += n;
  };
  push(29);
  EXPECT_FALSE(w.Due());
  push(1);
  ASSERT_TRUE(w.Due());
  auto first = w.Take();
  EXPECT_EQ(first.samples.size(), 30u);
  EXPECT_EQ(first.samples.front(), 0.0f);
  EXPECT_EQ(first.samples.back(), 29.0f);
  EXPECT_DOUBLE_EQ(first.start_s, 0.0);
  EXPECT_DOUBLE_EQ(first.end_s, 3.0);
  EXPECT_FALSE(w.Due());
  push(9);
  EXPECT_FALSE(w.Due());
  push(1);
  ASSERT_TRUE(w.Due());
  auto second = w.Take();
  EXPECT_EQ(second.samples.front(), 10.0f);
  EXPECT_EQ(second.samples.back(), 39.0f);
  EXPECT_DOUBLE_EQ(second.start_s, 1.0);
  EXPECT_EQ(w.skipped(), 0);
}

TEST(StreamWindowTest, OnlyTheNewestDueWindowIsHandedOutAndTheRestCounted) {
  StreamWindow w(30, 10, 10);
  auto v = Ramp(0, 30);
  w.Append(v.data(), v.size());
  (void)w.Take();
  // The consumer was busy for 3.5 hops: one window, the newest; two counted as skipped.
  auto more = Ramp(30, 35);
  w.Append(more.data(), more.size());
  ASSERT_TRUE(w.Due());
  auto newest = w.Take();
  EXPECT_EQ(newest.samples.back(), 64.0f);
  EXPECT_EQ(w.skipped(), 2);
  EXPECT_FALSE(w.Due());
  auto five = Ramp(65, 5);
  w.Append(five.data(), five.size());
  EXPECT_TRUE(w.Due());  // at 70
  // The stream ends: the window due at 70 was never analysed.
  auto tail = w.Tail();
  EXPECT_EQ(tail.samples.back(), 69.0f);
  EXPECT_EQ(w.skipped(), 3);
  EXPECT_FALSE(w.Due());
}

TEST(StreamWindowTest, MemoryStaysBoundedWhateverTheInput) {
  StreamWindow w(1600, 400, 16000);
  std::vector<float> chunk(160, 0.5f);
  for (int i = 0; i < 100000; ++i) w.Append(chunk.data(), chunk.size());  // 1000 s, never taken
  EXPECT_EQ(w.total_samples(), 16000000);
  auto tail = w.Tail();
  EXPECT_EQ(tail.samples.size(), 1600u);
  EXPECT_DOUBLE_EQ(tail.end_s, 1000.0);
  std::vector<float> huge(100000, 0.25f);
  w.Append(huge.data(), huge.size());
  EXPECT_EQ(w.Tail().samples.size(), 1600u);
  EXPECT_EQ(w.Tail().samples.front(), 0.25f);
}

TEST(StreamWindowTest, ShortStreamTailIsWhatArrived) {
  StreamWindow w(48000, 16000, 16000);
  auto v = Ramp(0, 8000);
  w.Append(v.data(), v.size());
  EXPECT_FALSE(w.Due());
  auto tail = w.Tail();
  EXPECT_EQ(tail.samples.size(), 8000u);
  EXPECT_DOUBLE_EQ(tail.start_s, 0.0);
  EXPECT_DOUBLE_EQ(tail.end_s, 0.5);
}

}  // namespace
}  // namespace burnout::voice
