// The face-cues model: the shipped model directory, spec validation, the documented mapping
// and its evidence, quality verdicts, findings and the LBP descriptor.
#include "services/face/face_model.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <random>
#include <sstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace burnout::face {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string& ShippedModel() {
  static const std::string dir = std::string(BURNOUT_SOURCE_DIR) + "/models/face-cues/2";
  return dir;
}

const FaceModel& Shipped() {
  static const FaceModel* model = [] {
    auto m = FaceModel::Load(ShippedModel());
    if (!m.ok()) {
      ADD_FAILURE() << m.status();
      std::abort();
    }
    return m->release();
  }();
  return *model;
}

// Cues of a clean, detected, frontal face as the landmarks measure them: every model cue at its
// reference mean, the rest at plausible values, then `set` applied. landmarks = false: no
// geometry (the detector gave no points).
FaceCues Cues(const std::map<std::string, double>& set = {}, bool landmarks = true) {
  FaceCues c;
  c.values.assign(FaceCueNames().size(), 0.0);
  c.measured.assign(FaceCueNames().size(), false);
  c.from_mesh = true;  // the landmark references
  std::map<std::string, double> v = {{"face_detected", 1},  {"face_count", 1},
                                     {"face_size", 0.4},    {"detector_score", 0.95},
                                     {"face_cut", 0},       {"roll_deg", 0},
                                     {"yaw", 0},            {"brightness", 120},
                                     {"contrast", 50},      {"sharpness", 300}};
  for (const auto& ref : Shipped().spec().cues()) v[ref.name()] = ref.mean();
  for (const auto& [k, x] : set) v[k] = x;
  for (const auto& [k, x] : v) {
    const int i = FaceCueIndex(k);
    EXPECT_GE(i, 0) << k;
    if (i >= 0) {
      c.values[i] = x;
      c.measured[i] = true;
    }
  }
  c.has_landmarks = landmarks;
  return c;
}

FaceBox Box(DetectorKind kind = DetectorKind::kYuNet, float score = 0.98f, float side = 120) {
  FaceBox b;
  b.box = cv::Rect2f(100, 80, side, side);
  b.score = score;
  b.detector = kind;
  b.has_landmarks = kind == DetectorKind::kYuNet;
  return b;
}

int IndexOfLabel(const FaceModel& m, const std::string& label) {
  for (int i = 0; i < m.spec().labels_size(); ++i) {
    if (m.spec().labels(i) == label) return i;
  }
  return -1;
}

std::string Top(const FaceModel& m, const ExpressionEstimate& e) {
  const auto it = std::max_element(e.probabilities.begin(), e.probabilities.end());
  return m.spec().labels(static_cast<int>(it - e.probabilities.begin()));
}

float P(const FaceModel& m, const ExpressionEstimate& e, const std::string& label) {
  return e.probabilities.at(IndexOfLabel(m, label));
}

// ---- The shipped model directory ----

TEST(ShippedFaceModelTest, LoadsWithTheDocumentedShape) {
  const FaceModel& m = Shipped();
  EXPECT_EQ(m.info().name(), "face-cues");
  EXPECT_EQ(m.info().version(), "2");
  EXPECT_EQ(m.info().sha256().size(), 64u);
  EXPECT_THAT(m.spec().labels(),
              ElementsAre("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"));
  EXPECT_EQ(m.spec().descriptor_side(), 96);
  EXPECT_EQ(m.spec().descriptor_grid(), 4);
  EXPECT_FLOAT_EQ(m.spec().temperature(), 1.5f);
  EXPECT_FLOAT_EQ(m.spec().z_clamp(), 3.0f);
  std::vector<std::string> cues;
  for (const auto& c : m.spec().cues()) {
    cues.push_back(c.name());
    EXPECT_TRUE(m.spec().reference_source().count(c.name())) << c.name();
  }
  EXPECT_THAT(cues, ElementsAre("smile", "eyes_open", "mouth_open", "mouth_width", "corner_lift",
                                 "lip_corner_pull", "brow_height", "pitch_deg"));
  // The landmark references are measured on FER2013 neutral faces; the cascade fallback's come
  // from the cues' scales and anthropometry (the neutral mouth is 0.8-0.9 eye-distances wide,
  // Farkas 1994).
  EXPECT_THAT(m.spec().reference_source().at("mouth_width"), HasSubstr("FER2013"));
  std::vector<std::string> cascade;
  for (const auto& c : m.spec().cascade_cues()) cascade.push_back(c.name());
  EXPECT_THAT(cascade, ElementsAre("smile", "eyes_open", "mouth_open", "mouth_width", "corner_lift"));
  EXPECT_THAT(m.spec().reference_source().at("cascade:mouth_width"), HasSubstr("Farkas 1994"));
}

TEST(ShippedFaceModelTest, ATamperedFileIsRefused) {
  const std::string dir = testutil::CopyDirectory(ShippedModel(), "face-tampered");
  ASSERT_TRUE(FaceModel::Load(dir).ok());
  const std::string path = dir + "/face_cues.textproto";
  std::string text;
  {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  // One byte: still a valid model (temperature 1.5 -> 2.5), but not the one the manifest
  // vouches for.
  const size_t at = text.find("temperature: 1.5");
  ASSERT_NE(at, std::string::npos);
  text[at + std::string("temperature: ").size()] = '2';
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  auto m = FaceModel::Load(dir);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(m.status().message()), HasSubstr("face_cues.textproto"));
  EXPECT_THAT(std::string(m.status().message()), HasSubstr("SHA-256"));
}

TEST(ShippedFaceModelTest, AnotherKindOrAMissingDirectoryIsRefused) {
  const std::string dir = testutil::CopyDirectory(ShippedModel(), "face-kind");
  const std::string manifest = dir + "/manifest.textproto";
  std::string text;
  {
    std::ifstream in(manifest);
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  const size_t at = text.find("kind: \"face-cues\"");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, std::string("kind: \"face-cues\"").size(), "kind: \"voice-acoustic\"");
  std::ofstream(manifest, std::ios::trunc) << text;
  auto wrong = FaceModel::Load(dir);
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(std::string(wrong.status().message()), HasSubstr("voice-acoustic"));
  auto missing = FaceModel::Load(testutil::FreshPath("no-such-model"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
}

// ---- Spec validation ----

v1::FaceCueModel Spec() { return Shipped().spec(); }

std::string Rejection(const v1::FaceCueModel& spec) {
  auto m = FaceModel::FromSpec(spec, {});
  EXPECT_FALSE(m.ok());
  return m.ok() ? "" : std::string(m.status().message());
}

TEST(FaceModelSpecTest, TheShippedSpecIsValid) { EXPECT_TRUE(FaceModel::FromSpec(Spec(), {}).ok()); }

// The shipped model file is what burnout-build-face-model writes from DefaultFaceCueSpec(),
// whose references also serve the findings under a TorchScript expression model.
TEST(FaceModelSpecTest, TheShippedSpecIsTheDefaultSpec) {
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(Spec(), DefaultFaceCueSpec()))
      << DefaultFaceCueSpec().DebugString();
}

TEST(FaceModelSpecTest, BadSpecsAreRejectedByName) {
  auto unknown = Spec();
  unknown.mutable_cues(1)->set_name("eyebrow_raise");
  EXPECT_THAT(Rejection(unknown), HasSubstr("cue 'eyebrow_raise' is not a face cue"));

  auto duplicate = Spec();
  duplicate.add_labels("happy");
  EXPECT_THAT(Rejection(duplicate), HasSubstr("label 'happy' is listed twice"));

  auto zero_std = Spec();
  zero_std.mutable_cues(2)->set_std(0);
  EXPECT_THAT(Rejection(zero_std), HasSubstr("cue 'mouth_open' needs a finite mean and a positive std"));

  auto no_logit = Spec();
  no_logit.mutable_logits()->RemoveLast();  // surprise
  EXPECT_THAT(Rejection(no_logit), HasSubstr("label 'surprise' has no logit"));

  auto two_logits = Spec();
  *two_logits.add_logits() = two_logits.logits(0);
  EXPECT_THAT(Rejection(two_logits), HasSubstr("label 'angry' has more than one logit"));

  auto stray_logit = Spec();
  stray_logit.mutable_logits(0)->set_label("contempt");
  EXPECT_THAT(Rejection(stray_logit), HasSubstr("logit for 'contempt', which is not a label"));

  auto stray_weight = Spec();
  stray_weight.mutable_logits(3)->mutable_weights(0)->set_feature("brightness");
  EXPECT_THAT(Rejection(stray_weight),
              HasSubstr("logit 'happy' weight names 'brightness', which is not a listed cue"));

  auto twice = Spec();
  *twice.mutable_logits(3)->add_weights() = twice.logits(3).weights(0);
  EXPECT_THAT(Rejection(twice), HasSubstr("logit 'happy' weights cue 'smile' twice"));

  auto repeated_cue = Spec();
  *repeated_cue.add_cues() = repeated_cue.cues(0);
  EXPECT_THAT(Rejection(repeated_cue), HasSubstr("cue 'smile' is listed twice"));

  auto cold = Spec();
  cold.set_temperature(0);
  EXPECT_THAT(Rejection(cold), HasSubstr("temperature"));

  auto tiny = Spec();
  tiny.set_descriptor_side(8);
  EXPECT_THAT(Rejection(tiny), HasSubstr("descriptor_side"));

  auto fine = Spec();
  fine.set_descriptor_grid(17);
  EXPECT_THAT(Rejection(fine), HasSubstr("descriptor_grid"));

  auto none = Spec();
  none.clear_labels();
  none.clear_logits();
  EXPECT_THAT(Rejection(none), HasSubstr("label"));
}

// ---- The mapping ----

TEST(FaceMappingTest, ContributionsAreExactAndSumToTheLogits) {
  const FaceModel& m = Shipped();
  const auto& s = m.spec();
  const FaceCues cues = Cues({{"smile", 0.55}, {"eyes_open", 0.4}, {"mouth_open", 0.95},
                              {"mouth_width", 0.93}, {"corner_lift", 0.31}});
  const auto e = m.Estimate(cues, 1.0, 1.0);
  ASSERT_DOUBLE_EQ(e.evidence, 1.0);
  // Each contribution is weight x clamped z of its cue.
  std::map<std::string, double> z;
  for (const auto& c : s.cues()) {
    const double raw = (cues.get(c.name().c_str()) - c.mean()) / c.std();
    z[c.name()] = std::clamp(raw, -static_cast<double>(s.z_clamp()),
                             static_cast<double>(s.z_clamp()));
  }
  EXPECT_DOUBLE_EQ(z["mouth_open"], 3.0);  // 4.25 clamped
  size_t weights = 0;
  for (const auto& l : s.logits()) {
    for (const auto& w : l.weights()) {
      ++weights;
      const auto it = std::find_if(e.contributions.begin(), e.contributions.end(), [&](const auto& c) {
        return c.label() == l.label() && c.feature() == w.feature();
      });
      ASSERT_NE(it, e.contributions.end()) << l.label() << " " << w.feature();
      EXPECT_FLOAT_EQ(it->contribution(), static_cast<float>(w.weight() * z[w.feature()]))
          << l.label() << " " << w.feature();
    }
  }
  EXPECT_EQ(e.contributions.size(), weights);
  // bias + the label's contributions is its logit: the probabilities follow from them.
  std::vector<double> logits;
  for (const auto& label : s.labels()) {
    double logit = 0;
    for (const auto& l : s.logits()) {
      if (l.label() == label) logit = l.bias();
    }
    for (const auto& c : e.contributions) {
      if (c.label() == label) logit += c.contribution();
    }
    logits.push_back(logit);
  }
  double sum = 0;
  for (double x : logits) sum += std::exp(x / s.temperature());
  for (size_t i = 0; i < logits.size(); ++i) {
    EXPECT_NEAR(e.probabilities[i], std::exp(logits[i] / s.temperature()) / sum, 1e-6)
        << s.labels(i);
  }
  // Sorted by strength.
  for (size_t i = 1; i < e.contributions.size(); ++i) {
    EXPECT_GE(std::abs(e.contributions[i - 1].contribution()),
              std::abs(e.contributions[i].contribution()));
  }
}

TEST(FaceMappingTest, NeutralCuesReadNeutral) {
  const FaceModel& m = Shipped();
  const auto e = m.Estimate(Cues(), 1.0, 1.0);
  EXPECT_EQ(Top(m, e), "neutral");
  // Every contribution is zero at the reference values.
  for (const auto& c : e.contributions) EXPECT_EQ(c.contribution(), 0.0f) << c.label();
  EXPECT_NEAR(std::accumulate(e.probabilities.begin(), e.probabilities.end(), 0.0), 1.0, 1e-5);
  // A modest estimate: hand-set weights, temperature 1.5.
  EXPECT_LT(P(m, e, "neutral"), 0.5f);
}

TEST(FaceMappingTest, AStrongSmileReadsHappy) {
  const FaceModel& m = Shipped();
  const auto e = m.Estimate(
      Cues({{"smile", 0.9}, {"mouth_width", 1.0}, {"corner_lift", 0.45}}), 1.0, 1.0);
  EXPECT_EQ(Top(m, e), "happy");
  EXPECT_GT(P(m, e, "happy"), 0.5f);
  // The smile score alone is enough.
  EXPECT_EQ(Top(m, m.Estimate(Cues({{"smile", 0.9}}), 1.0, 1.0)), "happy");
  // The strongest evidence is the smile's push on happy.
  ASSERT_FALSE(e.contributions.empty());
  EXPECT_EQ(e.contributions[0].label(), "happy");
  EXPECT_EQ(e.contributions[0].feature(), "smile");
}

TEST(FaceMappingTest, AWideOpenMouthAndOpenEyesReadSurprise) {
  const FaceModel& m = Shipped();
  const auto e = m.Estimate(Cues({{"mouth_open", 0.9}, {"eyes_open", 1.0}}), 1.0, 1.0);
  EXPECT_EQ(Top(m, e), "surprise");
  EXPECT_GT(P(m, e, "surprise"), P(m, e, "fear"));
  // Also with the corners dropped by the open jaw and a rounder mouth.
  const auto o = m.Estimate(Cues({{"mouth_open", 0.9}, {"eyes_open", 1.0}, {"corner_lift", 0.67},
                                  {"mouth_width", 0.7}, {"smile", 0.1}}),
                            1.0, 1.0);
  EXPECT_EQ(Top(m, o), "surprise");
}

TEST(FaceMappingTest, CornersDownWithoutASmileReadSad) {
  const FaceModel& m = Shipped();
  const auto e = m.Estimate(Cues({{"corner_lift", 0.67}, {"smile", 0.0}}), 1.0, 1.0);
  EXPECT_GT(P(m, e, "sad"), P(m, e, "happy"));
  EXPECT_EQ(Top(m, e), "sad");
}

TEST(FaceMappingTest, WeaklyObservableLabelsStaySmall) {
  // Anger, disgust and fear are barely visible in these cues: whatever the cues, they stay
  // below the best-supported label.
  const FaceModel& m = Shipped();
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> unit(0, 1), width(0.6, 1.1), lift(0.35, 0.75);
  for (int i = 0; i < 200; ++i) {
    const auto e = m.Estimate(Cues({{"smile", unit(rng)}, {"eyes_open", unit(rng)},
                                    {"mouth_open", unit(rng)}, {"mouth_width", width(rng)},
                                    {"corner_lift", lift(rng)}}),
                              1.0, 1.0);
    const std::string top = Top(m, e);
    EXPECT_TRUE(top != "angry" && top != "disgust") << top << " at draw " << i;
  }
}

TEST(FaceMappingTest, NoEvidenceIsExactlyUniform) {
  const FaceModel& m = Shipped();
  const FaceCues smiling = Cues({{"smile", 0.95}, {"mouth_width", 1.1}});
  const float uniform = static_cast<float>(1.0 / 7.0);
  for (const auto& e : {m.Estimate(smiling, 1.0, 0.0), m.Estimate(smiling, 0.0, 1.0),
                        m.Estimate(smiling, -2.0, 1.0), m.Estimate(smiling, std::nan(""), 1.0)}) {
    EXPECT_EQ(e.evidence, 0.0);
    ASSERT_EQ(e.probabilities.size(), 7u);
    for (float p : e.probabilities) EXPECT_EQ(p, uniform);
    // The contributions still say what the cues pushed.
    EXPECT_FALSE(e.contributions.empty());
  }
}

TEST(FaceMappingTest, EvidenceIsQualityTimesConfidenceAndMonotone) {
  const FaceModel& m = Shipped();
  const FaceCues smiling = Cues({{"smile", 0.9}});
  EXPECT_DOUBLE_EQ(m.Estimate(smiling, 0.5, 0.8).evidence, 0.4);
  EXPECT_DOUBLE_EQ(m.Estimate(smiling, 2.0, 0.9).evidence, 1.0);
  double last_happy = 0, last_spread = -1;
  for (double e : {0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0}) {
    const auto est = m.Estimate(smiling, e, 1.0);
    EXPECT_DOUBLE_EQ(est.evidence, e);
    const double happy = P(m, est, "happy");
    const auto [lo, hi] = std::minmax_element(est.probabilities.begin(), est.probabilities.end());
    const double spread = *hi - *lo;
    EXPECT_GT(happy, last_happy - 1e-7) << e;
    EXPECT_GT(spread, last_spread) << e;
    last_happy = happy;
    last_spread = spread;
    EXPECT_NEAR(std::accumulate(est.probabilities.begin(), est.probabilities.end(), 0.0), 1.0, 1e-5);
  }
}

TEST(FaceMappingTest, MissingOrNonFiniteCuesCountAsReference) {
  const FaceModel& m = Shipped();
  FaceCues empty;
  const auto e = m.Estimate(empty, 1.0, 1.0);
  ASSERT_EQ(e.probabilities.size(), 7u);
  EXPECT_EQ(Top(m, e), "neutral");
  FaceCues nan = Cues({{"smile", std::nan("")}, {"mouth_open", INFINITY}});
  const auto n = m.Estimate(nan, 1.0, 1.0);
  EXPECT_EQ(Top(m, n), "neutral");
  for (float p : n.probabilities) EXPECT_TRUE(std::isfinite(p));
}

TEST(FaceMappingTest, GeometryCountsOnlyFromLandmarksOnAFrontalFace) {
  const FaceModel& m = Shipped();
  const std::map<std::string, double> odd_geometry = {{"mouth_width", 1.1}, {"corner_lift", 0.3}};
  const auto reference = m.Estimate(Cues({}, false), 1.0, 1.0);
  const auto unlandmarked = m.Estimate(Cues(odd_geometry, false), 1.0, 1.0);
  EXPECT_EQ(unlandmarked.probabilities, reference.probabilities);
  auto turned_cues = odd_geometry;
  turned_cues["yaw"] = 0.6;
  const auto turned = m.Estimate(Cues(turned_cues), 1.0, 1.0);
  EXPECT_EQ(turned.probabilities, reference.probabilities);
  for (const auto& c : turned.contributions) {
    if (c.feature() == "mouth_width" || c.feature() == "corner_lift") {
      EXPECT_EQ(c.contribution(), 0.0f) << c.label() << " " << c.feature();
    }
  }
  // Frontal, with landmarks: the same geometry reads as a smile.
  const auto frontal = m.Estimate(Cues(odd_geometry), 1.0, 1.0);
  EXPECT_EQ(Top(m, frontal), "happy");
}

// ---- Quality ----

TEST(FaceQualityTest, DefaultsAreDocumented) {
  const auto q = DefaultFaceQualityConfig();
  EXPECT_EQ(q.min_face_px(), 48);
  EXPECT_EQ(q.min_brightness(), 40);
  EXPECT_EQ(q.max_brightness(), 220);
  EXPECT_EQ(q.min_contrast(), 20);
  EXPECT_EQ(q.min_sharpness(), 40);
}

TEST(FaceQualityTest, EachCheckLowersQualityAndSaysWhy) {
  const auto config = DefaultFaceQualityConfig();
  const auto ok = AssessFaceQuality(Cues(), Box(), config);
  EXPECT_FLOAT_EQ(ok.quality, 1.0f);
  EXPECT_TRUE(ok.issues.empty());

  const auto crop = AssessFaceQuality(Cues({{"face_detected", 0}}),
                                      Box(DetectorKind::kCenterCrop, 0.1f, 300), config);
  EXPECT_LE(crop.quality, 0.25f);
  EXPECT_THAT(crop.issues, ElementsAre("no face detected; the centre of the image was analysed"));

  const auto small = AssessFaceQuality(Cues(), Box(DetectorKind::kYuNet, 0.9f, 24), config);
  EXPECT_NEAR(small.quality, 0.5, 1e-6);
  EXPECT_THAT(small.issues, ElementsAre("face too small: 24 px across (at least 48 px is needed)"));

  FaceBox cut_box = Box();
  cut_box.cut_at_border = true;
  const auto cut = AssessFaceQuality(Cues({{"face_cut", 1}}), cut_box, config);
  EXPECT_LT(cut.quality, 1.0f);
  EXPECT_THAT(cut.issues, ElementsAre("face cut off at the image border"));

  const auto dark = AssessFaceQuality(Cues({{"brightness", 20}}), Box(), config);
  EXPECT_NEAR(dark.quality, 0.5, 1e-6);
  EXPECT_THAT(dark.issues,
              ElementsAre("too dark: mean brightness 20 of 255 (at least 40 is needed)"));

  const auto bright = AssessFaceQuality(Cues({{"brightness", 240}}), Box(), config);
  EXPECT_LT(bright.quality, 0.5f);
  EXPECT_THAT(bright.issues, ElementsAre(HasSubstr("overexposed: mean brightness 240 of 255")));

  const auto flat = AssessFaceQuality(Cues({{"contrast", 10}}), Box(), config);
  EXPECT_NEAR(flat.quality, 0.5, 1e-6);
  EXPECT_THAT(flat.issues, ElementsAre(HasSubstr("low contrast: grey-level spread 10.0")));

  const auto blurred = AssessFaceQuality(Cues({{"sharpness", 10}}), Box(), config);
  EXPECT_NEAR(blurred.quality, 0.25, 1e-6);  // 10 / 40
  EXPECT_THAT(blurred.issues, ElementsAre("blurred: sharpness 10.0 (at least 40 is needed)"));

  const auto turned = AssessFaceQuality(Cues({{"yaw", -0.6}}), Box(), config);
  EXPECT_LT(turned.quality, 1.0f);
  EXPECT_THAT(turned.issues, ElementsAre(HasSubstr("face turned away")));
  // Without landmarks there is no yaw measurement to trust.
  EXPECT_TRUE(AssessFaceQuality(Cues({{"yaw", -0.6}}, false), Box(DetectorKind::kHaar), config)
                  .issues.empty());

  const auto crowd = AssessFaceQuality(Cues({{"face_count", 3}}), Box(), config);
  EXPECT_FLOAT_EQ(crowd.quality, 0.9f);
  EXPECT_THAT(crowd.issues, ElementsAre("3 faces found; the largest was analysed"));

  // Several problems multiply.
  const auto both = AssessFaceQuality(Cues({{"brightness", 20}, {"contrast", 10}}), Box(), config);
  EXPECT_NEAR(both.quality, 0.25, 1e-6);
  EXPECT_EQ(both.issues.size(), 2u);
}

TEST(FaceQualityTest, UnsetFieldsGetTheDefaults) {
  const v1::FaceQualityConfig empty;
  const auto blurred = AssessFaceQuality(Cues({{"sharpness", 7.5}}), Box(), empty);
  EXPECT_THAT(blurred.issues, ElementsAre("blurred: sharpness 7.5 (at least 40 is needed)"));
  auto strict = DefaultFaceQualityConfig();
  strict.set_min_face_px(200);
  EXPECT_THAT(AssessFaceQuality(Cues(), Box(), strict).issues,
              ElementsAre(HasSubstr("face too small: 120 px")));
}

// ---- Findings ----

TEST(FaceFindingsTest, SmilingFaceIsDescribedCheckably) {
  const auto spec = Shipped().spec();
  const auto f = DescribeFace(Cues({{"smile", 0.82}, {"mouth_width", 1.00}, {"corner_lift", 0.40},
                                    {"eyes_open", 0.9}, {"mouth_open", 0.05}}),
                              Box(DetectorKind::kYuNet, 0.98f), spec);
  EXPECT_THAT(f, Contains("Found by the yunet detector (score 0.98)."));
  EXPECT_THAT(f, Contains("You were smiling clearly (smile 0.82 on a 0–1 scale)."));
  EXPECT_THAT(f, Contains("Your eyes were open (eyes open 0.90 on a 0–1 scale)."));
  EXPECT_THAT(f, Contains("Your mouth was closed (mouth open 0.05 on a 0–1 scale)."));
  EXPECT_THAT(f, Contains(HasSubstr("Your mouth was 32% wider than a typical relaxed mouth (1.00 "
                                    "vs 0.75 times the distance between your eyes)")));
  EXPECT_THAT(f, Contains(HasSubstr("The corners of your mouth were raised")));
  for (const auto& s : f) {
    EXPECT_THAT(s, ::testing::Not(HasSubstr("depress"))) << "no diagnosis language";
    EXPECT_THAT(s, ::testing::Not(HasSubstr("burnout")));
  }
}

TEST(FaceFindingsTest, ClosedEyesOpenMouthAndSeveralFaces) {
  const auto spec = Shipped().spec();
  const auto f = DescribeFace(Cues({{"eyes_open", 0.1}, {"mouth_open", 0.7}, {"smile", 0.1},
                                    {"face_count", 2}, {"corner_lift", 0.7}}),
                              Box(DetectorKind::kHaar, 0.7f), spec);
  EXPECT_THAT(f, Contains("Found by the haar detector (score 0.70)."));
  EXPECT_THAT(f, Contains(HasSubstr("Your eyes looked mostly closed")));
  EXPECT_THAT(f, Contains("Your mouth was open (mouth open 0.70 on a 0–1 scale)."));
  EXPECT_THAT(f, Contains("No clear smile (smile 0.10 on a 0–1 scale)."));
  EXPECT_THAT(f, Contains(HasSubstr("2 faces were in the picture; the largest was analysed")));
  EXPECT_THAT(f, Contains(HasSubstr("an open mouth also lowers them")));
}

TEST(FaceFindingsTest, GeometryNeedsLandmarks) {
  const auto spec = Shipped().spec();
  const auto f = DescribeFace(Cues({{"mouth_width", 1.2}, {"corner_lift", 0.2}}, false),
                              Box(DetectorKind::kLbp, 0.6f), spec);
  for (const auto& s : f) {
    EXPECT_THAT(s, ::testing::Not(HasSubstr("wider")));
    EXPECT_THAT(s, ::testing::Not(HasSubstr("corners")));
  }
}

TEST(FaceFindingsTest, ACentreCropSaysSoAndNothingMore) {
  const auto spec = Shipped().spec();
  const auto f = DescribeFace(Cues({{"face_detected", 0}, {"smile", 0.9}}),
                              Box(DetectorKind::kCenterCrop, 0.1f, 300), spec);
  EXPECT_THAT(f, ElementsAre("No face was found; the centre of the picture was analysed instead, "
                             "so this reading is weak."));
}

// ---- The descriptor ----

double Norm(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += double(x) * x;
  return std::sqrt(s);
}

double Distance(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  return std::sqrt(s);
}

cv::Mat Noise(int side, unsigned seed, int lo = 0, int hi = 200) {
  cv::Mat m(side, side, CV_8U);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(lo, hi);
  for (int y = 0; y < side; ++y) {
    for (int x = 0; x < side; ++x) m.at<uint8_t>(y, x) = static_cast<uint8_t>(d(rng));
  }
  return m;
}

// A face-like test card: smooth gradients, two dark eyes, a dark mouth, noise on top.
cv::Mat Card(unsigned seed) {
  cv::Mat m(96, 96, CV_8U);
  for (int y = 0; y < 96; ++y) {
    for (int x = 0; x < 96; ++x) m.at<uint8_t>(y, x) = static_cast<uint8_t>(80 + y + x / 3);
  }
  cv::circle(m, {30, 38}, 7, cv::Scalar(30), -1);
  cv::circle(m, {66, 38}, 7, cv::Scalar(30), -1);
  cv::ellipse(m, {48, 72}, {18, 6}, 0, 0, 360, cv::Scalar(40), -1);
  cv::Mat noise = Noise(96, seed, 0, 12);
  cv::Mat out;
  cv::add(m, noise, out);
  return out;
}

TEST(LbpDescriptorTest, SizeAndNorm) {
  const cv::Mat face = Card(1);
  const auto d = LbpDescriptor(face, 4);
  ASSERT_EQ(d.size(), 944u);
  EXPECT_NEAR(Norm(d), 1.0, 1e-5);
  for (float x : d) EXPECT_GE(x, 0.0f);
  EXPECT_EQ(LbpDescriptor(face, 1).size(), 59u);
  EXPECT_EQ(LbpDescriptor(face, 7).size(), 7u * 7u * 59u);  // 96 is not a multiple of 7
  EXPECT_NEAR(Norm(LbpDescriptor(face, 7)), 1.0, 1e-5);
  const cv::Mat odd = Noise(61, 3)(cv::Rect(0, 0, 61, 37)).clone();
  EXPECT_NEAR(Norm(LbpDescriptor(odd, 4)), 1.0, 1e-5);
}

TEST(LbpDescriptorTest, AFlatImageIsAllOnePatternPerCell) {
  const cv::Mat flat(96, 96, CV_8U, cv::Scalar(128));
  const auto d = LbpDescriptor(flat, 4);
  // Every neighbour >= centre: code 255, the last of the 58 uniform patterns (bin 57).
  for (int cell = 0; cell < 16; ++cell) {
    for (int b = 0; b < 59; ++b) {
      EXPECT_FLOAT_EQ(d[cell * 59 + b], b == 57 ? 0.25f : 0.0f) << cell << " " << b;
    }
  }
}

TEST(LbpDescriptorTest, DeterministicAndInvariantToABrightnessShift) {
  const cv::Mat face = Card(2);  // grey levels <= 218
  const auto a = LbpDescriptor(face, 4);
  EXPECT_EQ(a, LbpDescriptor(face.clone(), 4));
  cv::Mat brighter;
  face.convertTo(brighter, CV_8U, 1.0, 30.0);  // no value reaches 255
  double max_value;
  cv::minMaxLoc(brighter, nullptr, &max_value);
  ASSERT_LT(max_value, 255.0);
  EXPECT_EQ(a, LbpDescriptor(brighter, 4));
  // Any monotonic change of grey levels, e.g. a contrast stretch or a gamma, too.
  cv::Mat stretched;
  face.convertTo(stretched, CV_8U, 1.15, 0.0);  // <= 218 * 1.15 < 255
  EXPECT_EQ(LbpDescriptor(stretched, 4), a);
  cv::Mat gamma(face.size(), CV_32F);
  for (int y = 0; y < face.rows; ++y) {
    for (int x = 0; x < face.cols; ++x) {
      gamma.at<float>(y, x) = std::pow(face.at<uint8_t>(y, x) / 255.0f, 0.5f);
    }
  }
  EXPECT_EQ(LbpDescriptor(gamma, 4), a);
}

TEST(LbpDescriptorTest, OtherInputTypesAreConverted) {
  const cv::Mat face = Card(3);
  const auto a = LbpDescriptor(face, 4);
  cv::Mat bgr;
  cv::cvtColor(face, bgr, cv::COLOR_GRAY2BGR);
  EXPECT_EQ(LbpDescriptor(bgr, 4), a);
  cv::Mat wide;
  face.convertTo(wide, CV_16U, 257.0);
  EXPECT_EQ(LbpDescriptor(wide, 4), a);
  cv::Mat bgra;
  cv::cvtColor(face, bgra, cv::COLOR_GRAY2BGRA);
  EXPECT_NEAR(Norm(LbpDescriptor(bgra, 4)), 1.0, 1e-5);
}

TEST(LbpDescriptorTest, DifferentTexturesDiffer) {
  cv::Mat stripes(96, 96, CV_8U), checks(96, 96, CV_8U);
  for (int y = 0; y < 96; ++y) {
    for (int x = 0; x < 96; ++x) {
      stripes.at<uint8_t>(y, x) = (y / 2) % 2 ? 200 : 50;
      checks.at<uint8_t>(y, x) = ((x / 3) + (y / 3)) % 2 ? 200 : 50;
    }
  }
  const auto s = LbpDescriptor(stripes, 4);
  const auto c = LbpDescriptor(checks, 4);
  const auto n = LbpDescriptor(Noise(96, 9), 4);
  const auto f = LbpDescriptor(Card(4), 4);
  EXPECT_GT(Distance(s, c), 0.3);
  EXPECT_GT(Distance(s, n), 0.3);
  EXPECT_GT(Distance(c, n), 0.3);
  EXPECT_GT(Distance(f, n), 0.3);
  // Two noise fields of the same kind are closer to each other than to stripes.
  const auto n2 = LbpDescriptor(Noise(96, 10), 4);
  EXPECT_LT(Distance(n, n2), Distance(n, s));
}

TEST(LbpDescriptorTest, DegenerateInputsDoNotCrash) {
  const std::vector<float> zeros(944, 0.0f);
  EXPECT_EQ(LbpDescriptor(cv::Mat(), 4), zeros);
  EXPECT_EQ(LbpDescriptor(cv::Mat(1, 1, CV_8U, cv::Scalar(7)), 4), zeros);
  EXPECT_EQ(LbpDescriptor(cv::Mat(2, 50, CV_8U, cv::Scalar(7)), 4), zeros);
  EXPECT_TRUE(LbpDescriptor(Card(5), 0).empty());
  // Smaller than the grid: some cells stay empty, the vector is still a unit vector.
  const auto tiny = LbpDescriptor(Noise(5, 1), 4);
  ASSERT_EQ(tiny.size(), 944u);
  EXPECT_NEAR(Norm(tiny), 1.0, 1e-5);
  // Non-finite floats do not crash either.
  cv::Mat bad(20, 20, CV_32F, cv::Scalar(std::nanf("")));
  EXPECT_EQ(LbpDescriptor(bad, 2).size(), 4u * 59u);
}


// ---- On a real photograph (skipped when ../shared/data/faces is absent) ----

std::string SharedFile(const std::string& relative) {
  for (const std::string dir : {std::string("../shared"), std::string(BURNOUT_SOURCE_DIR) + "/../shared"}) {
    const std::string path = dir + "/" + relative;
    if (std::ifstream(path).good()) return path;
  }
  return "";
}

TEST(FacePhotographTest, ASmilingAstronautReadsHappyUntilBlurred) {
  const std::string photo = SharedFile("data/faces/astronaut.png");
  if (photo.empty()) GTEST_SKIP() << "../shared/data/faces/astronaut.png is absent";
  v1::FaceDetectorConfig dc;
  dc.set_yunet_model(SharedFile("models/yunet/face_detection_yunet_2022mar.onnx"));
  dc.set_yunet_score_threshold(0.6f);
  dc.set_cascade_dir("/usr/share/opencv4");
  dc.set_detect_max_side(320);
  dc.set_min_face_fraction(0.08f);
  auto detector = FaceDetector::Create(dc);
  ASSERT_TRUE(detector.ok()) << detector.status();
  const FaceModel& m = Shipped();
  const cv::Mat image = cv::imread(photo, cv::IMREAD_COLOR);
  ASSERT_FALSE(image.empty());
  struct Reading {
    FaceQualityVerdict quality;
    ExpressionEstimate estimate;
    std::vector<std::string> findings;
    std::vector<float> descriptor;
  };
  auto read = [&](const cv::Mat& bgr) {
    const Detection d = (*detector)->Detect(bgr);
    EXPECT_FALSE(d.faces.empty());
    const FaceBox& face = d.faces.front();
    const AlignedFace aligned = AlignFace(bgr, face, 224, m.spec().descriptor_side());
    const FaceCues cues = MeasureCues(bgr, face, aligned, static_cast<int>(d.faces.size()), **detector);
    Reading r;
    r.quality = AssessFaceQuality(cues, face, DefaultFaceQualityConfig());
    r.estimate = m.Estimate(cues, r.quality.quality, face.score);
    r.findings = DescribeFace(cues, face, m.spec());
    r.descriptor = LbpDescriptor(aligned.gray, m.spec().descriptor_grid());
    return r;
  };
  const Reading sharp = read(image);
  EXPECT_TRUE(sharp.quality.issues.empty()) << ::testing::PrintToString(sharp.quality.issues);
  EXPECT_EQ(Top(m, sharp.estimate), "happy");
  EXPECT_THAT(sharp.findings, Contains(HasSubstr("You were smiling")));
  ASSERT_EQ(sharp.descriptor.size(), 944u);
  EXPECT_NEAR(Norm(sharp.descriptor), 1.0, 1e-5);
  // Mirrored, the same face and the same reading.
  cv::Mat mirrored;
  cv::flip(image, mirrored, 1);
  EXPECT_EQ(Top(m, read(mirrored).estimate), "happy");
  // Heavily blurred: the cues fail, and the quality check says so.
  cv::Mat blurred;
  cv::GaussianBlur(image, blurred, cv::Size(), 5.0);
  const Reading soft = read(blurred);
  EXPECT_THAT(soft.quality.issues, Contains(HasSubstr("blurred")));
  EXPECT_LT(soft.quality.quality, 0.6f);
}

}  // namespace
}  // namespace burnout::face
