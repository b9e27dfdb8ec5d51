// Tests for CsvDecoder: the three UCI layouts with real lines, quoting,
// text encodings, and every dead-letter class with a hostile line followed
// by a good line that must still decode.
#include "connectors/decode/csv_decoder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/connectors/decode/first_uci_event.h"

#include "connectors/decode/reasons.h"
#include "connectors/decode/text.h"
#include "engine/util/time.h"

namespace segstream {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using namespace std::string_literals;

constexpr std::string_view kUciHeader = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country";
constexpr std::string_view kUci2Header = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country";
constexpr std::string_view kGoodLine = "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850,United Kingdom";

CsvDecoder Uci() {
  auto d = CsvDecoder::FromHeader(kUciHeader);
  EXPECT_TRUE(d.ok()) << d.status().ToString();
  return std::move(d).value();
}

DecodedRecord Decode(CsvDecoder& d, std::string_view line) {
  DecodedRecord r;
  d.Decode(line, &r);
  return r;
}


TEST(CsvDecoderHeader, DetectsLayouts) {
  auto a = CsvDecoder::FromHeader(kUciHeader);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->layout(), CsvDecoder::Layout::kOnlineRetail);
  auto b = CsvDecoder::FromHeader(kUci2Header);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->layout(), CsvDecoder::Layout::kOnlineRetailII);
  // BOM, CR and surrounding spaces are tolerated.
  auto c = CsvDecoder::FromHeader("\xEF\xBB\xBF  " + std::string(kUciHeader) + " \r");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->layout(), CsvDecoder::Layout::kOnlineRetail);
}

TEST(CsvDecoderHeader, UnknownHeaderNamesExpectedAndFound) {
  auto d = CsvDecoder::FromHeader("invoice,stock,qty");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(d.status().message(), HasSubstr(std::string(kUciHeader)));
  EXPECT_THAT(d.status().message(), HasSubstr(std::string(kUci2Header)));
  EXPECT_THAT(d.status().message(), HasSubstr("invoice,stock,qty"));
}

TEST(CsvDecoder, UciLine) {
  CsvDecoder d = Uci();
  ExpectFirstUciEvent(Decode(d, kGoodLine));
}

TEST(CsvDecoder, IsoExportLineUnderSameHeader) {
  CsvDecoder d = Uci();
  ExpectFirstUciEvent(
      Decode(d, "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom"));
}

TEST(CsvDecoder, OnlineRetailIILine) {
  auto d = CsvDecoder::FromHeader(kUci2Header);
  ASSERT_TRUE(d.ok());
  DecodedRecord r;
  d->Decode("489434,85048,15CM CHRISTMAS GLASS BALL 20 LIGHTS,12,2009-12-01 07:45:00,6.95,13085.0,United Kingdom", &r);
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.event.invoice, "489434");
  EXPECT_EQ(r.event.quantity, 12);
  EXPECT_EQ(r.event.unit_price_milli, 6950);
  EXPECT_EQ(FormatIso8601(r.event.invoice_ts), "2009-12-01T07:45:00Z");
  EXPECT_EQ(r.event.customer_id, "13085");
  // Reasons use this layout's column names.
  d->Decode("489434,85048,X,12,2009-12-01 07:45:00,abc,13085.0,United Kingdom", &r);
  EXPECT_EQ(r.error, "bad_number: Price \"abc\"");
}

TEST(CsvDecoder, CancellationAndNoCustomer) {
  CsvDecoder d = Uci();
  DecodedRecord r = Decode(d, "C536379,D,Discount,-1,12/1/2010 9:41,27.5,14527,United Kingdom");
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.event.invoice, "C536379");
  EXPECT_EQ(r.event.quantity, -1);
  r = Decode(d, "536414,22139,,56,12/1/2010 11:52,0,,United Kingdom");
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.event.customer_id, "");
  EXPECT_EQ(r.event.description, "");
  EXPECT_EQ(r.event.unit_price_milli, 0);
  r = Decode(d, "A563187,B,Adjust bad debt,1,8/12/2011 14:52,-11062.06,,United Kingdom");
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.event.unit_price_milli, -11062060);
}

TEST(CsvDecoder, Quoting) {
  CsvDecoder d = Uci();
  DecodedRecord r = Decode(d, "536381,82567,\"AIRLINE LOUNGE,METAL SIGN\",2,12/1/2010 9:41,2.1,15311,United Kingdom");
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.event.description, "AIRLINE LOUNGE,METAL SIGN");
  EXPECT_EQ(r.event.quantity, 2);
  r = Decode(d, "536477,22041,\"RECORD FRAME 7\"\" SINGLE SIZE \",48,12/1/2010 12:27,2.1,16210,United Kingdom");
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.event.description, "RECORD FRAME 7\" SINGLE SIZE ");
  // Every field quoted, an empty quoted field, quotes at both ends of a field.
  r = Decode(d, "\"536365\",\"85123A\",\"\"\"A\"\"\",\"6\",\"12/1/2010 8:26\",\"2.55\",\"\",\"United Kingdom\"");
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.event.invoice, "536365");
  EXPECT_EQ(r.event.description, "\"A\"");
  EXPECT_EQ(r.event.customer_id, "");
  // Quote in the middle of an unquoted field is data.
  r = Decode(d, "536365,85123A,7\" FRAME,6,12/1/2010 8:26,2.55,17850,United Kingdom");
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.event.description, "7\" FRAME");
  // The scratch buffers are reused: a later line is not polluted.
  ExpectFirstUciEvent(Decode(d, kGoodLine));
}

TEST(CsvDecoder, CrlfAndTrimmedNumbers) {
  CsvDecoder d = Uci();
  ExpectFirstUciEvent(Decode(d, std::string(kGoodLine) + "\r\n"));
  ExpectFirstUciEvent(Decode(d, std::string(kGoodLine) + "\r"));
  ExpectFirstUciEvent(
      Decode(d, "536365, 85123A ,WHITE HANGING HEART T-LIGHT HOLDER, 6 , 12/1/2010 8:26 ,2.55 , 17850 ,United Kingdom"));
}

TEST(CsvDecoder, Latin1PoundBecomesUtf8) {
  CsvDecoder d = Uci();
  DecodedRecord r =
      Decode(d, "539492,gift_0001_40,Dotcomgiftshop Gift Voucher \xA3" "40.00,1,12/20/2010 10:14,34.04,,United Kingdom");
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.event.description, "Dotcomgiftshop Gift Voucher \xC2\xA3" "40.00");
  EXPECT_EQ(r.event.unit_price_milli, 34040);
  // The same line already in UTF-8 decodes to the same text.
  DecodedRecord u =
      Decode(d, "539492,gift_0001_40,Dotcomgiftshop Gift Voucher \xC2\xA3" "40.00,1,12/20/2010 10:14,34.04,,United Kingdom");
  ASSERT_EQ(u.error, "");
  EXPECT_EQ(u.event.description, r.event.description);
}

struct Hostile {
  std::string line;
  std::string reason;  // exact expected reason
};

class CsvDecoderHostile : public ::testing::TestWithParam<Hostile> {};

TEST_P(CsvDecoderHostile, DeadLetterThenNextLineDecodes) {
  CsvDecoder d = Uci();
  DecodedRecord r = Decode(d, GetParam().line);
  EXPECT_EQ(r.error, GetParam().reason);
  EXPECT_EQ(r.raw.empty(), GetParam().line.empty());
  EXPECT_TRUE(decode::IsValidUtf8(r.raw));
  EXPECT_LE(r.raw.size(), kMaxRawBytes);
  bool known = false;
  for (auto c : decode::kAllReasonClasses) known |= decode::ReasonClass(r.error) == c;
  EXPECT_TRUE(known) << r.error;
  // The decoder has no memory of the bad line.
  ExpectFirstUciEvent(Decode(d, kGoodLine));
}

INSTANTIATE_TEST_SUITE_P(
    Reasons, CsvDecoderHostile,
    ::testing::Values(
        Hostile{"536365,85123A,X,6,12/1/2010 8:26,2.55,17850", "field_count: expected 8 fields, found 7"},
        Hostile{"536365,85123A,X,6,12/1/2010 8:26,2.55,17850,UK,extra", "field_count: expected 8 fields, found 9"},
        Hostile{"", "field_count: expected 8 fields, found 1"},
        Hostile{"536365,85123A,\"WHITE HANGING,6,12/1/2010 8:26,2.55,17850,United Kingdom",
                "unterminated_quote: a quoted field is not closed by the end of the line"},
        Hostile{"536365,85123A,X,12x,12/1/2010 8:26,2.55,17850,UK", "bad_number: Quantity \"12x\""},
        Hostile{"536365,85123A,X,,12/1/2010 8:26,2.55,17850,UK", "bad_number: Quantity \"\""},
        Hostile{"536365,85123A,X,6,12/1/2010 8:26,NaN,17850,UK", "bad_number: UnitPrice \"NaN\""},
        Hostile{"536365,85123A,X,6,12/1/2010 8:26,inf,17850,UK", "bad_number: UnitPrice \"inf\""},
        Hostile{"536365,85123A,X,6,12/1/2010 8:26,,17850,UK", "bad_number: UnitPrice \"\""},
        Hostile{"536365,85123A,X,6,2/30/2011 8:26,2.55,17850,UK", "bad_date: InvoiceDate \"2/30/2011 8:26\""},
        Hostile{"536365,85123A,X,6,12/1/2010 25:26,2.55,17850,UK", "bad_date: InvoiceDate \"12/1/2010 25:26\""},
        Hostile{"536365,85123A,X,6,12/1/1900 8:26,2.55,17850,UK", "bad_date: InvoiceDate \"12/1/1900 8:26\""},
        Hostile{"536365,85123A,X,6,tomorrow,2.55,17850,UK", "bad_date: InvoiceDate \"tomorrow\""},
        Hostile{"536365,85123A,X,6,12/1/2010 8:26,2.55,17850.5,UK", "bad_id: CustomerID \"17850.5\""},
        Hostile{"536365,85123A,X,6,12/1/2010 8:26,2.55,-3,UK", "bad_id: CustomerID \"-3\""},
        Hostile{"536365,85123A,X,6,12/1/2010 8:26,2.55,abc,UK", "bad_id: CustomerID \"abc\""},
        Hostile{"536365,85123A,X,6,12/1/2010 8:26,2.55,1234567890123456789,UK",
                "bad_id: CustomerID \"1234567890123456789\""},
        Hostile{"536365,85123A,X,100000001,12/1/2010 8:26,2.55,17850,UK", "absurd_value: Quantity \"100000001\""},
        Hostile{"536365,85123A,X,2.5,12/1/2010 8:26,2.55,17850,UK", "absurd_value: Quantity \"2.5\""},
        Hostile{"536365,85123A,X,6,12/1/2010 8:26,1e9,17850,UK", "absurd_value: UnitPrice \"1e9\""},
        Hostile{"536365,85123A,X\0Y,6,12/1/2010 8:26,2.55,17850,UK"s, "binary_data: control byte 0x00 at byte 15"},
        Hostile{"536365,85123A,X\x01\x02\xFF\xFE,6,12/1/2010 8:26,2.55,17850,UK", "binary_data: control byte 0x01 at byte 15"},
        Hostile{"536365,85123A,X\x90\xFF,6,12/1/2010 8:26,2.55,17850,UK",
                "binary_data: neither UTF-8 nor Latin-1 text (C1 control byte)"},
        Hostile{",85123A,X,6,12/1/2010 8:26,2.55,17850,UK", "missing_field: InvoiceNo is empty"},
        Hostile{"536365, ,X,6,12/1/2010 8:26,2.55,17850,UK", "missing_field: StockCode is empty"}));

TEST(CsvDecoder, UnterminatedQuoteDoesNotSwallowLaterLines) {
  CsvDecoder d = Uci();
  DecodedRecord r = Decode(d, "536365,85123A,\"OPEN,6,12/1/2010 8:26,2.55,17850,UK");
  EXPECT_THAT(r.error, StartsWith("unterminated_quote"));
  ExpectFirstUciEvent(Decode(d, kGoodLine));
}

TEST(CsvDecoder, LongValueInReasonIsCut) {
  CsvDecoder d = Uci();
  const std::string big(1000, '9');
  DecodedRecord r = Decode(d, "536365,85123A,X," + big + "x,12/1/2010 8:26,2.55,17850,UK");
  EXPECT_THAT(r.error, StartsWith("bad_number: Quantity \"999"));
  EXPECT_LT(r.error.size(), 120u);
}

TEST(CsvDecoder, RawIsCutTo4KiBValidUtf8) {
  CsvDecoder d = Uci();
  std::string line = "536365,85123A,";
  for (int i = 0; i < 3000; ++i) line += "\xA3";  // Latin-1: 6000 bytes as UTF-8
  line += ",6,12/1/2010 8:26,2.55,17850";            // 7 fields
  DecodedRecord r = Decode(d, line);
  EXPECT_THAT(r.error, StartsWith("field_count"));
  EXPECT_LE(r.raw.size(), kMaxRawBytes);
  EXPECT_GE(r.raw.size(), kMaxRawBytes - 1);
  EXPECT_TRUE(decode::IsValidUtf8(r.raw));
}

}  // namespace
}  // namespace segstream
