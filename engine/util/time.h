// Civil-time helpers for event times (seconds since the Unix epoch, UTC).
// Pure functions, no time zone database: invoice times are read as UTC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace segstream {

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

// True when y-m-d names a real calendar day.
bool IsValidDate(int64_t year, unsigned month, unsigned day);

// Seconds since the epoch; nullopt when any field is out of range.
std::optional<int64_t> ToEpochSeconds(int64_t year, unsigned month, unsigned day,
                                      unsigned hour, unsigned minute, unsigned second);

// "2010-12-01T08:26:00Z".
std::string FormatIso8601(int64_t epoch_seconds);

// Parses "YYYY-MM-DDTHH:MM:SS" with an optional fraction and "Z" or "+00:00"
// (a space may stand for the T). Other offsets are applied. nullopt on error.
std::optional<int64_t> ParseIso8601(std::string_view text);

// The system wall clock, seconds since the epoch (not pure: for guards and
// lag metrics only, never for results).
int64_t WallClockSeconds();

}  // namespace segstream
