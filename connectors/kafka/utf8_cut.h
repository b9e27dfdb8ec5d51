// CutUtf8: the first bytes of a message as valid UTF-8, for the `raw` field of
// dead letters (which must be valid UTF-8 and at most a few KiB).
#pragma once

#include <string>
#include <string_view>

namespace segstream {

// At most `max_bytes` bytes of `text`; invalid sequences become U+FFFD, and a
// multi-byte character is never cut in half.
std::string CutUtf8(std::string_view text, size_t max_bytes);

}  // namespace segstream
