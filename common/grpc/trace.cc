#include "common/grpc/trace.h"

#include <mutex>
#include <random>
#include <unordered_map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"

namespace burnout::grpcx {
namespace {

std::mutex g_mu;
std::unordered_map<const grpc::ServerContextBase*, TraceContext>& Spans() {
  static auto* m = new std::unordered_map<const grpc::ServerContextBase*, TraceContext>();
  return *m;
}

thread_local TraceContext t_current;

bool Hex(const std::string& s, size_t n) {
  if (s.size() != n) return false;
  bool nonzero = false;
  for (char c : s) {
    if (!absl::ascii_isxdigit(c) || absl::ascii_isupper(c)) return false;
    nonzero |= c != '0';
  }
  return nonzero;
}

uint64_t Random64() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

}  // namespace

bool ParseTraceparent(const std::string& h, std::string* trace_id, std::string* parent_id) {
  // version "00": 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55 characters.
  if (h.size() != 55 || h.compare(0, 3, "00-") != 0 || h[35] != '-' || h[52] != '-') return false;
  const std::string t = h.substr(3, 32), p = h.substr(36, 16), flags = h.substr(53, 2);
  if (!Hex(t, 32) || !Hex(p, 16) || flags.size() != 2 || !absl::ascii_isxdigit(flags[0]) ||
      !absl::ascii_isxdigit(flags[1])) {
    return false;
  }
  *trace_id = t;
  *parent_id = p;
  return true;
}

std::string NewTraceId() { return absl::StrFormat("%016x%016x", Random64(), Random64() | 1); }
std::string NewSpanId() { return absl::StrFormat("%016x", Random64() | 1); }

TraceContext TraceOf(const grpc::ServerContextBase* ctx) {
  std::lock_guard<std::mutex> lock(g_mu);
  auto it = Spans().find(ctx);
  return it == Spans().end() ? TraceContext{} : it->second;
}

const TraceContext& CurrentTrace() { return t_current; }

ScopedTrace::ScopedTrace(TraceContext t) : previous_(t_current) { t_current = std::move(t); }
ScopedTrace::~ScopedTrace() { t_current = previous_; }

void Propagate(grpc::ClientContext* ctx) {
  if (t_current.valid()) ctx->AddMetadata("traceparent", t_current.Traceparent());
}

void RecordServerSpan(const grpc::ServerContextBase* ctx, TraceContext t) {
  std::lock_guard<std::mutex> lock(g_mu);
  Spans()[ctx] = std::move(t);
}

void ForgetServerSpan(const grpc::ServerContextBase* ctx) {
  std::lock_guard<std::mutex> lock(g_mu);
  Spans().erase(ctx);
}

}  // namespace burnout::grpcx
