// Avro `decimal` logical types for AvroEventDecoder (Avro 1.11 specification,
// "Logical Types" / "Decimal": https://avro.apache.org/docs/1.11.1/specification/#decimal).
// A decimal annotates `bytes` or `fixed`:
//   {"type":"bytes","logicalType":"decimal","precision":9,"scale":2}
//   {"type":"fixed","name":"Price","size":8,"logicalType":"decimal","precision":18,"scale":4}
// and its value is the unscaled integer, two's-complement, big-endian; the
// number is unscaled * 10^-scale. avro-c (Debian libavro-dev 1.11) reads the
// bytes but keeps no logical type, so the annotation is found here from the
// schema's JSON text along a field's dotted path (through unions and named
// type references). As the specification says, an invalid annotation
// (precision < 1, scale < 0 or > precision) is ignored: the field is then
// plain bytes/fixed.
//
// Units: DecimalText gives the exact decimal text ("-2.5500"); the decoder
// hands it to NormalizeEvent like any number text, and refuses a money value
// with non-zero digits below the thousandths (segstream keeps money in
// thousandths) with `precision_loss` (reasons.h).
//
// Thread safety: pure functions; FieldDecimals is a value.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace segstream::decode {

struct DecimalType {
  int precision = 0;
  int scale = 0;
};

// The decimal types a field path can hold: its `bytes` branch, and `fixed`
// types by name (a union may hold several).
struct FieldDecimals {
  std::optional<DecimalType> bytes;
  std::vector<std::pair<std::string, DecimalType>> fixed;  // by the fixed type's name (without namespace)

  const DecimalType* Fixed(std::string_view name) const {
    for (const auto& [n, t] : fixed) {
      if (n == name) return &t;
    }
    return nullptr;
  }
  bool empty() const { return !bytes && fixed.empty(); }
};

// The decimals at `path` (record field names from the top-level record) of
// the schema `schema_json`. Nothing for a text that is not JSON or a path
// that leads nowhere.
FieldDecimals FindDecimals(std::string_view schema_json, const std::vector<std::string>& path);

// The decimal text of `unscaled` (two's-complement, big-endian) with
// `type.scale` digits after the point, e.g. {0x00,0xff} scale 2 -> "2.55".
// False, with *why set (a reason detail), for an empty value, more than 16
// bytes (beyond 38 digits), or more digits than `type.precision`.
bool DecimalText(std::string_view unscaled, const DecimalType& type, std::string* text, std::string* why);

// DecimalText for an event field named `label`, with the decoder's reasons:
// false with *error = `bad_number: <label> is <why>`, or, for `money`
// (unit_price, amount), `precision_loss` when a digit below the thousandths
// is not zero (segstream keeps money in thousandths and would round it).
bool DecimalFieldText(std::string_view unscaled, const DecimalType& type, bool money, std::string_view label,
                      std::string* text, std::string* error);

}  // namespace segstream::decode
