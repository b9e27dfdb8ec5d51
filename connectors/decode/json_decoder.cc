// JsonEventDecoder; the policies are documented in json_decoder.h.
#include "connectors/decode/json_decoder.h"

#include <simdjson.h>

#include <fmt/format.h>

#include <utility>

#include "connectors/decode/csv_decoder.h"
#include "connectors/decode/field_parse.h"
#include "connectors/decode/reasons.h"
#include "connectors/decode/text.h"

namespace segstream {
namespace {

namespace od = simdjson::ondemand;
using decode::NumberStatus;

std::string_view TypeName(od::json_type t) {
  switch (t) {
    case od::json_type::array:
      return "array";
    case od::json_type::object:
      return "object";
    case od::json_type::number:
      return "number";
    case od::json_type::string:
      return "string";
    case od::json_type::boolean:
      return "boolean";
    case od::json_type::null:
      return "null";
  }
  return "unknown";
}

// Which fields a document set, so missing ones can be named.
enum : unsigned {
  kHasInvoice = 1,
  kHasStock = 2,
  kHasQuantity = 4,
  kHasPrice = 8,
  kHasTs = 16,
};

}  // namespace

struct JsonEventDecoder::Impl {
  od::parser parser;
  std::string padded;
  std::string scratch;

  // Returns false (with out->error set) when the document is not an event.
  bool Run(std::string_view doc_text, DecodedRecord* out);
};

JsonEventDecoder::JsonEventDecoder() : impl_(std::make_unique<Impl>()) {}
JsonEventDecoder::~JsonEventDecoder() = default;
JsonEventDecoder::JsonEventDecoder(JsonEventDecoder&&) noexcept = default;
JsonEventDecoder& JsonEventDecoder::operator=(JsonEventDecoder&&) noexcept = default;

void JsonEventDecoder::Decode(std::string_view document, DecodedRecord* out) {
  out->error.clear();
  out->raw.clear();
  while (!document.empty() && (document.back() == '\n' || document.back() == '\r')) document.remove_suffix(1);
  if (!impl_->Run(document, out)) {
    decode::AssignValidUtf8Prefix(document, kMaxRawBytes, &out->raw);
  }
}

bool JsonEventDecoder::Impl::Run(std::string_view text, DecodedRecord* out) {
  auto fail = [&](std::string_view cls, std::string_view detail) {
    decode::FormatReasonText(cls, detail, &out->error);
    return false;
  };
  auto wrong_type = [&](std::string_view key, od::json_type t) {
    return fail(decode::kWrongType, fmt::format("{} is a {}", key, TypeName(t)));
  };
  // simdjson's on-demand parser validates UTF-8 up front, but check here so
  // the reason does not depend on how far parsing got.
  if (!decode::IsValidUtf8(text)) return fail(decode::kInvalidUtf8, "the document is not valid UTF-8");

  padded.assign(text);
  padded.resize(text.size() + simdjson::SIMDJSON_PADDING);
  od::document doc;
  if (auto err = parser.iterate(padded.data(), text.size(), padded.size()).get(doc)) {
    return fail(decode::kBadJson, simdjson::error_message(err));
  }
  od::object obj;
  if (auto err = doc.get_object().get(obj)) {
    return fail(decode::kBadJson, fmt::format("not a JSON object ({})", simdjson::error_message(err)));
  }
  InvoiceEvent& e = out->event;
  e.description.clear();
  e.country.clear();
  e.customer_id.clear();
  unsigned seen = 0;
  for (auto field_result : obj) {
    od::field field;
    if (auto err = std::move(field_result).get(field)) return fail(decode::kBadJson, simdjson::error_message(err));
    std::string_view key;
    if (auto err = field.unescaped_key().get(key)) return fail(decode::kBadJson, simdjson::error_message(err));
    // The key view is invalidated by the next string read: copy it.
    scratch.assign(key);
    const std::string_view k = scratch;
    od::value value = field.value();
    od::json_type type;
    if (auto err = value.type().get(type)) return fail(decode::kBadJson, simdjson::error_message(err));

    auto get_string = [&](std::string* dst) {
      std::string_view s;
      if (auto err = value.get_string().get(s)) return fail(decode::kBadJson, simdjson::error_message(err));
      dst->assign(s);
      return true;
    };
    auto raw_number = [&]() { return decode::TrimSpaces(value.raw_json_token()); };

    if (k == "invoice" || k == "stock_code") {
      const bool is_invoice = k == "invoice";
      if (type == od::json_type::null) continue;  // reported as missing below
      if (type != od::json_type::string) return wrong_type(k, type);
      std::string* dst = is_invoice ? &e.invoice : &e.stock_code;
      if (!get_string(dst)) return false;
      if (dst->empty()) return fail(decode::kMissingField, fmt::format("{} is empty", k));
      seen |= is_invoice ? kHasInvoice : kHasStock;
    } else if (k == "description" || k == "country") {
      std::string* dst = k == "description" ? &e.description : &e.country;
      if (type == od::json_type::null) {
        dst->clear();
        continue;
      }
      if (type != od::json_type::string) return wrong_type(k, type);
      if (!get_string(dst)) return false;
    } else if (k == "quantity") {
      if (type == od::json_type::null) continue;
      if (type != od::json_type::number) return wrong_type(k, type);
      const std::string_view num = raw_number();
      switch (decode::ParseQuantity(num, &e.quantity)) {
        case NumberStatus::kOk:
          break;
        case NumberStatus::kNotNumber:
          return fail(decode::kBadNumber, fmt::format("quantity \"{}\"", decode::Utf8Prefix(num, 64)));
        case NumberStatus::kTooLarge:
        case NumberStatus::kNotInteger:
          return fail(decode::kAbsurdValue, fmt::format("quantity \"{}\"", decode::Utf8Prefix(num, 64)));
      }
      seen |= kHasQuantity;
    } else if (k == "unit_price") {
      if (type == od::json_type::null) continue;
      if (type != od::json_type::number) return wrong_type(k, type);
      const std::string_view num = raw_number();
      switch (decode::ParsePriceMilli(num, &e.unit_price_milli)) {
        case NumberStatus::kOk:
          break;
        case NumberStatus::kNotNumber:
          return fail(decode::kBadNumber, fmt::format("unit_price \"{}\"", decode::Utf8Prefix(num, 64)));
        case NumberStatus::kTooLarge:
        case NumberStatus::kNotInteger:
          return fail(decode::kAbsurdValue, fmt::format("unit_price \"{}\"", decode::Utf8Prefix(num, 64)));
      }
      seen |= kHasPrice;
    } else if (k == "invoice_ts") {
      if (type == od::json_type::null) continue;
      if (type != od::json_type::string) return wrong_type(k, type);
      std::string_view s;
      if (auto err = value.get_string().get(s)) return fail(decode::kBadJson, simdjson::error_message(err));
      if (!decode::ParseInvoiceDate(s, &e.invoice_ts)) {
        return fail(decode::kBadDate, fmt::format("invoice_ts \"{}\"", decode::Utf8Prefix(s, 64)));
      }
      seen |= kHasTs;
    } else if (k == "customer_id") {
      std::string_view s;
      if (type == od::json_type::null) {
        e.customer_id.clear();
        continue;
      } else if (type == od::json_type::string) {
        if (auto err = value.get_string().get(s)) return fail(decode::kBadJson, simdjson::error_message(err));
      } else if (type == od::json_type::number) {
        s = raw_number();
      } else {
        return wrong_type(k, type);
      }
      if (!decode::ParseCustomerId(s, &e.customer_id)) {
        return fail(decode::kBadId, fmt::format("customer_id \"{}\"", decode::Utf8Prefix(s, 64)));
      }
    }
    // Unknown keys: on-demand skips the unread value.
  }
  // current_location() is OUT_OF_BOUNDS exactly when nothing follows the object.
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return fail(decode::kBadJson, "trailing content after the JSON object");
  if (!(seen & kHasInvoice)) return fail(decode::kMissingField, "invoice");
  if (!(seen & kHasStock)) return fail(decode::kMissingField, "stock_code");
  if (!(seen & kHasQuantity)) return fail(decode::kMissingField, "quantity");
  if (!(seen & kHasPrice)) return fail(decode::kMissingField, "unit_price");
  if (!(seen & kHasTs)) return fail(decode::kMissingField, "invoice_ts");
  // Strings from simdjson are unescaped UTF-8, but \u escapes can still
  // produce lone surrogates in some versions; enforce the contract here.
  for (const std::string* s : {&e.invoice, &e.stock_code, &e.description, &e.customer_id, &e.country}) {
    if (!decode::IsValidUtf8(*s)) return fail(decode::kInvalidUtf8, "a string field is not valid UTF-8");
  }
  return true;
}

}  // namespace segstream
