// gRPC adapter for burnout.v1.BurnoutRisk: each method validates nothing itself, runs the
// Assessor on the executor (blocking work stays off gRPC's threads) and converts the status.
#pragma once

#include "burnout/v1/burnout_risk.grpc.pb.h"
#include "common/grpc/executor.h"
#include "orchestrator/assessor.h"
#include "orchestrator/session.h"

namespace burnout::orchestrator {

inline constexpr char kOrchestratorReadiness[] = "burnout.v1.BurnoutRisk";

class OrchestratorService final : public burnout::v1::BurnoutRisk::CallbackService {
 public:
  // `assessor` and `sessions` are not owned. Calls without a deadline are capped at
  // `deadline_cap_ms` (sessions have their own limits).
  OrchestratorService(Assessor* assessor, SessionHub* sessions, int worker_threads, int max_queue,
                      int deadline_cap_ms);

  grpc::ServerUnaryReactor* Assess(grpc::CallbackServerContext* ctx,
                                   const burnout::v1::AssessRequest* request,
                                   burnout::v1::Assessment* response) override;
  grpc::ServerUnaryReactor* GetHistory(grpc::CallbackServerContext* ctx,
                                       const burnout::v1::HistoryRequest* request,
                                       burnout::v1::HistoryResponse* response) override;
  grpc::ServerUnaryReactor* GetTrend(grpc::CallbackServerContext* ctx,
                                     const burnout::v1::TrendQuery* request,
                                     burnout::v1::TrendSummary* response) override;
  grpc::ServerUnaryReactor* Export(grpc::CallbackServerContext* ctx,
                                   const burnout::v1::ExportRequest* request,
                                   burnout::v1::ExportResponse* response) override;
  grpc::ServerUnaryReactor* DeleteUserData(grpc::CallbackServerContext* ctx,
                                           const burnout::v1::DeleteUserDataRequest* request,
                                           burnout::v1::DeleteUserDataResponse* response) override;

  grpc::ServerBidiReactor<burnout::v1::SessionRequest, burnout::v1::SessionUpdate>* StreamSession(
      grpc::CallbackServerContext* ctx) override;

 private:
  Assessor* assessor_;
  SessionHub* sessions_;
  grpcx::Executor executor_;
  int deadline_cap_ms_;
};

}  // namespace burnout::orchestrator
