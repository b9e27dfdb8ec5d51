// CsvDecoder; the policies are documented in csv_decoder.h.
#include "connectors/decode/csv_decoder.h"

#include <fmt/format.h>

#include <cstring>

#include "connectors/decode/field_parse.h"
#include "connectors/decode/reasons.h"
#include "connectors/decode/text.h"

namespace segstream {
namespace {

using decode::NumberStatus;

constexpr std::array<std::string_view, CsvDecoder::kFields> kOnlineRetailColumns = {
    "InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"};
constexpr std::array<std::string_view, CsvDecoder::kFields> kOnlineRetailIIColumns = {
    "Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price", "Customer ID", "Country"};

enum Column { kInvoice, kStockCode, kDescription, kQuantity, kDate, kPrice, kCustomer, kCountry };

std::string JoinColumns(const std::array<std::string_view, CsvDecoder::kFields>& cols) {
  return fmt::format("{}", fmt::join(cols, ","));
}

std::string_view CleanHeader(std::string_view h) {
  if (h.size() >= 3 && h.substr(0, 3) == "\xEF\xBB\xBF") h.remove_prefix(3);
  while (!h.empty() && (h.back() == '\r' || h.back() == '\n' || h.back() == ' ')) h.remove_suffix(1);
  while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
  return h;
}

}  // namespace

CsvDecoder::CsvDecoder(Layout layout)
    : layout_(layout),
      names_(layout == Layout::kOnlineRetail ? &kOnlineRetailColumns : &kOnlineRetailIIColumns) {}

Result<CsvDecoder> CsvDecoder::FromHeader(std::string_view header_line) {
  const std::string_view h = CleanHeader(header_line);
  const std::string a = JoinColumns(kOnlineRetailColumns);
  const std::string b = JoinColumns(kOnlineRetailIIColumns);
  if (h == a) return CsvDecoder(Layout::kOnlineRetail);
  if (h == b) return CsvDecoder(Layout::kOnlineRetailII);
  std::string found;
  decode::AssignValidUtf8Prefix(h, 512, &found);
  return Status::InvalidArgument(
      fmt::format("unknown CSV header: expected the UCI Online Retail columns \"{}\" or the Online Retail II "
                  "columns \"{}\", found \"{}\"",
                  a, b, found));
}

CsvDecoder::SplitResult CsvDecoder::Split(std::string_view line) {
  field_count_ = 0;
  const char* const data = line.data();
  const size_t n = line.size();
  size_t i = 0;
  while (true) {
    const size_t slot = field_count_ < kFields ? field_count_ : kFields;
    std::string_view field;
    if (i < n && data[i] == '"') {
      std::string* scratch = nullptr;  // set once the field needs unescaping
      size_t seg = i + 1;
      size_t j = i + 1;
      while (true) {
        const void* q = j < n ? std::memchr(data + j, '"', n - j) : nullptr;
        if (q == nullptr) return SplitResult::kUnterminatedQuote;
        const size_t k = static_cast<size_t>(static_cast<const char*>(q) - data);
        if (k + 1 < n && data[k + 1] == '"') {  // "" is one literal quote
          if (scratch == nullptr) {
            scratch = &unquote_[slot];
            scratch->clear();
          }
          scratch->append(data + seg, k + 1 - seg);
          j = seg = k + 2;
          continue;
        }
        i = k + 1;
        size_t tail_end = i;  // lenient: text after the closing quote belongs to the field
        while (tail_end < n && data[tail_end] != ',') ++tail_end;
        if (scratch == nullptr && tail_end == i) {
          field = std::string_view(data + seg, k - seg);
        } else {
          if (scratch == nullptr) {
            scratch = &unquote_[slot];
            scratch->clear();
          }
          scratch->append(data + seg, k - seg);
          scratch->append(data + i, tail_end - i);
          field = *scratch;
        }
        i = tail_end;
        break;
      }
    } else {
      // Unquoted fields are short: a plain loop beats a memchr call each.
      size_t end = i;
      while (end < n && data[end] != ',') ++end;
      field = std::string_view(data + i, end - i);
      i = end;
    }
    if (field_count_ < kFields) fields_[field_count_] = field;
    ++field_count_;
    if (i >= n) break;
    ++i;  // the comma; a comma at the very end starts one more (empty) field
  }
  return SplitResult::kOk;
}

void CsvDecoder::Decode(std::string_view line, DecodedRecord* out) {
  out->error.clear();
  out->raw.clear();
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

  auto dead = [&](std::string_view text) { decode::AssignValidUtf8Prefix(text, kMaxRawBytes, &out->raw); };

  const decode::TextScan scan = decode::ScanText(line);
  if (scan.has_control) {
    decode::FormatReasonText(decode::kBinaryData,
                             fmt::format("control byte 0x{:02X} at byte {}",
                                         static_cast<unsigned char>(line[scan.control_pos]), scan.control_pos),
                             &out->error);
    dead(line);
    return;
  }
  std::string_view text = line;
  if (scan.has_high && !decode::IsValidUtf8(line)) {
    if (decode::HasLatin1C1Control(line)) {
      decode::FormatReasonText(decode::kBinaryData, "neither UTF-8 nor Latin-1 text (C1 control byte)", &out->error);
      dead(line);
      return;
    }
    latin1_.clear();
    decode::AppendLatin1AsUtf8(line, &latin1_);
    text = latin1_;
  }

  if (Split(text) == SplitResult::kUnterminatedQuote) {
    decode::FormatReasonText(decode::kUnterminatedQuote, "a quoted field is not closed by the end of the line",
                             &out->error);
    dead(text);
    return;
  }
  if (field_count_ != kFields) {
    decode::FormatReasonText(decode::kFieldCount,
                             fmt::format("expected {} fields, found {}", kFields, field_count_), &out->error);
    dead(text);
    return;
  }
  DecodeFields(out);
  if (!out->error.empty()) dead(text);
}

void CsvDecoder::DecodeFields(DecodedRecord* out) {
  const auto& names = *names_;
  InvoiceEvent& e = out->event;

  const std::string_view invoice = decode::TrimSpaces(fields_[kInvoice]);
  const std::string_view stock = decode::TrimSpaces(fields_[kStockCode]);
  if (invoice.empty()) return decode::FormatReasonText(decode::kMissingField, fmt::format("{} is empty", names[kInvoice]), &out->error);
  if (stock.empty()) return decode::FormatReasonText(decode::kMissingField, fmt::format("{} is empty", names[kStockCode]), &out->error);

  switch (decode::ParseQuantity(fields_[kQuantity], &e.quantity)) {
    case NumberStatus::kOk:
      break;
    case NumberStatus::kNotNumber:
      return decode::FormatReason(decode::kBadNumber, names[kQuantity], fields_[kQuantity], &out->error);
    case NumberStatus::kTooLarge:
    case NumberStatus::kNotInteger:
      return decode::FormatReason(decode::kAbsurdValue, names[kQuantity], fields_[kQuantity], &out->error);
  }
  switch (decode::ParsePriceMilli(fields_[kPrice], &e.unit_price_milli)) {
    case NumberStatus::kOk:
      break;
    case NumberStatus::kNotNumber:
      return decode::FormatReason(decode::kBadNumber, names[kPrice], fields_[kPrice], &out->error);
    case NumberStatus::kTooLarge:
    case NumberStatus::kNotInteger:
      return decode::FormatReason(decode::kAbsurdValue, names[kPrice], fields_[kPrice], &out->error);
  }
  if (!decode::ParseInvoiceDate(fields_[kDate], &e.invoice_ts)) {
    return decode::FormatReason(decode::kBadDate, names[kDate], fields_[kDate], &out->error);
  }
  if (!decode::ParseCustomerId(fields_[kCustomer], &e.customer_id)) {
    return decode::FormatReason(decode::kBadId, names[kCustomer], fields_[kCustomer], &out->error);
  }
  e.invoice.assign(invoice);
  e.stock_code.assign(stock);
  e.description.assign(fields_[kDescription]);
  e.country.assign(fields_[kCountry]);
}

}  // namespace segstream
