// What the face analyzer publishes about its output, as data: the emotion labels of its
// default expression model (FER2013's, in this order) and the indicators other components
// read: the landmark cues smile and eyes_open (present when FaceMesh placed the landmarks)
// and the stream-only fatigue measures perclos and yawns. The face service's tests check that
// what it emits matches; fusion's input spec and generator are built from it. Header-only.
#pragma once

#include "common/schema/voice_schema.h"  // IndicatorSpec

namespace burnout::schema {

inline constexpr const char* kFaceEmotionLabels[] = {"angry", "disgust", "fear", "happy", "sad", "surprise",
                                                     "neutral"};

inline constexpr IndicatorSpec kFaceSmile = {"smile", "score", 0.0, 1.0};
// Both eyes' openness relative to a relaxed open eye, clipped to [0, 1].
inline constexpr IndicatorSpec kFaceEyesOpen = {"eyes_open", "score", 0.0, 1.0};
inline constexpr IndicatorSpec kFacePerclos = {"perclos", "ratio", 0.0, 1.0};   // streams only
inline constexpr IndicatorSpec kFaceYawns = {"yawns", "count", 0.0, 1e6};       // streams only

}  // namespace burnout::schema
