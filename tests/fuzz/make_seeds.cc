// Seed corpora for the fuzz harnesses (tests/fuzz/fuzz_*.cc), made the way the tests make
// their fixtures: small JPEG and PNG photos (the astronaut portrait from ../shared/data/faces,
// or a drawn face), espeak-ng speech as WAV files and PCM chunks, the shipped configs and
// model manifests, and the web API's JSON bodies.
//   burnout-fuzz-seeds OUT_DIR     (writes OUT_DIR/<harness>/<seed>)
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "services/voice/espeak.h"

namespace fs = std::filesystem;

namespace {

void Write(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Wav(const std::vector<float>& x, int rate, int bits) {
  std::string data;
  for (float v : x) {
    if (bits == 16) {
      const int16_t s = static_cast<int16_t>(std::max(-1.0f, std::min(1.0f, v)) * 32767);
      data.append(reinterpret_cast<const char*>(&s), 2);
    } else {
      data.append(reinterpret_cast<const char*>(&v), 4);
    }
  }
  auto u32 = [](uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [](uint16_t v) { return std::string(reinterpret_cast<const char*>(&v), 2); };
  const uint16_t format = bits == 16 ? 1 : 3;
  return "RIFF" + u32(36 + data.size()) + "WAVEfmt " + u32(16) + u16(format) + u16(1) + u32(rate) +
         u32(rate * bits / 8) + u16(bits / 8) + u16(bits) + "data" + u32(data.size()) + data;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: burnout-fuzz-seeds OUT_DIR" << std::endl;
    return 2;
  }
  const fs::path out = argv[1];
  // Photos.
  cv::Mat face = cv::imread("../shared/data/faces/astronaut.png", cv::IMREAD_COLOR);
  if (face.empty()) {
    face = cv::Mat(96, 96, CV_8UC3, cv::Scalar(90, 120, 150));
    cv::circle(face, {48, 48}, 40, {180, 200, 220}, cv::FILLED);
  }
  cv::resize(face, face, {48, 48});
  std::vector<uchar> buf;
  cv::imencode(".jpg", face, buf, {cv::IMWRITE_JPEG_QUALITY, 70});
  Write(out / "image" / "face.jpg", std::string(buf.begin(), buf.end()));
  cv::imencode(".jpg", face, buf, {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
  Write(out / "image" / "progressive.jpg", std::string(buf.begin(), buf.end()));
  cv::imencode(".png", face, buf);
  Write(out / "image" / "face.png", std::string(buf.begin(), buf.end()));
  cv::Mat grey;
  cv::cvtColor(face, grey, cv::COLOR_BGR2GRAY);
  cv::imencode(".png", grey, buf);
  Write(out / "image" / "grey.png", std::string(buf.begin(), buf.end()));

  // Speech: a short utterance as WAV files (16-bit, float, 8 kHz) and as stream scripts
  // (format bytes, then length-prefixed chunks).
  burnout::voice::SpeechSpec spec;
  spec.text = "so tired";
  auto speech = burnout::voice::SynthesizeSpeech(spec);
  std::vector<float> x = speech.ok() ? *speech : std::vector<float>(4000, 0.1f);
  x.resize(std::min<size_t>(x.size(), 8000));
  Write(out / "audio_file" / "speech16.wav", Wav(x, 16000, 16));
  Write(out / "audio_file" / "speechf32.wav", Wav(x, 16000, 32));
  std::vector<float> half(x.begin(), x.begin() + x.size() / 2);
  Write(out / "audio_file" / "speech8k.wav", Wav(half, 8000, 16));
  for (int encoding = 0; encoding < 2; ++encoding) {
    std::string script = {static_cast<char>(encoding), 4 /* 16000 Hz */, 1 /* mono */};
    const std::string pcm = Wav(x, 16000, encoding ? 32 : 16).substr(44, 1400);
    for (size_t at = 0; at + 200 <= pcm.size(); at += 200) {
      script.push_back(static_cast<char>(28));  // a 197-byte chunk (1 + 28 * 7)
      script += pcm.substr(at, 196);
    }
    Write(out / "audio_stream" / ("speech" + std::to_string(encoding)), script);
  }

  // Text for the tokenizers.
  Write(out / "tokenizers" / "journal", "I'm exhausted. Every day feels the same; I can't sleep!");
  Write(out / "tokenizers" / "unicode", "Müde… 疲れた 😴 <s>mask</s> don't");

  // Configs (selector byte, then the file) and model manifests (selector 8).
  const char* configs[] = {"text", "voice", "face", "fusion", "temporal", "orchestrator", "stack"};
  for (int i = 0; i < 7; ++i) {
    const std::string text = Slurp(fs::path("config") / (std::string(configs[i]) + ".textproto"));
    if (!text.empty()) Write(out / "config" / configs[i], std::string(1, static_cast<char>(i)) + text);
  }
  int manifests = 0;
  for (const auto& e : fs::recursive_directory_iterator("models")) {
    if (e.path().filename() == "manifest.textproto" && manifests < 6) {
      Write(out / "config" / ("manifest" + std::to_string(manifests++)), "\x08" + Slurp(e.path()));
    }
  }

  // The web API's bodies: selector byte (the method's index, or the last for a session's input).
  const char* bodies[] = {
      R"({"user_id":"ana","request_id":"r1","text":"SSdtIHRpcmVk","audio":{"data":"UklGRg==","filename":"a.wav"}})",
      R"({"user_id":"ana","limit":5,"since_ms":"1700000000000"})",
      R"({"user_id":"ana"})",
      R"({"user_id":"ana","format":"EXPORT_FORMAT_JSON"})",
      R"({"user_id":"ana","assessment_id":"a-1"})",
  };
  for (int i = 0; i < 5; ++i) Write(out / "web_json" / ("m" + std::to_string(i)), std::string(1, static_cast<char>(i)) + bodies[i]);
  Write(out / "web_json" / "input",
        std::string(1, static_cast<char>(16)) +
            R"({"requests":[{"audio":{"pcm":"AAAAAA==","capture_time_us":"0"}},{"frame":{"encoded":"/9j/","capture_time_us":"200000"}}]})");
  std::cout << "seeds written to " << out.string() << std::endl;
  return 0;
}
