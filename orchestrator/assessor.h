// The orchestrator's core, with no gRPC in it: validate -> fan out to the analyzers of the
// modalities present (concurrently, each with its own deadline from the remaining budget)
// -> mask what failed -> fuse -> state engine -> trend from history -> explain -> store in
// one transaction. Thread-safe; the clients and store it uses must be too.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "burnout/v1/burnout_risk.pb.h"
#include "burnout/v1/config.pb.h"
#include "orchestrator/clients.h"
#include "orchestrator/store/store.h"

namespace burnout::orchestrator {

struct AssessorOptions {
  int text_timeout_ms = 3000;      // per-analyzer ceilings, further capped by the budget
  int voice_timeout_ms = 5000;
  int face_timeout_ms = 5000;
  int fusion_timeout_ms = 2000;
  int temporal_timeout_ms = 2000;
  int trend_window = 10;           // newest assessments fed to the trend model
  int min_trend_assessments = 3;   // fewer -> no trend, with the reason
  int max_text_bytes = 16384;
  int max_media_bytes = 16 << 20;
  bool keep_text = false;          // return/store the journal text with the assessment
  // Personal baselines, alerts, check-ins, privacy: filled by PrepareInsightConfig.
  burnout::v1::BaselineConfig baseline;
  burnout::v1::AlertConfig alerts;
  burnout::v1::CheckInConfig checkin;
  int min_group_size = 5;
  float contradiction_threshold = 0.35f;
  burnout::v1::RecommendationCatalog recommendations;  // empty: none are made
};

// Not owned; null analyzers mean "modality not deployed" (masked with that reason).
struct AssessorDeps {
  AnalyzerClient* text = nullptr;
  AnalyzerClient* voice = nullptr;
  AnalyzerClient* face = nullptr;
  FusionClient* fusion = nullptr;
  TemporalClient* temporal = nullptr;
  store::AssessmentStore* store = nullptr;
};

class Assessor {
 public:
  Assessor(const AssessorOptions& options, const AssessorDeps& deps);

  // INVALID_ARGUMENT for bad input (named field and limit); when every present modality is
  // masked, UNAVAILABLE (INVALID_ARGUMENT if an analyzer rejected the input) naming each
  // modality's reason; UNAVAILABLE when fusion or the store fails (nothing stored). A repeated
  // (user_id, request_id) returns the stored assessment with replayed = true.
  absl::StatusOr<burnout::v1::Assessment> Assess(const burnout::v1::AssessRequest& request,
                                                 Deadline deadline);

  // Live sessions. The outcomes are text, voice and face, in that order: used ones carry
  // their (windowed or session-wide) result, the others their mask_reason.
  //
  // A fused assessment over `outcomes` that is not stored: risk, attention, state, trend
  // features and narratives; its trend says it is computed for the stored summary.
  // UNAVAILABLE when fusion fails; INVALID_ARGUMENT when no outcome is used.
  absl::StatusOr<burnout::v1::Assessment> FuseLive(
      const std::string& user_id, std::vector<burnout::v1::ModalityOutcome> outcomes,
      Deadline deadline);
  // The session's summary: fused over `outcomes`, with the trend over the stored history and
  // `report`, stored under request_id = session_id. Errors as Assess (nothing stored).
  absl::StatusOr<burnout::v1::Assessment> StoreSession(
      const std::string& user_id, const std::string& session_id,
      std::vector<burnout::v1::ModalityOutcome> outcomes, burnout::v1::SessionReport report,
      Deadline deadline);

  absl::StatusOr<burnout::v1::HistoryResponse> History(const burnout::v1::HistoryRequest& request);
  // The trend over the stored history (no new assessment).
  absl::StatusOr<burnout::v1::TrendSummary> Trend(const std::string& user_id, Deadline deadline);
  absl::StatusOr<burnout::v1::ExportResponse> Export(const burnout::v1::ExportRequest& request);
  // Deletes everything of the person (assessments, check-ins, alerts, baseline, group
  // membership, audit entries), with no trace left in the store's files.
  absl::StatusOr<burnout::v1::DeleteUserDataResponse> Delete(const std::string& user_id);
  // One stored assessment; NOT_FOUND when the person has none with that id.
  absl::StatusOr<burnout::v1::Assessment> Get(const burnout::v1::GetAssessmentRequest& request);
  // Deletes one assessment, then recomputes the person's baseline and alerts without it.
  absl::StatusOr<burnout::v1::DeleteAssessmentResponse> DeleteOne(
      const burnout::v1::DeleteAssessmentRequest& request);

  // The CBI form; a scored, stored check-in (INVALID_ARGUMENT naming the item for a bad
  // answer); the person's check-ins with their agreement with the passive estimate.
  burnout::v1::CheckInForm CheckInForm() const;
  absl::StatusOr<burnout::v1::CheckInResponse> CheckIn(const burnout::v1::CheckInRequest& request);
  absl::StatusOr<burnout::v1::CheckInsResponse> CheckIns(const burnout::v1::CheckInsRequest& request);
  // The person's baseline, recomputed from the stored history.
  absl::StatusOr<burnout::v1::PersonalBaseline> Baseline(const std::string& user_id);
  absl::StatusOr<burnout::v1::AlertsResponse> Alerts(const burnout::v1::AlertsRequest& request);
  absl::StatusOr<burnout::v1::PersonSummary> Summary(const burnout::v1::SummaryRequest& request,
                                                     Deadline deadline);
  // Aggregates over groups of at least min_group_size people; smaller groups suppressed.
  absl::StatusOr<burnout::v1::OrgSummary> OrgSummary(const burnout::v1::OrgSummaryRequest& request);
  absl::StatusOr<burnout::v1::SetGroupResponse> SetGroup(const burnout::v1::SetGroupRequest& request);

  // Writes to the person's audit log: who (`actor`), what (`action`), the outcome, now. Never
  // fails the caller's request (a store error is logged).
  void Audit(const std::string& user_id, const std::string& actor, const std::string& action,
             const absl::Status& outcome, const std::string& detail = "");
  // The person's audit log, newest first.
  absl::StatusOr<burnout::v1::AuditLogResponse> AuditLog(const burnout::v1::AuditLogRequest& request);

 private:
  // What the store knows of a person that a new assessment is read against.
  struct Person {
    // Newest first: the newest max(baseline.window, trend_window) assessments.
    std::vector<burnout::v1::Assessment> history;
    // Oldest first, alerts.history_days back: the passive figures alerts and check-ins read.
    std::vector<store::SeriesPoint> series;
    std::vector<burnout::v1::CheckIn> checkins;    // oldest first
    burnout::v1::PersonalBaseline baseline;         // from `history`
  };
  absl::StatusOr<Person> LoadPerson(const std::string& user_id, int64_t now_ms);

  burnout::v1::Assessment NewAssessment(const std::string& user_id,
                                        const std::string& request_id) const;
  // Fuses the used modalities of `a` and fills risk, attention, state and trend features;
  // the person's baselines (when given and ready) make fusion read some indicators
  // relative to them.
  absl::Status FuseInto(burnout::v1::Assessment* a, Deadline deadline,
                        const Person* person = nullptr);
  // Trend (with this assessment), baseline deviations, alerts, check-ins, contradictions,
  // recommendations, narratives, store; a concurrent twin's stored answer wins.
  absl::StatusOr<burnout::v1::Assessment> TrendExplainStore(burnout::v1::Assessment a,
                                                            const Person& person,
                                                            Deadline deadline);
  // `history` newest first; `current` (with its time) is appended as the newest step.
  burnout::v1::TrendSummary ComputeTrend(const std::vector<burnout::v1::Assessment>& history,
                                         const burnout::v1::Assessment* current,
                                         Deadline deadline);

  AssessorOptions options_;
  AssessorDeps deps_;
};

// INVALID_ARGUMENT unless the id is 1..128 bytes of printable ASCII without spaces.
absl::Status CheckUserId(const std::string& user_id);
// The same rule for request and session ids, which may be empty.
absl::Status CheckOptionalId(const std::string& id, const char* field);

// Why a failed analyzer call masks its modality, in words a person can act on.
std::string MaskReason(const absl::Status& status);

}  // namespace burnout::orchestrator
