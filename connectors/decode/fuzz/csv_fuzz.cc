// libFuzzer target for CsvDecoder: every input is split into lines and each
// line decoded under both layouts; see fuzz_invariants.h for what is checked.
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
    pos = nl + 1;
  }
  return 0;
}
