#include "common/limits/limits.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace burnout::limits {

long FirstInvalidUtf8(absl::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return static_cast<long>(i);
    }
    if (i + len > n) return static_cast<long>(i);
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return static_cast<long>(i);
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return static_cast<long>(i);
    }
    i += len;
  }
  return -1;
}

absl::Status CheckSize(absl::string_view what, size_t size, long max_bytes,
                       absl::string_view limit_key) {
  if (max_bytes > 0 && size > static_cast<size_t>(max_bytes)) {
    return absl::InvalidArgumentError(absl::StrCat(what, " is ", size, " bytes; the limit is ",
                                                   max_bytes, " (", limit_key, ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckText(absl::string_view text, int max_bytes, absl::string_view limit_key) {
  if (absl::Status s = CheckSize("text", text.size(), max_bytes, limit_key); !s.ok()) return s;
  if (long bad = FirstInvalidUtf8(text); bad >= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("text is not valid UTF-8 (bad byte at offset ", bad, ")"));
  }
  if (absl::StripAsciiWhitespace(text).empty()) {
    return absl::InvalidArgumentError("text is empty or only whitespace");
  }
  return absl::OkStatus();
}

}  // namespace burnout::limits
