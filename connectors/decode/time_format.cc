// TimeFormat; see time_format.h.
#include "connectors/decode/time_format.h"

#include <fmt/format.h>

#include "connectors/decode/field_parse.h"
#include "engine/util/time.h"

namespace segstream::decode {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool ReadNum(std::string_view s, size_t* pos, size_t min_n, size_t max_n, unsigned* out) {
  size_t i = *pos;
  unsigned v = 0;
  while (i < s.size() && i - *pos < max_n && IsDigit(s[i])) v = v * 10 + static_cast<unsigned>(s[i++] - '0');
  if (i - *pos < min_n) return false;
  *pos = i;
  *out = v;
  return true;
}

bool ReadMonthName(std::string_view s, size_t* pos, unsigned* out) {
  static constexpr std::string_view kMonths[12] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                   "jul", "aug", "sep", "oct", "nov", "dec"};
  if (s.size() - *pos < 3) return false;
  for (unsigned m = 0; m < 12; ++m) {
    bool eq = true;
    for (size_t k = 0; k < 3; ++k) {
      const char c = static_cast<char>(s[*pos + k] | 0x20);
      if (c != kMonths[m][k]) eq = false;
    }
    if (eq) {
      *pos += 3;
      *out = m + 1;
      return true;
    }
  }
  return false;
}

bool ParsePattern(std::string_view pat, std::string_view s, int64_t* out) {
  unsigned y = 0, mo = 1, d = 1, h = 0, mi = 0, sec = 0;
  bool have_year = false;
  size_t i = 0;
  for (size_t p = 0; p < pat.size(); ++p) {
    const char c = pat[p];
    if (c == ' ') {
      if (i >= s.size() || s[i] != ' ') return false;
      while (i < s.size() && s[i] == ' ') ++i;
      continue;
    }
    if (c != '%') {
      if (i >= s.size() || s[i] != c) return false;
      ++i;
      continue;
    }
    if (++p == pat.size()) return false;
    switch (pat[p]) {
      case 'Y':
        if (!ReadNum(s, &i, 4, 4, &y)) return false;
        have_year = true;
        break;
      case 'y': {
        unsigned yy = 0;
        if (!ReadNum(s, &i, 2, 2, &yy)) return false;
        y = yy < 70 ? 2000 + yy : 1900 + yy;
        have_year = true;
        break;
      }
      case 'm': if (!ReadNum(s, &i, 1, 2, &mo)) return false; break;
      case 'd': if (!ReadNum(s, &i, 1, 2, &d)) return false; break;
      case 'H': if (!ReadNum(s, &i, 1, 2, &h)) return false; break;
      case 'M': if (!ReadNum(s, &i, 1, 2, &mi)) return false; break;
      case 'S': if (!ReadNum(s, &i, 1, 2, &sec)) return false; break;
      case 'b': if (!ReadMonthName(s, &i, &mo)) return false; break;
      case 'F':
        if (!ReadNum(s, &i, 4, 4, &y) || i >= s.size() || s[i++] != '-' || !ReadNum(s, &i, 1, 2, &mo) ||
            i >= s.size() || s[i++] != '-' || !ReadNum(s, &i, 1, 2, &d)) {
          return false;
        }
        have_year = true;
        break;
      case 'T':
        if (!ReadNum(s, &i, 1, 2, &h) || i >= s.size() || s[i++] != ':' || !ReadNum(s, &i, 1, 2, &mi) ||
            i >= s.size() || s[i++] != ':' || !ReadNum(s, &i, 1, 2, &sec)) {
          return false;
        }
        break;
      case '%':
        if (i >= s.size() || s[i] != '%') return false;
        ++i;
        break;
      default:
        return false;
    }
  }
  if (i != s.size() || !have_year) return false;
  if (static_cast<int>(y) < kMinYear || static_cast<int>(y) > kMaxYear) return false;
  const auto t = ToEpochSeconds(y, mo, d, h, mi, sec);
  if (!t) return false;
  *out = *t;
  return true;
}

bool ParseEpoch(std::string_view s, int64_t divisor, int64_t* out) {
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && s[i] == '-') {
    neg = true;
    ++i;
  }
  if (i == s.size() || s.size() - i > 18) return false;
  int64_t v = 0;
  for (; i < s.size(); ++i) {
    if (!IsDigit(s[i])) return false;
    v = v * 10 + (s[i] - '0');
  }
  if (neg) v = -v;
  int64_t sec = v / divisor;
  if (v % divisor != 0 && v < 0) --sec;  // floor
  const int64_t lo = *ToEpochSeconds(kMinYear, 1, 1, 0, 0, 0);
  const int64_t hi = *ToEpochSeconds(kMaxYear, 12, 31, 23, 59, 59);
  if (sec < lo || sec > hi) return false;
  *out = sec;
  return true;
}

}  // namespace

Result<TimeFormat> TimeFormat::Parse(std::string_view text) {
  TimeFormat f;
  if (text == "auto") return f;
  if (text == "epoch_s") f.kind = Kind::kEpochS;
  else if (text == "epoch_ms") f.kind = Kind::kEpochMs;
  else if (text == "epoch_us") f.kind = Kind::kEpochUs;
  else if (text.find('%') != std::string_view::npos) {
    f.kind = Kind::kPattern;
    f.pattern.assign(text);
    for (size_t p = 0; p < text.size(); ++p) {
      if (text[p] != '%') continue;
      if (++p == text.size() || std::string_view("YymdHMSbFT%").find(text[p]) == std::string_view::npos) {
        return Status::InvalidArgument(fmt::format(
            "--time-format '{}': unsupported directive (use %Y %y %m %d %H %M %S %b %F %T %%)", text));
      }
    }
  } else {
    return Status::InvalidArgument(fmt::format(
        "--time-format '{}': expected auto, epoch_s, epoch_ms, epoch_us or a pattern such as %Y%m%d", text));
  }
  return f;
}

std::string TimeFormat::ToString() const {
  switch (kind) {
    case Kind::kAuto: return "auto";
    case Kind::kEpochS: return "epoch_s";
    case Kind::kEpochMs: return "epoch_ms";
    case Kind::kEpochUs: return "epoch_us";
    case Kind::kPattern: return pattern;
  }
  return "auto";
}

bool ParseTime(const TimeFormat& f, std::string_view text, int64_t* out) {
  const std::string_view s = TrimSpaces(text);
  switch (f.kind) {
    case TimeFormat::Kind::kAuto: return ParseInvoiceDate(s, out);
    case TimeFormat::Kind::kEpochS: return ParseEpoch(s, 1, out);
    case TimeFormat::Kind::kEpochMs: return ParseEpoch(s, 1000, out);
    case TimeFormat::Kind::kEpochUs: return ParseEpoch(s, 1000000, out);
    case TimeFormat::Kind::kPattern: return ParsePattern(f.pattern, s, out);
  }
  return false;
}

const std::vector<TimeFormat>& CandidateTimeFormats() {
  static const std::vector<TimeFormat> kCandidates = [] {
    std::vector<TimeFormat> v;
    for (const char* t : {"auto", "%Y%m%d", "%Y%m%d%H%M%S", "%Y-%m-%d", "%Y/%m/%d", "%Y/%m/%d %H:%M",
                          "%Y/%m/%d %H:%M:%S", "%d.%m.%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%m/%d/%Y",
                          "%d/%m/%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d-%m-%Y", "%d-%m-%Y %H:%M",
                          "%d %b %Y", "epoch_s", "epoch_ms", "epoch_us"}) {
      v.push_back(TimeFormat::Parse(t).value());
    }
    return v;
  }();
  return kCandidates;
}

Result<TimeFormat> SniffTimeFormat(const std::vector<std::string>& sample) {
  // Epoch candidates need the digit count of their unit, or a date such as
  // 19970101 would also read as seconds.
  auto plausible = [](const TimeFormat& f, std::string_view v) {
    const size_t n = TrimSpaces(v).size();
    switch (f.kind) {
      case TimeFormat::Kind::kEpochS: return n >= 9 && n <= 10;
      case TimeFormat::Kind::kEpochMs: return n >= 12 && n <= 13;
      case TimeFormat::Kind::kEpochUs: return n >= 15 && n <= 16;
      default: return true;
    }
  };
  std::vector<const TimeFormat*> fits;
  std::vector<std::vector<int64_t>> results;
  size_t values = 0;
  for (const TimeFormat& f : CandidateTimeFormats()) {
    std::vector<int64_t> times;
    bool ok = true;
    for (const std::string& v : sample) {
      if (TrimSpaces(v).empty()) continue;
      int64_t t = 0;
      if (!plausible(f, v) || !ParseTime(f, v, &t)) {
        ok = false;
        break;
      }
      times.push_back(t);
    }
    values = times.size();
    if (ok && !times.empty()) {
      fits.push_back(&f);
      results.push_back(std::move(times));
    }
  }
  (void)values;
  if (fits.empty()) {
    std::string shown = sample.empty() ? "" : sample.front();
    return Status::InvalidArgument(fmt::format(
        "cannot detect the time format of the invoice_ts column (first value \"{}\"); give --time-format, "
        "e.g. %Y%m%d, \"%d.%m.%Y %H:%M\" or epoch_ms",
        shown.substr(0, 64)));
  }
  for (size_t k = 1; k < fits.size(); ++k) {
    if (results[k] != results[0]) {
      std::string names;
      for (const TimeFormat* f : fits) names += (names.empty() ? "" : ", ") + f->ToString();
      return Status::InvalidArgument(fmt::format(
          "the invoice_ts values are ambiguous: the first lines read as any of {} with different dates "
          "(e.g. 01/02/2011 is 1 February or 2 January); give --time-format",
          names));
    }
  }
  return *fits.front();
}

}  // namespace segstream::decode
