// An analyzer service behind a real gRPC server on 127.0.0.1:0, with a stub to call it: the
// fixture of the voice and face service tests. With `load`, the model is loaded and the
// readiness service set SERVING; without, calls see the not-ready path.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "burnout/v1/common.pb.h"
#include "common/grpc/channel.h"
#include "common/grpc/server.h"
#include "gtest/gtest.h"

namespace burnout::testutil {

// Request / Response: the messages of the service's AnalyzeStream.
template <typename Service, typename Grpc, typename Request, typename Response>
struct RunningAnalyzer {
  template <typename Config>
  RunningAnalyzer(const Config& config, const char* readiness, bool load) : service(config) {
    if (load) {
      auto s = service.LoadModel();
      EXPECT_TRUE(s.ok()) << s;
    }
    burnout::v1::ServerConfig sc;
    sc.set_listen("127.0.0.1:0");
    auto h = grpcx::ServerHandle::Start(sc, {&service}, {readiness});
    EXPECT_TRUE(h.ok()) << h.status();
    handle = std::move(*h);
    if (load) handle->SetReady(readiness, true);
    stub = Grpc::NewStub(grpcx::MakeChannel("127.0.0.1:" + std::to_string(handle->port()), 0));
  }

  // AnalyzeStream: writes `requests`, then half-closes, reading concurrently; returns the
  // results and the status.
  grpc::Status RunStream(const std::vector<Request>& requests, std::vector<Response>* results) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    auto stream = stub->AnalyzeStream(&ctx);
    std::thread writer([&] {
      for (const auto& q : requests) {
        if (!stream->Write(q)) break;
      }
      stream->WritesDone();
    });
    Response res;
    while (stream->Read(&res)) results->push_back(res);
    writer.join();
    return stream->Finish();
  }

  Service service;
  std::unique_ptr<grpcx::ServerHandle> handle;
  std::unique_ptr<typename Grpc::Stub> stub;
};

// A result's indicators by name, and its emotion labels in order.
inline std::map<std::string, double> Indicators(const burnout::v1::ModalityResult& r) {
  std::map<std::string, double> m;
  for (const auto& i : r.indicators()) m[i.name()] = i.value();
  return m;
}

inline std::vector<std::string> Labels(const burnout::v1::ModalityResult& r) {
  std::vector<std::string> out;
  for (const auto& e : r.emotions()) out.push_back(e.label());
  return out;
}

}  // namespace burnout::testutil
