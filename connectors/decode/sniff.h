// Layout sniffing for mapped inputs (issue 13): when --delimiter or
// --time-format is omitted, pick them from the header and the first lines,
// the way DuckDB's CSV sniffer does (candidates are tried on a sample and
// the one consistent with all of it wins), and say what was chosen.
//
// - Delimiter: the first of ',', ';', TAB, '|', whitespace under which the
//   header holds every mapped column name and every sample line has as many
//   fields as the header. None: InvalidArgument naming the candidates.
// - Time format: SniffTimeFormat (time_format.h) over the sample's
//   invoice_ts values: all candidates that parse the whole sample must agree,
//   so "01/02/2011" in a sample without a day > 12 is an error asking for
//   --time-format, never a silent guess.
// Formats without a mapping (the UCI layouts, DESIGN.md JSON) are returned
// unchanged: their layouts are fixed.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "connectors/decode/input_format.h"
#include "engine/util/status.h"

namespace segstream::decode {

// The first lines to look at (at most this many are used).
inline constexpr size_t kSniffLines = 200;

// CSV: `header` is the header line, `lines` the data lines after it (blank
// and incomplete ones may be included; blank ones are ignored). On success
// *note says what was detected ("" when nothing was).
Result<InputFormat> SniffCsv(std::string_view header, const std::vector<std::string_view>& lines,
                             const InputFormat& given, std::string* note);

// JSON lines: the invoice_ts texts of the first documents (found by the
// mapped decoder), for the time format.
Result<InputFormat> SniffJsonTimes(const std::vector<std::string>& invoice_ts_values, const InputFormat& given,
                                   std::string* note);

}  // namespace segstream::decode
