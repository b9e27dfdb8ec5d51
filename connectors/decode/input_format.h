// InputFormat: how to read a file or topic in a layout segstream does not
// know (issue 13, "bring your own data"): the column mapping, the CSV
// delimiter, the time format and the decimal mark. Parsed from
// `--columns`, `--delimiter`, `--time-format`, `--decimal-comma` or the
// TOML [input] table (engine/cli/run_config.cc), used by the decoders.
//
// --columns FIELD=SOURCE[,FIELD=SOURCE...]: FIELD is one of invoice,
// stock_code, description, quantity, unit_price, amount, invoice_ts,
// customer_id, country; SOURCE is a CSV header name (matched after trimming,
// case-insensitively) or, for JSON, a dotted path ("after.customer_ref").
// A mapping needs invoice_ts and unit_price or amount.
//
// Thread safety: values.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "connectors/decode/normalize.h"
#include "connectors/decode/time_format.h"
#include "engine/util/status.h"

namespace segstream::decode {

struct ColumnMapping {
  std::array<std::string, kEventFieldCount> source;  // "" = the layout has no such field

  bool empty() const;
  const std::string& operator[](EventField f) const { return source[static_cast<size_t>(f)]; }
  // "customer_id=customer,invoice_ts=date,..." (spaces around names ignored).
  static Result<ColumnMapping> Parse(std::string_view spec);
  std::string ToString() const;
};

// The CSV field separator.
struct Delimiter {
  char c = ',';
  bool whitespace = false;  // runs of spaces/tabs; leading ones ignored; no quoting
  // ",", ";", "\t" (or "tab", a real TAB), "|" or "whitespace".
  static Result<Delimiter> Parse(std::string_view text);
  std::string ToString() const;
  bool operator==(const Delimiter&) const = default;
};

struct InputFormat {
  ColumnMapping columns;
  std::optional<Delimiter> delimiter;     // nullopt: sniffed (mapped CSV) or ',' (UCI)
  std::optional<TimeFormat> time_format;  // nullopt: sniffed (mapped) or auto
  bool decimal_comma = false;
  // --input-format debezium: each line (or Kafka message) is a Debezium
  // change event (debezium.h); rows are read with `columns`.
  bool debezium = false;
  bool mapped() const { return !columns.empty(); }
};

}  // namespace segstream::decode
