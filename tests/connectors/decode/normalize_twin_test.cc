// Issue 11 fault 1 as a kind: every decoder normalises through one step
// (NormalizeEvent), so a CSV line and its JSON twin give equal events, field
// by field, or dead letters of the same class. The lines are the CSV
// decoder's test lines plus padded, cased and id variants; the twin is built
// here from the CSV fields (strings stay strings, numbers become JSON
// numbers), so it keeps exactly the padding the CSV line has.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "connectors/decode/csv_decoder.h"
#include "connectors/decode/event_json.h"
#include "connectors/decode/json_decoder.h"
#include "connectors/decode/reasons.h"

namespace segstream {
namespace {

constexpr std::string_view kUciHeader = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country";

const std::vector<std::string> kLines = {
    // csv_decoder_test.cc
    "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850,United Kingdom",
    "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom",
    "489434,85048,15CM CHRISTMAS GLASS BALL 20 LIGHTS,12,2009-12-01 07:45:00,6.95,13085.0,United Kingdom",
    "C536379,D,Discount,-1,12/1/2010 9:41,27.5,14527,United Kingdom",
    "536414,22139,,56,12/1/2010 11:52,0,,United Kingdom",
    "A563187,B,Adjust bad debt,1,8/12/2011 14:52,-11062.06,,United Kingdom",
    "536365, 85123A ,WHITE HANGING HEART T-LIGHT HOLDER, 6 , 12/1/2010 8:26 ,2.55 , 17850 ,United Kingdom",
    "536365,85123A,X,6,2/30/2011 8:26,2.55,17850,UK",
    "536365,85123A,X,6,12/1/2010 25:26,2.55,17850,UK",
    "536365,85123A,X,6,12/1/1900 8:26,2.55,17850,UK",
    "536365,85123A,X,6,tomorrow,2.55,17850,UK",
    "536365,85123A,X,6,12/1/2010 8:26,2.55,17850.5,UK",
    "536365,85123A,X,6,12/1/2010 8:26,2.55,-3,UK",
    "536365,85123A,X,6,12/1/2010 8:26,2.55,abc,UK",
    "536365,85123A,X,6,12/1/2010 8:26,2.55,1234567890123456789,UK",
    "536365,85123A,X,100000001,12/1/2010 8:26,2.55,17850,UK",
    "536365,85123A,X,2.5,12/1/2010 8:26,2.55,17850,UK",
    "536365,85123A,X,6,12/1/2010 8:26,1e9,17850,UK",
    ",85123A,X,6,12/1/2010 8:26,2.55,17850,UK",
    "536365, ,X,6,12/1/2010 8:26,2.55,17850,UK",
    // issue 11: padded codes (the postage line must be POST in both)
    "9110001   ,30001A    ,TEST RIBBON,10,2011-08-01T10:00:00Z,1.00,91101,United Kingdom",
    "9110001   ,POST      ,POSTAGE,1,2011-08-01T10:00:00Z,18.00,91101,United Kingdom",
    // variants: tabs, leading padding, case kept, ids in every accepted form
    "\t9110002\t,\tpost\t,postage,1,2011-08-01T10:00:00Z,18.00,91102,United Kingdom",
    "  C9110003,  22139,  padded description  ,-2,2011-08-01 10:00:00,3.5,091002,  France  ",
    "9110004,22139,X,6.0,2011-08-01T10:00:00+02:00,0.0005,91001.0,UK",
    "9110005,22139,X,6,8/1/2011 10:00,1E3,00000,UK",
    "9110006,22139,X,-6,8/1/2011 10:00:59,-0.42,,UK",
};

bool IsJsonNumber(std::string_view s) {
  if (s.empty()) return false;
  size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size() || !(s[i] >= '0' && s[i] <= '9')) return false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')) return false;
  }
  return s.back() >= '0' && s.back() <= '9';
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// The JSON twin of a UCI CSV line, or "" when the line has no twin (a number
// that is not JSON number text would be `wrong_type` in JSON, by design).
std::string Twin(const std::string& line) {
  std::vector<std::string> f;
  if (!CsvDecoder::SplitFields(line, decode::Delimiter{}, &f) || f.size() != 8) return "";
  const std::string qty = Trim(f[3]), price = Trim(f[5]);
  if (!IsJsonNumber(qty) || !IsJsonNumber(price)) return "";
  auto str = [](const std::string& s) {
    std::string out;
    AppendJsonStringAnyText(s, &out);
    return out;
  };
  std::string j = "{\"invoice\":" + str(f[0]) + ",\"stock_code\":" + str(f[1]) + ",\"description\":" + str(f[2]) +
                  ",\"quantity\":" + qty + ",\"unit_price\":" + price + ",\"invoice_ts\":" + str(f[4]);
  if (!f[6].empty()) j += ",\"customer_id\":" + str(f[6]);
  j += ",\"country\":" + str(f[7]) + "}";
  return j;
}

TEST(NormalizeTwin, CsvLineAndJsonTwinGiveEqualEvents) {
  auto csv = CsvDecoder::FromHeader(kUciHeader);
  ASSERT_TRUE(csv.ok());
  JsonEventDecoder json;
  int compared = 0, events = 0;
  for (const std::string& line : kLines) {
    const std::string twin = Twin(line);
    if (twin.empty()) continue;
    DecodedRecord a, b;
    csv->Decode(line, &a);
    json.Decode(twin, &b);
    ++compared;
    ASSERT_EQ(decode::ReasonClass(a.error), decode::ReasonClass(b.error))
        << "csv: " << line << " -> " << a.error << "\njson: " << twin << " -> " << b.error;
    if (!a.error.empty()) continue;
    ++events;
    EXPECT_EQ(a.event.invoice, b.event.invoice) << line;
    EXPECT_EQ(a.event.stock_code, b.event.stock_code) << line;
    EXPECT_EQ(a.event.description, b.event.description) << line;
    EXPECT_EQ(a.event.customer_id, b.event.customer_id) << line;
    EXPECT_EQ(a.event.country, b.event.country) << line;
    EXPECT_EQ(a.event.quantity, b.event.quantity) << line;
    EXPECT_EQ(a.event.unit_price_milli, b.event.unit_price_milli) << line;
    EXPECT_EQ(a.event.invoice_ts, b.event.invoice_ts) << line;
  }
  EXPECT_EQ(compared, static_cast<int>(kLines.size()));  // every test line has a twin
  EXPECT_GE(events, 12);
}

TEST(NormalizeTwin, Issue11PaddedPostageIsPostInBothDecoders) {
  JsonEventDecoder json;
  DecodedRecord r;
  json.Decode(R"({"invoice":"9110001   ","stock_code":"POST      ","description":"POSTAGE","quantity":1,)"
              R"("unit_price":18.00,"invoice_ts":"2011-08-01T10:00:00Z","customer_id":"91101","country":"United Kingdom"})",
              &r);
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.event.stock_code, "POST");
  EXPECT_EQ(r.event.invoice, "9110001");
  EXPECT_EQ(r.event.unit_price_milli, 18000);
}

TEST(NormalizeTwin, IdFormsAreCanonicalInBothDecoders) {
  auto csv = CsvDecoder::FromHeader(kUciHeader);
  ASSERT_TRUE(csv.ok());
  JsonEventDecoder json;
  for (const char* id : {"91001.0", "091002", " 91003 "}) {
    DecodedRecord a, b;
    csv->Decode(std::string("1,S1,X,1,2011-08-01 10:00:00,1,") + id + ",UK", &a);
    json.Decode(std::string(R"({"invoice":"1","stock_code":"S1","quantity":1,"unit_price":1,)"
                            R"("invoice_ts":"2011-08-01T10:00:00Z","customer_id":")") + id + "\"}", &b);
    ASSERT_EQ(a.error, "") << id;
    ASSERT_EQ(b.error, "") << id;
    EXPECT_EQ(a.event.customer_id, b.event.customer_id) << id;
    EXPECT_EQ(a.event.customer_id.find_first_not_of("0123456789"), std::string::npos) << id;
  }
}

}  // namespace
}  // namespace segstream
