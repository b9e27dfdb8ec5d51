// Cleaning rules; see cleaning.h.
#include "engine/rfm/cleaning.h"

#include <cctype>
#include <cstring>

namespace segstream {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

// A word-at-a-time 64-bit hash (multiply-xorshift, in the spirit of
// wyhash/xxh3's finalisers): fast, and stable across builds and machines
// because it is written out here. Fields are length-prefixed so
// ("ab","c") != ("a","bc").
inline uint64_t Mix64(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h *= 0xbf58476d1ce4e5b9ULL;
  return h ^ (h >> 31);
}
inline void Mix(uint64_t* h, std::string_view s) {
  uint64_t acc = Mix64(*h, s.size());
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    acc = Mix64(acc, w);
  }
  if (i < s.size()) {
    uint64_t w = 0;
    std::memcpy(&w, s.data() + i, s.size() - i);
    acc = Mix64(acc, w);
  }
  *h = acc;
}
inline void Mix(uint64_t* h, int64_t v) { *h = Mix64(*h, static_cast<uint64_t>(v)); }

}  // namespace

const char* LineClassName(LineClass c) {
  switch (c) {
    case LineClass::kPurchase: return "purchase";
    case LineClass::kReturn: return "return";
    case LineClass::kSkipNoCustomer: return "no_customer";
    case LineClass::kSkipAdjustmentInvoice: return "adjustment_invoice";
    case LineClass::kSkipNonProductCode: return "non_product_code";
    case LineClass::kSkipZeroQuantity: return "zero_quantity";
    case LineClass::kSkipNonPositivePrice: return "non_positive_price";
  }
  return "unknown";
}

LineClass Classify(const InvoiceEvent& e, const CleaningRules& rules) {
  if (e.customer_id.empty()) return LineClass::kSkipNoCustomer;
  for (const auto& p : rules.non_sale_invoice_prefixes) {
    if (e.invoice.starts_with(p)) return LineClass::kSkipAdjustmentInvoice;
  }
  for (const auto& code : rules.non_product_codes) {
    if (EqualsIgnoreCase(e.stock_code, code)) return LineClass::kSkipNonProductCode;
  }
  for (const auto& p : rules.non_product_prefixes) {
    if (e.stock_code.size() >= p.size() && EqualsIgnoreCase(std::string_view(e.stock_code).substr(0, p.size()), p)) {
      return LineClass::kSkipNonProductCode;
    }
  }
  if (e.quantity == 0) return LineClass::kSkipZeroQuantity;
  if (e.unit_price_milli <= 0) return LineClass::kSkipNonPositivePrice;
  if (e.invoice.starts_with('C') || e.quantity < 0) return LineClass::kReturn;
  return LineClass::kPurchase;
}

uint64_t LineFingerprint(const InvoiceEvent& e) {
  uint64_t h = 0x243f6a8885a308d3ULL;
  Mix(&h, e.invoice);
  Mix(&h, e.stock_code);
  Mix(&h, e.description);
  Mix(&h, e.quantity);
  Mix(&h, e.invoice_ts);
  Mix(&h, e.unit_price_milli);
  Mix(&h, e.customer_id);
  Mix(&h, e.country);
  return h;
}

}  // namespace segstream
