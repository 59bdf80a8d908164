// W3C trace context (https://www.w3.org/TR/trace-context/) through every hop: a server reads
// the caller's `traceparent` (or starts a trace when there is none), logs its span as one JSON
// line when the call ends (trace_id, span_id, parent_id, service, method, code, ms), and work
// done for the call carries the context, so the calls it makes send
// `traceparent: 00-<trace_id>-<its span_id>-01` and the next service's span names it as parent.
// The trace id is the request id in every service's log.
#pragma once

#include <string>

#include "grpcpp/client_context.h"
#include "grpcpp/server_context.h"

namespace burnout::grpcx {

struct TraceContext {
  std::string trace_id;  // 32 lowercase hex
  std::string span_id;   // 16 lowercase hex: the span of the call being served
  bool valid() const { return trace_id.size() == 32 && span_id.size() == 16; }
  std::string Traceparent() const { return "00-" + trace_id + "-" + span_id + "-01"; }
};

// Parses "00-<32 hex>-<16 hex>-<2 hex>"; false for anything else (all-zero ids included).
bool ParseTraceparent(const std::string& header, std::string* trace_id, std::string* parent_id);

// Random ids (thread-local generator).
std::string NewTraceId();
std::string NewSpanId();

// The span of the server call `ctx` (recorded by the metrics interceptor while the call runs);
// invalid when unknown.
TraceContext TraceOf(const grpc::ServerContextBase* ctx);

// The trace of the work running on this thread (set by ScopedTrace), for outgoing calls.
const TraceContext& CurrentTrace();

class ScopedTrace {
 public:
  explicit ScopedTrace(TraceContext t);
  ~ScopedTrace();
  ScopedTrace(const ScopedTrace&) = delete;
  ScopedTrace& operator=(const ScopedTrace&) = delete;

 private:
  TraceContext previous_;
};

// Adds `traceparent` for CurrentTrace() to an outgoing call (nothing when there is none).
void Propagate(grpc::ClientContext* ctx);

// Internal: the interceptor records and forgets server calls' spans.
void RecordServerSpan(const grpc::ServerContextBase* ctx, TraceContext t);
void ForgetServerSpan(const grpc::ServerContextBase* ctx);

}  // namespace burnout::grpcx
