// gRPC adapter for burnout.v1.BurnoutRisk: each method validates nothing itself, runs the
// Assessor on the executor (blocking work stays off gRPC's threads) and converts the status.
#pragma once

#include "burnout/v1/burnout_risk.grpc.pb.h"
#include "common/grpc/executor.h"
#include "orchestrator/access.h"
#include "orchestrator/assessor.h"
#include "orchestrator/session.h"

namespace burnout::orchestrator {

inline constexpr char kOrchestratorReadiness[] = "burnout.v1.BurnoutRisk";

class OrchestratorService final : public burnout::v1::BurnoutRisk::CallbackService {
 public:
  // `assessor`, `sessions` and `access` are not owned; a null `access` serves everyone (tests
  // of the core). Calls without a deadline are capped at `deadline_cap_ms` (sessions have
  // their own limits).
  OrchestratorService(Assessor* assessor, SessionHub* sessions, const Access* access,
                      int worker_threads, int max_queue, int deadline_cap_ms);

  // The session's opener may stream for `user_id` (SessionDeps::authorize); audited.
  absl::Status AuthorizeSession(const grpc::CallbackServerContext* ctx, const std::string& user_id);

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
  grpc::ServerUnaryReactor* GetAssessment(grpc::CallbackServerContext* ctx,
                                          const burnout::v1::GetAssessmentRequest* request,
                                          burnout::v1::Assessment* response) override;
  grpc::ServerUnaryReactor* DeleteAssessment(grpc::CallbackServerContext* ctx,
                                             const burnout::v1::DeleteAssessmentRequest* request,
                                             burnout::v1::DeleteAssessmentResponse* response) override;
  grpc::ServerUnaryReactor* DeleteUserData(grpc::CallbackServerContext* ctx,
                                           const burnout::v1::DeleteUserDataRequest* request,
                                           burnout::v1::DeleteUserDataResponse* response) override;

  grpc::ServerUnaryReactor* GetCheckInForm(grpc::CallbackServerContext* ctx,
                                     const burnout::v1::CheckInFormRequest* request,
                                     burnout::v1::CheckInForm* response) override;
  grpc::ServerUnaryReactor* CheckIn(grpc::CallbackServerContext* ctx,
                                     const burnout::v1::CheckInRequest* request,
                                     burnout::v1::CheckInResponse* response) override;
  grpc::ServerUnaryReactor* GetCheckIns(grpc::CallbackServerContext* ctx,
                                     const burnout::v1::CheckInsRequest* request,
                                     burnout::v1::CheckInsResponse* response) override;
  grpc::ServerUnaryReactor* GetBaseline(grpc::CallbackServerContext* ctx,
                                     const burnout::v1::TrendQuery* request,
                                     burnout::v1::PersonalBaseline* response) override;
  grpc::ServerUnaryReactor* GetAlerts(grpc::CallbackServerContext* ctx,
                                     const burnout::v1::AlertsRequest* request,
                                     burnout::v1::AlertsResponse* response) override;
  grpc::ServerUnaryReactor* GetSummary(grpc::CallbackServerContext* ctx,
                                     const burnout::v1::SummaryRequest* request,
                                     burnout::v1::PersonSummary* response) override;
  grpc::ServerUnaryReactor* GetOrgSummary(grpc::CallbackServerContext* ctx,
                                     const burnout::v1::OrgSummaryRequest* request,
                                     burnout::v1::OrgSummary* response) override;
  grpc::ServerUnaryReactor* GetAuditLog(grpc::CallbackServerContext* ctx,
                                     const burnout::v1::AuditLogRequest* request,
                                     burnout::v1::AuditLogResponse* response) override;
  grpc::ServerUnaryReactor* SetGroup(grpc::CallbackServerContext* ctx,
                                     const burnout::v1::SetGroupRequest* request,
                                     burnout::v1::SetGroupResponse* response) override;

  grpc::ServerBidiReactor<burnout::v1::SessionRequest, burnout::v1::SessionUpdate>* StreamSession(
      grpc::CallbackServerContext* ctx) override;

 private:
  absl::StatusOr<Principal> Caller(const grpc::ServerContextBase* ctx) const;
  // A call on one person's data: authenticated, authorised for `user_id`, run on the
  // executor, and written to that person's audit log as `action` (none when "").
  template <typename Fn, typename Response>
  grpc::ServerUnaryReactor* PersonCall(grpc::CallbackServerContext* ctx, const std::string& user_id,
                                       const char* action, Fn fn, Response* response);

  Assessor* assessor_;
  SessionHub* sessions_;
  const Access* access_;
  grpcx::Executor executor_;
  int deadline_cap_ms_;
};

}  // namespace burnout::orchestrator
