// The voice analyzer's audio input is the shared media library's (common/audio/audio_decode.h:
// WAV and PCM-stream decoding, mixing and resampling to kAnalysisRate), under the names the
// voice code uses.
#pragma once

#include "common/audio/audio_decode.h"

namespace burnout::voice {

using audio::AudioSourceInfo;
using audio::DecodeAudio;
using audio::DecodeAudioFile;
using audio::DecodedAudio;
using audio::DecodeLimits;
using audio::PcmEncoding;
using audio::PcmStreamDecoder;
using audio::Resample;
using audio::ResampleToAnalysisRate;

}  // namespace burnout::voice
