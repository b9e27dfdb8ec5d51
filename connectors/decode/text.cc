// Text helpers; see text.h.
#include "connectors/decode/text.h"

#include <simdjson.h>

#include <cstdint>
#include <cstring>

namespace segstream::decode {

TextScan ScanText(std::string_view text) {
  TextScan scan;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  uint64_t any_high = 0;
  size_t i = 0;
  // Eight bytes at a time (SWAR): a word with no byte < 0x20 and no 0x7F
  // needs no byte loop. The tests are exact about *whether* such a byte
  // exists; the byte loop below finds which one (TAB is allowed).
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    any_high |= w;
    const uint64_t below_space = (w - 0x20 * kOnes) & ~w & kHighs;
    const uint64_t x = w ^ (0x7F * kOnes);
    const uint64_t del = (x - kOnes) & ~x & kHighs;
    if ((below_space | del) != 0) {
      for (size_t j = i; j < i + 8; ++j) {
        const unsigned char c = p[j];
        if ((c < 0x20 && c != '\t') || c == 0x7F) {
          scan.has_control = true;
          scan.control_pos = j;
          scan.has_high = true;  // unknown past this point; callers stop anyway
          return scan;
        }
      }
    }
  }
  for (; i < n; ++i) {
    const unsigned char c = p[i];
    any_high |= c;
    if ((c < 0x20 && c != '\t') || c == 0x7F) {
      scan.has_control = true;
      scan.control_pos = i;
      scan.has_high = true;
      return scan;
    }
  }
  scan.has_high = (any_high & kHighs) != 0;
  return scan;
}

bool IsValidUtf8(std::string_view text) { return simdjson::validate_utf8(text.data(), text.size()); }

void AppendLatin1AsUtf8(std::string_view text, std::string* out) {
  out->reserve(out->size() + text.size() + text.size() / 8 + 8);
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out->push_back(ch);
    } else {
      out->push_back(static_cast<char>(0xC0 | (c >> 6)));
      out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
}

bool HasLatin1C1Control(std::string_view text) {
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80 && c <= 0x9F) return true;
  }
  return false;
}

std::string_view Utf8Prefix(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  // Step back over continuation bytes (10xxxxxx) to the lead byte, and cut
  // before that lead byte: its sequence would not fit entirely.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

void AssignValidUtf8Prefix(std::string_view text, size_t max_bytes, std::string* out) {
  out->clear();
  if (IsValidUtf8(text)) {
    out->assign(Utf8Prefix(text, max_bytes));
    return;
  }
  // Transcoding at most doubles the size, so max_bytes input bytes suffice.
  AppendLatin1AsUtf8(text.substr(0, max_bytes), out);
  if (out->size() > max_bytes) out->resize(Utf8Prefix(*out, max_bytes).size());
}

}  // namespace segstream::decode
