// Chromium's fake camera and microphone for the browser tests: a Y4M video of a face (the
// public-domain astronaut portrait from ../shared/data/faces, or a drawn face without it)
// moving a little, and a WAV of espeak-ng reading a tired journal entry, flatly and slowly.
//   burnout-fake-media OUT.y4m OUT.wav
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "services/voice/espeak.h"

namespace {

bool WriteY4m(const std::string& path) {
  cv::Mat face = cv::imread("../shared/data/faces/astronaut.png", cv::IMREAD_COLOR);
  if (face.empty()) {
    face = cv::Mat(240, 240, CV_8UC3, cv::Scalar(90, 120, 150));
    cv::circle(face, {120, 120}, 100, {180, 200, 220}, cv::FILLED);
  }
  cv::resize(face, face, {260, 260});
  constexpr int kW = 640, kH = 480, kFrames = 30;
  std::ofstream out(path, std::ios::binary);
  out << "YUV4MPEG2 W" << kW << " H" << kH << " F15:1 Ip A1:1 C420jpeg\n";
  for (int i = 0; i < kFrames; ++i) {
    cv::Mat frame(kH, kW, CV_8UC3, cv::Scalar(70, 85, 80));
    const int dx = (i < kFrames / 2 ? i : kFrames - i) * 4;
    face.copyTo(frame(cv::Rect(170 + dx, 100, face.cols, face.rows)));
    cv::Mat yuv;
    cv::cvtColor(frame, yuv, cv::COLOR_BGR2YUV_I420);
    out << "FRAME\n";
    out.write(reinterpret_cast<const char*>(yuv.data), static_cast<std::streamsize>(yuv.total()));
  }
  return static_cast<bool>(out);
}

void Put32(std::ofstream& o, uint32_t v) { o.write(reinterpret_cast<const char*>(&v), 4); }
void Put16(std::ofstream& o, uint16_t v) { o.write(reinterpret_cast<const char*>(&v), 2); }

bool WriteWav(const std::string& path) {
  std::vector<float> pcm;
  for (const char* line : {"I am exhausted. Every day feels the same and I cannot sleep.",
                           "The deadlines never stop. I used to love this work."}) {
    burnout::voice::SpeechSpec spec;
    spec.text = line;
    spec.pitch = 35;
    spec.speed = 115;
    auto s = burnout::voice::SynthesizeSpeech(spec);  // 16 kHz mono
    if (!s.ok()) {
      std::cerr << "burnout-fake-media: " << s.status() << std::endl;
      return false;
    }
    pcm.insert(pcm.end(), s->begin(), s->end());
    pcm.insert(pcm.end(), 8000, 0.0f);
  }
  std::ofstream o(path, std::ios::binary);
  const uint32_t bytes = static_cast<uint32_t>(pcm.size() * 2);
  o << "RIFF";
  Put32(o, 36 + bytes);
  o << "WAVEfmt ";
  Put32(o, 16);
  Put16(o, 1);
  Put16(o, 1);
  Put32(o, 16000);
  Put32(o, 32000);
  Put16(o, 2);
  Put16(o, 16);
  o << "data";
  Put32(o, bytes);
  for (float x : pcm) {
    const float c = x < -1 ? -1 : (x > 1 ? 1 : x);
    Put16(o, static_cast<uint16_t>(static_cast<int16_t>(c * 32767)));
  }
  return static_cast<bool>(o);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: burnout-fake-media OUT.y4m OUT.wav" << std::endl;
    return 2;
  }
  return WriteY4m(argv[1]) && WriteWav(argv[2]) ? 0 : 1;
}
