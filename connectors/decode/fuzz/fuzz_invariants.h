// Invariants both fuzz targets check on every decoded record: a success has
// valid UTF-8 strings; a failure has a known reason class and a valid UTF-8
// raw of at most 4 KiB. Violations abort so libFuzzer saves the input.
#pragma once

#include <cstdio>
#include <cstdlib>

#include "connectors/decode/field_parse.h"
#include "connectors/decode/reasons.h"
#include "connectors/decode/text.h"
#include "engine/event/invoice_event.h"

namespace segstream::fuzz {

inline void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

inline void CheckRecord(const DecodedRecord& r) {
  if (r.error.empty()) {
    const InvoiceEvent& e = r.event;
    Check(!e.invoice.empty() && !e.stock_code.empty(), "invoice and stock code are set");
    for (const std::string* s : {&e.invoice, &e.stock_code, &e.description, &e.customer_id, &e.country}) {
      Check(decode::IsValidUtf8(*s), "event strings are valid UTF-8");
    }
    Check(e.quantity >= -decode::kMaxAbsQuantity && e.quantity <= decode::kMaxAbsQuantity, "quantity in range");
    Check(e.unit_price_milli >= -decode::kMaxAbsUnitPriceMilli && e.unit_price_milli <= decode::kMaxAbsUnitPriceMilli,
          "price in range");
    return;
  }
  bool known = false;
  for (auto c : decode::kAllReasonClasses) known = known || decode::ReasonClass(r.error) == c;
  Check(known, "reason class is one of the documented list");
  Check(r.error.size() > decode::ReasonClass(r.error).size() + 2, "reason has a detail");
  Check(decode::IsValidUtf8(r.error), "reason is valid UTF-8");
  Check(decode::IsValidUtf8(r.raw), "raw is valid UTF-8");
  Check(r.raw.size() <= kMaxRawBytes, "raw is at most 4 KiB");
}

}  // namespace segstream::fuzz
