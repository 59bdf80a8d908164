#include "orchestrator/orchestrator_service.h"

#include "common/grpc/unary.h"

namespace burnout::orchestrator {
namespace {

// Runs `fn` (returning StatusOr<Response>) and moves the value into `out`.
template <typename Fn, typename Response>
auto Into(Fn fn, Response* out) {
  return [fn = std::move(fn), out](Deadline deadline) -> absl::Status {
    auto r = fn(deadline);
    if (!r.ok()) return r.status();
    *out = std::move(*r);
    return absl::OkStatus();
  };
}

}  // namespace

OrchestratorService::OrchestratorService(Assessor* assessor, SessionHub* sessions,
                                         int worker_threads, int max_queue, int deadline_cap_ms)
    : assessor_(assessor),
      sessions_(sessions),
      executor_(worker_threads, max_queue),
      deadline_cap_ms_(deadline_cap_ms) {}

grpc::ServerBidiReactor<burnout::v1::SessionRequest, burnout::v1::SessionUpdate>*
OrchestratorService::StreamSession(grpc::CallbackServerContext* ctx) {
  return sessions_->Start(ctx);
}

grpc::ServerUnaryReactor* OrchestratorService::Assess(grpc::CallbackServerContext* ctx,
                                                      const burnout::v1::AssessRequest* request,
                                                      burnout::v1::Assessment* response) {
  return grpcx::ScheduleUnary(
      ctx, &executor_, deadline_cap_ms_, "orchestrator",
      Into([this, request](Deadline d) { return assessor_->Assess(*request, d); }, response));
}

grpc::ServerUnaryReactor* OrchestratorService::GetHistory(grpc::CallbackServerContext* ctx,
                                                          const burnout::v1::HistoryRequest* request,
                                                          burnout::v1::HistoryResponse* response) {
  return grpcx::ScheduleUnary(
      ctx, &executor_, deadline_cap_ms_, "orchestrator",
      Into([this, request](Deadline) { return assessor_->History(*request); }, response));
}

grpc::ServerUnaryReactor* OrchestratorService::GetTrend(grpc::CallbackServerContext* ctx,
                                                        const burnout::v1::TrendQuery* request,
                                                        burnout::v1::TrendSummary* response) {
  return grpcx::ScheduleUnary(
      ctx, &executor_, deadline_cap_ms_, "orchestrator",
      Into([this, request](Deadline d) { return assessor_->Trend(request->user_id(), d); },
           response));
}

grpc::ServerUnaryReactor* OrchestratorService::Export(grpc::CallbackServerContext* ctx,
                                                      const burnout::v1::ExportRequest* request,
                                                      burnout::v1::ExportResponse* response) {
  return grpcx::ScheduleUnary(
      ctx, &executor_, deadline_cap_ms_, "orchestrator",
      Into([this, request](Deadline) { return assessor_->Export(*request); }, response));
}

grpc::ServerUnaryReactor* OrchestratorService::DeleteUserData(
    grpc::CallbackServerContext* ctx, const burnout::v1::DeleteUserDataRequest* request,
    burnout::v1::DeleteUserDataResponse* response) {
  return grpcx::ScheduleUnary(
      ctx, &executor_, deadline_cap_ms_, "orchestrator",
      Into([this, request](Deadline) { return assessor_->Delete(request->user_id()); }, response));
}

grpc::ServerUnaryReactor* OrchestratorService::GetCheckInForm(grpc::CallbackServerContext* ctx,
                                                   const burnout::v1::CheckInFormRequest* request,
                                                   burnout::v1::CheckInForm* response) {
  return grpcx::ScheduleUnary(ctx, &executor_, deadline_cap_ms_, "orchestrator",
                              Into([this](Deadline) -> absl::StatusOr<burnout::v1::CheckInForm> { return assessor_->CheckInForm(); }, response));
}

grpc::ServerUnaryReactor* OrchestratorService::CheckIn(grpc::CallbackServerContext* ctx,
                                                   const burnout::v1::CheckInRequest* request,
                                                   burnout::v1::CheckInResponse* response) {
  return grpcx::ScheduleUnary(ctx, &executor_, deadline_cap_ms_, "orchestrator",
                              Into([this, request](Deadline) { return assessor_->CheckIn(*request); }, response));
}

grpc::ServerUnaryReactor* OrchestratorService::GetCheckIns(grpc::CallbackServerContext* ctx,
                                                   const burnout::v1::CheckInsRequest* request,
                                                   burnout::v1::CheckInsResponse* response) {
  return grpcx::ScheduleUnary(ctx, &executor_, deadline_cap_ms_, "orchestrator",
                              Into([this, request](Deadline) { return assessor_->CheckIns(*request); }, response));
}

grpc::ServerUnaryReactor* OrchestratorService::GetBaseline(grpc::CallbackServerContext* ctx,
                                                   const burnout::v1::TrendQuery* request,
                                                   burnout::v1::PersonalBaseline* response) {
  return grpcx::ScheduleUnary(ctx, &executor_, deadline_cap_ms_, "orchestrator",
                              Into([this, request](Deadline) { return assessor_->Baseline(request->user_id()); }, response));
}

grpc::ServerUnaryReactor* OrchestratorService::GetAlerts(grpc::CallbackServerContext* ctx,
                                                   const burnout::v1::AlertsRequest* request,
                                                   burnout::v1::AlertsResponse* response) {
  return grpcx::ScheduleUnary(ctx, &executor_, deadline_cap_ms_, "orchestrator",
                              Into([this, request](Deadline) { return assessor_->Alerts(*request); }, response));
}

grpc::ServerUnaryReactor* OrchestratorService::GetSummary(grpc::CallbackServerContext* ctx,
                                                   const burnout::v1::SummaryRequest* request,
                                                   burnout::v1::PersonSummary* response) {
  return grpcx::ScheduleUnary(ctx, &executor_, deadline_cap_ms_, "orchestrator",
                              Into([this, request](Deadline d) { return assessor_->Summary(*request, d); }, response));
}

grpc::ServerUnaryReactor* OrchestratorService::GetOrgSummary(grpc::CallbackServerContext* ctx,
                                                   const burnout::v1::OrgSummaryRequest* request,
                                                   burnout::v1::OrgSummary* response) {
  return grpcx::ScheduleUnary(ctx, &executor_, deadline_cap_ms_, "orchestrator",
                              Into([this, request](Deadline) { return assessor_->OrgSummary(*request); }, response));
}

grpc::ServerUnaryReactor* OrchestratorService::SetGroup(grpc::CallbackServerContext* ctx,
                                                   const burnout::v1::SetGroupRequest* request,
                                                   burnout::v1::SetGroupResponse* response) {
  return grpcx::ScheduleUnary(ctx, &executor_, deadline_cap_ms_, "orchestrator",
                              Into([this, request](Deadline) { return assessor_->SetGroup(*request); }, response));
}

}  // namespace burnout::orchestrator
