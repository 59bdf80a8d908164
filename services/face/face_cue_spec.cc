// The face-cues model's spec (models/face-cues/2, written by burnout-build-face-model): the
// hand-set mapping documented on FaceCueModel and in services/face/README.md ("The face-cues
// model"), with each cue's reference value and where it comes from. Its reference values also
// ground the findings when an expression model (the FER model, the seeds' ViT) serves.
//
// Nothing is trained: no open facial-expression data set can be used here. The weights
// follow the facial-action literature:
//  - Ekman & Friesen (1978), Facial Action Coding System; Ekman, Friesen & Hager (2002),
//    FACS Investigator's Guide (EMFACS prototypes): happiness AU6+12; surprise 1+2+5+26/27;
//    fear 1+2+4+5+7+20+26; sadness 1+4+15; anger 4+5+7+23/24; disgust 9/10 (+15, 17).
//  - Kohler et al. (2004), "Differences in facial expressions of four universal emotions",
//    Psychiatry Research 128:235-244 (FACS-coded posed and evoked happy, sad, angry and
//    fearful faces): happiness is the most consistent display (AU12 with AU6); sadness
//    lowers the lip corners (AU15) with brow action (AU1, AU4); fear widens the eyes and
//    opens and stretches the mouth (AU5, AU20, AU25/26); anger lies mostly in the brows and
//    lids (AU4, AU7) and in pressed or tightened lips (AU23/24).
// Our cues see the mouth and the eyes' openness, not the brows, the nose or the upper lip.
// So anger (brows, lids), disgust (nose wrinkler AU9, upper-lip raiser AU10) and fear
// (which shares eye and mouth opening with surprise) are barely observable: their weights
// stay small and their biases negative, so the model rarely names them.
#include <initializer_list>
#include <string>

#include "services/face/face_model.h"

namespace burnout::face {

namespace {

void Cue(burnout::v1::FaceCueModel* m, const std::string& name, float mean, float std,
         const std::string& source) {
  auto* c = m->add_cues();
  c->set_name(name);
  c->set_mean(mean);
  c->set_std(std);
  (*m->mutable_reference_source())[name] = source;
}

void CascadeCue(burnout::v1::FaceCueModel* m, const std::string& name, float mean, float std,
                const std::string& source) {
  auto* c = m->add_cascade_cues();
  c->set_name(name);
  c->set_mean(mean);
  c->set_std(std);
  (*m->mutable_reference_source())["cascade:" + name] = source;
}

// The landmark cues' references: FER2013 test faces labelled neutral (600 with placed
// landmarks), median and the interquartile range / 1.35 (a robust std), measured with
// `burnout-eval-face --fer_dir <FER2013 test> --mode service`; a std is widened where a relaxed
// face in a live camera varies more than a posed 48 px crop (talking, blinking).
constexpr char kFerNeutral[] =
    "measured: FER2013 test faces labelled neutral through the face pipeline (FaceMesh + Iris), "
    "median ";

struct W {
  const char* cue;
  float weight;
};

void Logit(burnout::v1::FaceCueModel* m, const std::string& label, float bias,
           std::initializer_list<W> weights) {
  auto* l = m->add_logits();
  l->set_label(label);
  l->set_bias(bias);
  for (const auto& w : weights) {
    auto* x = l->add_weights();
    x->set_feature(w.cue);
    x->set_weight(w.weight);
  }
}

}  // namespace

burnout::v1::FaceCueModel DefaultFaceCueSpec() {
  burnout::v1::FaceCueModel m;
  // The fusion model's face slot expects exactly these names (FER-2013's labels).
  for (const char* label : {"angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"}) {
    m.add_labels(label);
  }
  // Reference values of a relaxed (neutral), frontal face. From the landmarks (the default):
  Cue(&m, "smile", 0.0f, 0.2f,
      std::string(kFerNeutral) + "0.00, robust std 0.14 (happy: 0.92); std widened to 0.20");
  Cue(&m, "eyes_open", 0.95f, 0.2f,
      std::string(kFerNeutral) + "1.00, robust std 0.11; 1 = a relaxed open eye by construction, std widened "
      "to 0.20 for blinks");
  Cue(&m, "mouth_open", 0.11f, 0.12f,
      std::string(kFerNeutral) + "0.11, robust std 0.06 (surprise 0.24, happy 0.31); std widened to 0.12 "
      "for talking");
  Cue(&m, "mouth_width", 0.755f, 0.065f, std::string(kFerNeutral) + "0.753, robust std 0.065 (happy: 0.924)");
  Cue(&m, "corner_lift", 0.475f, 0.05f, std::string(kFerNeutral) + "0.473, robust std 0.047 (happy: 0.436)");
  Cue(&m, "lip_corner_pull", -0.017f, 0.02f, std::string(kFerNeutral) + "-0.017, robust std 0.017 (happy: 0.037)");
  Cue(&m, "brow_height", 0.315f, 0.05f, std::string(kFerNeutral) + "0.315, robust std 0.051 (disgust: 0.289)");
  Cue(&m, "pitch_deg", 7.6f, 10.0f,
      std::string(kFerNeutral) + "7.6 deg, robust std 10 (FER2013's pictures were often taken from above)");
  // From the cascades (the fallback without a landmark model): the cues' own scales, checked
  // on the two shared photographs (../shared/data/faces: "astronaut", a clear frontal smile;
  // "camera", a non-smiling face); the two 5-point ratios come from anthropometry and the
  // standard 5-point face-alignment template.
  CascadeCue(&m, "smile", 0.30f, 0.20f,
      "scale: the smile score's own 0..1 scale (face_cues.cc). The smile cascade fires on "
      "relaxed mouths too: a non-smiling face scored 0.36 and a clear frontal smile 0.62 on "
      "the shared photographs, so a relaxed face is taken as 0.30 +- 0.20 and that smile "
      "is z = +1.6");
  CascadeCue(&m, "eyes_open", 0.85f, 0.25f,
      "scale: the eye score's own 0..1 scale (face_cues.cc): both eyes found gives about "
      "0.95 (0.95 on the shared frontal photograph), none 0.05 (z = -3, clamped). The score "
      "saturates, so widened eyes (AU5) cannot be told from open ones");
  CascadeCue(&m, "mouth_open", 0.10f, 0.20f,
      "scale: the mouth-opening score's own 0..1 scale (face_cues.cc); lips meet at rest in "
      "most adults, so a relaxed mouth is near 0 (0.00 on the shared smiling photograph, "
      "teeth showing); a dropped jaw (AU26/27) reaches z = +3 from 0.7");
  CascadeCue(&m, "mouth_width", 0.83f, 0.08f,
      "literature: mouth width (cheilion-cheilion, about 50-54 mm in adults) over the "
      "distance between the eye centres (about 60-63 mm) is 0.8-0.9 (Farkas 1994, "
      "Anthropometry of the Head and Face); the 5-point alignment template of face "
      "recognition (ArcFace, Deng et al. 2019: mean landmarks of many photographs) gives "
      "0.83. std 0.08 covers individual variation (about 0.06) and landmark noise. A smile "
      "(AU12, AU20) widens the mouth");
  CascadeCue(&m, "corner_lift", 0.55f, 0.06f,
      "literature: vertical drop from the nose tip to the mouth corners over the eye-centre "
      "distance. The 5-point alignment template (ArcFace, Deng et al. 2019) gives 20.5 / "
      "35.2 = 0.58, a mean over many photographs, some smiling; anthropometry agrees "
      "(subnasale-stomion 19-23 mm, Farkas 1994, plus the nose tip's height above "
      "subnasale, over about 61 mm). Raised corners (AU12) lower it (0.44 on the shared "
      "smiling photograph), depressed corners (AU15) and a dropped jaw raise it; std 0.06 "
      "(about 3.5 mm)");

  // Logits (units per z; p = softmax(logit / temperature)). Neutral is the absence of
  // strong cues: a positive bias that the other labels only pass when their cues move.
  // AU4/5/7 (brows, lids) are not measured; AU23/24 (lips tightened and pressed) narrow and
  // close the mouth.
  Logit(&m, "angry", -0.8f, {{"smile", -0.4f}, {"mouth_width", -0.2f}, {"mouth_open", -0.2f}});
  Logit(&m, "disgust", -0.9f,  // AU9/10 unseen; AU15/17 lower the corners in some displays
        {{"smile", -0.3f}, {"corner_lift", 0.3f}});
  Logit(&m, "fear", -0.8f,  // AU5 + AU20 + AU25/26: eyes and mouth open, lips stretched
        {{"mouth_open", 0.35f}, {"eyes_open", 0.3f}, {"mouth_width", 0.2f}, {"smile", -0.3f}});
  Logit(&m, "happy", 0.0f,  // AU12 (+AU6): smile, wider mouth, corners up
        {{"smile", 1.2f}, {"mouth_width", 0.4f}, {"corner_lift", -0.6f}});
  Logit(&m, "neutral", 0.8f, {});
  Logit(&m, "sad", -0.3f,  // AU15 (+AU1/4, drooping lids): corners down, no smile
        {{"corner_lift", 0.8f}, {"smile", -0.5f}, {"eyes_open", -0.2f}, {"mouth_open", -0.3f}});
  Logit(&m, "surprise", -0.4f,  // AU1+2+5+26/27: jaw drop, eyes wide, rounded (narrower) mouth
        {{"mouth_open", 1.0f}, {"eyes_open", 0.5f}, {"smile", -0.3f}, {"mouth_width", -0.3f}});
  m.set_temperature(1.5f);  // hand-set weights: keep the estimate modest
  m.set_z_clamp(3.0f);
  m.set_descriptor_side(96);
  m.set_descriptor_grid(4);  // 4 x 4 x 59 = 944 dimensions
  return m;
}

}  // namespace burnout::face
