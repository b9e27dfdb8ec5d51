// Field parsers; see field_parse.h.
#include "connectors/decode/field_parse.h"

#include <charconv>

#include "engine/util/time.h"

namespace segstream::decode {
namespace {

constexpr uint64_t kPow10[20] = {1ULL,
                                 10ULL,
                                 100ULL,
                                 1000ULL,
                                 10000ULL,
                                 100000ULL,
                                 1000000ULL,
                                 10000000ULL,
                                 100000000ULL,
                                 1000000000ULL,
                                 10000000000ULL,
                                 100000000000ULL,
                                 1000000000000ULL,
                                 10000000000000ULL,
                                 100000000000000ULL,
                                 1000000000000000ULL,
                                 10000000000000000ULL,
                                 100000000000000000ULL,
                                 1000000000000000000ULL,
                                 10000000000000000000ULL};

// A decimal number as mantissa * 10^exp10. `dropped_nonzero` says digits
// past the 19 kept were not all zero (the value is slightly larger).
struct Decimal {
  bool negative = false;
  uint64_t mantissa = 0;
  int32_t exp10 = 0;
  bool dropped_nonzero = false;
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool ParseDecimal(std::string_view s, Decimal* d) {
  size_t i = 0;
  const size_t n = s.size();
  if (i < n && (s[i] == '+' || s[i] == '-')) {
    d->negative = s[i] == '-';
    ++i;
  }
  int kept = 0;
  bool any_digit = false;
  auto take = [&](char c, bool fraction) {
    any_digit = true;
    if (d->mantissa == 0 && c == '0') {
      if (fraction) --d->exp10;  // leading zeros of a fraction only shift
      return;
    }
    if (kept < 19) {
      d->mantissa = d->mantissa * 10 + static_cast<uint64_t>(c - '0');
      ++kept;
      if (fraction) --d->exp10;
    } else {
      if (!fraction) ++d->exp10;
      if (c != '0') d->dropped_nonzero = true;
    }
  };
  while (i < n && IsDigit(s[i])) take(s[i++], false);
  if (i < n && s[i] == '.') {
    ++i;
    while (i < n && IsDigit(s[i])) take(s[i++], true);
  }
  if (!any_digit) return false;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool neg_exp = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
      neg_exp = s[i] == '-';
      ++i;
    }
    if (i == n || !IsDigit(s[i])) return false;
    int32_t e = 0;
    while (i < n && IsDigit(s[i])) {
      if (e < 100000) e = e * 10 + (s[i] - '0');  // clamp: anything this big is absurd or zero
      ++i;
    }
    d->exp10 += neg_exp ? -e : e;
  }
  return i == n;
}

// mantissa * 10^(exp10 + scale), rounded half away from zero, checked
// against `limit`. Sets *fraction when the scaled value was not an integer.
NumberStatus Scale(const Decimal& d, int scale, int64_t limit, int64_t* out, bool* fraction) {
  *fraction = false;
  uint64_t v = 0;
  if (d.mantissa != 0) {
    const int64_t e = static_cast<int64_t>(d.exp10) + scale;
    if (e >= 0) {
      if (e > 19 || d.mantissa > static_cast<uint64_t>(limit) / kPow10[e]) return NumberStatus::kTooLarge;
      v = d.mantissa * kPow10[e];
      *fraction = d.dropped_nonzero;
    } else if (e < -19) {
      v = 0;
      *fraction = true;
    } else {
      const uint64_t p = kPow10[-e];
      v = d.mantissa / p;
      const uint64_t r = d.mantissa % p;
      *fraction = r != 0 || d.dropped_nonzero;
      if (r >= p - r) ++v;  // r/p >= 1/2, written without overflow
    }
  }
  if (v > static_cast<uint64_t>(limit)) return NumberStatus::kTooLarge;
  *out = d.negative ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  return NumberStatus::kOk;
}

// Reads 1..max_n digits at s[*pos]; advances *pos.
bool ReadDigits(std::string_view s, size_t* pos, size_t min_n, size_t max_n, unsigned* out) {
  size_t i = *pos;
  unsigned v = 0;
  while (i < s.size() && i - *pos < max_n && IsDigit(s[i])) v = v * 10 + static_cast<unsigned>(s[i++] - '0');
  if (i - *pos < min_n) return false;
  *pos = i;
  *out = v;
  return true;
}

bool Expect(std::string_view s, size_t* pos, char c) {
  if (*pos < s.size() && s[*pos] == c) {
    ++*pos;
    return true;
  }
  return false;
}

}  // namespace

std::string_view TrimSpaces(std::string_view text) {
  size_t b = 0, e = text.size();
  while (b < e && (text[b] == ' ' || text[b] == '\t')) ++b;
  while (e > b && (text[e - 1] == ' ' || text[e - 1] == '\t')) --e;
  return text.substr(b, e - b);
}

NumberStatus ParseQuantity(std::string_view text, int64_t* out) {
  Decimal d;
  if (!ParseDecimal(TrimSpaces(text), &d)) return NumberStatus::kNotNumber;
  bool fraction = false;
  const NumberStatus st = Scale(d, 0, kMaxAbsQuantity, out, &fraction);
  if (st != NumberStatus::kOk) return st;
  return fraction ? NumberStatus::kNotInteger : NumberStatus::kOk;
}

NumberStatus ParsePriceMilli(std::string_view text, int64_t* out) {
  Decimal d;
  if (!ParseDecimal(TrimSpaces(text), &d)) return NumberStatus::kNotNumber;
  bool fraction = false;
  return Scale(d, 3, kMaxAbsUnitPriceMilli, out, &fraction);
}

bool ParseInvoiceDate(std::string_view text, int64_t* epoch_seconds) {
  const std::string_view s = TrimSpaces(text);
  if (s.size() < 4) return false;
  if (s.size() >= 5 && IsDigit(s[0]) && IsDigit(s[1]) && IsDigit(s[2]) && IsDigit(s[3]) && s[4] == '-') {
    const int year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    if (year < kMinYear || year > kMaxYear) return false;
    const auto t = ParseIso8601(s);
    if (!t) return false;
    *epoch_seconds = *t;
    return true;
  }
  // M/D/YYYY H:MM[:SS]
  size_t pos = 0;
  unsigned mo, d, y, h, mi, sec = 0;
  if (!ReadDigits(s, &pos, 1, 2, &mo) || !Expect(s, &pos, '/') || !ReadDigits(s, &pos, 1, 2, &d) ||
      !Expect(s, &pos, '/') || !ReadDigits(s, &pos, 4, 4, &y) || !Expect(s, &pos, ' ')) {
    return false;
  }
  while (pos < s.size() && s[pos] == ' ') ++pos;
  if (!ReadDigits(s, &pos, 1, 2, &h) || !Expect(s, &pos, ':') || !ReadDigits(s, &pos, 2, 2, &mi)) return false;
  if (Expect(s, &pos, ':') && !ReadDigits(s, &pos, 2, 2, &sec)) return false;
  if (pos != s.size()) return false;
  if (static_cast<int>(y) < kMinYear || static_cast<int>(y) > kMaxYear) return false;
  const auto t = ToEpochSeconds(y, mo, d, h, mi, sec);
  if (!t) return false;
  *epoch_seconds = *t;
  return true;
}

}  // namespace segstream::decode
