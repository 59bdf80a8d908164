// Test speech: espeak-ng's default English voice at a given pitch, speed and SSML prosody range,
// decoded at 16 kHz (an empty vector, with a test failure, when espeak-ng fails).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "services/voice/espeak.h"

namespace burnout::testutil {

inline std::vector<float> Speak(const std::string& text, int pitch, int speed, const std::string& range) {
  voice::SpeechSpec spec;
  spec.text = text;
  spec.voice = "en";
  spec.pitch = pitch;
  spec.speed = speed;
  spec.pitch_range = range;
  auto samples = voice::SynthesizeSpeech(spec);
  EXPECT_TRUE(samples.ok()) << samples.status();
  return samples.ok() ? *std::move(samples) : std::vector<float>{};
}

}  // namespace burnout::testutil
