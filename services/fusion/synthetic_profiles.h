// Synthetic training profiles for the fusion model: what the text, voice and face analyzers
// would emit for a person in a given latent state. No libtorch here.
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
//     sd 0.09); then energy = 1 - b + N(0, 0.12) and stress = b + N(0, 0.12), both clipped
//     to [0, 1]. Levels therefore overlap, moderate most of all.
//  3. Emotions. Each modality's emotion probabilities are a Dirichlet draw whose
//     concentration follows the state: low energy raises sadness and flat/neutral affect,
//     stress raises anger, fear and disgust, energy without stress raises joy / happy.
//     Faces are mostly neutral whatever the state; text is the most expressive channel.
//  4. Indicators (ranges chosen to match what the analyzers measure):
//     - text ratios are per-word counts over a text of 8-250 words (log-uniform), like the
//       text analyzer's: fatigue terms at a rate of 0.001 + 0.03 * (1 - energy)^2 per word
//       (so mostly 0; typically 0.02-0.15 for tired writers, more in very short texts),
//       absolutist words at 0.006 + 0.02 * stress + 0.01 * fatigue, first-person words at
//       0.045 + 0.04 * stress * fatigue + 0.02 * fatigue (fatigue = 1 - energy).
//     - voice pitch_variability_st (semitones sd of F0): ~3-6 for animated speech, ~1-2 for
//       flat speech; speech_ratio 0.42 + 0.42 * energy (0.4-0.9); speaking_rate_sps
//       2.6 + 2.2 * energy + 0.7 * stress * energy (2.5-5.5 syllables per second).
//     - face smile (0..1) is a logistic of energy * (1 - stress); eyes_open 0.5 + 0.4 *
//       energy.
//     Each person also has an expressiveness offset (N(0, 1)) that shifts pitch
//     variability and smiling independently of burnout (no personal baselines).
//  5. Quality. Each modality's quality q ~ U(0.2, 1) is the share of signal in what the
//     analyzer reports; the rest comes from an observation of a random, unrelated state:
//     emotions are the q-weighted mix of the two distributions, and each indicator is the
//     person's with probability q, else the unrelated one's. Low-quality channels are
//     therefore less informative, and attention can learn to down-weight them.
//  6. Masking. With probability `masking_rate` (default 0.12) one channel shows a "presented"
//     well state (energy 0.6-0.9, stress 0.1-0.35) instead of the true one: text 50%, face
//     35%, voice 15% of the time (voice is assumed hardest to control), e.g. positive text
//     but flat voice.
//  7. Missing modalities. Every modality is generated for every profile; `present` drops
//     some: one of the 7 non-empty subsets, uniformly.
//  8. Not modelled: culture, language, age, gender, medication, recording devices, time of
//     day, people whose baseline affect is flat for reasons unrelated to burnout.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "burnout/v1/common.pb.h"
#include "burnout/v1/fusion.pb.h"

namespace burnout::fusion {

inline constexpr int kSyntheticSlots = 3;  // text, voice, face: DefaultInputSpecs() order

struct ProfileOptions {
  double label_noise = 0.08;
  double masking_rate = 0.12;
  double min_quality = 0.2;
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

// `count` profiles, a pure function of (count, seed, options) on every platform (own
// generator and distributions, no std:: distributions).
std::vector<SyntheticProfile> GenerateProfiles(int count, uint64_t seed,
                                               const ProfileOptions& options = {});

// The request an orchestrator would send for this profile, with the modalities `present`
// selects (slot order text, voice, face).
burnout::v1::FuseRequest ToFuseRequest(const SyntheticProfile& profile,
                                       const std::array<bool, kSyntheticSlots>& present);
inline burnout::v1::FuseRequest ToFuseRequest(const SyntheticProfile& profile) {
  return ToFuseRequest(profile, profile.present);
}

}  // namespace burnout::fusion
