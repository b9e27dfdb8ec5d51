// Tests for the event JSON encoder and dead-letter JSON: exact format, JSON
// escaping, and decode(encode(e)) == e over many generated events.
#include "connectors/decode/event_json.h"

#include <gtest/gtest.h>

#include <random>

#include "connectors/decode/dead_letter.h"
#include "connectors/decode/json_decoder.h"
#include "connectors/decode/text.h"
#include "engine/util/time.h"

namespace segstream {
namespace {

InvoiceEvent Example() {
  InvoiceEvent e;
  e.invoice = "536365";
  e.stock_code = "85123A";
  e.description = "WHITE HANGING HEART T-LIGHT HOLDER";
  e.quantity = 6;
  e.unit_price_milli = 2550;
  e.invoice_ts = *ParseIso8601("2010-12-01T08:26:00Z");
  e.customer_id = "17850";
  e.country = "United Kingdom";
  return e;
}

TEST(EventJson, DesignFormat) {
  EXPECT_EQ(EncodeEventJson(Example()),
            R"({"invoice":"536365","stock_code":"85123A","description":"WHITE HANGING HEART T-LIGHT HOLDER",)"
            R"("quantity":6,"unit_price":2.55,"invoice_ts":"2010-12-01T08:26:00Z","customer_id":"17850",)"
            R"("country":"United Kingdom"})");
}

TEST(EventJson, Milli) {
  auto m = [](int64_t v) {
    std::string s;
    AppendMilli(v, &s);
    return s;
  };
  EXPECT_EQ(m(2550), "2.55");
  EXPECT_EQ(m(1000), "1.0");
  EXPECT_EQ(m(0), "0.0");
  EXPECT_EQ(m(5), "0.005");
  EXPECT_EQ(m(-2550), "-2.55");
  EXPECT_EQ(m(-5), "-0.005");
  EXPECT_EQ(m(10'000'000'000), "10000000.0");
  EXPECT_EQ(m(INT64_MIN), "-9223372036854775.808");
}

TEST(EventJson, Escaping) {
  std::string s;
  AppendJsonStringAnyText(std::string_view("a\"b\\c\n\t\x01\0\xC2\xA3", 11), &s);
  EXPECT_EQ(s, "\"a\\\"b\\\\c\\n\\t\\u0001\\u0000\xC2\xA3\"");
  s.clear();
  AppendJsonStringAnyText("\xA3", &s);  // not UTF-8: read as Latin-1
  EXPECT_EQ(s, "\"\xC2\xA3\"");
}

TEST(EventJson, RoundTripManyEvents) {
  std::mt19937_64 rng(42);
  const std::vector<std::string> texts = {"", "WHITE METAL LANTERN", "RECORD FRAME 7\" SINGLE SIZE ",
                                          "caf\xC3\xA9 \xC2\xA3" "40", "tab\there", "back\\slash", "new\nline",
                                          "\xE2\x82\xAC euro", std::string("nul\0byte", 8)};
  JsonEventDecoder decoder;
  for (int i = 0; i < 2000; ++i) {
    InvoiceEvent e;
    // (A std::string, not operator=(const char*): GCC 12 -O3 reports a false
    // -Wrestrict on the latter here, GCC bug 105329.)
    e.invoice = std::string(rng() % 10 == 0 ? "C" : "");
    e.invoice += std::to_string(536365 + rng() % 50000);
    e.stock_code = std::to_string(rng() % 90000);
    e.stock_code += rng() % 2 ? "A" : "";
    e.description = texts[rng() % texts.size()];
    e.quantity = static_cast<int64_t>(rng() % 200'000'001) - 100'000'000;
    e.unit_price_milli = static_cast<int64_t>(rng() % 20'000'000'001ULL) - 10'000'000'000LL;
    e.invoice_ts = static_cast<int64_t>(631152000 + rng() % 3'500'000'000ULL);  // 1990..2100
    e.customer_id = rng() % 4 == 0 ? "" : std::to_string(rng() % 1'000'000'000'000'000'000ULL);
    e.country = texts[rng() % texts.size()];
    const std::string json = EncodeEventJson(e);
    ASSERT_TRUE(decode::IsValidUtf8(json));
    DecodedRecord r;
    decoder.Decode(json, &r);
    ASSERT_EQ(r.error, "") << json;
    EXPECT_EQ(r.event.invoice, e.invoice);
    EXPECT_EQ(r.event.stock_code, e.stock_code);
    EXPECT_EQ(r.event.description, e.description);
    EXPECT_EQ(r.event.quantity, e.quantity);
    EXPECT_EQ(r.event.unit_price_milli, e.unit_price_milli) << json;
    EXPECT_EQ(r.event.invoice_ts, e.invoice_ts);
    EXPECT_EQ(r.event.customer_id, e.customer_id);
    EXPECT_EQ(r.event.country, e.country);
  }
}

TEST(DeadLetterJson, Format) {
  DecodedRecord r;
  r.origin.offset = 123;
  r.origin.line = 7;
  r.error = "bad_number: Quantity \"12x\"";
  r.raw = "536365,85123A,X,12x";
  EXPECT_EQ(DeadLetterJson("file:00000000deadbeef", r),
            R"({"source":"file:00000000deadbeef","partition":0,"offset":123,"line":7,)"
            R"("reason":"bad_number: Quantity \"12x\"","raw":"536365,85123A,X,12x"})");
}

}  // namespace
}  // namespace segstream
