// Layout sniffing; see sniff.h.
#include "connectors/decode/sniff.h"

#include <fmt/format.h>

#include <cctype>

#include "connectors/decode/csv_decoder.h"
#include "connectors/decode/field_parse.h"

namespace segstream::decode {
namespace {

bool SameName(std::string_view a, std::string_view b) {
  a = TrimSpaces(a);
  b = TrimSpaces(b);
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

std::string_view StripLine(std::string_view l) {
  if (l.size() >= 3 && l.substr(0, 3) == "\xEF\xBB\xBF") l.remove_prefix(3);
  while (!l.empty() && (l.back() == '\r' || l.back() == '\n')) l.remove_suffix(1);
  return l;
}

// Column of `name` in `names`, or -1.
int FindColumn(const std::vector<std::string>& names, std::string_view name) {
  for (size_t c = 0; c < names.size(); ++c) {
    if (SameName(names[c], name)) return static_cast<int>(c);
  }
  return -1;
}

bool Consistent(std::string_view header, const std::vector<std::string_view>& lines, const InputFormat& f,
                const Delimiter& d) {
  std::vector<std::string> names, fields;
  if (!CsvDecoder::SplitFields(StripLine(header), d, &names) || names.size() < 2) return false;
  for (const auto& src : f.columns.source) {
    if (!src.empty() && FindColumn(names, src) < 0) return false;
  }
  for (std::string_view l : lines) {
    l = StripLine(l);
    if (TrimSpaces(l).empty()) continue;
    if (!CsvDecoder::SplitFields(l, d, &fields) || fields.size() != names.size()) return false;
  }
  return true;
}

}  // namespace

Result<InputFormat> SniffCsv(std::string_view header, const std::vector<std::string_view>& sample,
                             const InputFormat& given, std::string* note) {
  note->clear();
  InputFormat f = given;
  if (!f.mapped()) return f;
  std::vector<std::string_view> lines(sample.begin(), sample.begin() + std::min(sample.size(), kSniffLines));
  std::vector<std::string> detected;
  if (!f.delimiter) {
    for (const char* cand : {",", ";", "\t", "|", "whitespace"}) {
      const Delimiter d = Delimiter::Parse(cand).value();
      if (Consistent(header, lines, f, d)) {
        f.delimiter = d;
        break;
      }
    }
    if (!f.delimiter) {
      return Status::InvalidArgument(fmt::format(
          "cannot detect the delimiter: under none of ',', ';', '\\t', '|', whitespace does the header name every "
          "--columns source and every one of the first {} lines have as many fields; give --delimiter",
          lines.size()));
    }
    detected.push_back(fmt::format("--delimiter '{}'", f.delimiter->ToString()));
  }
  if (!f.time_format) {
    std::vector<std::string> names, fields, values;
    (void)CsvDecoder::SplitFields(StripLine(header), *f.delimiter, &names);
    const int col = FindColumn(names, f.columns[EventField::kInvoiceTs]);
    for (std::string_view l : lines) {
      l = StripLine(l);
      if (TrimSpaces(l).empty() || col < 0) continue;
      if (CsvDecoder::SplitFields(l, *f.delimiter, &fields) && static_cast<size_t>(col) < fields.size()) {
        values.push_back(fields[static_cast<size_t>(col)]);
      }
    }
    auto t = SniffTimeFormat(values);
    if (!t.ok()) return t.status();
    f.time_format = t.value();
    detected.push_back(fmt::format("--time-format '{}'", f.time_format->ToString()));
  }
  if (!detected.empty()) {
    *note = fmt::format("detected {} from the first {} lines", fmt::join(detected, " "), lines.size());
  }
  return f;
}

Result<InputFormat> SniffJsonTimes(const std::vector<std::string>& values, const InputFormat& given,
                                   std::string* note) {
  note->clear();
  InputFormat f = given;
  if (!f.mapped() || f.time_format) return f;
  auto t = SniffTimeFormat(values);
  if (!t.ok()) return t.status();
  f.time_format = t.value();
  *note = fmt::format("detected --time-format '{}' from the first {} documents", f.time_format->ToString(),
                      values.size());
  return f;
}

}  // namespace segstream::decode
