// CsvDecoder: turns one CSV line into an InvoiceEvent or a dead letter: the
// UCI retail exports as published, or any layout through a column mapping
// (input_format.h: --columns, --delimiter, --time-format, --decimal-comma).
// This comment is the user-facing contract (README.md has the same table of
// reasons). The field texts go through NormalizeEvent (normalize.h), the
// normalisation step every decoder shares.
//
// Layouts (chosen from the header line; the columns are in the same order in
// all of them: invoice, stock code, description, quantity, date, price,
// customer id, country):
//   kOnlineRetail    InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
//                    dates "12/1/2010 8:26" and ids "17850", or (the ISO export
//                    under the same header) "2010-12-01 08:26:00" and "17850.0";
//                    the date format is detected per line, both are accepted.
//   kOnlineRetailII  Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country
//                    dates "2009-12-01 07:45:00", ids "13085.0".
// The header matches exactly after removing a UTF-8 BOM, a trailing CR and
// surrounding spaces; anything else is InvalidArgument naming both layouts.
//   kMapped          any header with a ColumnMapping: each mapped SOURCE is a
//                    header name, matched after trimming, case-insensitively
//                    (a missing one is InvalidArgument listing the header);
//                    the line has as many fields as the header; the
//                    delimiter is ',', ';', TAB, '|' (RFC 4180 quoting as
//                    below) or runs of whitespace (no quoting).
//
// Lines:
// - One record per physical line (a trailing CR is removed). RFC 4180
//   quoting: a field may be quoted, "" inside quotes is one quote, commas in
//   quotes are data. A quoted field never spans lines: a quote not closed by
//   the end of the line is `unterminated_quote` and the next line is decoded
//   on its own. Text after a closing quote up to the next comma is kept
//   (lenient, like Python's csv); a quote inside an unquoted field is data.
// - Text: a line that is valid UTF-8 is UTF-8; otherwise it is Latin-1 (the
//   UCI file has '£' as byte 0xA3) and is transcoded. A control character
//   other than TAB (NUL, CR inside the line, DEL), or a C1 control in a line
//   read as Latin-1, is `binary_data`. Outputs are always valid UTF-8.
// - Fields: exactly 8, or the header's count (`field_count`). Invoice and stock code are trimmed of
//   spaces and must not be empty (`missing_field`); description and country
//   are kept verbatim. Numeric fields, the date and the id are trimmed.
// - Quantity: an integer (`6`, `-6`, `6.0`); non-numeric/NaN/inf/empty is
//   `bad_number`, a fraction or |q| > 100,000,000 is `absurd_value`.
// - Unit price: decimal text to integer thousandths, rounded half away from
//   zero past 3 decimals; negatives kept; non-numeric/empty is `bad_number`,
//   |p| > 10,000,000 is `absurd_value`.
// - Date: as above, read as UTC; unparseable or impossible (2/30/2011, hour
//   25) or a year outside 1990..2100 is `bad_date`.
// - Customer id: empty means no customer (customer_id = ""), not an error;
//   else a non-negative integer of at most 18 digits, "17850.0" -> "17850";
//   "17850.5", "-3", "abc" are `bad_id`.
// A dead letter sets `error` to "<class>: <detail>" (the detail names the
// field and value, e.g. `bad_number: Quantity "12x"`) and `raw` to the line
// (valid UTF-8, cut to 4 KiB).
//
// Thread safety: one instance per thread (Decode reuses scratch buffers).
// Decode allocates nothing per line beyond the event's own strings.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/decode/input_format.h"
#include "connectors/decode/normalize.h"
#include "connectors/decode/reasons.h"
#include "engine/event/invoice_event.h"
#include "engine/util/status.h"

namespace segstream {

class CsvDecoder {
 public:
  enum class Layout { kOnlineRetail, kOnlineRetailII, kMapped };
  static constexpr size_t kFields = 8;  // of the UCI layouts

  // The UCI layouts when `format` has no mapping, else the mapped layout.
  // REQUIRES: a mapped format has its delimiter and time format resolved
  // (sniff.h); an unresolved time format is read as `auto`.
  static Result<CsvDecoder> FromHeader(std::string_view header_line, const decode::InputFormat& format = {});

  // Fills out->event, or out->error and out->raw. Leaves out->origin alone.
  void Decode(std::string_view line, DecodedRecord* out);

  Layout layout() const { return layout_; }
  size_t field_count() const { return expected_fields_; }

  // Splits `line` (no CR/LF) with this decoder's delimiter; for sniffing.
  // False on an unterminated quote.
  static bool SplitFields(std::string_view line, const decode::Delimiter& d, std::vector<std::string>* out);

 private:
  enum class SplitResult { kOk, kUnterminatedQuote };

  CsvDecoder() = default;
  SplitResult Split(std::string_view line);
  void DecodeFields(DecodedRecord* out);

  Layout layout_ = Layout::kOnlineRetail;
  decode::Delimiter delimiter_;
  size_t expected_fields_ = kFields;
  std::array<int, decode::kEventFieldCount> column_{};  // field -> column index, -1 = absent
  std::array<std::string, decode::kEventFieldCount> label_;  // how reasons name each field
  decode::NormalizeOptions normalize_;
  decode::RawEvent raw_;
  std::vector<std::string_view> fields_;
  size_t field_count_ = 0;
  std::vector<std::string> unquote_;  // fields with "" escapes; the last one is for extras
  std::string latin1_;                // the line transcoded to UTF-8
};

}  // namespace segstream
