// The fatigue measures over synthetic landmark sequences with known blinks, closures, yawns
// and nods, at a webcam's 30 frames a second and at the 5 a live session analyses.
#include "services/face/face_fatigue.h"

#include <cmath>
#include <functional>

#include "common/schema/face_schema.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/face/face_cues.h"

namespace burnout::face {
namespace {

using ::testing::HasSubstr;

constexpr double kOpen = 0.31;    // a relaxed open eye (kOpenEyeAspect)
constexpr double kClosed = 0.07;  // shut

// A tracker fed `seconds` of frames at `fps`; `ear(t)`, `mouth(t)`, `pitch(t)` give the
// measures at time t (s).
FatigueTracker Feed(double seconds, double fps, const std::function<double(double)>& ear,
                    const std::function<double(double)>& mouth = [](double) { return 0.03; },
                    const std::function<double(double)>& pitch = [](double) { return 5.0; }) {
  FatigueTracker t;
  const int frames = static_cast<int>(seconds * fps);
  for (int i = 0; i < frames; ++i) {
    const double s = i / fps;
    FatigueSample f;
    f.time_us = static_cast<int64_t>(std::llround(s * 1e6));
    f.face = true;
    f.ear_right = f.ear_left = ear(s);
    f.mouth_aspect = mouth(s);
    f.pitch_deg = pitch(s);
    t.Add(f);
  }
  return t;
}

// Eyes shut for `duration` s every `period` s, starting at `offset`.
std::function<double(double)> Blinking(double period, double duration, double offset = 0.5) {
  return [=](double s) {
    const double phase = std::fmod(s - offset + 10 * period, period);
    return phase < duration ? kClosed : kOpen;
  };
}

// The fatigue measures fusion reads are among what the stream reports, under the published names.
TEST(FatigueTest, ThePublishedMeasuresAreReported) {
  EXPECT_THAT(FatigueIndicatorNames(), ::testing::Contains(std::string(schema::kFacePerclos.name)));
  EXPECT_THAT(FatigueIndicatorNames(), ::testing::Contains(std::string(schema::kFaceYawns.name)));
}

TEST(FatigueTest, OpenEyesCloseNothing) {
  const auto m = Feed(60, 30, [](double) { return kOpen; }).Measures();
  EXPECT_TRUE(m.ready);
  EXPECT_NEAR(m.span_s, 60, 0.1);
  EXPECT_NEAR(m.sample_fps, 30, 0.5);
  EXPECT_EQ(m.perclos, 0.0);
  EXPECT_EQ(m.blinks, 0);
  EXPECT_EQ(m.long_closures, 0);
  EXPECT_EQ(m.yawns, 0);
  EXPECT_EQ(m.head_nods, 0);
}

TEST(FatigueTest, BlinksAtThirtyFramesASecond) {
  // 15 blinks a minute, 200 ms each.
  const auto m = Feed(60, 30, Blinking(4.0, 0.2)).Measures();
  EXPECT_NEAR(m.blink_rate_per_min, 15, 1.1);
  EXPECT_NEAR(m.blink_duration_ms, 200, 40);
  EXPECT_EQ(m.long_closures, 0);
  // The lids are shut 5% of the time: that is PERCLOS.
  EXPECT_NEAR(m.perclos, 0.05, 0.01);
}

TEST(FatigueTest, FiveFramesASecondStillSeeLongerBlinksAndEveryClosure) {
  // 300 ms blinks are seen at 5 fps (every blink spans at least one frame); the duration is
  // coarse, PERCLOS stays right on average.
  const auto m = Feed(60, 5, Blinking(4.0, 0.3, 0.45)).Measures();
  EXPECT_NEAR(m.blink_rate_per_min, 15, 1.1);
  EXPECT_GT(m.blink_duration_ms, 100);
  EXPECT_LT(m.blink_duration_ms, 500);
  EXPECT_NEAR(m.perclos, 0.075, 0.04);
  // Two-second closures every 10 s: long closures, not blinks; PERCLOS about 0.2.
  const auto drowsy = Feed(60, 5, Blinking(10.0, 2.0)).Measures();
  EXPECT_EQ(drowsy.blinks, 0);
  EXPECT_GE(drowsy.long_closures, 5);
  EXPECT_NEAR(drowsy.perclos, 0.2, 0.03);
  EXPECT_THAT(DescribeFatigue(drowsy, {}), HasSubstr("PERCLOS 0.2"));
  EXPECT_THAT(DescribeFatigue(drowsy, {}), HasSubstr("eye closures longer than 0.5 s"));
  EXPECT_THAT(DescribeFatigue(drowsy, {}), HasSubstr("short blinks can fall between frames"));
}

TEST(FatigueTest, NarrowEyesAreMeasuredAgainstThePersonsOwnOpenEye) {
  // Someone whose open eyes read 0.24 (narrower than the population's 0.31): not closing.
  const auto m = Feed(60, 30, [](double) { return 0.24; }).Measures();
  EXPECT_NEAR(m.open_eye_aspect, 0.24, 1e-9);
  EXPECT_EQ(m.perclos, 0.0);
  EXPECT_LT(m.mean_closure, 0.05);
  // Their blinks still count.
  const auto blinks = Feed(60, 30, [](double s) { return Blinking(5.0, 0.2)(s) == kClosed ? kClosed : 0.24; });
  EXPECT_NEAR(blinks.Measures().blink_rate_per_min, 12, 1.1);
}

TEST(FatigueTest, YawnsAreHeldWideOpenMouths) {
  // Two 3-s yawns; a 0.4-s wide open mouth (a word, a laugh) is not one.
  auto mouth = [](double s) {
    if ((s > 10 && s < 13) || (s > 40 && s < 43)) return 0.7;
    if (s > 25 && s < 25.4) return 0.7;
    return 0.05;
  };
  const auto m = Feed(60, 5, [](double) { return kOpen; }, mouth).Measures();
  EXPECT_EQ(m.yawns, 2);
  EXPECT_THAT(DescribeFatigue(m, {}), HasSubstr("2 yawns"));
}

TEST(FatigueTest, NodsAreDropsOfTheHeadThatComeBack) {
  // Three 1-s nods 25 degrees down; then the head stays down (a look at the desk, no nod).
  auto pitch = [](double s) {
    if ((s > 10 && s < 11) || (s > 20 && s < 21) || (s > 30 && s < 31)) return 30.0;
    if (s > 55) return 35.0;
    return 5.0;
  };
  const auto m = Feed(60, 5, [](double) { return kOpen; }, [](double) { return 0.03; }, pitch).Measures();
  EXPECT_EQ(m.head_nods, 3);
}

TEST(FatigueTest, TheWindowRollsAndNeedsTenSecondsOfFace) {
  FatigueTracker t = Feed(5, 30, Blinking(2.0, 0.2));
  EXPECT_FALSE(t.Measures().ready);
  EXPECT_THAT(DescribeFatigue(t.Measures(), {}), HasSubstr("once 10 s of frames"));
  // Two minutes of closures, then a minute of open eyes: only the last minute counts.
  FatigueTracker r;
  for (int i = 0; i < 180 * 5; ++i) {
    FatigueSample f;
    f.time_us = int64_t{i} * 200000;
    f.face = true;
    f.ear_left = f.ear_right = i < 120 * 5 ? kClosed : kOpen;
    r.Add(f);
  }
  EXPECT_LT(r.Measures().perclos, 0.01);
  EXPECT_NEAR(r.Measures().span_s, 60, 0.3);
  // Time going backwards is ignored, frames without a face only mark time.
  FatigueSample back;
  back.time_us = 1;
  back.face = true;
  r.Add(back);
  EXPECT_EQ(r.samples(), 301);
  FatigueSample gap;
  gap.time_us = 181'000'000;
  r.Add(gap);
  EXPECT_LT(r.Measures().perclos, 0.01);
}

}  // namespace
}  // namespace burnout::face
