// Avro decimal logical types (connectors/decode/avro_decimal.h): the exact
// text of two's-complement unscaled integers, the annotation found through
// unions and named references, and AvroEventDecoder on records built and
// written by avro-c itself (bytes and fixed decimals): exact thousandths,
// returns, finer-than-thousandths money refused as precision_loss, oversize
// and over-precision values as bad_number, plain bytes as wrong_type.
#include "connectors/decode/avro_decimal.h"

#include <avro.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "connectors/decode/avro_decoder.h"
#include "connectors/decode/input_format.h"
#include "connectors/schema_registry/schema_registry.h"

namespace segstream {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Text(std::string_view bytes, int precision, int scale) {
  std::string text, why;
  EXPECT_TRUE(decode::DecimalText(bytes, {precision, scale}, &text, &why)) << why;
  return text;
}

TEST(AvroDecimal, TextOfUnscaledIntegers) {
  using namespace std::string_literals;
  EXPECT_EQ(Text("\x00\xff"s, 9, 2), "2.55");
  EXPECT_EQ(Text("\xff\x01"s, 9, 2), "-2.55");
  EXPECT_EQ(Text("\x80"s, 9, 0), "-128");
  EXPECT_EQ(Text("\x7f"s, 9, 0), "127");
  EXPECT_EQ(Text("\x00"s, 9, 3), "0.000");
  EXPECT_EQ(Text("\x05"s, 9, 4), "0.0005");
  EXPECT_EQ(Text("\xff\xff\xff\x9c"s, 9, 1), "-10.0");  // sign extension carries no digits
  EXPECT_EQ(Text("\x00\x00\x00\x00\x00\x00\x63\x9c"s, 18, 4), "2.5500");  // a fixed(8)
  // 16 significant bytes: up to 38 digits; -2^127 exactly.
  EXPECT_EQ(Text("\x80"s + std::string(15, '\0'), 39, 0), "-170141183460469231731687303715884105728");
  std::string text, why;
  EXPECT_FALSE(decode::DecimalText("", {9, 2}, &text, &why));
  EXPECT_THAT(why, HasSubstr("empty"));
  EXPECT_FALSE(decode::DecimalText("\x01"s + std::string(16, '\0'), {38, 0}, &text, &why));
  EXPECT_THAT(why, HasSubstr("17 bytes"));
  EXPECT_FALSE(decode::DecimalText("\x27\x10"s, {4, 0}, &text, &why));  // 10000: 5 digits
  EXPECT_THAT(why, HasSubstr("precision 4"));
}

constexpr const char* kSchema = R"({"type":"record","name":"Line","namespace":"shop","fields":[
  {"name":"inv","type":"string"},
  {"name":"qty","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}},
  {"name":"price","type":["null",{"type":"fixed","name":"Money","size":8,"logicalType":"decimal","precision":18,"scale":4}]},
  {"name":"total","type":"shop.Money"},
  {"name":"blob","type":"bytes"},
  {"name":"bad","type":{"type":"bytes","logicalType":"decimal","precision":2,"scale":3}},
  {"name":"ts","type":"long"},
  {"name":"cust","type":"string"}]})";

TEST(AvroDecimal, FoundThroughUnionsAndNamedReferences) {
  auto qty = decode::FindDecimals(kSchema, {"qty"});
  ASSERT_TRUE(qty.bytes.has_value());
  EXPECT_EQ(qty.bytes->scale, 2);
  auto price = decode::FindDecimals(kSchema, {"price"});
  ASSERT_NE(price.Fixed("Money"), nullptr);
  EXPECT_EQ(price.Fixed("Money")->precision, 18);
  EXPECT_EQ(price.Fixed("Money")->scale, 4);
  ASSERT_NE(decode::FindDecimals(kSchema, {"total"}).Fixed("Money"), nullptr);
  EXPECT_TRUE(decode::FindDecimals(kSchema, {"blob"}).empty());
  EXPECT_TRUE(decode::FindDecimals(kSchema, {"bad"}).empty()) << "scale > precision: the annotation is ignored";
  EXPECT_TRUE(decode::FindDecimals(kSchema, {"nope"}).empty());
  EXPECT_TRUE(decode::FindDecimals("not json", {"qty"}).empty());
}

// One record of kSchema written by avro-c: qty and price as unscaled
// big-endian integers (price's union on its fixed branch, or null).
struct Line {
  std::string qty = std::string("\x02\x58", 2);                         // 6.00
  std::optional<int64_t> price = 25500;                                 // 2.5500
  int64_t total = 153000;                                               // 15.3000
  std::string bad = std::string("\x01", 1);
};

std::string BigEndian8(int64_t v) {
  std::string b(8, '\0');
  for (int i = 0; i < 8; ++i) b[7 - i] = static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff);
  return b;
}

std::string WriteWithAvroC(const Line& line) {
  avro_schema_t schema = nullptr;
  EXPECT_EQ(avro_schema_from_json_length(kSchema, std::string_view(kSchema).size(), &schema), 0) << avro_strerror();
  avro_value_iface_t* iface = avro_generic_class_from_schema(schema);
  avro_value_t rec, field, branch;
  avro_generic_value_new(iface, &rec);
  avro_value_get_by_name(&rec, "inv", &field, nullptr);
  avro_value_set_string(&field, "536365");
  avro_value_get_by_name(&rec, "qty", &field, nullptr);
  avro_value_set_bytes(&field, const_cast<char*>(line.qty.data()), line.qty.size());
  avro_value_get_by_name(&rec, "price", &field, nullptr);
  if (line.price) {
    avro_value_set_branch(&field, 1, &branch);
    std::string b = BigEndian8(*line.price);
    avro_value_set_fixed(&branch, b.data(), b.size());
  } else {
    avro_value_set_branch(&field, 0, &branch);
    avro_value_set_null(&branch);
  }
  avro_value_get_by_name(&rec, "total", &field, nullptr);
  std::string t = BigEndian8(line.total);
  avro_value_set_fixed(&field, t.data(), t.size());
  avro_value_get_by_name(&rec, "blob", &field, nullptr);
  avro_value_set_bytes(&field, const_cast<char*>("\x01\x02"), 2);
  avro_value_get_by_name(&rec, "bad", &field, nullptr);
  avro_value_set_bytes(&field, const_cast<char*>(line.bad.data()), line.bad.size());
  avro_value_get_by_name(&rec, "ts", &field, nullptr);
  avro_value_set_long(&field, 1291191960);
  avro_value_get_by_name(&rec, "cust", &field, nullptr);
  avro_value_set_string(&field, "17850");
  size_t size = 0;
  EXPECT_EQ(avro_value_sizeof(&rec, &size), 0);
  std::string body(size, '\0');
  avro_writer_t w = avro_writer_memory(body.data(), static_cast<int64_t>(size));
  EXPECT_EQ(avro_value_write(w, &rec), 0) << avro_strerror();
  avro_writer_free(w);
  avro_value_decref(&rec);
  avro_value_iface_decref(iface);
  avro_schema_decref(schema);
  return body;
}

struct DecimalFixture : ::testing::Test {
  std::shared_ptr<FakeSchemaRegistry> registry = std::make_shared<FakeSchemaRegistry>();
  int32_t id = registry->Register("lines-value", kSchema).value();

  DecodedRecord Decode(const std::string& columns, const Line& line) {
    decode::InputFormat format;
    format.columns = decode::ColumnMapping::Parse(columns).value();
    format.time_format = decode::TimeFormat::Parse("epoch_s").value();
    AvroEventDecoder d(format, registry);
    std::string m(1, '\0');
    for (int shift = 24; shift >= 0; shift -= 8) m += static_cast<char>((static_cast<uint32_t>(id) >> shift) & 0xff);
    m += WriteWithAvroC(line);
    DecodedRecord r;
    EXPECT_TRUE(d.Decode(m, &r).ok());
    return r;
  }
};

constexpr const char* kPriceColumns = "invoice=inv,quantity=qty,unit_price=price,invoice_ts=ts,customer_id=cust";

TEST_F(DecimalFixture, ExactThousandthsFromBytesAndFixed) {
  DecodedRecord r = Decode(kPriceColumns, {});
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.event.quantity, 6);
  EXPECT_EQ(r.event.unit_price_milli, 2550);
  EXPECT_EQ(r.event.invoice_ts, 1291191960);
  // A return (qty -1.00) and a negative price keep their signs.
  Line ret;
  ret.qty = std::string("\xff\x9c", 2);  // -100 -> -1.00
  ret.price = -12000;                    // -1.2000
  r = Decode(kPriceColumns, ret);
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.event.quantity, -1);
  EXPECT_EQ(r.event.unit_price_milli, -1200);
  // A line total through the named reference: amount 15.3000 for 6 -> unit price 15.300 (a line total).
  r = Decode("invoice=inv,quantity=qty,amount=total,invoice_ts=ts,customer_id=cust", {});
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.event.unit_price_milli, 15300);
  // The union's null branch: absent.
  Line no_price;
  no_price.price.reset();
  r = Decode(kPriceColumns, no_price);
  EXPECT_THAT(r.error, StartsWith("missing_field"));
}

TEST_F(DecimalFixture, BadDecimalsAreDeadLetters) {
  Line fine;
  fine.price = 25501;  // 2.5501: a digit below the thousandths
  DecodedRecord r = Decode(kPriceColumns, fine);
  EXPECT_EQ(r.error, "precision_loss: price 2.5501 (decimal scale 4) has digits below the thousandths segstream keeps");
  EXPECT_THAT(r.raw, StartsWith("hex:00"));
  Line half;
  half.qty = std::string("\x02\x8a", 2);  // 6.50
  EXPECT_THAT(Decode(kPriceColumns, half).error, StartsWith("absurd_value"));
  Line huge;
  huge.qty = std::string("\x01") + std::string(16, '\0');
  EXPECT_THAT(Decode(kPriceColumns, huge).error, StartsWith("bad_number: qty is a decimal of 17 bytes"));
  Line wide;
  wide.qty = std::string("\x3b\x9a\xca\x00", 4);  // 1000000000: 10 digits, precision 9
  EXPECT_THAT(Decode(kPriceColumns, wide).error, HasSubstr("more than its precision 9"));
  Line empty;
  empty.qty.clear();
  EXPECT_THAT(Decode(kPriceColumns, empty).error, StartsWith("bad_number: qty is an empty decimal"));
  // Bytes without a (valid) decimal annotation are not numbers.
  EXPECT_EQ(Decode("invoice=inv,quantity=blob,unit_price=price,invoice_ts=ts,customer_id=cust", {}).error,
            "wrong_type: blob is a bytes");
  EXPECT_EQ(Decode("invoice=inv,quantity=bad,unit_price=price,invoice_ts=ts,customer_id=cust", {}).error,
            "wrong_type: bad is a bytes");
}

}  // namespace
}  // namespace segstream
