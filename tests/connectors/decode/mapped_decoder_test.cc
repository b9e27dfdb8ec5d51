// Tests for foreign layouts (issue 13): column mappings for CSV and JSON,
// delimiters, time formats, decimal commas, line totals, synthesized
// invoices, and sniffing (delimiter, time format, ambiguous dates).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "connectors/decode/csv_decoder.h"
#include "connectors/decode/input_format.h"
#include "connectors/decode/json_decoder.h"
#include "connectors/decode/reasons.h"
#include "connectors/decode/sniff.h"
#include "connectors/decode/time_format.h"
#include "engine/util/time.h"

namespace segstream {
namespace {

using ::testing::HasSubstr;
using decode::InputFormat;

InputFormat Format(std::string_view columns, std::string_view delim = "", std::string_view time = "",
                   bool decimal_comma = false) {
  InputFormat f;
  f.columns = decode::ColumnMapping::Parse(columns).value();
  if (!delim.empty()) f.delimiter = decode::Delimiter::Parse(delim).value();
  if (!time.empty()) f.time_format = decode::TimeFormat::Parse(time).value();
  f.decimal_comma = decimal_comma;
  return f;
}

int64_t Ts(int y, unsigned m, unsigned d, unsigned h = 0, unsigned mi = 0, unsigned s = 0) {
  return *ToEpochSeconds(y, m, d, h, mi, s);
}

TEST(ColumnMapping, ParseAndErrors) {
  auto m = decode::ColumnMapping::Parse(" customer_id = Kunde , invoice_ts=Datum,amount=Summe");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)[decode::EventField::kCustomerId], "Kunde");
  EXPECT_EQ(m->ToString(), "amount=Summe,invoice_ts=Datum,customer_id=Kunde");
  EXPECT_FALSE(decode::ColumnMapping::Parse("customer=Kunde,invoice_ts=d,amount=a").ok());  // unknown field
  EXPECT_FALSE(decode::ColumnMapping::Parse("customer_id=a,customer_id=b,invoice_ts=d,amount=a").ok());
  EXPECT_FALSE(decode::ColumnMapping::Parse("customer_id=a,amount=x").ok());      // no invoice_ts
  EXPECT_FALSE(decode::ColumnMapping::Parse("customer_id=a,invoice_ts=x").ok());  // no price
  EXPECT_FALSE(decode::ColumnMapping::Parse("customer_id").ok());
}

TEST(TimeFormat, PatternsAndEpochs) {
  int64_t t = 0;
  auto f = [](std::string_view s) { return decode::TimeFormat::Parse(s).value(); };
  EXPECT_TRUE(decode::ParseTime(f("%Y%m%d"), "19970101", &t));
  EXPECT_EQ(t, Ts(1997, 1, 1));
  EXPECT_TRUE(decode::ParseTime(f("%d.%m.%Y %H:%M"), "31.12.2011 23:59", &t));
  EXPECT_EQ(t, Ts(2011, 12, 31, 23, 59));
  EXPECT_TRUE(decode::ParseTime(f("%d %b %Y"), "3 Feb 2011", &t));
  EXPECT_EQ(t, Ts(2011, 2, 3));
  EXPECT_FALSE(decode::ParseTime(f("%Y%m%d"), "19970230", &t));   // no such day
  EXPECT_FALSE(decode::ParseTime(f("%Y%m%d"), "1997010", &t));    // short
  EXPECT_FALSE(decode::ParseTime(f("%Y%m%d"), "199701011", &t));  // trailing
  EXPECT_FALSE(decode::ParseTime(f("%Y%m%d"), "18970101", &t));   // year out of range
  EXPECT_TRUE(decode::ParseTime(f("epoch_us"), "1312192800123456", &t));
  EXPECT_EQ(t, Ts(2011, 8, 1, 10, 0, 0));
  EXPECT_TRUE(decode::ParseTime(f("epoch_ms"), "1312192800999", &t));
  EXPECT_EQ(t, Ts(2011, 8, 1, 10, 0, 0));
  EXPECT_TRUE(decode::ParseTime(f("epoch_s"), "1312192800", &t));
  EXPECT_FALSE(decode::ParseTime(f("epoch_s"), "13121928x0", &t));
  EXPECT_FALSE(decode::TimeFormat::Parse("%Q").ok());
  EXPECT_FALSE(decode::TimeFormat::Parse("yyyy-mm-dd").ok());
}

TEST(TimeFormat, SniffPicksTheOnlyReadingOrRefusesAmbiguity) {
  auto t = decode::SniffTimeFormat({"19970101", "19970112", "19980630"});
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->ToString(), "%Y%m%d");
  t = decode::SniffTimeFormat({"1312192800123456", "1312192900000000"});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->ToString(), "epoch_us");
  // Day-first is certain once a day > 12 appears anywhere in the sample.
  t = decode::SniffTimeFormat({"01/02/2011", "13/02/2011"});
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->ToString(), "%d/%m/%Y");
  // Only days <= 12: month- or day-first give different dates: an error.
  t = decode::SniffTimeFormat({"01/02/2011", "03/04/2011"});
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr("--time-format"));
  EXPECT_THAT(t.status().message(), HasSubstr("ambiguous"));
  EXPECT_FALSE(decode::SniffTimeFormat({"tomorrow"}).ok());
}

TEST(MappedCsv, SemicolonsDecimalCommaAndDayFirstDates) {
  auto d = CsvDecoder::FromHeader(" Beleg ; Artikel ;Menge;Preis;Datum;Kunde",
                                  Format("invoice=beleg,stock_code=ARTIKEL,quantity=Menge,unit_price=Preis,"
                                         "invoice_ts=Datum,customer_id=Kunde",
                                         ";", "%d.%m.%Y %H:%M", true));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->layout(), CsvDecoder::Layout::kMapped);
  DecodedRecord r;
  d->Decode("B1 ; 85123A ;6;1.002,55;01.12.2010 08:26;017850\r\n", &r);
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.event.invoice, "B1");
  EXPECT_EQ(r.event.stock_code, "85123A");
  EXPECT_EQ(r.event.quantity, 6);
  EXPECT_EQ(r.event.unit_price_milli, 1002550);
  EXPECT_EQ(r.event.invoice_ts, Ts(2010, 12, 1, 8, 26));
  EXPECT_EQ(r.event.customer_id, "17850");
  d->Decode("B1;X;6;abc;01.12.2010 08:26;1", &r);
  EXPECT_EQ(r.error, "bad_number: Preis \"abc\"");
  d->Decode("B1;X;6;1,5;2010-12-01;1", &r);
  EXPECT_THAT(r.error, HasSubstr("bad_date: Datum"));
  d->Decode("B1;X;6;1,5", &r);
  EXPECT_EQ(decode::ReasonClass(r.error), "field_count");
}

TEST(MappedCsv, LineTotalWithoutInvoiceColumn) {
  auto d = CsvDecoder::FromHeader("customer_id  date number_of_cds  dollar_value",
                                  Format("customer_id=customer_id,invoice_ts=date,quantity=number_of_cds,"
                                         "amount=dollar_value",
                                         "whitespace", "%Y%m%d"));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  DecodedRecord a, b, c, z;
  d->Decode(" 00002 19970112  5   77.01\r", &a);
  d->Decode("00002\t19970112 5 77.01", &b);  // the same line, other spacing
  d->Decode(" 00002 19970112  1   12.00", &c);
  ASSERT_EQ(a.error, "");
  ASSERT_EQ(c.error, "");
  EXPECT_EQ(a.event.customer_id, "2");
  EXPECT_EQ(a.event.quantity, 1);  // the sign of the line; the total is exact
  EXPECT_EQ(a.event.unit_price_milli, 77010);
  EXPECT_EQ(a.event.stock_code, "-");
  EXPECT_EQ(a.event.invoice.size(), 17u);
  EXPECT_EQ(a.event.invoice[0], 'L');
  EXPECT_EQ(a.event.invoice, b.event.invoice);  // identical lines: one invoice (counted once)
  EXPECT_NE(a.event.invoice, c.event.invoice);  // distinct lines: own invoices
  d->Decode(" 00002 19970112  -2   -10.00", &z);
  ASSERT_EQ(z.error, "");
  EXPECT_EQ(z.event.quantity, -1);  // a return of 10.00
  EXPECT_EQ(z.event.unit_price_milli, 10000);
  d->Decode(" 00002 19970112  0   0.00", &z);
  ASSERT_EQ(z.error, "");
  EXPECT_EQ(z.event.quantity, 0);  // cleaning skips it
}

TEST(MappedCsv, MissingColumnNamesTheHeader) {
  auto d = CsvDecoder::FromHeader("a,b,c", Format("customer_id=a,invoice_ts=b,amount=total", ","));
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(d.status().message(), HasSubstr("amount=total"));
  EXPECT_THAT(d.status().message(), HasSubstr("\"c\""));
}

TEST(MappedJson, DottedPathsAndStringNumbers) {
  JsonEventDecoder d(Format("invoice=after.order_id,stock_code=after.sku,quantity=after.qty,"
                            "unit_price=after.price,invoice_ts=after.ts,customer_id=after.customer_ref",
                            "", "epoch_us"));
  DecodedRecord r;
  d.Decode(R"({"op":"c","after":{"order_id":9110001,"sku":" POST ","qty":"2","price":"18.00",)"
           R"("ts":1312192800000000,"customer_ref":"091101"}})",
           &r);
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.event.invoice, "9110001");
  EXPECT_EQ(r.event.stock_code, "POST");
  EXPECT_EQ(r.event.quantity, 2);
  EXPECT_EQ(r.event.unit_price_milli, 18000);
  EXPECT_EQ(r.event.invoice_ts, Ts(2011, 8, 1, 10));
  EXPECT_EQ(r.event.customer_id, "91101");
  d.Decode(R"({"after":{"order_id":1,"qty":1,"price":1,"ts":[1]}})", &r);
  EXPECT_EQ(decode::ReasonClass(r.error), "wrong_type");
  d.Decode(R"({"after":{"order_id":1,"qty":1,"price":1}})", &r);
  EXPECT_EQ(r.error, "missing_field: after.ts");
  d.Decode(R"({"after":{"order_id":1,"qty":1,"price":1,"ts":1}} x)", &r);
  EXPECT_EQ(decode::ReasonClass(r.error), "bad_json");
  EXPECT_EQ(d.MappedFieldText(R"({"after":{"ts":"42"}})", decode::EventField::kInvoiceTs), "42");
}

TEST(Sniff, CsvDelimiterAndTimeFormat) {
  const InputFormat given = Format("customer_id=Kunde,invoice_ts=Datum,amount=Summe");
  std::string note;
  auto f = decode::SniffCsv("Kunde;Datum;Summe", {"1;13.01.2011;2,5", "2;14.01.2011;3", ""}, given, &note);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->delimiter->c, ';');
  EXPECT_EQ(f->time_format->ToString(), "%d.%m.%Y");
  EXPECT_THAT(note, HasSubstr("--delimiter ';'"));
  f = decode::SniffCsv("Kunde|Datum|Summe", {"1|01/02/2011|2", "2|03/04/2011|3"}, given, &note);
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(f.status().message(), HasSubstr("--time-format"));
  f = decode::SniffCsv("Kunde,Datum,Summe", {"1,2011-01-01,2,9"}, given, &note);
  EXPECT_FALSE(f.ok());  // no delimiter fits every line
  // Unmapped formats are fixed: nothing is sniffed.
  f = decode::SniffCsv("x", {}, InputFormat{}, &note);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(note, "");
}

}  // namespace
}  // namespace segstream
