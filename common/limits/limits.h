// Input checks shared by the orchestrator and the analyzers, with messages that name the
// limit and the config key that sets it.
#pragma once

#include "absl/strings/string_view.h"

#include "absl/status/status.h"

namespace burnout::limits {

// OK iff `text` is valid UTF-8, not empty or whitespace-only, and at most `max_bytes` long.
// INVALID_ARGUMENT otherwise, e.g. "text is 20000 bytes; the limit is 16384
// (max_text_bytes)" or "text is not valid UTF-8 (bad byte at offset 12)".
absl::Status CheckText(absl::string_view text, int max_bytes, absl::string_view limit_key);

// Byte offset of the first invalid UTF-8 sequence, or -1 when the text is valid.
long FirstInvalidUtf8(absl::string_view text);

// OK iff `size` <= `max_bytes`; INVALID_ARGUMENT naming `what`, the size, limit and key.
absl::Status CheckSize(absl::string_view what, size_t size, long max_bytes,
                       absl::string_view limit_key);

}  // namespace burnout::limits
