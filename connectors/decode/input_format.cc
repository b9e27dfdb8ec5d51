// InputFormat parsing; see input_format.h.
#include "connectors/decode/input_format.h"

#include <fmt/format.h>

#include "connectors/decode/field_parse.h"

namespace segstream::decode {

bool ColumnMapping::empty() const {
  for (const auto& s : source) {
    if (!s.empty()) return false;
  }
  return true;
}

Result<ColumnMapping> ColumnMapping::Parse(std::string_view spec) {
  ColumnMapping m;
  size_t pos = 0;
  while (pos <= spec.size()) {
    size_t comma = spec.find(',', pos);
    if (comma == std::string_view::npos) comma = spec.size();
    const std::string_view item = TrimSpaces(spec.substr(pos, comma - pos));
    pos = comma + 1;
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return Status::InvalidArgument(fmt::format("--columns: '{}' is not FIELD=SOURCE", item));
    }
    const std::string_view field = TrimSpaces(item.substr(0, eq));
    const std::string_view src = TrimSpaces(item.substr(eq + 1));
    const auto f = EventFieldFromName(field);
    if (!f) {
      return Status::InvalidArgument(fmt::format(
          "--columns: unknown field '{}' (fields: invoice, stock_code, description, quantity, unit_price, "
          "amount, invoice_ts, customer_id, country)",
          field));
    }
    if (src.empty()) return Status::InvalidArgument(fmt::format("--columns: {} has no source", field));
    auto& slot = m.source[static_cast<size_t>(*f)];
    if (!slot.empty()) return Status::InvalidArgument(fmt::format("--columns: {} is mapped twice", field));
    slot.assign(src);
  }
  if (m.empty()) return m;
  if (m[EventField::kInvoiceTs].empty()) return Status::InvalidArgument("--columns must map invoice_ts");
  if (m[EventField::kUnitPrice].empty() && m[EventField::kAmount].empty()) {
    return Status::InvalidArgument("--columns must map unit_price or amount (a line total)");
  }
  return m;
}

std::string ColumnMapping::ToString() const {
  std::string s;
  for (size_t i = 0; i < kEventFieldCount; ++i) {
    if (source[i].empty()) continue;
    if (!s.empty()) s += ',';
    s += fmt::format("{}={}", EventFieldName(static_cast<EventField>(i)), source[i]);
  }
  return s;
}

Result<Delimiter> Delimiter::Parse(std::string_view text) {
  Delimiter d;
  if (text == "whitespace") {
    d.whitespace = true;
    d.c = ' ';
  } else if (text == "\\t" || text == "tab" || text == "\t") {
    d.c = '\t';
  } else if (text == "," || text == ";" || text == "|") {
    d.c = text[0];
  } else {
    return Status::InvalidArgument(
        fmt::format("--delimiter '{}': expected ',', ';', '\\t' (or tab), '|' or whitespace", text));
  }
  return d;
}

std::string Delimiter::ToString() const {
  if (whitespace) return "whitespace";
  if (c == '\t') return "\\t";
  return std::string(1, c);
}

}  // namespace segstream::decode
