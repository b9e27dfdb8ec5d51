// Dead-letter reason classes. A reason is "<class>: <detail>", e.g.
// `bad_number: Quantity "12x"`; the class is one of the constants below and
// is what metrics count by. See README.md for when each one applies.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace segstream {
// A dead letter's `raw` keeps at most this many bytes of the record.
inline constexpr size_t kMaxRawBytes = 4096;
}  // namespace segstream

namespace segstream::decode {

inline constexpr std::string_view kFieldCount = "field_count";
inline constexpr std::string_view kUnterminatedQuote = "unterminated_quote";
inline constexpr std::string_view kBadNumber = "bad_number";
inline constexpr std::string_view kBadDate = "bad_date";
inline constexpr std::string_view kBadId = "bad_id";
inline constexpr std::string_view kAbsurdValue = "absurd_value";
inline constexpr std::string_view kOversizeLine = "oversize_line";
inline constexpr std::string_view kBinaryData = "binary_data";
inline constexpr std::string_view kBadJson = "bad_json";
inline constexpr std::string_view kMissingField = "missing_field";
inline constexpr std::string_view kWrongType = "wrong_type";
inline constexpr std::string_view kInvalidUtf8 = "invalid_utf8";
inline constexpr std::string_view kUnsupportedOp = "unsupported_op";  // CDC envelopes (debezium.h)
inline constexpr std::string_view kBadAvro = "bad_avro";              // Avro wire format (avro_decoder.h)
inline constexpr std::string_view kUnknownSchema = "unknown_schema";  // the registry has no such schema id
inline constexpr std::string_view kPrecisionLoss = "precision_loss";  // an Avro decimal finer than thousandths

inline constexpr std::array<std::string_view, 16> kAllReasonClasses = {
    kFieldCount, kUnterminatedQuote, kBadNumber,    kBadDate,   kBadId,     kAbsurdValue,
    kOversizeLine, kBinaryData,      kBadJson,      kMissingField, kWrongType, kInvalidUtf8, kUnsupportedOp,
    kBadAvro,    kUnknownSchema,     kPrecisionLoss};

// The class part of a reason ("bad_number" of `bad_number: Quantity "x"`).
inline std::string_view ReasonClass(std::string_view reason) {
  const size_t colon = reason.find(':');
  return colon == std::string_view::npos ? reason : reason.substr(0, colon);
}

// Values quoted in a detail are cut to this many bytes (at a UTF-8 boundary).
inline constexpr size_t kMaxDetailValueBytes = 64;

// Sets *out to `<cls>: <field> "<value>"` (value cut; must be valid UTF-8).
void FormatReason(std::string_view cls, std::string_view field, std::string_view value, std::string* out);

// Sets *out to `<cls>: <detail>`.
void FormatReasonText(std::string_view cls, std::string_view detail, std::string* out);

}  // namespace segstream::decode
