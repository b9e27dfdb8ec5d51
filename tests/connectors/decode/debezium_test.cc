// Tests for DebeziumDecoder (decoding side of issue 13's CDC envelopes):
// ops c/r/u/d with and without the schema/payload wrapper, tombstones,
// strings for decimals, epoch-microsecond times, both path styles, and
// that a UCI line rewritten as an envelope decodes to the CSV decoder's
// event.
#include "connectors/decode/debezium.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "connectors/decode/csv_decoder.h"
#include "connectors/decode/reasons.h"
#include "engine/util/time.h"

namespace segstream {
namespace {

using ::testing::HasSubstr;

decode::InputFormat Mapping(std::string_view columns) {
  decode::InputFormat f;
  f.columns = decode::ColumnMapping::Parse(columns).value();
  f.time_format = decode::TimeFormat::Parse("epoch_us").value();
  return f;
}

constexpr std::string_view kShort =
    "invoice=order_no,stock_code=sku,description=title,quantity=qty,unit_price=price,invoice_ts=ordered_at,"
    "customer_id=customer_ref,country=country";
constexpr std::string_view kFull =
    "invoice=after.order_no,stock_code=after.sku,description=after.title,quantity=after.qty,"
    "unit_price=after.price,invoice_ts=after.ordered_at,customer_id=after.customer_ref,country=after.country";

std::string Row(std::string_view qty, std::string_view price) {
  return std::string(R"({"order_no":"536365","sku":"85123A","title":"WHITE HANGING HEART T-LIGHT HOLDER","qty":)") +
         std::string(qty) + R"(,"price":")" + std::string(price) +
         R"(","ordered_at":1291191960000000,"customer_ref":"17850","country":"United Kingdom"})";
}

TEST(Debezium, UciLineAsEnvelopeEqualsCsv) {
  auto csv = CsvDecoder::FromHeader("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country");
  ASSERT_TRUE(csv.ok());
  DecodedRecord want;
  csv->Decode("536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850,United Kingdom", &want);
  ASSERT_EQ(want.error, "");
  for (std::string_view cols : {kShort, kFull}) {
    DebeziumDecoder d(Mapping(cols));
    for (const std::string& doc :
         {R"({"before":null,"after":)" + Row("6", "2.55") + R"(,"op":"c","ts_ms":1})",
          R"({"schema":{"type":"struct"},"payload":{"before":null,"after":)" + Row("6", "2.55") + R"(,"op":"r"}})"}) {
      CdcRecord r;
      d.Decode(doc, &r);
      ASSERT_EQ(r.error, "") << doc;
      ASSERT_EQ(r.changes.size(), 1u);
      EXPECT_FALSE(r.changes[0].retract);
      const InvoiceEvent& e = r.changes[0].event;
      EXPECT_EQ(e.invoice, want.event.invoice);
      EXPECT_EQ(e.stock_code, want.event.stock_code);
      EXPECT_EQ(e.description, want.event.description);
      EXPECT_EQ(e.quantity, want.event.quantity);
      EXPECT_EQ(e.unit_price_milli, want.event.unit_price_milli);
      EXPECT_EQ(e.invoice_ts, want.event.invoice_ts);
      EXPECT_EQ(e.customer_id, want.event.customer_id);
      EXPECT_EQ(e.country, want.event.country);
    }
  }
}

TEST(Debezium, UpdateRetractsBeforeAndAppliesAfter) {
  DebeziumDecoder d(Mapping(kShort));
  CdcRecord r;
  d.Decode(R"({"payload":{"op":"u","before":)" + Row("6", "2.55") + R"(,"after":)" + Row("4", "2.50") + "}}", &r);
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.op, 'u');
  ASSERT_EQ(r.changes.size(), 2u);
  EXPECT_TRUE(r.changes[0].retract);
  EXPECT_EQ(r.changes[0].event.quantity, 6);
  EXPECT_FALSE(r.changes[1].retract);
  EXPECT_EQ(r.changes[1].event.quantity, 4);
  EXPECT_EQ(r.changes[1].event.unit_price_milli, 2500);
}

TEST(Debezium, DeleteRetractsBefore) {
  DebeziumDecoder d(Mapping(kFull));
  CdcRecord r;
  d.Decode(R"({"op":"d","before":)" + Row("6", "2.55") + R"(,"after":null})", &r);
  ASSERT_EQ(r.error, "");
  ASSERT_EQ(r.changes.size(), 1u);
  EXPECT_TRUE(r.changes[0].retract);
  EXPECT_EQ(r.changes[0].event.customer_id, "17850");
}

TEST(Debezium, TombstonesAreSkipped) {
  DebeziumDecoder d(Mapping(kShort));
  for (const char* doc : {"", "null", "  ", R"({"schema":null,"payload":null})"}) {
    CdcRecord r;
    d.Decode(doc, &r);
    EXPECT_EQ(r.error, "") << doc;
    EXPECT_TRUE(r.changes.empty()) << doc;
    EXPECT_EQ(r.op, 0) << doc;
  }
}

TEST(Debezium, BadEnvelopes) {
  DebeziumDecoder d(Mapping(kShort));
  CdcRecord r;
  d.Decode("{not json", &r);
  EXPECT_EQ(decode::ReasonClass(r.error), "bad_json");
  d.Decode(R"({"after":{}})", &r);
  EXPECT_EQ(r.error, "missing_field: op");
  d.Decode(R"({"op":"t","after":{}})", &r);
  EXPECT_EQ(decode::ReasonClass(r.error), "unsupported_op");
  d.Decode(R"({"op":"c","after":null})", &r);
  EXPECT_EQ(decode::ReasonClass(r.error), "missing_field");
  d.Decode(R"({"op":"u","before":null,"after":)" + Row("6", "2.55") + "}", &r);
  EXPECT_EQ(decode::ReasonClass(r.error), "missing_field");  // an update needs its before image
  EXPECT_TRUE(r.changes.empty());
  d.Decode(R"({"op":"c","after":)" + Row("6", "abc") + "}", &r);
  EXPECT_THAT(r.error, HasSubstr("bad_number: price"));
  EXPECT_THAT(r.error, HasSubstr("after image"));
  // And the next one decodes.
  d.Decode(R"({"op":"c","after":)" + Row("6", "2.55") + "}", &r);
  EXPECT_EQ(r.error, "");
}

}  // namespace
}  // namespace segstream
