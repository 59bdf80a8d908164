// Synthetic training profiles for the fusion model: what the text, voice and face analyzers
// would emit for a person in a given latent state. No libtorch here; the voice emotions use
// the voice analyzer's published mapping (common/schema/voice_mapping.h, plain C++), read
// from the voice model file; none of the voice service's code.
//
// WHY SYNTHETIC: no aligned, labelled text+voice+face burnout data set is available to this
// project. The generator encodes assumptions, listed below; a model trained on it learns
// those assumptions, nothing more. It is evidence that the network, the masking, the
// calibration and the serving code work end to end; it is NOT evidence about real people.
//
// ASSUMPTIONS (each is a modelling choice, not a measured fact):
//  1. Labels. Each profile has a latent burnout level (low / moderate / high, equally
//     likely). The observed label equals it except with probability `label_noise` (default
//     0.08), when it moves to an adjacent level (self-reports and ratings disagree).
//  2. Latent state. A "burden" b is drawn around the level's centre (0.18 / 0.50 / 0.82,
//     sd 0.09); then energy = 1 - b + N(0, 0.12), stress = 0.15 + 0.7 b + N(0, 0.15), mental
//     distance = b + N(0, 0.15) and lost efficacy = 0.15 + 0.7 b + N(0, 0.18), all clipped to
//     [0, 1]. Levels therefore overlap, moderate most of all. Exhaustion (low energy) and
//     mental distance follow the burden most closely; stress (demands) less - demands alone
//     are not burnout when a person recovers - and lost efficacy as much as stress but more
//     noisily: the BAT counts cognitive impairment ("I can't concentrate", "I keep making
//     mistakes") as a core symptom, the MBI's reduced accomplishment is its weakest dimension
//     (Maslach, Schaufeli & Leiter 2001; Schaufeli, Desart & De Witte 2020).
//  3. Emotions. A text is a few sentences (words / 14, 1-8), each expressing one emotion drawn
//     from the state (weights: anger 0.4 + 1.2 st, disgust 0.25 + 0.5 st, fear 0.3 + 0.4 st +
//     1.6 st f, joy 0.2 + 3.0 e (1 - st), neutral 1.2 + 0.8 f, sadness 0.2 + 2.4 f, surprise
//     0.35 + 0.3 e): low energy raises sadness and flat/neutral affect, stress raises anger,
//     fear and disgust, energy without stress raises joy. Each sentence's emotions are what the
//     text model really outputs for GoEmotions texts of that emotion: a Dirichlet draw with
//     the mean and concentration of its measured outputs (ProfileOptions::text_outputs,
//     measured by burnout-eval-text --write_outputs into
//     services/fusion/data/goemotions_text_outputs.textproto), so its confusions and its
//     confidence are the model's own; the text's emotions are the mean over its sentences.
//     People with mental distance write about what they used to enjoy ("I used to love this
//     work", 3b): those sentences express joy, as a model that only sees words reads them.
//     Retrain fusion when the text model changes. Voice emotions are computed from the voice
//     indicators (4a), face emotions from the expression model's measured outputs (3a).
//  3a. Face. The face slot is what the real face analyzer would report (services/face/): the
//     FER2013 expression model's emotions and the FaceMesh/Iris landmark cues.
//     - Expressions. A face shows one of the model's seven labels with weights (e = energy,
//       st = stress, f = 1 - energy): neutral 1.2 + 0.6 f, happy 0.15 + 1.8 e (1 - st), sad
//       0.10 + 1.0 f, angry 0.10 + 0.6 st, fear 0.05 + 0.35 st f, surprise 0.08 + 0.15 e,
//       disgust 0.03 + 0.15 st: mostly neutral whatever the state.
//     - Emotions. For an expression c the emotions are a Dirichlet draw with the mean and the
//       concentration of the model's real outputs on FER2013 test images labelled c
//       (ProfileOptions::face_outputs, measured by burnout-eval-face --write_outputs into
//       services/fusion/data/fer2013_expression_outputs.textproto): its confusions (sad read
//       as neutral, fear as sad ...) and its confidence are the model's own. Retrain fusion
//       when the face model changes.
//     - Stream or picture. With probability face_stream_rate (0.5) the result is a live
//       window: its emotions the mean over 6 frames (each its own expression) and the fatigue
//       measures present; otherwise a single picture without them.
//     - Landmark cues: smile 0.05 + 0.8 (share of happy frames) + 0.1 x + N(0, 0.12) in [0, 1];
//       eyes_open 1 - 0.4 f + N(0, 0.12) in [0, 1]. With probability face_landmarks_missing
//       (0.08) the landmarks were not placed and neither cue is reported (they are optional in
//       the fusion spec).
//     - Fatigue (streams only): perclos 0.02 + 0.2 f^2 + N(0, 0.025) in [0, 1] (alert eyes
//       close 2-5% of the time; drowsiness studies put 15% and more as drowsy), yawns in the
//       minute Poisson(0.15 + 2 f^2).
//     - Eyelids, yawns and posture follow the person's true state even when the face shows a
//       presented one (masking, 6): a smile can be put on, heavy eyelids are harder to hide.
//  3b. Text dimensions. The text's burnout dimensions (exhaustion, overload, mental_distance,
//     reduced_efficacy, recovery: what the text analyzer's lexicon reports) are drawn from the
//     state as common/state/synthetic_text.h documents: Poisson mentions whose rates follow
//     1 - energy, stress, distance, lost efficacy and energy without stress or distance, more
//     in longer texts, scored 1 - exp(-sum of weights) as the lexicon scores them. How each
//     moves risk: exhaustion and mental distance are tied to the burden most closely and
//     carry the most; overload and reduced efficacy less (stress is a weaker sign of burnout
//     than exhaustion; efficacy is tied as closely as stress but more noisily); present
//     recovery and engagement lower it; joy from words about the past (loss mentions) comes
//     with mental distance, so it does not lower risk.
//  4. Indicators (ranges chosen to match what the analyzers measure):
//     - text: the dimensions (3b), and absolutist_ratio, a per-word count over a text of 8-250
//       words (log-uniform), like the text analyzer's: absolutist words at 0.006 + 0.02 *
//       stress + 0.01 * (1 - energy) per word.
//     - voice: see 4a below.
//     - face: see 3a.
//     Each person also has an expressiveness offset (N(0, 1)) that shifts pitch
//     variability, loudness variability and smiling independently of burnout (no personal
//     baselines).
//  4a. Voice. The voice slot is what the real voice analyzer would report (services/voice/):
//     the generator draws a recording's acoustic indicators (names and units of
//     AcousticIndicatorNames(), values on the analyzer's scale) and the voice EMOTIONS are
//     then computed from them by the voice model's own documented mapping,
//     VoiceMapping::Estimate(indicators, quality).probabilities (neutral, happy, angry, sad),
//     with the model passed in ProfileOptions::voice_model (the trainer uses the shipped
//     models/voice-acoustic/1). The fusion model is therefore trained on the emotions that
//     mapping really produces: retrain fusion whenever the voice model changes. The drawn
//     indicators (e = energy, st = stress, f = 1 - energy, x = expressiveness, N = normal
//     noise; values are clipped to the stated ranges):
//     - duration_s: log-uniform 2-60 s. With rms gain below, a property of the recording
//       (shared by the person's and the unrelated observation in quality mixing, 5).
//     - speech_ratio 0.50 + 0.38 e + N(0, 0.06) in [0.15, 0.97] (share of the clip with
//       speech; tired speakers pause more).
//     - articulation_rate_sps 4.0 + 1.6 e + 0.5 st e + N(0, 0.3) in [2.5, 7.5] (syllables
//       per second of speech; Jacewicz et al. 2009: 4-6).
//     - speaking_rate_sps = articulation_rate_sps * speech_ratio: the identity the analyzer
//       obeys (both count the same syllable nuclei, over the clip or over its speech).
//       About 2.0-5.3 syllables per second, low for tired speakers.
//     - voiced_ratio = speech_ratio * v, v = 0.72 - 0.08 f + N(0, 0.04) in [0.4, 0.9] (the
//       voiced share of speech; a breathier, tired voice voices less).
//     - pitch_variability_st (semitone sd of F0) 1.3 + 3.6 e (1 - 0.4 st) + 0.5 x +
//       N(0, 0.45) in [0.3, 9]: ~3-6 animated, ~1-2 flat.
//     - f0_range_st (5th-95th percentile) = pitch_variability_st * 3.3 * exp(N(0, 0.1)) (the
//       5-95% range of a normal distribution is 3.29 sd).
//     - f0_peak_st (95th percentile above the median: how high the pitch peaks rise over the
//       speaker's own level) = f0_range_st * 0.5 exp(N(0, 0.12)) in [0.25, 0.9] x the range.
//     - energy_variability_db (sd of frame level over speech) 4.5 + 3.5 e + 1.0 st e + 0.4 x
//       + N(0, 1) in [1.5, 15].
//     - rms_dbfs = -26 + g + effort in [-60, -3]: g ~ N(0, 7) dB is the recording's gain
//       (microphone, distance, device), shared in mixing, so the level says little about
//       the person; vocal effort 2.5 (e - 0.5) + 3 (st - 0.5) + N(0, 1) dB raises it a
//       little. The voice model does not read it (the level depends on the microphone:
//       services/voice/README.md), so it moves no voice emotion; it is reported as the
//       analyzer reports it.
//     - jitter_local (0.012 + 0.008 st + 0.008 f) * exp(N(0, 0.25)) in [0.002, 0.1] and
//       shimmer_local_db 0.7 + 0.3 st + 0.3 f + N(0, 0.15) in [0.1, 3]: tension and fatigue
//       make phonation less regular.
//     - hnr_db 13 - 4.8 st - 3.2 f + N(0, 2.4) in [0, 30] (about 6-12 dB; running speech
//       2-16 dB, Eyben et al. 2016): a pressed (tense) or breathy (fatigued) voice is less
//       harmonic.
//     - every other indicator the voice model uses (spectral shape, MFCC, pause statistics
//       ...) is set to the model's reference mean, so its z-score is 0: the generator makes
//       no claim about them. Indicators the model does not use are 0.
//     The voice result carries these indicators (with their analyzer units) and
//     emotion_evidence; the fusion voice slot uses pitch_variability_st, speech_ratio and
//     speaking_rate_sps.
//  5. Quality. Each modality's quality q ~ U(0.2, 1) is the share of signal in what the
//     analyzer reports; the rest comes from an observation of a random, unrelated state:
//     each indicator is the person's with probability q, else the unrelated one's. Text and
//     face emotions are the q-weighted mix of the two distributions (the unrelated face is
//     recorded the same way: stream or picture, landmarks or not). Voice emotions are
//     not mixed: the swap is applied to the independently drawn voice quantities
//     (speech_ratio, articulation rate, voiced share v, pitch variability, the f0-range
//     factor, the f0-peak share, energy variability, vocal effort, jitter, shimmer, HNR) and
//     speaking_rate_sps, voiced_ratio, f0_range_st, f0_peak_st and rms_dbfs are computed
//     from the swapped values,
//     so the identities above hold (duration and gain belong to the recording and are not
//     swapped). The emotions are VoiceMapping::Estimate(swapped indicators, q), which shrinks
//     them towards uniform by the model's evidence e = q * min(1, voiced_s /
//     evidence_voiced_s): short clips and low quality give flatter voice emotions, as in
//     the service. Low-quality channels are therefore less informative, and attention can
//     learn to down-weight them.
//  6. Masking. With probability `masking_rate` (default 0.12) one channel shows a "presented"
//     well state (energy 0.6-0.9, stress, distance and lost efficacy 0.05-0.35) instead of the true one: text 50%, face
//     35%, voice 15% of the time (voice is assumed hardest to control), e.g. positive text
//     but flat voice.
//  7. Missing modalities. Every modality is generated for every profile; `present` drops
//     some: one of the 7 non-empty subsets, uniformly.
//  8. Not modelled: culture, language, age, gender, medication, recording devices (beyond a
//     level gain), time of day, people whose baseline affect is flat for reasons unrelated
//     to burnout. The voice's spectral shape, MFCCs and pauses carry no state (held at the
//     reference); given the state, the voice indicators vary independently apart from the
//     identities in 4a.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "burnout/v1/common.pb.h"
#include "burnout/v1/fusion.pb.h"
#include "burnout/v1/model.pb.h"

namespace burnout::schema {
class VoiceMapping;  // common/schema/voice_mapping.h: the voice analyzer's published mapping
}  // namespace burnout::schema

namespace burnout::fusion {

inline constexpr int kSyntheticSlots = 3;  // text, voice, face: DefaultInputSpecs() order

struct ProfileOptions {
  double label_noise = 0.08;
  double masking_rate = 0.12;
  double min_quality = 0.2;
  double face_stream_rate = 0.5;        // assumption 3a
  double face_landmarks_missing = 0.08;
  // Required (not owned; must outlive the call): maps the drawn voice indicators to the
  // voice emotions (assumption 4a). The shipped one is models/voice-acoustic/1.
  const burnout::schema::VoiceMapping* voice_model = nullptr;
  // Required (not owned): the face expression model's outputs per true label (assumption 3a);
  // the trainer loads services/fusion/data/fer2013_expression_outputs.textproto.
  const burnout::v1::ExpressionOutputProfile* face_outputs = nullptr;
  // Required (not owned): the text emotion model's outputs per true label (assumption 3), with
  // a "joy" label; the trainer loads services/fusion/data/goemotions_text_outputs.textproto.
  const burnout::v1::ExpressionOutputProfile* text_outputs = nullptr;
};

struct SyntheticProfile {
  int label = 0;         // observed label: 0 low, 1 moderate, 2 high (DefaultRiskLabels)
  int latent_level = 0;  // the level the state was drawn from
  float energy = 0.0f;
  float stress = 0.0f;
  int masked_slot = -1;  // channel showing a presented state, -1 when none
  // Analyzer-shaped results (emotions by name, indicators by name, quality) for text, voice
  // and face, all generated; `present` says which ones the profile keeps.
  std::array<burnout::v1::ModalityResult, kSyntheticSlots> results;
  std::array<bool, kSyntheticSlots> present = {true, true, true};
};

// `count` profiles, a pure function of (count, seed, options, the voice model's spec) on
// every platform (own generator and distributions, no std:: distributions).
// options.voice_model, options.face_outputs and options.text_outputs must be set: a null (or,
// for the outputs, malformed) one is a programming error (the process aborts with a message).
std::vector<SyntheticProfile> GenerateProfiles(int count, uint64_t seed,
                                               const ProfileOptions& options);

// The request an orchestrator would send for this profile, with the modalities `present`
// selects (slot order text, voice, face).
burnout::v1::FuseRequest ToFuseRequest(const SyntheticProfile& profile,
                                       const std::array<bool, kSyntheticSlots>& present);
inline burnout::v1::FuseRequest ToFuseRequest(const SyntheticProfile& profile) {
  return ToFuseRequest(profile, profile.present);
}

}  // namespace burnout::fusion
