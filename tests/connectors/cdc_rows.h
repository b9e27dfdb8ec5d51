// Debezium change events for the source tests (tests/connectors/file and
// tests/connectors/kafka): one row of a shop's invoice-lines table, with the
// shop's column names, and the --input-format debezium InputFormat that maps
// it (decimals as strings, epoch-microsecond times). Header-only test helper
// (library segstream_cdc_test_rows, tests/connectors/CMakeLists.txt).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "connectors/decode/input_format.h"
#include "connectors/decode/time_format.h"
#include "engine/event/invoice_event.h"

namespace segstream::cdc_rows {

// The row image of UCI line 536365/85123A with quantity `qty`.
inline std::string Row(int qty) {
  return "{\"inv\":\"536365\",\"sku\":\"85123A\",\"qty\":" + std::to_string(qty) +
         ",\"price\":\"2.55\",\"ts\":1291191960000000,\"cust\":\"17850\",\"ctry\":\"United Kingdom\"}";
}

inline decode::InputFormat Format() {
  decode::InputFormat format;
  format.columns = decode::ColumnMapping::Parse(
                       "invoice=inv,stock_code=sku,quantity=qty,unit_price=price,invoice_ts=ts,customer_id=cust,"
                       "country=ctry")
                       .value();
  format.time_format = decode::TimeFormat::Parse("epoch_us").value();
  format.debezium = true;
  return format;
}

// The records of the update Row(2) -> Row(3), in one batch: the before row
// retracted, then the after row applied, decoded exactly.
inline void ExpectUpdate(const std::vector<DecodedRecord>& records) {
  ASSERT_EQ(records.size(), 2u) << "the update's two records in one batch";
  EXPECT_TRUE(records[0].retract);
  EXPECT_EQ(records[0].event.quantity, 2);
  EXPECT_FALSE(records[1].retract);
  EXPECT_EQ(records[1].event.quantity, 3);
  EXPECT_EQ(records[1].event.unit_price_milli, 2550);
  EXPECT_EQ(records[1].event.invoice_ts, 1291191960);
  EXPECT_EQ(records[1].event.customer_id, "17850");
}

}  // namespace segstream::cdc_rows
