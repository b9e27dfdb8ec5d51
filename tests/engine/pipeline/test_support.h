// Shared fixtures of the engine/pipeline tests: an invoice line as a decoded
// record, and a sink that drops everything.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/event/sink.h"
#include "engine/event/invoice_event.h"

namespace segstream::testing {

// One decoded UK invoice line with description "ITEM".
inline DecodedRecord Event(std::string invoice, std::string stock, int64_t quantity, int64_t price_milli, int64_t ts,
                           std::string customer) {
  DecodedRecord r;
  r.event.invoice = std::move(invoice);
  r.event.stock_code = std::move(stock);
  r.event.description = "ITEM";
  r.event.quantity = quantity;
  r.event.unit_price_milli = price_milli;
  r.event.invoice_ts = ts;
  r.event.customer_id = std::move(customer);
  r.event.country = "United Kingdom";
  return r;
}

class NullSink : public Sink {
 public:
  Status Open(const SinkOffsets&) override { return Status::OK(); }
  Status Append(OutputStream, std::string_view, std::string_view) override { return Status::OK(); }
  Status Flush() override { return Status::OK(); }
};

}  // namespace segstream::testing
