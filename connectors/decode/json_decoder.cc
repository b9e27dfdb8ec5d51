// JsonEventDecoder; the policies are documented in json_decoder.h.
#include "connectors/decode/json_decoder.h"

#include <simdjson.h>

#include <fmt/format.h>

#include <array>
#include <utility>

#include "connectors/decode/csv_decoder.h"
#include "connectors/decode/field_parse.h"
#include "connectors/decode/normalize.h"
#include "connectors/decode/reasons.h"
#include "connectors/decode/text.h"

namespace segstream {
namespace {

namespace od = simdjson::ondemand;

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

// A dotted path ("after.customer_ref") as a JSON Pointer (RFC 6901).
std::string ToPointer(std::string_view path) {
  std::string p = "/";
  for (char c : path) {
    if (c == '.') p += '/';
    else if (c == '~') p += "~0";
    else if (c == '/') p += "~1";
    else p += c;
  }
  return p;
}

}  // namespace

struct JsonEventDecoder::Impl {
  od::parser parser;
  simdjson::dom::parser dom;  // mapped layouts: paths are looked up by JSON Pointer
  std::string padded;
  std::string scratch;
  std::array<std::string, decode::kEventFieldCount> texts;  // field texts of this document
  decode::RawEvent raw;
  decode::NormalizeOptions normalize;
  bool mapped = false;
  std::array<std::string, decode::kEventFieldCount> pointer;  // mapped: JSON Pointer per field, "" = absent
  std::array<std::string, decode::kEventFieldCount> label;    // mapped: the path as given

  // Returns false (with out->error set) when the document is not an event.
  bool Run(std::string_view doc_text, DecodedRecord* out);
  bool RunMapped(DecodedRecord* out);
  bool Finish(DecodedRecord* out);  // normalise raw into out->event
};

JsonEventDecoder::JsonEventDecoder() : impl_(std::make_unique<Impl>()) {}
JsonEventDecoder::JsonEventDecoder(const decode::InputFormat& format) : impl_(std::make_unique<Impl>()) {
  impl_->normalize.time = format.time_format.value_or(decode::TimeFormat{});
  impl_->normalize.decimal_comma = format.decimal_comma;
  if (format.mapped()) {
    impl_->mapped = true;
    impl_->normalize.synthesize_invoice = format.columns[decode::EventField::kInvoice].empty();
    impl_->normalize.mapped = true;
    for (size_t f = 0; f < decode::kEventFieldCount; ++f) {
      const std::string& src = format.columns.source[f];
      if (src.empty()) continue;
      impl_->pointer[f] = ToPointer(src);
      impl_->label[f] = src;
    }
  }
}
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
  if (mapped) return RunMapped(out);
  od::document doc;
  if (auto err = parser.iterate(padded.data(), text.size(), padded.size()).get(doc)) {
    return fail(decode::kBadJson, simdjson::error_message(err));
  }
  od::object obj;
  if (auto err = doc.get_object().get(obj)) {
    return fail(decode::kBadJson, fmt::format("not a JSON object ({})", simdjson::error_message(err)));
  }
  raw.Clear();
  for (auto field_result : obj) {
    od::field field;
    if (auto err = std::move(field_result).get(field)) return fail(decode::kBadJson, simdjson::error_message(err));
    std::string_view key;
    if (auto err = field.unescaped_key().get(key)) return fail(decode::kBadJson, simdjson::error_message(err));
    // The key view is invalidated by the next string read: copy it.
    scratch.assign(key);
    const auto f = decode::EventFieldFromName(scratch);
    if (!f || *f == decode::EventField::kAmount) continue;  // unknown keys: on-demand skips the unread value
    const std::string_view k = decode::EventFieldName(*f);
    const size_t slot = static_cast<size_t>(*f);
    od::value value = field.value();
    od::json_type type;
    if (auto err = value.type().get(type)) return fail(decode::kBadJson, simdjson::error_message(err));
    if (type == od::json_type::null) {  // null = absent; a repeated key's last value wins
      raw.present[slot] = false;
      continue;
    }
    // The DESIGN.md event types: strings, numbers for quantity and price,
    // a string or number id.
    const bool numeric = *f == decode::EventField::kQuantity || *f == decode::EventField::kUnitPrice;
    const bool id = *f == decode::EventField::kCustomerId;
    if (numeric ? type != od::json_type::number
                : !(type == od::json_type::string || (id && type == od::json_type::number))) {
      return wrong_type(k, type);
    }
    if (type == od::json_type::number) {
      texts[slot].assign(decode::TrimSpaces(value.raw_json_token()));
    } else {
      std::string_view sv;
      if (auto err = value.get_string().get(sv)) return fail(decode::kBadJson, simdjson::error_message(err));
      texts[slot].assign(sv);
    }
    raw.Set(*f, texts[slot], k);
  }
  // current_location() is OUT_OF_BOUNDS exactly when nothing follows the object.
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return fail(decode::kBadJson, "trailing content after the JSON object");
  return Finish(out);
}

bool JsonEventDecoder::Impl::Finish(DecodedRecord* out) {
  decode::NormalizeEvent(raw, normalize, &out->event, &out->error);
  if (!out->error.empty()) return false;
  // Strings from simdjson are unescaped UTF-8, but \u escapes can still
  // produce lone surrogates in some versions; enforce the contract here.
  InvoiceEvent& e = out->event;
  for (const std::string* s : {&e.invoice, &e.stock_code, &e.description, &e.customer_id, &e.country}) {
    if (!decode::IsValidUtf8(*s)) {
      decode::FormatReasonText(decode::kInvalidUtf8, "a string field is not valid UTF-8", &out->error);
      return false;
    }
  }
  return true;
}

std::optional<std::string> JsonEventDecoder::MappedFieldText(std::string_view document, decode::EventField f) {
  const size_t i = static_cast<size_t>(f);
  if (!impl_->mapped || impl_->pointer[i].empty()) return std::nullopt;
  DecodedRecord scratch;
  impl_->padded.assign(document);
  impl_->padded.resize(document.size() + simdjson::SIMDJSON_PADDING);
  impl_->RunMapped(&scratch);  // fills texts/raw even when normalisation fails
  if (!impl_->raw.has(f)) return std::nullopt;
  return impl_->texts[i];
}

bool JsonEventDecoder::Impl::RunMapped(DecodedRecord* out) {
  auto fail = [&](std::string_view cls, std::string_view detail) {
    decode::FormatReasonText(cls, detail, &out->error);
    return false;
  };
  simdjson::dom::element root;
  if (auto err = dom.parse(padded.data(), padded.size() - simdjson::SIMDJSON_PADDING, false).get(root)) {
    return fail(decode::kBadJson, simdjson::error_message(err));
  }
  if (!root.is_object()) return fail(decode::kBadJson, "not a JSON object");
  raw.Clear();
  for (size_t f = 0; f < decode::kEventFieldCount; ++f) {
    if (pointer[f].empty()) continue;
    simdjson::dom::element v;
    if (root.at_pointer(pointer[f]).get(v)) continue;  // absent
    switch (v.type()) {
      case simdjson::dom::element_type::NULL_VALUE:
        continue;
      case simdjson::dom::element_type::STRING:
        texts[f].assign(std::string_view(v.get_string().value_unsafe()));
        break;
      case simdjson::dom::element_type::INT64:
        texts[f] = std::to_string(v.get_int64().value_unsafe());
        break;
      case simdjson::dom::element_type::UINT64:
        texts[f] = std::to_string(v.get_uint64().value_unsafe());
        break;
      case simdjson::dom::element_type::DOUBLE:
        texts[f] = fmt::format("{}", v.get_double().value_unsafe());  // shortest round-trip text
        break;
      default:
        return fail(decode::kWrongType, fmt::format("{} is not a string or number", decode::Utf8Prefix(label[f], 64)));
    }
    raw.Set(static_cast<decode::EventField>(f), texts[f], label[f]);
  }
  return Finish(out);
}

}  // namespace segstream
