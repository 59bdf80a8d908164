// Contradictions between modalities: what someone writes ("I'm fine") against how they sound
// or look ("flat and slow", "tired"). Pure functions, no I/O; thread-safe.
//
// The source is fusion's solo readings (FuseResponse.solo: each present modality alone through
// the fusion model, risk score P(moderate)/2 + P(high), 0..1), given only when two or more
// modalities were fused. For every pair of modalities that are used in the assessment and have a
// solo reading, in modality order (text, voice, face), whose solo risk scores differ by more
// than `threshold`, one Contradiction:
//   lighter / heavier  the lower / higher solo risk score, each with its modality, risk_score,
//                      weight (the outcome's attention_weight; FuseResponse.attention when the
//                      outcome has none), a `reading` in plain words from that modality's own
//                      result and the `evidence` it rests on:
//                        text   the analyzer's own evidence phrases, quoted exactly:
//                               "\"fine\" pushed joy (+0.80)", "\"exhausted\" pushed exhaustion (+1.00)"
//                        voice  measurements: "pitch varied 1.1 st", "2.4 syllables/s",
//                               "speech 48% of the clip"; its findings when it has none
//                        face   measurements: "PERCLOS 0.22", "3 yawns", "eyes open 0.41",
//                               "smile 0.62"; its findings about eyes / smile / yawns otherwise
//                      The reading describes the side's direction (a lighter text "writes that
//                      things are fine", a heavier one "writes about exhaustion"); when the result
//                      carries nothing that shows it, a plain "writes in a heavier tone" / "sounds
//                      at ease" / ... is used.
//   gap                heavier.risk_score - lighter.risk_score (> threshold)
//   weighed            the side with the larger fusion weight; UNSPECIFIED on an exact tie
//   text               "You wrote that things are fine ("fine", "all good"), but your voice
//                      sounded flat and slow (pitch varied 1.1 st, 2.4 syllables/s). Taken alone,
//                      they point to risk scores of 0.12 and 0.71. The estimate leaned on your
//                      voice (weight 0.62 against 0.38)."
//                      An abstained assessment gave no level, so its text claims no leaning; it
//                      says no level was estimated instead.
// Sorted by gap descending, then by (lighter, heavier) modality: deterministic. Non-finite solo
// scores are skipped. A self-awareness aid: the text describes signals, never a diagnosis.
#pragma once

#include <string>
#include <vector>

#include "burnout/v1/burnout_risk.pb.h"

namespace burnout::insight {

inline constexpr float kDefaultContradictionThreshold = 0.35f;

std::vector<burnout::v1::Contradiction> FindContradictions(
    const burnout::v1::Assessment& assessment,
    float threshold = kDefaultContradictionThreshold);

// One side as FindContradictions builds it (exposed for tests and the explainer): `heavier`
// picks which direction the reading describes.
burnout::v1::ContradictionSide DescribeSide(const burnout::v1::ModalityResult& result,
                                            burnout::v1::Modality modality, bool heavier);

}  // namespace burnout::insight
