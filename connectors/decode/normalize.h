// The one normalisation step of every decoder (issue 11): a decoder only
// finds the text of each event field (CSV columns, JSON keys or paths, Avro
// fields...); NormalizeEvent turns those texts into an InvoiceEvent or a
// dead-letter reason, with the same policies for all of them:
// - invoice and stock code: surrounding spaces and tabs trimmed (a padded
//   "POST      " is the non-product code POST in CSV and JSON alike), case
//   kept (cleaning compares codes case-insensitively); empty is
//   `missing_field`;
// - description and country: kept verbatim;
// - quantity: ParseQuantity; price: ParsePriceMilli (field_parse.h), after
//   the decimal-comma rewrite when NormalizeOptions::decimal_comma;
// - amount (a line total, used when unit_price is absent): the event gets
//   quantity = the sign of the line (+1/-1, 0 when the quantity is 0) and
//   unit_price = |line total|, so monetary = the line total exactly (no
//   division by the quantity, which would round);
// - invoice_ts: ParseTime with NormalizeOptions::time;
// - customer_id: CanonicalCustomerId (engine/event/customer_id.h).
// Fields a layout does not have (not `present`): description, country and
// customer id become ""; in a mapped layout (`mapped`) quantity becomes 1
// (or the sign of the amount) and stock_code "-", elsewhere both are
// `missing_field`; invoice becomes "L" + 16 hex digits of the FNV-1a
// hash of the line's field texts when `synthesize_invoice` (each distinct
// line is its own invoice, identical lines get the same one and count once),
// else `missing_field`; a missing time, or both prices missing, is
// `missing_field`.
//
// Thread safety: pure functions; RawEvent holds views the caller keeps alive.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "connectors/decode/time_format.h"
#include "engine/event/invoice_event.h"

namespace segstream::decode {

// segstream's event fields, in the order of --columns documentation.
enum class EventField : int {
  kInvoice, kStockCode, kDescription, kQuantity, kUnitPrice, kAmount, kInvoiceTs, kCustomerId, kCountry,
};
inline constexpr size_t kEventFieldCount = 9;

// "invoice", "stock_code", ... (the JSON event keys; DESIGN.md).
std::string_view EventFieldName(EventField f);
std::optional<EventField> EventFieldFromName(std::string_view name);

// The field texts one line gave, and how reasons name each field (the CSV
// header name or the JSON key/path).
struct RawEvent {
  std::array<std::string_view, kEventFieldCount> text{};
  std::array<std::string_view, kEventFieldCount> label{};
  std::array<bool, kEventFieldCount> present{};

  void Set(EventField f, std::string_view value, std::string_view field_label) {
    const auto i = static_cast<size_t>(f);
    text[i] = value;
    label[i] = field_label;
    present[i] = true;
  }
  void Clear() { present.fill(false); }
  bool has(EventField f) const { return present[static_cast<size_t>(f)]; }
  std::string_view get(EventField f) const { return text[static_cast<size_t>(f)]; }
};

struct NormalizeOptions {
  TimeFormat time;
  bool decimal_comma = false;       // "2,55" is 2.55; '.' is a thousands separator
  bool synthesize_invoice = false;  // no invoice field: one invoice per distinct line
  bool mapped = false;              // a --columns layout: stock code and quantity are optional
};

// Fills *e (every field) and clears *error, or sets *error to
// "<class>: <detail>" (reasons.h) and leaves *e unspecified.
void NormalizeEvent(const RawEvent& raw, const NormalizeOptions& options, InvoiceEvent* e, std::string* error);

}  // namespace segstream::decode
