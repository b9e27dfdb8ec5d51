// TimeFormat: how an invoice time is written, for inputs in a foreign layout
// (`--time-format`). One of
//   auto       the built-in forms, detected per value: "M/D/YYYY H:MM[:SS]"
//              (UCI Online Retail) and ISO-8601 "YYYY-MM-DD[ T]HH:MM[:SS]..."
//              (field_parse.h ParseInvoiceDate);
//   epoch_s, epoch_ms, epoch_us
//              integer seconds / milliseconds / microseconds since the Unix
//              epoch (Debezium's io.debezium.time.MicroTimestamp), floored
//              to whole seconds;
//   a pattern  a strptime-style subset: %Y (4 digits), %m %d %H %M %S (1 or
//              2 digits), %y (2 digits, 1970..2069), %b (Jan..Dec), %F
//              (%Y-%m-%d), %T (%H:%M:%S), %% ; a space matches one or more
//              spaces; any other character matches itself. Missing time
//              fields are 0. The whole value must be consumed.
// Times are UTC; years outside 1990..2100 and impossible dates fail.
// Sources: POSIX strptime(3) for the directive names; the subset is
// parsed here (not by libc) so "%Y%m%d" on "19970101" is exact and no
// locale or TZ variable is involved.
//
// Thread safety: immutable values, pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/util/status.h"

namespace segstream::decode {

struct TimeFormat {
  enum class Kind { kAuto, kPattern, kEpochS, kEpochMs, kEpochUs };
  Kind kind = Kind::kAuto;
  std::string pattern;  // kPattern only

  // "auto", "epoch_s", "epoch_ms", "epoch_us" or a pattern with a '%'.
  static Result<TimeFormat> Parse(std::string_view text);
  // The text Parse accepts for this format.
  std::string ToString() const;
  bool operator==(const TimeFormat&) const = default;
};

// Parses `text` (trimmed of spaces) with `format`; false when it does not
// match or names an impossible date or a year outside 1990..2100.
bool ParseTime(const TimeFormat& format, std::string_view text, int64_t* epoch_seconds);

// The formats sniffing tries, in order of preference.
const std::vector<TimeFormat>& CandidateTimeFormats();

// Picks the format of a sample of values (empty values are ignored): the
// candidates that parse every value; if all of them give the same times the
// first wins, otherwise the sample is ambiguous (01/02/2011 read as day- or
// month-first) and the error names the candidates and asks for
// --time-format. InvalidArgument also when no candidate parses the sample.
Result<TimeFormat> SniffTimeFormat(const std::vector<std::string>& sample);

}  // namespace segstream::decode
