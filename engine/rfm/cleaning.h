// Cleaning rules (DESIGN.md): which decoded invoice lines count as a
// purchase or a return, and which are skipped and why. Each outcome is a
// metrics reason. The non-product stock codes are configurable.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/event/invoice_event.h"

namespace segstream {

enum class LineClass : uint8_t {
  kPurchase,
  kReturn,                 // cancellation (invoice "C...") or negative quantity
  kSkipNoCustomer,         // not an error: a quarter of the UCI lines
  kSkipAdjustmentInvoice,  // non-sale invoice codes ("A..." bad-debt adjustments)
  kSkipNonProductCode,     // POST, DOT, M, BANK CHARGES, AMAZONFEE, ... and the gift_ prefix
  kSkipZeroQuantity,
  kSkipNonPositivePrice,
};
inline constexpr int kLineClassCount = 7;

// "purchase", "return", "no_customer", ... (the metrics label).
const char* LineClassName(LineClass c);
inline bool IsAccepted(LineClass c) { return c == LineClass::kPurchase || c == LineClass::kReturn; }

struct CleaningRules {
  // Exact stock codes that are fees, postage or adjustments (case-insensitive).
  std::vector<std::string> non_product_codes = {"POST", "DOT", "M", "BANK CHARGES", "AMAZONFEE", "CRUK",
                                                "D", "PADS", "B", "S", "C2"};
  // Stock-code prefixes that are not products (case-insensitive).
  std::vector<std::string> non_product_prefixes = {"gift_"};
  // Invoice prefixes that are not sales (case-sensitive): "A" = bad-debt adjustment.
  std::vector<std::string> non_sale_invoice_prefixes = {"A"};
};

// Rules apply in this order: no customer, adjustment invoice, non-product
// code, zero quantity, price <= 0, then return (C-invoice or quantity < 0)
// versus purchase.
LineClass Classify(const InvoiceEvent& e, const CleaningRules& rules);

// 64-bit fingerprint of all eight fields of a line (exact-duplicate detection).
uint64_t LineFingerprint(const InvoiceEvent& e);

}  // namespace segstream
