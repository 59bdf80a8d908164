// The Assessor against in-process fakes of its seams (the real gRPC clients are exercised by
// the integration test): masking, deadlines, idempotency, atomic storage, trends.
#include "orchestrator/assessor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "orchestrator/explainer.h"
#include "orchestrator/retention.h"
#include "orchestrator/export.h"
#include "orchestrator/state_engine.h"
#include "orchestrator/store/sqlite_store.h"

namespace burnout::orchestrator {
namespace {

namespace fs = std::filesystem;

v1::ModalityResult TextResult() {
  v1::ModalityResult r;
  r.set_modality(v1::MODALITY_TEXT);
  for (auto [l, p] : std::vector<std::pair<std::string, float>>{{"sadness", 0.7f}, {"joy", 0.3f}}) {
    auto* e = r.add_emotions();
    e->set_label(l);
    e->set_probability(p);
  }
  r.set_quality(1);
  return r;
}

class FakeAnalyzer : public AnalyzerClient {
 public:
  absl::Status fail = absl::OkStatus();
  bool wait_for_deadline = false;
  Deadline last_deadline;
  int calls = 0;
  void AnalyzeAsync(const AnalyzerInput&, Deadline deadline, Callback done) override {
    ++calls;
    last_deadline = deadline;
    std::thread([this, deadline, done] {
      if (wait_for_deadline) {
        std::this_thread::sleep_until(deadline);
        done(absl::DeadlineExceededError("deadline"));
      } else if (!fail.ok()) {
        done(fail);
      } else {
        done(TextResult());
      }
    }).detach();
  }
};

class FakeFusion : public FusionClient {
 public:
  absl::Status fail = absl::OkStatus();
  v1::FuseRequest last;
  absl::StatusOr<v1::FuseResponse> Fuse(const v1::FuseRequest& req, Deadline) override {
    last = req;
    if (!fail.ok()) return fail;
    v1::FuseResponse r;
    r.set_level(v1::RISK_LEVEL_HIGH);
    for (auto [l, p] : std::vector<std::pair<std::string, float>>{{"low", 0.1f}, {"moderate", 0.3f}, {"high", 0.6f}}) {
      auto* s = r.add_calibrated_probabilities();
      s->set_label(l);
      s->set_probability(p);
    }
    r.set_confidence(0.6f);
    auto* w = r.add_attention();
    w->set_modality(v1::MODALITY_TEXT);
    w->set_weight(req.has_text() ? 1.0f : 0.0f);
    r.mutable_model()->set_name("fusion-attention");
    return r;
  }
};

class FakeTemporal : public TemporalClient {
 public:
  v1::TrendRequest last;
  int calls = 0;
  absl::StatusOr<v1::TrendResponse> Predict(const v1::TrendRequest& req, Deadline) override {
    ++calls;
    last = req;
    v1::TrendResponse r;
    r.set_trend(v1::TREND_WORSENING);
    r.set_confidence(0.8f);
    r.set_steps_used(req.steps_size());
    return r;
  }
};

class AssessorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (fs::temp_directory_path() / ("assessor_test_" + std::to_string(::getpid()) + ".db")).string();
    for (const char* ext : {"", "-wal", "-shm"}) fs::remove(path_ + ext);
    store_ = std::move(*store::SqliteStore::Open({path_, false, 1000}));
    deps_.text = &text_;
    deps_.fusion = &fusion_;
    deps_.temporal = &temporal_;
    deps_.store = store_.get();
    assessor_ = std::make_unique<Assessor>(options_, deps_);
  }
  void TearDown() override {
    store_.reset();
    for (const char* ext : {"", "-wal", "-shm"}) fs::remove(path_ + ext);
  }
  static Deadline In(int ms) { return std::chrono::system_clock::now() + std::chrono::milliseconds(ms); }
  static v1::AssessRequest TextRequest(const std::string& text = "I am exhausted") {
    v1::AssessRequest r;
    r.set_user_id("alice");
    r.set_text(text);
    return r;
  }
  size_t Stored() { return store_->History("alice", 0, 0)->size(); }

  std::string path_;
  FakeAnalyzer text_;
  FakeFusion fusion_;
  FakeTemporal temporal_;
  std::unique_ptr<store::SqliteStore> store_;
  AssessorOptions options_;
  AssessorDeps deps_;
  std::unique_ptr<Assessor> assessor_;
};

TEST_F(AssessorTest, TextOnlyIsFusedExplainedAndStored) {
  auto a = assessor_->Assess(TextRequest(), In(5000));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->risk().level(), v1::RISK_LEVEL_HIGH);
  ASSERT_EQ(a->modalities_size(), 3);
  EXPECT_TRUE(a->modalities(0).used());
  EXPECT_FLOAT_EQ(a->modalities(0).attention_weight(), 1.0f);
  EXPECT_EQ(a->modalities(1).mask_reason(), kNotProvided);
  EXPECT_TRUE(fusion_.last.has_text());
  EXPECT_FALSE(fusion_.last.has_voice());  // absent = unset, never an empty message
  EXPECT_FALSE(a->notice().empty());
  EXPECT_GE(a->narratives_size(), 3);
  EXPECT_EQ(a->trend_features_size(), static_cast<int>(kTrendFeatureNames.size()));
  EXPECT_EQ(Stored(), 1u);
  EXPECT_EQ(a->text(), "");  // journal text is not kept by default
}

TEST_F(AssessorTest, ServiceDownFailsNamingTheReasonAndStoresNothing) {
  text_.fail = absl::UnavailableError("connection refused");
  auto a = assessor_->Assess(TextRequest(), In(5000));
  ASSERT_EQ(a.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(a.status().message().find("text: service unavailable (connection refused)"),
            std::string::npos) << a.status();
  EXPECT_EQ(Stored(), 0u);
}

TEST_F(AssessorTest, RejectedInputIsInvalidArgument) {
  text_.fail = absl::InvalidArgumentError("too long");
  auto a = assessor_->Assess(TextRequest(), In(5000));
  EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(a.status().message().find("input rejected (too long)"), std::string::npos);
}

TEST_F(AssessorTest, SlowAnalyzerIsCutAtItsShareOfTheBudget) {
  text_.wait_for_deadline = true;
  const auto start = std::chrono::system_clock::now();
  auto a = assessor_->Assess(TextRequest(), start + std::chrono::milliseconds(400));
  EXPECT_EQ(a.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(a.status().message().find("too slow"), std::string::npos) << a.status();
  // The analyzer got at most 3/4 of the budget, leaving time for fusion and the store.
  EXPECT_LE(text_.last_deadline, start + std::chrono::milliseconds(310));
}

TEST_F(AssessorTest, UndeployedModalityIsMaskedWhileTextCarriesOn) {
  auto req = TextRequest();
  req.mutable_audio()->set_data("RIFF....");
  auto a = assessor_->Assess(req, In(5000));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_FALSE(a->modalities(1).used());
  EXPECT_EQ(a->modalities(1).mask_reason(), "no voice service is deployed");
  EXPECT_FLOAT_EQ(a->modalities(1).attention_weight(), 0.0f);
}

TEST_F(AssessorTest, RequestIdMakesAssessIdempotent) {
  auto req = TextRequest();
  req.set_request_id("r-1");
  auto first = assessor_->Assess(req, In(5000));
  ASSERT_TRUE(first.ok());
  auto second = assessor_->Assess(req, In(5000));
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->replayed());
  EXPECT_EQ(second->assessment_id(), first->assessment_id());
  EXPECT_EQ(text_.calls, 1);
  EXPECT_EQ(Stored(), 1u);
}

TEST_F(AssessorTest, FusionFailureStoresNothing) {
  fusion_.fail = absl::UnavailableError("fusion down");
  auto a = assessor_->Assess(TextRequest(), In(5000));
  EXPECT_EQ(a.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Stored(), 0u);
}

// Live sessions: outcomes gathered by the session, fused live (not stored) and summarised.
std::vector<v1::ModalityOutcome> SessionOutcomes() {
  std::vector<v1::ModalityOutcome> out(3);
  out[0].set_modality(v1::MODALITY_TEXT);
  out[0].set_mask_reason(kNotProvided);
  out[1].set_modality(v1::MODALITY_VOICE);
  out[1].set_used(true);
  out[1].mutable_result()->set_modality(v1::MODALITY_VOICE);
  auto* e = out[1].mutable_result()->add_emotions();
  e->set_label("angry");
  e->set_probability(1.0f);
  out[2].set_modality(v1::MODALITY_FACE);
  out[2].set_mask_reason("its stream failed: service unavailable (gone)");
  return out;
}

TEST_F(AssessorTest, LiveFusionIsNotStored) {
  auto a = assessor_->FuseLive("alice", SessionOutcomes(), In(5000));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(fusion_.last.has_voice());
  EXPECT_FALSE(fusion_.last.has_face());  // masked = absent for fusion
  EXPECT_NE(a->trend().unavailable_reason().find("live update"), std::string::npos);
  bool face_explained = false;
  for (const auto& n : a->narratives()) {
    face_explained |= n.topic() == "face" && n.text().find("stream failed") != std::string::npos;
  }
  EXPECT_TRUE(face_explained);
  EXPECT_EQ(Stored(), 0u);
  auto none = SessionOutcomes();
  none[1].set_used(false);
  EXPECT_EQ(assessor_->FuseLive("alice", none, In(5000)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(AssessorTest, SessionSummaryIsStoredOnceWithItsReport) {
  v1::SessionReport report;
  report.set_session_id("s-1");
  report.set_duration_s(60);
  for (const char* name : {"beginning", "middle", "end"}) {
    auto* seg = report.add_segments();
    seg->set_name(name);
    seg->set_fused_points(3);
    seg->set_mean_stress(std::string(name) == "end" ? 0.8f : 0.3f);
  }
  auto* spike = report.add_spikes();
  spike->set_t_s(42);
  spike->set_kind("stress_jump");
  auto a = assessor_->StoreSession("alice", "s-1", SessionOutcomes(), report, In(5000));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->request_id(), "s-1");
  EXPECT_EQ(Stored(), 1u);
  const auto history = store_->History("alice", 0, 0);
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].session().segments_size(), 3);
  EXPECT_EQ((*history)[0].session().spikes(0).t_s(), 42);
  std::string session;
  for (const auto& n : a->narratives()) {
    if (n.topic() == "session") session = n.text();
  }
  EXPECT_NE(session.find("stress went up (0.30 at the beginning, 0.80 at the end)"),
            std::string::npos) << session;
  EXPECT_NE(session.find("1 sudden spike (at 42 s)"), std::string::npos) << session;
  // The same session id again (a client retrying) returns what was stored.
  auto again = assessor_->StoreSession("alice", "s-1", SessionOutcomes(), report, In(5000));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->replayed());
  EXPECT_EQ(again->assessment_id(), a->assessment_id());
  EXPECT_EQ(Stored(), 1u);
}

TEST_F(AssessorTest, TrendNeedsEnoughHistoryThenUsesIt) {
  auto a1 = assessor_->Assess(TextRequest(), In(5000));
  ASSERT_TRUE(a1.ok());
  EXPECT_EQ(a1->trend().trend(), v1::TREND_UNSPECIFIED);
  EXPECT_NE(a1->trend().unavailable_reason().find("1 of the 3"), std::string::npos);
  ASSERT_TRUE(assessor_->Assess(TextRequest(), In(5000)).ok());
  auto a3 = assessor_->Assess(TextRequest(), In(5000));
  ASSERT_TRUE(a3.ok());
  EXPECT_EQ(a3->trend().trend(), v1::TREND_WORSENING);
  EXPECT_EQ(temporal_.last.steps_size(), 3);
  ASSERT_EQ(temporal_.last.feature_names_size(), 11);  // the 10 per assessment, then gap_days
  EXPECT_EQ(temporal_.last.feature_names(0), "energy");
  EXPECT_EQ(temporal_.last.feature_names(10), "gap_days");
  auto t = assessor_->Trend("alice", In(5000));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->trend(), v1::TREND_WORSENING);
}

TEST_F(AssessorTest, BadRequestsAreRejectedBeforeAnyCall) {
  v1::AssessRequest none;
  none.set_user_id("alice");
  EXPECT_EQ(assessor_->Assess(none, In(1000)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(assessor_->Assess(TextRequest("   "), In(1000)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(assessor_->Assess(TextRequest("bad \xff utf8"), In(1000)).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto big = assessor_->Assess(TextRequest(std::string(20000, 'a')), In(1000));
  EXPECT_NE(big.status().message().find("max_text_bytes"), std::string::npos);
  auto no_user = TextRequest();
  no_user.set_user_id("");
  EXPECT_EQ(assessor_->Assess(no_user, In(1000)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(text_.calls, 0);
}

TEST_F(AssessorTest, ExportAndDelete) {
  ASSERT_TRUE(assessor_->Assess(TextRequest(), In(5000)).ok());
  ASSERT_TRUE(assessor_->Assess(TextRequest(), In(5000)).ok());
  v1::ExportRequest er;
  er.set_user_id("alice");
  er.set_format(v1::EXPORT_FORMAT_CSV);
  auto csv = assessor_->Export(er);
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(csv->assessments(), 2);
  EXPECT_EQ(std::count(csv->data().begin(), csv->data().end(), '\n'), 3);  // header + 2
  EXPECT_EQ(csv->data().rfind("assessment_id,created_at,risk_level", 0), 0u);
  er.set_format(v1::EXPORT_FORMAT_JSON);
  auto json = assessor_->Export(er);
  ASSERT_TRUE(json.ok());
  EXPECT_NE(json->data().find("\"assessments\""), std::string::npos);
  auto d = assessor_->Delete("alice");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->assessments_deleted(), 2);
  EXPECT_EQ(Stored(), 0u);
}

// ---- A person over time: baselines, alerts, check-ins, summaries ----

constexpr int64_t kDayMs = 86400000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A stored past assessment with the given risk score and stress, and a voice whose pitch
// varies `pitch` semitones.
v1::Assessment Past(const std::string& user, int64_t t, float risk, float stress, double pitch) {
  v1::Assessment a;
  a.set_assessment_id(absl::StrCat(user, "-", t));
  a.set_user_id(user);
  a.set_created_at_ms(t);
  a.mutable_risk()->set_level(risk > 0.5f ? v1::RISK_LEVEL_HIGH : v1::RISK_LEVEL_LOW);
  a.mutable_state()->set_stress(stress);
  a.mutable_state()->set_energy(1 - stress);
  a.mutable_state()->set_work(0.5f);
  auto* voice = a.add_modalities();
  voice->set_modality(v1::MODALITY_VOICE);
  voice->set_used(true);
  voice->mutable_result()->set_modality(v1::MODALITY_VOICE);
  auto* ind = voice->mutable_result()->add_indicators();
  ind->set_name("pitch_variability_st");
  ind->set_value(pitch);
  for (float f : TrendFeatures(a.state(), risk, EmotionProfile{})) a.add_trend_features(f);
  return a;
}

TEST_F(AssessorTest, BaselineStartsColdThenReportsDeviationsAndPersonalisesFusion) {
  auto first = assessor_->Assess(TextRequest(), In(5000));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->baseline().ready());
  EXPECT_EQ(first->baseline().message(), "5 more assessments to learn your baseline");
  EXPECT_EQ(fusion_.last.baselines_size(), 0);  // nothing to personalise yet
  // A soft-spoken person: their pitch always varies about 1.2 st.
  const int64_t now = NowMs();
  for (int d = 1; d <= 8; ++d) {
    ASSERT_TRUE(store_->Put(Past("alice", now - d * kDayMs, 0.3f, 0.3f, 1.2 + 0.05 * (d % 3))).ok());
  }
  auto a = assessor_->Assess(TextRequest(), In(5000));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(a->baseline().ready());
  // Fusion was told the person's usual pitch variability, to read it relative to them.
  ASSERT_EQ(fusion_.last.baselines_size(), 1);
  EXPECT_EQ(fusion_.last.baselines(0).modality(), v1::MODALITY_VOICE);
  EXPECT_EQ(fusion_.last.baselines(0).name(), "pitch_variability_st");
  EXPECT_NEAR(fusion_.last.baselines(0).median(), 1.25, 0.06);
  // This assessment's risk (0.75, from the fake fusion) is far above the person's usual 0.3.
  const v1::Deviation* risk = nullptr;
  for (const auto& d : a->baseline().deviations()) {
    if (d.name() == "risk") risk = &d;
  }
  ASSERT_NE(risk, nullptr);
  EXPECT_GT(risk->z(), 2.0f);
  EXPECT_FALSE(risk->text().empty());
  bool said = false;
  for (const auto& n : a->narratives()) said |= n.topic() == "baseline" && !n.text().empty();
  EXPECT_TRUE(said);
  // The stored baseline is recomputed with this assessment and can be read back.
  auto b = assessor_->Baseline("alice");
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->ready());
  EXPECT_GE(b->assessments_used(), 10);
}

TEST_F(AssessorTest, TrendStepsCarryTheTimeSinceThePreviousAssessment) {
  const int64_t now = NowMs();
  ASSERT_TRUE(store_->Put(Past("alice", now - 14 * kDayMs, 0.3f, 0.3f, 2)).ok());
  ASSERT_TRUE(store_->Put(Past("alice", now - 7 * kDayMs, 0.3f, 0.3f, 2)).ok());
  ASSERT_TRUE(assessor_->Assess(TextRequest(), In(5000)).ok());
  const auto& req = temporal_.last;
  ASSERT_EQ(req.feature_names_size(), 11);
  EXPECT_EQ(req.feature_names(10), "gap_days");
  ASSERT_EQ(req.steps_size(), 3);
  EXPECT_FLOAT_EQ(req.steps(0).values(10), 0.0f);  // the oldest has no predecessor
  const float week = static_cast<float>(std::log1p(7.0) / std::log1p(30.0));
  EXPECT_NEAR(req.steps(1).values(10), week, 1e-3);
  EXPECT_NEAR(req.steps(2).values(10), week, 1e-2);
}

TEST_F(AssessorTest, RisingRiskOverDaysRaisesAnAlertThatImprovementClears) {
  const int64_t now = NowMs();
  // Four calm weeks, then five bad days up to yesterday.
  for (int d = 35; d >= 6; --d) {
    ASSERT_TRUE(store_->Put(Past("alice", now - d * kDayMs, 0.2f + 0.02f * (d % 3), 0.3f, 2)).ok());
  }
  for (int d = 5; d >= 1; --d) {
    ASSERT_TRUE(store_->Put(Past("alice", now - d * kDayMs, 0.8f, 0.3f, 2)).ok());
  }
  auto a = assessor_->Assess(TextRequest(), In(5000));  // high again today
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_GE(a->alerts_size(), 1);
  EXPECT_EQ(a->alerts(0).kind(), "risk_rising");
  EXPECT_EQ(a->alerts(0).state(), v1::ALERT_STATE_ACTIVE);
  EXPECT_FALSE(a->alerts(0).message().empty());
  v1::AlertsRequest ar;
  ar.set_user_id("alice");
  auto listed = assessor_->Alerts(ar);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->alerts_size(), 1);
  EXPECT_EQ(listed->alerts(0).alert_id(), a->alerts(0).alert_id());
  // The same alert keeps its id when recomputed.
  ASSERT_TRUE(assessor_->Assess(TextRequest(), In(5000)).ok());
  EXPECT_EQ(assessor_->Alerts(ar)->alerts(0).alert_id(), a->alerts(0).alert_id());
}

v1::CheckInRequest CheckInAnswers(int answer) {
  v1::CheckInRequest r;
  r.set_user_id("alice");
  for (int i = 0; i < 13; ++i) r.add_answers(answer);
  return r;
}

TEST_F(AssessorTest, CheckInIsScoredStoredAndShownBesideThePassiveEstimate) {
  ASSERT_TRUE(assessor_->Assess(TextRequest(), In(5000)).ok());
  auto r = assessor_->CheckIn(CheckInAnswers(4));  // "often" / "to a high degree"
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FLOAT_EQ(r->checkin().personal(), 75.0f);
  EXPECT_EQ(r->checkin().personal_band(), "high");
  // Work: six items at 75 and the reversed item 13 at 25.
  EXPECT_NEAR(r->checkin().work(), (6 * 75.0 + 25.0) / 7, 1e-3);
  ASSERT_TRUE(r->checkin().has_passive());
  EXPECT_NEAR(r->checkin().passive(), 75.0f, 0.5f);  // the fake fusion's 0.3/2 + 0.6
  EXPECT_EQ(r->checkin().passive_assessments(), 1);
  auto bad = CheckInAnswers(4);
  bad.set_answers(6, 9);
  auto refused = assessor_->CheckIn(bad);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("item 7"), std::string::npos) << refused.status();
  // The next assessment carries the check-in beside its passive estimate.
  auto a = assessor_->Assess(TextRequest(), In(5000));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->self_report().latest().checkin_id(), r->checkin().checkin_id());
  EXPECT_NE(a->self_report().text().find("personal burnout 75/100 (high)"), std::string::npos)
      << a->self_report().text();
  // A repeated request id returns the stored check-in.
  auto once = CheckInAnswers(2);
  once.set_request_id("weekly-1");
  auto c1 = assessor_->CheckIn(once);
  auto c2 = assessor_->CheckIn(once);
  ASSERT_TRUE(c1.ok() && c2.ok());
  EXPECT_TRUE(c2->replayed());
  EXPECT_EQ(c1->checkin().checkin_id(), c2->checkin().checkin_id());
  v1::CheckInsRequest q;
  q.set_user_id("alice");
  EXPECT_EQ(assessor_->CheckIns(q)->checkins_size(), 2);
}

TEST_F(AssessorTest, SummaryAndOrgSummaryWithSmallGroupsSuppressed) {
  const int64_t now = NowMs();
  for (int p = 0; p < 6; ++p) {
    const std::string user = absl::StrCat("big", p);
    v1::SetGroupRequest g;
    g.set_user_id(user);
    g.set_group("platform");
    ASSERT_TRUE(assessor_->SetGroup(g).ok());
    ASSERT_TRUE(store_->Put(Past(user, now - kDayMs, 0.3f, 0.4f, 2)).ok());
  }
  for (int p = 0; p < 2; ++p) {
    const std::string user = absl::StrCat("small", p);
    v1::SetGroupRequest g;
    g.set_user_id(user);
    g.set_group("legal");
    ASSERT_TRUE(assessor_->SetGroup(g).ok());
    ASSERT_TRUE(store_->Put(Past(user, now - kDayMs, 0.9f, 0.9f, 2)).ok());
  }
  auto org = assessor_->OrgSummary(v1::OrgSummaryRequest());
  ASSERT_TRUE(org.ok()) << org.status();
  ASSERT_EQ(org->groups_size(), 2);
  const v1::GroupSummary* legal = &org->groups(0);
  const v1::GroupSummary* platform = &org->groups(1);
  EXPECT_EQ(legal->group(), "legal");
  EXPECT_TRUE(legal->suppressed());
  EXPECT_EQ(legal->people(), 0);
  EXPECT_EQ(legal->assessments(), 0);
  EXPECT_FALSE(platform->suppressed());
  EXPECT_EQ(platform->people(), 6);
  EXPECT_NEAR(platform->mean_risk(), 0.3f, 1e-4);
  // The overall leaves the suppressed group out, so it cannot be subtracted back to it.
  EXPECT_EQ(org->overall().people(), 6);
  EXPECT_NEAR(org->overall().mean_risk(), 0.3f, 1e-4);
  EXPECT_EQ(org->suppressed_groups(), 1);
  EXPECT_EQ(org->DebugString().find("small0"), std::string::npos);

  ASSERT_TRUE(store_->Put(Past("alice", now - 2 * kDayMs, 0.2f, 0.3f, 2)).ok());
  ASSERT_TRUE(assessor_->Assess(TextRequest(), In(5000)).ok());
  ASSERT_TRUE(assessor_->CheckIn(CheckInAnswers(3)).ok());
  v1::SummaryRequest sr;
  sr.set_user_id("alice");
  auto sum = assessor_->Summary(sr, In(5000));
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_EQ(sum->assessments(), 2);
  EXPECT_EQ(sum->checkins_size(), 1);
  int high = 0;
  for (const auto& l : sum->levels()) high += l.level() == v1::RISK_LEVEL_HIGH ? l.count() : 0;
  EXPECT_EQ(high, 1);
  EXPECT_FALSE(sum->notice().empty());
}

TEST_F(AssessorTest, ExportCarriesCheckInsAlertsAndTheBaseline) {
  const int64_t now = NowMs();
  for (int d = 8; d >= 1; --d) ASSERT_TRUE(store_->Put(Past("alice", now - d * kDayMs, 0.3f, 0.3f, 2)).ok());
  ASSERT_TRUE(assessor_->Assess(TextRequest(), In(5000)).ok());
  ASSERT_TRUE(assessor_->CheckIn(CheckInAnswers(3)).ok());
  assessor_->Audit("alice", "person:alice", "history", absl::OkStatus());
  v1::AuditLogRequest al;
  al.set_user_id("alice");
  auto log = assessor_->AuditLog(al);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->records_size(), 1);
  EXPECT_EQ(log->records(0).actor(), "person:alice");
  v1::ExportRequest er;
  er.set_user_id("alice");
  er.set_format(v1::EXPORT_FORMAT_CSV);
  auto csv = assessor_->Export(er);
  ASSERT_TRUE(csv.ok());
  EXPECT_NE(csv->data().find("\n# check-ins\n"), std::string::npos);
  EXPECT_NE(csv->data().find("\n# baseline\n"), std::string::npos);
  EXPECT_EQ(csv->checkins(), 1);
  er.set_format(v1::EXPORT_FORMAT_JSON);
  auto json = assessor_->Export(er);
  ASSERT_TRUE(json.ok());
  for (const char* key : {"\"checkins\"", "\"baseline\"", "\"audit\""}) {
    EXPECT_NE(json->data().find(key), std::string::npos) << key;
  }
  auto d = assessor_->Delete("alice");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->checkins_deleted(), 1);
  EXPECT_TRUE(d->baseline_deleted());
  EXPECT_FALSE(store_->GetBaseline("alice")->has_value());
  EXPECT_TRUE(store_->AuditLog("alice")->empty());
}

TEST_F(AssessorTest, TheRetentionJobRunsAtStartAndDeletesWhatIsPastItsAge) {
  const int64_t now = NowMs();
  ASSERT_TRUE(store_->Put(Past("alice", now - 40 * kDayMs, 0.3f, 0.3f, 2)).ok());
  ASSERT_TRUE(store_->Put(Past("alice", now - 2 * kDayMs, 0.3f, 0.3f, 2)).ok());
  v1::RetentionConfig forever;
  EXPECT_FALSE(RetentionJob(store_.get(), forever).running());  // nothing to enforce
  v1::RetentionConfig month;
  month.set_assessments_days(30);
  month.set_interval_s(3600);
  RetentionJob job(store_.get(), month);
  ASSERT_TRUE(job.running());
  for (int i = 0; i < 500 && Stored() != 1u; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(Stored(), 1u);
  auto again = job.RunOnce(now);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->assessments, 0);
}

}  // namespace
}  // namespace burnout::orchestrator
