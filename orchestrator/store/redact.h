// Journal words out of a stored assessment. The text analyzer's evidence quotes the person's
// own words ("lavender"), and the narratives, contradictions and recommendations quote them
// again; they are journal text, so when the store does not keep journal text it does not keep
// them either. Pure; thread-safe.
#pragma once

#include "burnout/v1/burnout_risk.pb.h"

namespace burnout::store {

// What a quoted phrase becomes in a stored string.
inline constexpr char kRedacted[] = "[words not kept]";

// Clears `text`, the text result's evidence phrases (`feature`; the label, context and
// contribution stay) and its findings, and replaces every quoted occurrence ("phrase", with
// straight or curly quotes) of those phrases in every other string of the assessment with
// kRedacted. Returns how many strings were changed.
int RedactJournalWords(burnout::v1::Assessment* assessment);

}  // namespace burnout::store
