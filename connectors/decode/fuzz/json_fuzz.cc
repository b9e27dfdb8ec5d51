// libFuzzer target for JsonEventDecoder and the encoder: decode the input;
// when it is an event, encode it and check decode(encode(e)) == e.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "connectors/decode/debezium.h"
#include "connectors/decode/event_json.h"
#include "connectors/decode/fuzz/fuzz_invariants.h"
#include "connectors/decode/json_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static segstream::JsonEventDecoder* decoder = new segstream::JsonEventDecoder();
  segstream::DecodedRecord r;
  decoder->Decode(std::string_view(reinterpret_cast<const char*>(data), size), &r);
  segstream::fuzz::CheckRecord(r);
  if (r.error.empty()) {
    const std::string json = segstream::EncodeEventJson(r.event);
    segstream::DecodedRecord again;
    decoder->Decode(json, &again);
    segstream::fuzz::Check(again.error.empty(), "an encoded event decodes");
    const auto& a = r.event;
    const auto& b = again.event;
    segstream::fuzz::Check(a.invoice == b.invoice && a.stock_code == b.stock_code && a.description == b.description &&
                               a.quantity == b.quantity && a.unit_price_milli == b.unit_price_milli &&
                               a.invoice_ts == b.invoice_ts && a.customer_id == b.customer_id && a.country == b.country,
                           "decode(encode(e)) == e");
  }
  // The mapped decoder (dotted paths, strings for numbers) and the Debezium
  // envelope decoder on the same input: no crash, valid records.
  static segstream::decode::InputFormat* mapped = [] {
    auto* f = new segstream::decode::InputFormat();
    f->columns = segstream::decode::ColumnMapping::Parse(
                     "invoice=after.order_no,stock_code=after.sku,quantity=after.qty,unit_price=after.price,"
                     "invoice_ts=after.ts,customer_id=after.customer_ref")
                     .value();
    f->time_format = segstream::decode::TimeFormat::Parse("epoch_us").value();
    return f;
  }();
  static segstream::JsonEventDecoder* mapped_decoder = new segstream::JsonEventDecoder(*mapped);
  static segstream::DebeziumDecoder* cdc = new segstream::DebeziumDecoder(*mapped);
  mapped_decoder->Decode(std::string_view(reinterpret_cast<const char*>(data), size), &r);
  segstream::fuzz::CheckRecord(r);
  segstream::CdcRecord c;
  cdc->Decode(std::string_view(reinterpret_cast<const char*>(data), size), &c);
  segstream::fuzz::Check(c.error.empty() || c.changes.empty(), "a CDC error carries no changes");
  return 0;
}
