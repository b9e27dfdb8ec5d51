// JsonEventDecoder: one JSON document in the DESIGN.md event format
//   {"invoice":"536365","stock_code":"85123A","description":"...","quantity":6,
//    "unit_price":2.55,"invoice_ts":"2010-12-01T08:26:00Z","customer_id":"17850",
//    "country":"United Kingdom"}
// into a DecodedRecord, with the same reason classes as the CSV decoder.
// The field texts go through NormalizeEvent (normalize.h), the one
// normalisation step of every decoder: "POST      " is POST in JSON as in CSV.
//
// With a column mapping (input_format.h), each mapped field is looked up by
// its dotted path (a JSON Pointer, RFC 6901, on simdjson's DOM); strings and
// numbers are both accepted for every mapped field ("quantity":"6",
// "unit_price":"2.55", epoch numbers for invoice_ts); objects, arrays and
// booleans are `wrong_type`; a missing path or null is an absent field.
//
// Policies of the DESIGN.md format (no mapping):
// Policies:
// - Not JSON, not an object, or trailing content: `bad_json`; invalid UTF-8
//   anywhere in the document: `invalid_utf8`.
// - invoice, stock_code: required non-empty strings (`missing_field` when
//   absent, null or empty; `wrong_type` when not a string).
// - quantity: required integer number (`wrong_type` for strings etc.; a
//   fraction or |q| > 100,000,000 is `absurd_value`).
// - unit_price: required number, parsed from its text so 2.55 is exactly
//   2550 milli (same rounding and limits as CSV).
// - invoice_ts: required ISO-8601 string (ParseIso8601), year 1990..2100,
//   else `bad_date`.
// - customer_id: a string or a non-negative integer number (same id rules
//   as CSV, `bad_id`); null, absent or "" means no customer.
// - description, country: strings; null or absent means "".
// - Unknown keys are ignored; for a repeated key the last one wins.
//
// Thread safety: one instance per thread; it reuses its parser and a padded
// copy of the input (simdjson reads up to SIMDJSON_PADDING bytes past the end).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "connectors/decode/input_format.h"
#include "connectors/decode/reasons.h"
#include "engine/event/invoice_event.h"

namespace segstream {

class JsonEventDecoder {
 public:
  JsonEventDecoder();
  explicit JsonEventDecoder(const decode::InputFormat& format);
  ~JsonEventDecoder();
  JsonEventDecoder(JsonEventDecoder&&) noexcept;
  JsonEventDecoder& operator=(JsonEventDecoder&&) noexcept;

  // Fills out->event, or out->error and out->raw. Leaves out->origin alone.
  void Decode(std::string_view document, DecodedRecord* out);

  // Mapped decoders: the text of field `f` in `document` (for sniffing), or
  // nullopt when the document, the path or the value is not usable.
  std::optional<std::string> MappedFieldText(std::string_view document, decode::EventField f);

 private:
  struct Impl;  // keeps simdjson.h out of every includer
  std::unique_ptr<Impl> impl_;
};

}  // namespace segstream
