// NormalizeEvent; the policies are in normalize.h.
#include "connectors/decode/normalize.h"

#include <fmt/format.h>

#include "connectors/decode/field_parse.h"
#include "connectors/decode/reasons.h"
#include "engine/event/customer_id.h"

namespace segstream::decode {
namespace {

constexpr std::array<std::string_view, kEventFieldCount> kNames = {
    "invoice", "stock_code", "description", "quantity", "unit_price", "amount", "invoice_ts", "customer_id", "country"};

using F = EventField;

// "1.234,56" -> "1234.56" into *scratch (decimal comma, dot thousands).
std::string_view DecimalComma(std::string_view text, std::string* scratch) {
  scratch->clear();
  for (char c : text) {
    if (c == '.') continue;
    scratch->push_back(c == ',' ? '.' : c);
  }
  return *scratch;
}

uint64_t Fnv1a(uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

std::string_view EventFieldName(EventField f) { return kNames[static_cast<size_t>(f)]; }

std::optional<EventField> EventFieldFromName(std::string_view name) {
  for (size_t i = 0; i < kEventFieldCount; ++i) {
    if (kNames[i] == name) return static_cast<EventField>(i);
  }
  return std::nullopt;
}

void NormalizeEvent(const RawEvent& raw, const NormalizeOptions& o, InvoiceEvent* e, std::string* error) {
  error->clear();
  auto label = [&](F f) {
    const std::string_view l = raw.label[static_cast<size_t>(f)];
    return l.empty() ? EventFieldName(f) : l;
  };
  auto missing = [&](F f) { FormatReasonText(kMissingField, label(f), error); };
  auto number = [&](F f, NumberStatus st) {
    if (st == NumberStatus::kOk) return true;
    FormatReason(st == NumberStatus::kNotNumber ? kBadNumber : kAbsurdValue, label(f), raw.get(f), error);
    return false;
  };
  std::string scratch;
  auto num_text = [&](F f) { return o.decimal_comma ? DecimalComma(raw.get(f), &scratch) : raw.get(f); };

  // Invoice and stock code.
  std::string_view invoice, stock = "-";
  if (raw.has(F::kInvoice)) {
    invoice = TrimSpaces(raw.get(F::kInvoice));
    if (invoice.empty()) return FormatReasonText(kMissingField, fmt::format("{} is empty", label(F::kInvoice)), error);
  } else if (!o.synthesize_invoice) {
    return missing(F::kInvoice);
  }
  if (raw.has(F::kStockCode)) {
    stock = TrimSpaces(raw.get(F::kStockCode));
    if (stock.empty()) return FormatReasonText(kMissingField, fmt::format("{} is empty", label(F::kStockCode)), error);
  } else if (!o.mapped) {
    return missing(F::kStockCode);
  }

  // Quantity and price, or the line total.
  e->quantity = 1;
  if (raw.has(F::kQuantity)) {
    if (!number(F::kQuantity, ParseQuantity(num_text(F::kQuantity), &e->quantity))) return;
  } else if (!o.mapped && !raw.has(F::kAmount) && raw.has(F::kUnitPrice)) {
    return missing(F::kQuantity);
  }
  if (raw.has(F::kUnitPrice)) {
    if (!number(F::kUnitPrice, ParsePriceMilli(num_text(F::kUnitPrice), &e->unit_price_milli))) return;
  } else if (raw.has(F::kAmount)) {
    int64_t amount = 0;
    if (!number(F::kAmount, ParsePriceMilli(num_text(F::kAmount), &amount))) return;
    int64_t sign = amount < 0 ? -1 : 1;
    if (raw.has(F::kQuantity)) sign = e->quantity < 0 ? -1 : (e->quantity == 0 ? 0 : 1);
    e->quantity = sign;
    e->unit_price_milli = amount < 0 ? -amount : amount;
    if (sign == 1 && amount < 0) e->unit_price_milli = amount;  // a negative total on a sale: cleaning rejects it
  } else {
    return missing(F::kUnitPrice);
  }

  // Time and customer.
  if (!raw.has(F::kInvoiceTs)) return missing(F::kInvoiceTs);
  if (!ParseTime(o.time, raw.get(F::kInvoiceTs), &e->invoice_ts)) {
    return FormatReason(kBadDate, label(F::kInvoiceTs), raw.get(F::kInvoiceTs), error);
  }
  if (raw.has(F::kCustomerId)) {
    if (!CanonicalCustomerId(raw.get(F::kCustomerId), &e->customer_id)) {
      return FormatReason(kBadId, label(F::kCustomerId), raw.get(F::kCustomerId), error);
    }
  } else {
    e->customer_id.clear();
  }

  if (raw.has(F::kInvoice)) {
    e->invoice.assign(invoice);
  } else {
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < kEventFieldCount; ++i) {
      if (!raw.present[i]) continue;
      h = Fnv1a(h, kNames[i]);
      h = Fnv1a(h, std::string_view("\x1f", 1));
      h = Fnv1a(h, TrimSpaces(raw.text[i]));
      h = Fnv1a(h, std::string_view("\x1e", 1));
    }
    e->invoice = fmt::format("L{:016x}", h);
  }
  e->stock_code.assign(stock);
  if (raw.has(F::kDescription)) {
    e->description.assign(raw.get(F::kDescription));
  } else {
    e->description.clear();
  }
  if (raw.has(F::kCountry)) {
    e->country.assign(raw.get(F::kCountry));
  } else {
    e->country.clear();
  }
}

}  // namespace segstream::decode
