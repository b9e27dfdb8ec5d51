// libFuzzer target for CsvDecoder: every input is split into lines and each
// line decoded under both UCI layouts and two mapped ones (whitespace with a
// line total and no invoice; ';' with a decimal comma and a day-first time
// pattern); see fuzz_invariants.h for what is checked.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "connectors/decode/csv_decoder.h"
#include "connectors/decode/fuzz/fuzz_invariants.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using segstream::CsvDecoder;
  static CsvDecoder* uci = new CsvDecoder(std::move(CsvDecoder::FromHeader(
      "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country")).value());
  static CsvDecoder* uci2 = new CsvDecoder(std::move(CsvDecoder::FromHeader(
      "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country")).value());
  static CsvDecoder* ws = [] {
    segstream::decode::InputFormat f;
    f.columns = segstream::decode::ColumnMapping::Parse(
                    "customer_id=customer_id,invoice_ts=date,quantity=number_of_cds,amount=dollar_value")
                    .value();
    f.delimiter = segstream::decode::Delimiter::Parse("whitespace").value();
    f.time_format = segstream::decode::TimeFormat::Parse("%Y%m%d").value();
    return new CsvDecoder(CsvDecoder::FromHeader("customer_id date number_of_cds dollar_value", f).value());
  }();
  static CsvDecoder* semi = [] {
    segstream::decode::InputFormat f;
    f.columns = segstream::decode::ColumnMapping::Parse(
                    "invoice=Beleg,stock_code=Artikel,quantity=Menge,unit_price=Preis,invoice_ts=Datum,customer_id=Kunde")
                    .value();
    f.delimiter = segstream::decode::Delimiter::Parse(";").value();
    f.time_format = segstream::decode::TimeFormat::Parse("%d.%m.%Y %H:%M").value();
    f.decimal_comma = true;
    return new CsvDecoder(CsvDecoder::FromHeader("Beleg;Artikel;Menge;Preis;Datum;Kunde", f).value());
  }();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // The header parser must never crash either.
  (void)CsvDecoder::FromHeader(input.substr(0, input.find('\n')));
  segstream::DecodedRecord r;
  size_t pos = 0;
  while (pos <= input.size()) {
    size_t nl = input.find('\n', pos);
    if (nl == std::string_view::npos) nl = input.size();
    const std::string_view line = input.substr(pos, nl - pos);
    uci->Decode(line, &r);
    segstream::fuzz::CheckRecord(r);
    uci2->Decode(line, &r);
    segstream::fuzz::CheckRecord(r);
    ws->Decode(line, &r);
    segstream::fuzz::CheckRecord(r);
    semi->Decode(line, &r);
    segstream::fuzz::CheckRecord(r);
    pos = nl + 1;
  }
  return 0;
}
