// burnout-capture's output: one line per session update, a multi-line report for the
// summary, or one JSON line per update (--json, for scripts and tests). Pure; thread-safe.
#pragma once

#include <string>

#include "burnout/v1/burnout_risk.pb.h"

namespace burnout::capture {

// One line, no newline: started (session, interval, modalities), a modality's result (time,
// top emotions, quality; the opening text's too) or its masking, a fused update (window,
// risk, stress / energy, modalities used and masked, frame counters, spikes), or the
// summary's headline.
std::string RenderUpdate(const burnout::v1::SessionUpdate& update);

// The summary: risk, modalities, narratives, the beginning / middle / end segments, spikes,
// series lengths, counters, the report's notes, where it was stored (or why not) and the
// not-a-diagnosis notice.
// Ends with a newline.
std::string RenderSummary(const burnout::v1::Assessment& summary);

}  // namespace burnout::capture
