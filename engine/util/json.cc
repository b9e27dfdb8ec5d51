// JSON output helpers; see json.h.
#include "engine/util/json.h"

#include <cmath>
#include <cstdio>

namespace segstream {

void AppendJsonString(std::string* out, std::string_view text) {
  out->push_back('"');
  static constexpr char kHex[] = "0123456789abcdef";
  size_t run = 0;  // start of the current run of bytes that need no escape
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default: {
        const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out->append(esc, 6);
      }
    }
  }
  out->append(text.data() + run, text.size() - run);
  out->push_back('"');
}

void AppendJsonFixed(std::string* out, double v, int decimals) {
  if (!std::isfinite(v)) {
    out->append("null");
    return;
  }
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  if (n > 0 && static_cast<size_t>(n) < sizeof buf) {
    // "-0.00" reads oddly in a report; print zero unsigned.
    if (buf[0] == '-') {
      bool all_zero = true;
      for (int i = 1; i < n; ++i) {
        if (buf[i] != '0' && buf[i] != '.') all_zero = false;
      }
      if (all_zero) {
        out->append(buf + 1, static_cast<size_t>(n - 1));
        return;
      }
    }
    out->append(buf, static_cast<size_t>(n));
  } else {
    out->append("null");
  }
}

void AppendMilliAsCents(std::string* out, int64_t milli) {
  const bool negative = milli < 0;
  uint64_t m = negative ? static_cast<uint64_t>(-(milli + 1)) + 1 : static_cast<uint64_t>(milli);
  const uint64_t cents = (m + 5) / 10;
  if (negative && cents != 0) out->push_back('-');
  out->append(std::to_string(cents / 100));
  out->push_back('.');
  const uint64_t frac = cents % 100;
  out->push_back(static_cast<char>('0' + frac / 10));
  out->push_back(static_cast<char>('0' + frac % 10));
}

}  // namespace segstream
