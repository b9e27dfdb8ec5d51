// Exact parsers for the numeric, id and date fields of an invoice line,
// shared by the CSV and JSON decoders so both apply the same policies.
//
// Numbers are parsed from their decimal text into integers without going
// through double (fast_float would give 2.5499999 for "2.55"), so a price is
// exactly its thousandths and rounding happens once, half away from zero.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace segstream::decode {

// Limits beyond which a value is `absurd_value` rather than data.
inline constexpr int64_t kMaxAbsQuantity = 100'000'000;
inline constexpr int64_t kMaxAbsUnitPriceMilli = 10'000'000'000;  // 10,000,000.000
inline constexpr int kMinYear = 1990;
inline constexpr int kMaxYear = 2100;

// Outcome of a numeric field; the decoders map it to a reason class.
enum class NumberStatus {
  kOk,
  kNotNumber,    // empty, not decimal text, NaN, inf -> bad_number
  kTooLarge,     // beyond the limit -> absurd_value
  kNotInteger,   // a fractional quantity -> absurd_value
};

// Returns `text` without leading and trailing spaces and tabs.
std::string_view TrimSpaces(std::string_view text);

// Quantity: [+-]digits[.digits][e[+-]digits]; must be an integer value with
// |q| <= kMaxAbsQuantity ("6.0" is 6, "6.5" is kNotInteger).
NumberStatus ParseQuantity(std::string_view text, int64_t* out);

// Unit price in thousandths, rounded half away from zero past 3 decimals,
// |price| <= 10,000,000. Negative prices are kept (cleaning rejects them).
NumberStatus ParsePriceMilli(std::string_view text, int64_t* out);

// Customer ids: CanonicalCustomerId in engine/event/customer_id.h (one rule
// for decoders, HTTP, segctl and keys).

// Invoice date as published: "M/D/YYYY H:MM[:SS]" (UCI Online Retail) or
// "YYYY-MM-DD HH:MM[:SS]" / ISO-8601 with 'T' and zone (exports, Online
// Retail II, JSON). The date must exist and the year lie in 1990..2100.
bool ParseInvoiceDate(std::string_view text, int64_t* epoch_seconds);

}  // namespace segstream::decode
