// CsvDecoder; the policies are documented in csv_decoder.h.
#include "connectors/decode/csv_decoder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "connectors/decode/field_parse.h"
#include "connectors/decode/reasons.h"
#include "connectors/decode/text.h"

namespace segstream {
namespace {

constexpr std::array<std::string_view, CsvDecoder::kFields> kOnlineRetailColumns = {
    "InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"};
constexpr std::array<std::string_view, CsvDecoder::kFields> kOnlineRetailIIColumns = {
    "Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price", "Customer ID", "Country"};

std::string JoinColumns(const std::array<std::string_view, CsvDecoder::kFields>& cols) {
  return fmt::format("{}", fmt::join(cols, ","));
}

std::string_view CleanHeader(std::string_view h) {
  if (h.size() >= 3 && h.substr(0, 3) == "\xEF\xBB\xBF") h.remove_prefix(3);
  while (!h.empty() && (h.back() == '\r' || h.back() == '\n' || h.back() == ' ')) h.remove_suffix(1);
  while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
  return h;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

// Column index of each event field (invoice, stock_code, description,
// quantity, unit_price, amount, invoice_ts, customer_id, country) in the UCI
// layouts; -1 = the layout has none.
constexpr std::array<int, decode::kEventFieldCount> kUciColumns = {0, 1, 2, 3, 5, -1, 4, 6, 7};

}  // namespace

Result<CsvDecoder> CsvDecoder::FromHeader(std::string_view header_line, const decode::InputFormat& format) {
  const std::string_view h = CleanHeader(header_line);
  CsvDecoder d;
  d.normalize_.time = format.time_format.value_or(decode::TimeFormat{});
  d.normalize_.decimal_comma = format.decimal_comma;
  if (!format.mapped()) {
    const std::string a = JoinColumns(kOnlineRetailColumns);
    const std::string b = JoinColumns(kOnlineRetailIIColumns);
    const bool is_a = h == a, is_b = h == b;
    if (!is_a && !is_b) {
      std::string found;
      decode::AssignValidUtf8Prefix(h, 512, &found);
      return Status::InvalidArgument(
          fmt::format("unknown CSV header: expected the UCI Online Retail columns \"{}\" or the Online Retail II "
                      "columns \"{}\", found \"{}\" (another layout needs --columns; see --help)",
                      a, b, found));
    }
    d.layout_ = is_a ? Layout::kOnlineRetail : Layout::kOnlineRetailII;
    const auto& names = is_a ? kOnlineRetailColumns : kOnlineRetailIIColumns;
    d.column_ = kUciColumns;
    for (size_t f = 0; f < decode::kEventFieldCount; ++f) {
      if (d.column_[f] >= 0) d.label_[f] = names[static_cast<size_t>(d.column_[f])];
    }
  } else {
    d.layout_ = Layout::kMapped;
    d.delimiter_ = format.delimiter.value_or(decode::Delimiter{});
    std::vector<std::string> names;
    std::string utf8;
    decode::AssignValidUtf8Prefix(h, 64 * 1024, &utf8);
    if (!SplitFields(utf8, d.delimiter_, &names)) {
      return Status::InvalidArgument("CSV header: a quoted name is not closed by the end of the line");
    }
    d.expected_fields_ = names.size();
    d.normalize_.synthesize_invoice = format.columns[decode::EventField::kInvoice].empty();
    d.normalize_.mapped = true;
    for (size_t f = 0; f < decode::kEventFieldCount; ++f) {
      d.column_[f] = -1;
      const std::string& src = format.columns.source[f];
      if (src.empty()) continue;
      for (size_t c = 0; c < names.size(); ++c) {
        if (EqualsIgnoreCase(decode::TrimSpaces(names[c]), decode::TrimSpaces(src))) {
          d.column_[f] = static_cast<int>(c);
          d.label_[f] = std::string(decode::TrimSpaces(names[c]));
          break;
        }
      }
      if (d.column_[f] < 0) {
        std::string found;
        for (const auto& n : names) found += (found.empty() ? "" : ", ") + fmt::format("\"{}\"", n);
        return Status::InvalidArgument(fmt::format("--columns {}={}: no such column in the header (delimiter {}): {}",
                                                   decode::EventFieldName(static_cast<decode::EventField>(f)), src,
                                                   d.delimiter_.ToString(), found.substr(0, 512)));
      }
    }
  }
  d.fields_.resize(d.expected_fields_);
  d.unquote_.resize(d.expected_fields_ + 1);
  return d;
}

bool CsvDecoder::SplitFields(std::string_view line, const decode::Delimiter& delim, std::vector<std::string>* out) {
  CsvDecoder d;
  d.delimiter_ = delim;
  d.expected_fields_ = 1024;
  d.fields_.resize(d.expected_fields_);
  d.unquote_.resize(d.expected_fields_ + 1);
  out->clear();
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  if (d.Split(line) != SplitResult::kOk) return false;
  for (size_t i = 0; i < std::min(d.field_count_, d.expected_fields_); ++i) out->emplace_back(d.fields_[i]);
  return true;
}

CsvDecoder::SplitResult CsvDecoder::Split(std::string_view line) {
  field_count_ = 0;
  const char* const data = line.data();
  const size_t n = line.size();
  size_t i = 0;
  if (delimiter_.whitespace) {
    // Runs of spaces/tabs separate fields; leading and trailing ones do not
    // start a field. No quoting.
    while (true) {
      while (i < n && (data[i] == ' ' || data[i] == '\t')) ++i;
      if (i >= n) break;
      size_t end = i;
      while (end < n && data[end] != ' ' && data[end] != '\t') ++end;
      if (field_count_ < expected_fields_) fields_[field_count_] = std::string_view(data + i, end - i);
      ++field_count_;
      i = end;
    }
    return SplitResult::kOk;
  }
  const char delim = delimiter_.c;
  while (true) {
    const size_t slot = field_count_ < expected_fields_ ? field_count_ : expected_fields_;
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
        while (tail_end < n && data[tail_end] != delim) ++tail_end;
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
      while (end < n && data[end] != delim) ++end;
      field = std::string_view(data + i, end - i);
      i = end;
    }
    if (field_count_ < expected_fields_) fields_[field_count_] = field;
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
  if (field_count_ != expected_fields_) {
    decode::FormatReasonText(decode::kFieldCount,
                             fmt::format("expected {} fields, found {}", expected_fields_, field_count_), &out->error);
    dead(text);
    return;
  }
  DecodeFields(out);
  if (!out->error.empty()) dead(text);
}

void CsvDecoder::DecodeFields(DecodedRecord* out) {
  raw_.Clear();
  for (size_t f = 0; f < decode::kEventFieldCount; ++f) {
    const int c = column_[f];
    if (c >= 0) raw_.Set(static_cast<decode::EventField>(f), fields_[static_cast<size_t>(c)], label_[f]);
  }
  decode::NormalizeEvent(raw_, normalize_, &out->event, &out->error);
}

}  // namespace segstream
