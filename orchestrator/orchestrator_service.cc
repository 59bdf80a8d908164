#include "orchestrator/orchestrator_service.h"

#include "common/grpc/status.h"
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

std::string AuthorizationHeader(const grpc::ServerContextBase* ctx) {
  const auto& md = ctx->client_metadata();
  const auto it = md.find("authorization");
  return it == md.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

}  // namespace

OrchestratorService::OrchestratorService(Assessor* assessor, SessionHub* sessions,
                                         const Access* access, int worker_threads,
                                         int max_queue, int deadline_cap_ms)
    : assessor_(assessor),
      sessions_(sessions),
      access_(access),
      executor_(worker_threads, max_queue),
      deadline_cap_ms_(deadline_cap_ms) {}

absl::StatusOr<Principal> OrchestratorService::Caller(const grpc::ServerContextBase* ctx) const {
  if (access_ == nullptr) return Principal{};
  return access_->Authenticate(AuthorizationHeader(ctx));
}

template <typename Fn, typename Response>
grpc::ServerUnaryReactor* OrchestratorService::PersonCall(grpc::CallbackServerContext* ctx,
                                                          const std::string& user_id,
                                                          const char* action, Fn fn,
                                                          Response* response) {
  auto caller = Caller(ctx);
  absl::Status allowed = caller.status();
  if (caller.ok() && access_ != nullptr) allowed = access_->MayAccessPerson(*caller, user_id);
  const std::string actor = caller.ok() ? caller->Actor() : "unauthenticated";
  const bool audited = *action != '\0' && CheckUserId(user_id).ok();
  if (!allowed.ok()) {
    // Refused before any work: the attempt goes to the person's audit log (written on the
    // executor, like all store work, never on gRPC's threads), and nothing else happens.
    return grpcx::ScheduleUnary(ctx, &executor_, deadline_cap_ms_, "orchestrator",
                                [this, user_id, actor, action, audited, allowed](Deadline) {
                                  if (audited) assessor_->Audit(user_id, actor, action, allowed);
                                  return allowed;
                                });
  }
  return grpcx::ScheduleUnary(
      ctx, &executor_, deadline_cap_ms_, "orchestrator",
      [this, fn = std::move(fn), response, user_id, actor, action, audited](Deadline d) {
        absl::Status s = Into(fn, response)(d);
        if (audited) assessor_->Audit(user_id, actor, action, s);
        return s;
      });
}

grpc::ServerBidiReactor<burnout::v1::SessionRequest, burnout::v1::SessionUpdate>*
OrchestratorService::StreamSession(grpc::CallbackServerContext* ctx) {
  return sessions_->Start(ctx);
}

absl::Status OrchestratorService::AuthorizeSession(const grpc::CallbackServerContext* ctx,
                                                   const std::string& user_id) {
  auto caller = Caller(ctx);
  absl::Status allowed = caller.status();
  if (caller.ok() && access_ != nullptr) allowed = access_->MayAccessPerson(*caller, user_id);
  assessor_->Audit(user_id, caller.ok() ? caller->Actor() : "unauthenticated", "session", allowed);
  return allowed;
}

grpc::ServerUnaryReactor* OrchestratorService::GetCheckInForm(
    grpc::CallbackServerContext* ctx, const burnout::v1::CheckInFormRequest*,
    burnout::v1::CheckInForm* response) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  auto caller = Caller(ctx);
  if (!caller.ok()) {
    reactor->Finish(grpcx::ToGrpc(caller.status()));
    return reactor;
  }
  *response = assessor_->CheckInForm();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* OrchestratorService::GetOrgSummary(
    grpc::CallbackServerContext* ctx, const burnout::v1::OrgSummaryRequest* request,
    burnout::v1::OrgSummary* response) {
  auto caller = Caller(ctx);
  absl::Status allowed = caller.status();
  if (caller.ok() && access_ != nullptr) allowed = access_->MayReadAggregates(*caller);
  if (!allowed.ok()) {
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    reactor->Finish(grpcx::ToGrpc(allowed));
    return reactor;
  }
  return grpcx::ScheduleUnary(
      ctx, &executor_, deadline_cap_ms_, "orchestrator",
      Into([this, request](Deadline) { return assessor_->OrgSummary(*request); }, response));
}

grpc::ServerUnaryReactor* OrchestratorService::Assess(grpc::CallbackServerContext* ctx,
                                                   const burnout::v1::AssessRequest* request,
                                                   burnout::v1::Assessment* response) {
  return PersonCall(ctx, request->user_id(), "assess",
                    [this, request](Deadline d) {
                      (void)d;
                      return assessor_->Assess(*request, d);
                    },
                    response);
}

grpc::ServerUnaryReactor* OrchestratorService::GetHistory(grpc::CallbackServerContext* ctx,
                                                   const burnout::v1::HistoryRequest* request,
                                                   burnout::v1::HistoryResponse* response) {
  return PersonCall(ctx, request->user_id(), "history",
                    [this, request](Deadline d) {
                      (void)d;
                      return assessor_->History(*request);
                    },
                    response);
}

grpc::ServerUnaryReactor* OrchestratorService::GetTrend(grpc::CallbackServerContext* ctx,
                                                   const burnout::v1::TrendQuery* request,
                                                   burnout::v1::TrendSummary* response) {
  return PersonCall(ctx, request->user_id(), "trend",
                    [this, request](Deadline d) {
                      (void)d;
                      return assessor_->Trend(request->user_id(), d);
                    },
                    response);
}

grpc::ServerUnaryReactor* OrchestratorService::Export(grpc::CallbackServerContext* ctx,
                                                   const burnout::v1::ExportRequest* request,
                                                   burnout::v1::ExportResponse* response) {
  return PersonCall(ctx, request->user_id(), "export",
                    [this, request](Deadline d) {
                      (void)d;
                      return assessor_->Export(*request);
                    },
                    response);
}

grpc::ServerUnaryReactor* OrchestratorService::DeleteUserData(grpc::CallbackServerContext* ctx,
                                                   const burnout::v1::DeleteUserDataRequest* request,
                                                   burnout::v1::DeleteUserDataResponse* response) {
  return PersonCall(ctx, request->user_id(), "",
                    [this, request](Deadline d) {
                      (void)d;
                      return assessor_->Delete(request->user_id());
                    },
                    response);
}

grpc::ServerUnaryReactor* OrchestratorService::GetAssessment(
    grpc::CallbackServerContext* ctx, const burnout::v1::GetAssessmentRequest* request,
    burnout::v1::Assessment* response) {
  return PersonCall(ctx, request->user_id(), "read",
                    [this, request](Deadline) { return assessor_->Get(*request); }, response);
}

grpc::ServerUnaryReactor* OrchestratorService::DeleteAssessment(
    grpc::CallbackServerContext* ctx, const burnout::v1::DeleteAssessmentRequest* request,
    burnout::v1::DeleteAssessmentResponse* response) {
  return PersonCall(ctx, request->user_id(), "delete_assessment",
                    [this, request](Deadline) { return assessor_->DeleteOne(*request); },
                    response);
}

grpc::ServerUnaryReactor* OrchestratorService::CheckIn(grpc::CallbackServerContext* ctx,
                                                   const burnout::v1::CheckInRequest* request,
                                                   burnout::v1::CheckInResponse* response) {
  return PersonCall(ctx, request->user_id(), "checkin",
                    [this, request](Deadline d) {
                      (void)d;
                      return assessor_->CheckIn(*request);
                    },
                    response);
}

grpc::ServerUnaryReactor* OrchestratorService::GetCheckIns(grpc::CallbackServerContext* ctx,
                                                   const burnout::v1::CheckInsRequest* request,
                                                   burnout::v1::CheckInsResponse* response) {
  return PersonCall(ctx, request->user_id(), "checkins",
                    [this, request](Deadline d) {
                      (void)d;
                      return assessor_->CheckIns(*request);
                    },
                    response);
}

grpc::ServerUnaryReactor* OrchestratorService::GetBaseline(grpc::CallbackServerContext* ctx,
                                                   const burnout::v1::TrendQuery* request,
                                                   burnout::v1::PersonalBaseline* response) {
  return PersonCall(ctx, request->user_id(), "baseline",
                    [this, request](Deadline d) {
                      (void)d;
                      return assessor_->Baseline(request->user_id());
                    },
                    response);
}

grpc::ServerUnaryReactor* OrchestratorService::GetAlerts(grpc::CallbackServerContext* ctx,
                                                   const burnout::v1::AlertsRequest* request,
                                                   burnout::v1::AlertsResponse* response) {
  return PersonCall(ctx, request->user_id(), "alerts",
                    [this, request](Deadline d) {
                      (void)d;
                      return assessor_->Alerts(*request);
                    },
                    response);
}

grpc::ServerUnaryReactor* OrchestratorService::GetSummary(grpc::CallbackServerContext* ctx,
                                                   const burnout::v1::SummaryRequest* request,
                                                   burnout::v1::PersonSummary* response) {
  return PersonCall(ctx, request->user_id(), "summary",
                    [this, request](Deadline d) {
                      (void)d;
                      return assessor_->Summary(*request, d);
                    },
                    response);
}

grpc::ServerUnaryReactor* OrchestratorService::SetGroup(grpc::CallbackServerContext* ctx,
                                                   const burnout::v1::SetGroupRequest* request,
                                                   burnout::v1::SetGroupResponse* response) {
  return PersonCall(ctx, request->user_id(), "group",
                    [this, request](Deadline d) {
                      (void)d;
                      return assessor_->SetGroup(*request);
                    },
                    response);
}

grpc::ServerUnaryReactor* OrchestratorService::GetAuditLog(grpc::CallbackServerContext* ctx,
                                                   const burnout::v1::AuditLogRequest* request,
                                                   burnout::v1::AuditLogResponse* response) {
  return PersonCall(ctx, request->user_id(), "",
                    [this, request](Deadline d) {
                      (void)d;
                      return assessor_->AuditLog(*request);
                    },
                    response);
}

}  // namespace burnout::orchestrator
