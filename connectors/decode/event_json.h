// The JSON wire form of an InvoiceEvent (DESIGN.md "Input events"), written
// with keys in this order:
//   {"invoice":"536365","stock_code":"85123A","description":"...","quantity":6,
//    "unit_price":2.55,"invoice_ts":"2010-12-01T08:26:00Z","customer_id":"17850",
//    "country":"United Kingdom"}
// unit_price is printed from the integer thousandths without floating point:
// the shortest decimal with at least one fractional digit (2550 -> 2.55,
// 1000 -> 1.0, 5 -> 0.005), so JsonEventDecoder(EncodeEventJson(e)) == e.
// No customer is written as "".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/event/invoice_event.h"

namespace segstream {

// Appends `text` as a JSON string literal (with quotes) like
// segstream::AppendJsonString (engine/util/json.h), except that text that is
// not valid UTF-8 is read as Latin-1 first, so the output is always valid JSON.
void AppendJsonStringAnyText(std::string_view text, std::string* out);

// Appends thousandths as a decimal number (2550 -> 2.55, -1000 -> -1.0).
void AppendMilli(int64_t milli, std::string* out);

void AppendEventJson(const InvoiceEvent& event, std::string* out);
std::string EncodeEventJson(const InvoiceEvent& event);

}  // namespace segstream
