// The canonical customer id: the one function that turns an id as it arrives
// (a CSV field, a JSON string or number, an HTTP path segment, a segctl
// flag, a Kafka key) into the key the state stores it under. Every entry
// point calls it, so an id the input accepts finds its customer everywhere.
//
// Rule (documented in README.md, "Customer ids"):
// - surrounding spaces and tabs are ignored;
// - the id is a non-negative integer: digits, optionally followed by a
//   fraction of zeros ("17850.0", the UCI files publish ids as floats);
// - leading zeros are NOT significant: "091002", "91002" and "91002.0" are
//   one customer, stored as "91002" ("0" stays "0"). The UCI files and most
//   shop exports write the same customer both ways (CDNOW pads to 5 digits),
//   so keeping the zeros would split customers; the price is that a CRM
//   whose ids "0042" and "42" are different customers cannot use them as
//   they are (map another column, or prefix them upstream);
// - at most 18 significant digits (fits an int64, so a JSON number id is
//   exact);
// - empty text means "no customer" (the canonical form is "").
// Anything else ("17850.5", "-3", "abc", "1e5") is not an id.
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace segstream {

inline constexpr size_t kMaxCustomerIdDigits = 18;

// Sets *out to the canonical form of `text` ("" for an empty id) and
// returns true, or returns false (leaving *out cleared) when `text` is not
// an id.
bool CanonicalCustomerId(std::string_view text, std::string* out);

// The canonical form of a non-empty id, or nullopt when `text` is empty or
// not an id (for lookups: HTTP, segctl).
std::optional<std::string> CanonicalCustomerIdForLookup(std::string_view text);

}  // namespace segstream
