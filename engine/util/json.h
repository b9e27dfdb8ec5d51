// Small, allocation-light JSON output helpers for the engine's records
// (segment changes, model versions, HTTP bodies). Output is always valid
// UTF-8 JSON given valid UTF-8 input; numbers are formatted deterministically.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace segstream {

// Appends `s` as a quoted JSON string, escaping quotes, backslashes and
// control characters.
void AppendJsonString(std::string* out, std::string_view s);

// Appends `v` with exactly `decimals` digits after the point ("%.*f"); NaN
// and infinities, which JSON cannot carry, become null.
void AppendJsonFixed(std::string* out, double v, int decimals);

// Appends thousandths as a decimal with two places, rounded half away from
// zero: 2555 -> "2.56", -1500 -> "-1.50".
void AppendMilliAsCents(std::string* out, int64_t milli);

}  // namespace segstream
