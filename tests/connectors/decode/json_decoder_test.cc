// Tests for JsonEventDecoder: the DESIGN.md event format, type rules, every
// JSON reason class, and that one instance keeps decoding after bad input.
#include "connectors/decode/json_decoder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/connectors/decode/first_uci_event.h"

#include "connectors/decode/reasons.h"
#include "connectors/decode/text.h"
#include "engine/util/time.h"

namespace segstream {
namespace {

using ::testing::StartsWith;

constexpr std::string_view kGood =
    R"({"invoice":"536365","stock_code":"85123A","description":"WHITE HANGING HEART T-LIGHT HOLDER",)"
    R"("quantity":6,"unit_price":2.55,"invoice_ts":"2010-12-01T08:26:00Z","customer_id":"17850","country":"United Kingdom"})";


DecodedRecord Decode(JsonEventDecoder& d, std::string_view doc) {
  DecodedRecord r;
  d.Decode(doc, &r);
  return r;
}

TEST(JsonEventDecoder, DesignExample) {
  JsonEventDecoder d;
  ExpectFirstUciEvent(Decode(d, kGood));
  ExpectFirstUciEvent(Decode(d, std::string(kGood) + "\r\n"));
}

TEST(JsonEventDecoder, FlexibleFields) {
  JsonEventDecoder d;
  DecodedRecord r = Decode(d, R"( {"extra":{"a":[1,2,{"b":null}]},"country":null,"customer_id":17850,)"
                              R"("stock_code":"85123A","invoice":"536365","quantity":-6,"unit_price":2.5e0,)"
                              R"("invoice_ts":"2010-12-01 08:26:00","description":"caf\u00e9 \"7\" \\"} )");
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.event.customer_id, "17850");
  EXPECT_EQ(r.event.country, "");
  EXPECT_EQ(r.event.quantity, -6);
  EXPECT_EQ(r.event.unit_price_milli, 2500);
  EXPECT_EQ(r.event.description, "caf\xC3\xA9 \"7\" \\");
  r = Decode(d, R"({"invoice":"1","stock_code":"S","quantity":1,"unit_price":1,"invoice_ts":"2011-01-01T00:00:00Z"})");
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.event.customer_id, "");
  EXPECT_EQ(r.event.description, "");
  r = Decode(d, R"({"invoice":"1","stock_code":"S","quantity":1,"unit_price":1,"invoice_ts":"2011-01-01T00:00:00Z","customer_id":"17850.0"})");
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.event.customer_id, "17850");
  r = Decode(d, R"({"invoice":"1","stock_code":"S","quantity":1,"unit_price":1,"invoice_ts":"2011-01-01T00:00:00Z","customer_id":null})");
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.event.customer_id, "");
}

TEST(JsonEventDecoder, PriceFromNumberText) {
  JsonEventDecoder d;
  for (const auto& [text, milli] : std::vector<std::pair<std::string, int64_t>>{
           {"2.55", 2550}, {"0.1", 100}, {"1.005", 1005}, {"0.0005", 1}, {"-0.42", -420}, {"1E3", 1000000}}) {
    DecodedRecord r = Decode(d, R"({"invoice":"1","stock_code":"S","quantity":1,"unit_price":)" + text +
                                    R"(,"invoice_ts":"2011-01-01T00:00:00Z"})");
    ASSERT_EQ(r.error, "") << text;
    EXPECT_EQ(r.event.unit_price_milli, milli) << text;
  }
}

struct Hostile {
  std::string doc;
  std::string reason_class;
};

class JsonHostile : public ::testing::TestWithParam<Hostile> {};

TEST_P(JsonHostile, DeadLetterThenNextDecodes) {
  JsonEventDecoder d;
  DecodedRecord r = Decode(d, GetParam().doc);
  EXPECT_EQ(decode::ReasonClass(r.error), GetParam().reason_class) << r.error;
  EXPECT_TRUE(decode::IsValidUtf8(r.raw));
  EXPECT_LE(r.raw.size(), kMaxRawBytes);
  ExpectFirstUciEvent(Decode(d, kGood));
}

std::string With(std::string_view key, std::string_view value_json) {
  std::string doc = R"({"invoice":"1","stock_code":"S","quantity":1,"unit_price":1,"invoice_ts":"2011-01-01T00:00:00Z")";
  return doc + ",\"" + std::string(key) + "\":" + std::string(value_json) + "}";
}

INSTANTIATE_TEST_SUITE_P(
    Reasons, JsonHostile,
    ::testing::Values(
        Hostile{"not json", "bad_json"}, Hostile{"{\"invoice\":", "bad_json"}, Hostile{"[1,2]", "bad_json"},
        Hostile{std::string(kGood) + " {}", "bad_json"}, Hostile{"{\"invoice\":\"1\",}", "bad_json"},
        Hostile{"{\"invoice\":\"\xFF\"}", "invalid_utf8"},
        Hostile{R"({"stock_code":"S","quantity":1,"unit_price":1,"invoice_ts":"2011-01-01T00:00:00Z"})", "missing_field"},
        Hostile{R"({"invoice":"1","quantity":1,"unit_price":1,"invoice_ts":"2011-01-01T00:00:00Z"})", "missing_field"},
        Hostile{R"({"invoice":"1","stock_code":"S","unit_price":1,"invoice_ts":"2011-01-01T00:00:00Z"})", "missing_field"},
        Hostile{R"({"invoice":"1","stock_code":"S","quantity":1,"invoice_ts":"2011-01-01T00:00:00Z"})", "missing_field"},
        Hostile{R"({"invoice":"1","stock_code":"S","quantity":1,"unit_price":1})", "missing_field"},
        Hostile{With("invoice", "\"\""), "missing_field"},
        Hostile{With("invoice", "536365"), "wrong_type"}, Hostile{With("quantity", "\"6\""), "wrong_type"},
        Hostile{With("unit_price", "\"2.55\""), "wrong_type"}, Hostile{With("customer_id", "[1]"), "wrong_type"},
        Hostile{With("invoice_ts", "1291191960"), "wrong_type"}, Hostile{With("description", "7"), "wrong_type"},
        Hostile{With("quantity", "2.5"), "absurd_value"}, Hostile{With("quantity", "1e12"), "absurd_value"},
        Hostile{With("unit_price", "1e30"), "absurd_value"},
        Hostile{With("invoice_ts", "\"2011-02-30T00:00:00Z\""), "bad_date"},
        Hostile{With("invoice_ts", "\"1970-01-01T00:00:00Z\""), "bad_date"},
        Hostile{With("invoice_ts", "\"noon\""), "bad_date"}, Hostile{With("customer_id", "\"17850.5\""), "bad_id"},
        Hostile{With("customer_id", "-3"), "bad_id"}, Hostile{With("customer_id", "1.5"), "bad_id"},
        Hostile{With("customer_id", "\"abc\""), "bad_id"}));

}  // namespace
}  // namespace segstream
