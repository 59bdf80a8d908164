// Hand-written analyzer outputs for fusion tests: a clearly high-risk and a clearly low-risk
// person, in the shape the text, voice and face analyzers emit.
#pragma once

#include <array>
#include <initializer_list>
#include <string>
#include <utility>

#include "burnout/v1/fusion.pb.h"

namespace burnout::fusion {

inline burnout::v1::ModalityResult MakeResult(
    burnout::v1::Modality modality, std::initializer_list<std::pair<const char*, float>> emotions,
    std::initializer_list<std::pair<const char*, double>> indicators, float quality) {
  burnout::v1::ModalityResult r;
  r.set_modality(modality);
  for (const auto& [label, p] : emotions) {
    auto* e = r.add_emotions();
    e->set_label(label);
    e->set_probability(p);
  }
  for (const auto& [name, v] : indicators) {
    auto* i = r.add_indicators();
    i->set_name(name);
    i->set_value(v);
  }
  r.set_quality(quality);
  return r;
}

// Sad, fearful text that speaks of exhaustion and overload; flat, slow voice; a face without a smile.
inline burnout::v1::FuseRequest ClearHighRiskRequest() {
  burnout::v1::FuseRequest req;
  *req.mutable_text() = MakeResult(
      burnout::v1::MODALITY_TEXT,
      {{"anger", 0.10f},
       {"disgust", 0.04f},
       {"fear", 0.22f},
       {"joy", 0.01f},
       {"neutral", 0.12f},
       {"sadness", 0.49f},
       {"surprise", 0.02f}},
      {{"absolutist_ratio", 0.03},
       {"exhaustion", 0.85},
       {"overload", 0.6},
       {"mental_distance", 0.5},
       {"reduced_efficacy", 0.3},
       {"recovery", 0.0}},
      0.95f);
  *req.mutable_voice() = MakeResult(
      burnout::v1::MODALITY_VOICE,
      {{"neutral", 0.52f}, {"happy", 0.02f}, {"angry", 0.06f}, {"sad", 0.40f}},
      {{"pitch_variability_st", 1.2}, {"speech_ratio", 0.45}, {"speaking_rate_sps", 2.6}}, 0.95f);
  *req.mutable_face() = MakeResult(burnout::v1::MODALITY_FACE,
                                   {{"angry", 0.06f},
                                    {"disgust", 0.03f},
                                    {"fear", 0.05f},
                                    {"happy", 0.01f},
                                    {"neutral", 0.55f},
                                    {"sad", 0.28f},
                                    {"surprise", 0.02f}},
                                   {{"smile", 0.03}, {"eyes_open", 0.55}}, 0.95f);
  return req;
}

// Joyful text, animated voice, a smiling, wide-awake face.
inline burnout::v1::FuseRequest ClearLowRiskRequest() {
  burnout::v1::FuseRequest req;
  *req.mutable_text() = MakeResult(
      burnout::v1::MODALITY_TEXT,
      {{"anger", 0.02f},
       {"disgust", 0.01f},
       {"fear", 0.02f},
       {"joy", 0.62f},
       {"neutral", 0.25f},
       {"sadness", 0.02f},
       {"surprise", 0.06f}},
      {{"absolutist_ratio", 0.005},
       {"exhaustion", 0.0},
       {"overload", 0.0},
       {"mental_distance", 0.0},
       {"reduced_efficacy", 0.0},
       {"recovery", 0.8}},
      0.95f);
  *req.mutable_voice() = MakeResult(
      burnout::v1::MODALITY_VOICE,
      {{"neutral", 0.30f}, {"happy", 0.62f}, {"angry", 0.04f}, {"sad", 0.04f}},
      {{"pitch_variability_st", 5.0}, {"speech_ratio", 0.85}, {"speaking_rate_sps", 4.8}}, 0.95f);
  *req.mutable_face() = MakeResult(burnout::v1::MODALITY_FACE,
                                   {{"angry", 0.01f},
                                    {"disgust", 0.01f},
                                    {"fear", 0.01f},
                                    {"happy", 0.62f},
                                    {"neutral", 0.30f},
                                    {"sad", 0.02f},
                                    {"surprise", 0.03f}},
                                   {{"smile", 0.85}, {"eyes_open", 0.93}}, 0.95f);
  return req;
}

// `req` keeping only the modalities `keep` selects (text, voice, face).
inline burnout::v1::FuseRequest Only(burnout::v1::FuseRequest req,
                                     const std::array<bool, 3>& keep) {
  if (!keep[0]) req.clear_text();
  if (!keep[1]) req.clear_voice();
  if (!keep[2]) req.clear_face();
  return req;
}

}  // namespace burnout::fusion
