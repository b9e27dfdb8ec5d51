// Text helpers for decoders: byte scans for control characters, UTF-8
// validation, Latin-1 to UTF-8 transcoding, and cutting a string to a byte
// budget without splitting a UTF-8 sequence. Everything a decoder emits goes
// through these so outputs are always valid UTF-8.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace segstream::decode {

// What one pass over a line found.
struct TextScan {
  bool has_control = false;   // a byte < 0x20 other than TAB, or DEL (0x7F)
  size_t control_pos = 0;     // the first such byte (valid when has_control)
  bool has_high = false;      // a byte >= 0x80 (not plain ASCII)
};

// One pass over `text`; the common all-ASCII line needs no further work.
TextScan ScanText(std::string_view text);

// True when `text` is well-formed UTF-8 (simdjson's SIMD validator).
bool IsValidUtf8(std::string_view text);

// Appends `text` read as ISO-8859-1 (each byte is the code point) as UTF-8.
void AppendLatin1AsUtf8(std::string_view text, std::string* out);

// True when `text` read as Latin-1 holds a C1 control (0x80..0x9F). Real
// Latin-1 text never does; binary garbage usually does.
bool HasLatin1C1Control(std::string_view text);

// Sets *out to a valid UTF-8 rendering of `text` (as is when it is UTF-8,
// else transcoded from Latin-1), at most `max_bytes` long, cut before a
// character that would not fit.
void AssignValidUtf8Prefix(std::string_view text, size_t max_bytes, std::string* out);

// The longest prefix of valid UTF-8 `text` that fits `max_bytes` and ends on
// a character boundary.
std::string_view Utf8Prefix(std::string_view text, size_t max_bytes);

}  // namespace segstream::decode
