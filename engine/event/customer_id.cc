// The canonical customer id; the rule is in customer_id.h.
#include "engine/event/customer_id.h"

namespace segstream {

bool CanonicalCustomerId(std::string_view text, std::string* out) {
  out->clear();
  size_t b = 0, e = text.size();
  while (b < e && (text[b] == ' ' || text[b] == '\t')) ++b;
  while (e > b && (text[e - 1] == ' ' || text[e - 1] == '\t')) --e;
  const std::string_view s = text.substr(b, e - b);
  if (s.empty()) return true;
  size_t i = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  if (i == 0) return false;
  std::string_view digits = s.substr(0, i);
  if (i < s.size()) {
    if (s[i] != '.') return false;
    for (size_t j = i + 1; j < s.size(); ++j) {
      if (s[j] != '0') return false;  // "17850.5", "1e5", trailing junk
    }
  }
  size_t lead = 0;
  while (lead + 1 < digits.size() && digits[lead] == '0') ++lead;
  digits.remove_prefix(lead);
  if (digits.size() > kMaxCustomerIdDigits) return false;
  out->assign(digits);
  return true;
}

std::optional<std::string> CanonicalCustomerIdForLookup(std::string_view text) {
  std::string id;
  if (!CanonicalCustomerId(text, &id) || id.empty()) return std::nullopt;
  return id;
}

}  // namespace segstream
