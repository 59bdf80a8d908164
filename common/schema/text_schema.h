// What the text analyzer publishes about its output, as data: the emotion labels of its
// default model (GoEmotions mapped to Ekman's six + neutral, in this order) and the
// indicators other components read: the burnout dimensions (the shipped lexicon's, 0..1
// scores) and the absolutist-word ratio. The text service's tests check that what it emits
// matches; fusion's input spec and generator are built from it. Header-only.
#pragma once

#include "common/schema/voice_schema.h"  // IndicatorSpec

namespace burnout::schema {

inline constexpr const char* kTextEmotionLabels[] = {"anger", "disgust", "fear", "joy", "neutral", "sadness",
                                                     "surprise"};

// The burnout dimensions (services/text/README.md), in the lexicon's order.
inline constexpr IndicatorSpec kTextDimensions[] = {
    {"exhaustion", "score", 0.0, 1.0},
    {"overload", "score", 0.0, 1.0},
    {"mental_distance", "score", 0.0, 1.0},
    {"reduced_efficacy", "score", 0.0, 1.0},
    {"recovery", "score", 0.0, 1.0},
};

// Absolutist words (always, never, nothing ...) per word.
inline constexpr IndicatorSpec kTextAbsolutistRatio = {"absolutist_ratio", "ratio", 0.0, 1.0};

}  // namespace burnout::schema
