// Tests for the exact numeric, id and date parsers shared by the decoders.
#include "connectors/decode/field_parse.h"

#include <gtest/gtest.h>

#include "engine/util/time.h"

namespace segstream::decode {
namespace {

int64_t Milli(std::string_view s) {
  int64_t v = -999;
  EXPECT_EQ(ParsePriceMilli(s, &v), NumberStatus::kOk) << s;
  return v;
}

TEST(FieldParse, PriceIsExactThousandths) {
  EXPECT_EQ(Milli("2.55"), 2550);
  EXPECT_EQ(Milli("0.42"), 420);
  EXPECT_EQ(Milli("18"), 18000);
  EXPECT_EQ(Milli("18.0"), 18000);
  EXPECT_EQ(Milli(" 3.39 "), 3390);
  EXPECT_EQ(Milli("-11062.06"), -11062060);
  EXPECT_EQ(Milli("0.001"), 1);
  EXPECT_EQ(Milli("+1.5"), 1500);
  EXPECT_EQ(Milli(".5"), 500);
  EXPECT_EQ(Milli("5."), 5000);
  EXPECT_EQ(Milli("1e-05"), 0);
  EXPECT_EQ(Milli("2.5E2"), 250000);
  EXPECT_EQ(Milli("0"), 0);
  EXPECT_EQ(Milli("10000000"), 10'000'000'000);
}

TEST(FieldParse, PriceRoundsHalfAwayFromZero) {
  EXPECT_EQ(Milli("0.0005"), 1);
  EXPECT_EQ(Milli("0.00049999"), 0);
  EXPECT_EQ(Milli("-0.0005"), -1);
  EXPECT_EQ(Milli("1.2345"), 1235);
  EXPECT_EQ(Milli("1.2344999999999999999999"), 1234);
  EXPECT_EQ(Milli("-2.5555"), -2556);
}

TEST(FieldParse, PriceRejects) {
  int64_t v = 0;
  for (const char* s : {"", " ", "abc", "nan", "NaN", "inf", "-inf", "1.2.3", "12x", "1e", "--1", "0x10", "1,5"}) {
    EXPECT_EQ(ParsePriceMilli(s, &v), NumberStatus::kNotNumber) << s;
  }
  EXPECT_EQ(ParsePriceMilli("10000000.001", &v), NumberStatus::kTooLarge);
  EXPECT_EQ(ParsePriceMilli("1e300", &v), NumberStatus::kTooLarge);
  EXPECT_EQ(ParsePriceMilli("99999999999999999999999", &v), NumberStatus::kTooLarge);
}

TEST(FieldParse, Quantity) {
  int64_t q = 0;
  EXPECT_EQ(ParseQuantity("6", &q), NumberStatus::kOk);
  EXPECT_EQ(q, 6);
  EXPECT_EQ(ParseQuantity(" -80995 ", &q), NumberStatus::kOk);
  EXPECT_EQ(q, -80995);
  EXPECT_EQ(ParseQuantity("6.0", &q), NumberStatus::kOk);
  EXPECT_EQ(q, 6);
  EXPECT_EQ(ParseQuantity("100000000", &q), NumberStatus::kOk);
  EXPECT_EQ(ParseQuantity("100000001", &q), NumberStatus::kTooLarge);
  EXPECT_EQ(ParseQuantity("6.5", &q), NumberStatus::kNotInteger);
  EXPECT_EQ(ParseQuantity("0.0000000000000000000001", &q), NumberStatus::kNotInteger);
  EXPECT_EQ(ParseQuantity("12x", &q), NumberStatus::kNotNumber);
  EXPECT_EQ(ParseQuantity("", &q), NumberStatus::kNotNumber);
}


TEST(FieldParse, Dates) {
  int64_t t = 0;
  ASSERT_TRUE(ParseInvoiceDate("12/1/2010 8:26", &t));
  EXPECT_EQ(FormatIso8601(t), "2010-12-01T08:26:00Z");
  ASSERT_TRUE(ParseInvoiceDate("12/9/2011 12:50", &t));
  EXPECT_EQ(FormatIso8601(t), "2011-12-09T12:50:00Z");
  ASSERT_TRUE(ParseInvoiceDate("2010-12-01 08:26:00", &t));
  EXPECT_EQ(FormatIso8601(t), "2010-12-01T08:26:00Z");
  ASSERT_TRUE(ParseInvoiceDate("2009-12-01 07:45", &t));
  EXPECT_EQ(FormatIso8601(t), "2009-12-01T07:45:00Z");
  ASSERT_TRUE(ParseInvoiceDate("2010-12-01T08:26:00Z", &t));
  EXPECT_EQ(FormatIso8601(t), "2010-12-01T08:26:00Z");
  ASSERT_TRUE(ParseInvoiceDate("2/29/2012 23:59:59", &t));
  EXPECT_EQ(FormatIso8601(t), "2012-02-29T23:59:59Z");
  for (const char* s : {"2/30/2011 8:00", "2/29/2011 8:00", "13/1/2011 8:00", "1/1/2011 25:00", "1/1/2011 8:60",
                        "1/1/1989 8:00", "1/1/2101 8:00", "2011-02-30 08:00:00", "1889-01-01 00:00:00",
                        "2011/01/01 08:00", "yesterday", "", "1/1/2011", "1/1/11 8:00"}) {
    EXPECT_FALSE(ParseInvoiceDate(s, &t)) << s;
  }
}

}  // namespace
}  // namespace segstream::decode
