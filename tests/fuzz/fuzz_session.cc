// A live session's requests as StreamSession validates them (the orchestrator's session core,
// no network): the input is a script of events, each an opcode byte and its operands, the
// client's messages among them as serialized burnout.v1.SessionRequest (structured proto
// input): open, audio chunks and frames with any formats and capture times, half-closes,
// results from the analyzers, fusions and stores, failures and time passing.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "orchestrator/session.h"
#include "orchestrator/session_core.h"

namespace {

namespace v1 = burnout::v1;
using burnout::orchestrator::SessionActions;
using burnout::orchestrator::SessionCore;

class Env : public burnout::orchestrator::SessionEnv {
 public:
  Clock::time_point Now() override { return now; }
  int64_t EpochMicros() override { return epoch_us; }
  bool AcquirePerson(const std::string& user) override { return held[user]++ < 2; }
  void ReleasePerson(const std::string& user) override { --held[user]; }
  Clock::time_point now = Clock::time_point() + std::chrono::hours(1);
  int64_t epoch_us = 1'700'000'000'000'000;
  std::map<std::string, int> held;
};

struct Reader {
  const uint8_t* p;
  size_t n;
  bool Has(size_t k) const { return n >= k; }
  uint8_t Byte() { return n ? (--n, *p++) : 0; }
  uint16_t U16() { return static_cast<uint16_t>(Byte() | (Byte() << 8)); }
  int64_t I64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t{Byte()} << (8 * i);
    return static_cast<int64_t>(v);
  }
  std::string Bytes(size_t k) {
    k = std::min(k, n);
    std::string out(reinterpret_cast<const char*>(p), k);
    p += k;
    n -= k;
    return out;
  }
};

v1::ModalityResult Result(v1::Modality m, float q) {
  v1::ModalityResult r;
  r.set_modality(m);
  r.set_quality(q);
  auto* e = r.add_emotions();
  e->set_label("neutral");
  e->set_probability(1);
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const v1::SessionConfig config = [] {
    v1::SessionConfig c;
    if (!burnout::orchestrator::PrepareSessionConfig(&c).ok()) std::abort();
    return c;
  }();
  Env env;
  Reader in{data, size};
  burnout::orchestrator::SessionCoreOptions options;
  options.face_deployed = in.Byte() % 4 != 0;
  SessionCore core(config, options, &env);
  std::optional<burnout::orchestrator::FuseNow> fuse;
  std::optional<burnout::orchestrator::StoreSummary> store;
  bool finished = false, write_pending = false;
  auto take = [&](SessionActions a) {
    if (a.fuse) fuse = std::move(a.fuse);
    if (a.store) store = std::move(a.store);
    if (a.write) write_pending = true;
    if (a.finish) {
      if (finished) __builtin_trap();  // a call finishes once
      finished = true;
    }
  };
  take(core.Start(in.Byte() % 8 != 0));
  for (int steps = 0; in.Has(1) && steps < 256; ++steps) {
    switch (in.Byte() % 12) {
      case 0:
      case 1:
      case 2: {  // a client message
        v1::SessionRequest r;
        if (!r.ParseFromString(in.Bytes(in.U16() % 2048))) break;
        take(core.OnRequest(&r));
        break;
      }
      case 3:
        take(core.OnReadsDone(in.Byte() & 1));
        break;
      case 4:
        if (write_pending) {
          write_pending = false;
          take(core.OnWriteDone(in.Byte() % 8 != 0));
        }
        break;
      case 5:
        env.now += std::chrono::milliseconds(in.U16());
        env.epoch_us += 1000;
        take(core.OnTick(env.now));
        break;
      case 6:
        take(core.OnUpstreamWriteDone(in.Byte() & 1 ? burnout::orchestrator::SessionStream::kFace
                                                    : burnout::orchestrator::SessionStream::kVoice,
                                      in.Byte() % 8 != 0));
        break;
      case 7: {
        v1::VoiceWindowResult r;
        *r.mutable_result() = Result(v1::MODALITY_VOICE, in.Byte() / 255.0f);
        r.set_capture_time_us(in.I64());
        r.set_window_end_s(in.U16() / 100.0);
        r.set_final(in.Byte() & 1);
        take(core.OnVoiceResult(std::move(r)));
        break;
      }
      case 8: {
        v1::FaceFrameResult r;
        *r.mutable_frame() = Result(v1::MODALITY_FACE, in.Byte() / 255.0f);
        r.set_frame_index(in.U16());
        r.set_capture_time_us(in.I64());
        take(core.OnFaceResult(std::move(r)));
        break;
      }
      case 9:
        if (fuse) {
          auto request = *std::move(fuse);
          fuse.reset();
          v1::Assessment a;
          a.mutable_risk()->set_confidence(in.Byte() / 255.0f);
          take(in.Byte() % 4 ? core.OnFused(a, request)
                             : core.OnFused(absl::UnavailableError("fusion down"), request));
        }
        break;
      case 10:
        if (store) {
          auto request = *std::move(store);
          store.reset();
          v1::Assessment a;
          a.set_assessment_id("stored");
          take(in.Byte() % 4 ? core.OnStored(a, request)
                             : core.OnStored(absl::UnavailableError("store down"), request));
        }
        break;
      case 11:
        take(core.OnUpstreamDone(in.Byte() & 1 ? burnout::orchestrator::SessionStream::kFace
                                               : burnout::orchestrator::SessionStream::kVoice,
                                 grpc::Status(grpc::StatusCode::UNAVAILABLE, "gone")));
        break;
    }
  }
  take(core.OnClientGone());
  return 0;
}
