// AvroEventDecoder; the policies are documented in avro_decoder.h.
#include "connectors/decode/avro_decoder.h"

#include <avro.h>

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "connectors/decode/avro_allocator.h"
#include "connectors/decode/avro_decimal.h"
#include "connectors/decode/normalize.h"
#include "connectors/decode/reasons.h"
#include "connectors/decode/text.h"
#include "connectors/schema_registry/schema_registry.h"

namespace segstream {
namespace {

std::string_view TypeName(avro_type_t t) {
  switch (t) {
    case AVRO_STRING: return "string";
    case AVRO_BYTES: return "bytes";
    case AVRO_INT32: return "int";
    case AVRO_INT64: return "long";
    case AVRO_FLOAT: return "float";
    case AVRO_DOUBLE: return "double";
    case AVRO_BOOLEAN: return "boolean";
    case AVRO_NULL: return "null";
    case AVRO_RECORD: return "record";
    case AVRO_ENUM: return "enum";
    case AVRO_FIXED: return "fixed";
    case AVRO_MAP: return "map";
    case AVRO_ARRAY: return "array";
    case AVRO_UNION: return "union";
    default: return "link";
  }
}

std::string Hex(std::string_view bytes, size_t max_chars) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "hex:";
  for (unsigned char c : bytes) {
    if (out.size() + 2 > max_chars) break;
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// One writer schema, compiled: the generic value it is read into is reused.
struct CompiledSchema {
  avro_schema_t schema = nullptr;
  avro_value_iface_t* iface = nullptr;
  avro_value_t value{};
  bool has_value = false;
  std::string error;  // a dead-letter reason for every record with this id ("" = usable)
  // Per event field: the decimal logical types its path may hold (avro_decimal.h).
  std::array<decode::FieldDecimals, decode::kEventFieldCount> decimals;

  CompiledSchema() = default;
  CompiledSchema(const CompiledSchema&) = delete;
  CompiledSchema& operator=(const CompiledSchema&) = delete;
  ~CompiledSchema() {
    if (has_value) avro_value_decref(&value);
    if (iface != nullptr) avro_value_iface_decref(iface);
    if (schema != nullptr) avro_schema_decref(schema);
  }
};

// Schemas per id held at most; past it the cache starts over (a topic has a
// handful of schema versions; this only bounds a flood of bogus ids).
constexpr size_t kMaxCachedSchemas = 4096;

// The fields a record without a mapping is read by, and the Avro types each accepts.
enum class Kind { kText, kNumber, kId };

}  // namespace

struct AvroEventDecoder::Impl {
  std::shared_ptr<SchemaRegistry> registry;
  decode::NormalizeOptions normalize;
  bool mapped = false;
  std::array<std::vector<std::string>, decode::kEventFieldCount> path;  // empty = not read
  std::array<std::string, decode::kEventFieldCount> label;
  std::array<std::string, decode::kEventFieldCount> texts;
  decode::RawEvent raw;
  avro_reader_t reader = nullptr;
  std::unordered_map<int32_t, std::unique_ptr<CompiledSchema>> schemas;
  std::unordered_set<void*> allocations;  // avro-c blocks allocated by the current read (decode::TrackAvroAllocations)

  ~Impl() {
    if (reader != nullptr) avro_reader_free(reader);
  }

  // The compiled schema of `id`, or the registry's error (NotFound is turned
  // into a cached dead-letter entry).
  Result<CompiledSchema*> Schema(int32_t id);
  // Reads field f from the record into texts/raw; false with *error set on a
  // type error or a decimal that does not fit.
  bool ReadField(size_t f, const CompiledSchema& schema, avro_value_t* root, std::string* error);
};

AvroEventDecoder::AvroEventDecoder(const decode::InputFormat& format, std::shared_ptr<SchemaRegistry> registry)
    : impl_(std::make_unique<Impl>()) {
  decode::InstallBoundedAvroAllocator();
  impl_->registry = std::move(registry);
  impl_->normalize.time = format.time_format.value_or(decode::TimeFormat{});
  impl_->normalize.decimal_comma = format.decimal_comma;
  impl_->mapped = format.mapped();
  for (size_t f = 0; f < decode::kEventFieldCount; ++f) {
    std::string src;
    if (impl_->mapped) {
      src = format.columns.source[f];
    } else if (static_cast<decode::EventField>(f) != decode::EventField::kAmount) {
      src = std::string(decode::EventFieldName(static_cast<decode::EventField>(f)));
    }
    if (src.empty()) continue;
    impl_->label[f] = src;
    size_t start = 0;
    while (true) {
      const size_t dot = src.find('.', start);
      impl_->path[f].push_back(src.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
  }
  if (impl_->mapped) {
    impl_->normalize.synthesize_invoice = format.columns[decode::EventField::kInvoice].empty();
    impl_->normalize.mapped = true;
  }
}

AvroEventDecoder::~AvroEventDecoder() = default;

Result<CompiledSchema*> AvroEventDecoder::Impl::Schema(int32_t id) {
  if (auto it = schemas.find(id); it != schemas.end()) return it->second.get();
  auto text = registry->SchemaById(id);
  auto entry = std::make_unique<CompiledSchema>();
  if (!text.ok()) {
    if (text.status().code() == Status::Code::kNotFound) {
      decode::FormatReasonText(decode::kUnknownSchema, fmt::format("schema id {} is not in the registry", id),
                               &entry->error);
    } else if (text.status().code() == Status::Code::kNotSupported) {  // a JSON or Protobuf schema
      decode::FormatReasonText(decode::kBadAvro, decode::Utf8Prefix(text.status().message(), 200), &entry->error);
    } else {
      return text.status();  // the registry could not be asked: not the record's fault
    }
  } else if (avro_schema_from_json_length(text.value().data(), text.value().size(), &entry->schema) != 0) {
    entry->schema = nullptr;
    decode::FormatReasonText(decode::kBadAvro,
                             fmt::format("schema {} is not a valid Avro schema: {}", id,
                                         decode::Utf8Prefix(avro_strerror(), 200)),
                             &entry->error);
  } else if (avro_typeof(entry->schema) != AVRO_RECORD) {
    decode::FormatReasonText(decode::kBadAvro,
                             fmt::format("schema {} is a {}, not a record", id, TypeName(avro_typeof(entry->schema))),
                             &entry->error);
  } else {
    entry->iface = avro_generic_class_from_schema(entry->schema);
    if (entry->iface == nullptr || avro_generic_value_new(entry->iface, &entry->value) != 0) {
      decode::FormatReasonText(decode::kBadAvro,
                               fmt::format("schema {}: {}", id, decode::Utf8Prefix(avro_strerror(), 200)),
                               &entry->error);
    } else {
      entry->has_value = true;
      if (text.value().find("decimal") != std::string::npos) {
        for (size_t f = 0; f < decode::kEventFieldCount; ++f) {
          if (!path[f].empty()) entry->decimals[f] = decode::FindDecimals(text.value(), path[f]);
        }
      }
    }
  }
  if (schemas.size() >= kMaxCachedSchemas) schemas.clear();
  return schemas.emplace(id, std::move(entry)).first->second.get();
}

bool AvroEventDecoder::Impl::ReadField(size_t f, const CompiledSchema& schema, avro_value_t* root,
                                       std::string* error) {
  const std::vector<std::string>& steps = path[f];
  avro_value_t cur = *root;
  avro_value_t next;
  // Looks through unions; false when the value is null (absent).
  auto resolve = [&](avro_value_t* v) {
    while (avro_value_get_type(v) == AVRO_UNION) {
      avro_value_t branch;
      if (avro_value_get_current_branch(v, &branch) != 0) return false;
      *v = branch;
    }
    return avro_value_get_type(v) != AVRO_NULL;
  };
  for (const std::string& step : steps) {
    if (!resolve(&cur)) return true;                            // null on the way: absent
    if (avro_value_get_type(&cur) != AVRO_RECORD) return true;  // no such path: absent (as in JSON)
    if (avro_value_get_by_name(&cur, step.c_str(), &next, nullptr) != 0) return true;
    cur = next;
  }
  if (!resolve(&cur)) return true;
  const avro_type_t type = avro_value_get_type(&cur);
  std::string& t = texts[f];
  const auto field = static_cast<decode::EventField>(f);
  Kind kind = Kind::kText;
  if (field == decode::EventField::kQuantity || field == decode::EventField::kUnitPrice ||
      field == decode::EventField::kAmount) {
    kind = Kind::kNumber;
  } else if (field == decode::EventField::kCustomerId) {
    kind = Kind::kId;
  }
  bool ok = true;
  switch (type) {
    case AVRO_STRING: {
      const char* s = nullptr;
      size_t size = 0;  // includes the terminating NUL
      avro_value_get_string(&cur, &s, &size);
      t.assign(s, size > 0 ? size - 1 : 0);
      ok = mapped || kind != Kind::kNumber;
      break;
    }
    case AVRO_ENUM: {
      int index = 0;
      avro_value_get_enum(&cur, &index);
      const char* symbol = avro_schema_enum_get(avro_value_get_schema(&cur), index);
      t.assign(symbol == nullptr ? "" : symbol);
      ok = mapped || kind != Kind::kNumber;
      break;
    }
    case AVRO_INT32: {
      int32_t v = 0;
      avro_value_get_int(&cur, &v);
      t = std::to_string(v);
      ok = mapped || kind != Kind::kText;
      break;
    }
    case AVRO_INT64: {
      int64_t v = 0;
      avro_value_get_long(&cur, &v);
      t = std::to_string(v);
      ok = mapped || kind != Kind::kText;
      break;
    }
    case AVRO_FLOAT: {
      float v = 0;
      avro_value_get_float(&cur, &v);
      t = fmt::format("{}", v);  // shortest round-trip text, as the JSON decoder
      ok = mapped || kind == Kind::kNumber;
      break;
    }
    case AVRO_DOUBLE: {
      double v = 0;
      avro_value_get_double(&cur, &v);
      t = fmt::format("{}", v);
      ok = mapped || kind == Kind::kNumber;
      break;
    }
    case AVRO_BYTES:
    case AVRO_FIXED: {
      // Only as a decimal logical type (avro_decimal.h); plain bytes are wrong_type.
      const decode::DecimalType* decimal = nullptr;
      const void* buf = nullptr;
      size_t size = 0;
      if (type == AVRO_BYTES) {
        if (schema.decimals[f].bytes) decimal = &*schema.decimals[f].bytes;
        avro_value_get_bytes(&cur, &buf, &size);
      } else {
        const char* name = avro_schema_name(avro_value_get_schema(&cur));
        decimal = schema.decimals[f].Fixed(name == nullptr ? "" : name);
        avro_value_get_fixed(&cur, &buf, &size);
      }
      ok = decimal != nullptr && (mapped || kind == Kind::kNumber);
      if (!ok) break;
      if (!decode::DecimalFieldText(std::string_view(static_cast<const char*>(buf), size), *decimal,
                                    kind == Kind::kNumber && field != decode::EventField::kQuantity, label[f], &t,
                                    error)) {
        return false;
      }
      break;
    }
    default:
      ok = false;
  }
  if (!ok) {
    decode::FormatReasonText(decode::kWrongType,
                             fmt::format("{} is a {}", decode::Utf8Prefix(label[f], 64), TypeName(type)), error);
    return false;
  }
  raw.Set(field, t, label[f]);
  return true;
}

Status AvroEventDecoder::Decode(std::string_view message, DecodedRecord* out) {
  out->error.clear();
  out->raw.clear();
  auto dead = [&](std::string_view cls, std::string_view detail) {
    decode::FormatReasonText(cls, detail, &out->error);
    out->raw = Hex(message, kMaxRawBytes);
    return Status::OK();
  };
  if (message.size() < 5) return dead(decode::kBadAvro, fmt::format("{} bytes, shorter than the 5-byte header", message.size()));
  if (message[0] != 0) {
    return dead(decode::kBadAvro, fmt::format("magic byte {} is not 0 (not the Confluent wire format)",
                                              static_cast<unsigned char>(message[0])));
  }
  const auto* b = reinterpret_cast<const unsigned char*>(message.data());
  const auto id = static_cast<int32_t>((uint32_t{b[1]} << 24) | (uint32_t{b[2]} << 16) | (uint32_t{b[3]} << 8) | b[4]);
  auto schema_or = impl_->Schema(id);
  if (!schema_or.ok()) {
    return Status::Unavailable(fmt::format("schema {} of an Avro record: {}", id, schema_or.status().message()));
  }
  CompiledSchema* schema = schema_or.value();
  if (!schema->error.empty()) {
    out->error = schema->error;
    out->raw = Hex(message, kMaxRawBytes);
    return Status::OK();
  }
  const std::string_view body = message.substr(5);
  if (impl_->reader == nullptr) {
    impl_->reader = avro_reader_memory(body.data(), static_cast<int64_t>(body.size()));
  } else {
    avro_reader_memory_set_source(impl_->reader, body.data(), static_cast<int64_t>(body.size()));
  }
  avro_value_reset(&schema->value);
  impl_->allocations.clear();
  decode::TrackAvroAllocations(&impl_->allocations);
  const int rc = avro_value_read(impl_->reader, &schema->value);
  if (rc != 0) {
    const std::string why = fmt::format("does not decode with schema {}: {}", id,
                                        decode::Utf8Prefix(avro_strerror(), 200));
    // avro_allocator.h: destroy the value, then free what the failed read orphaned.
    avro_value_decref(&schema->value);
    schema->has_value = false;
    decode::TrackAvroAllocations(nullptr);
    for (void* p : impl_->allocations) std::free(p);
    impl_->allocations.clear();
    schema->has_value = avro_generic_value_new(schema->iface, &schema->value) == 0;
    if (!schema->has_value) return Status::IOError("avro-c: cannot allocate a value");
    return dead(decode::kBadAvro, why);
  }
  decode::TrackAvroAllocations(nullptr);
  char extra = 0;
  if (avro_read(impl_->reader, &extra, 1) == 0) {
    return dead(decode::kBadAvro, fmt::format("bytes left over after the record of schema {}", id));
  }
  impl_->raw.Clear();
  for (size_t f = 0; f < decode::kEventFieldCount; ++f) {
    if (impl_->path[f].empty()) continue;
    if (!impl_->ReadField(f, *schema, &schema->value, &out->error)) {
      out->raw = Hex(message, kMaxRawBytes);
      return Status::OK();
    }
  }
  decode::NormalizeEvent(impl_->raw, impl_->normalize, &out->event, &out->error);
  if (out->error.empty()) {
    InvoiceEvent& e = out->event;
    for (const std::string* s : {&e.invoice, &e.stock_code, &e.description, &e.customer_id, &e.country}) {
      if (!decode::IsValidUtf8(*s)) {
        decode::FormatReasonText(decode::kInvalidUtf8, "a string field is not valid UTF-8", &out->error);
        break;
      }
    }
  }
  if (!out->error.empty()) out->raw = Hex(message, kMaxRawBytes);
  return Status::OK();
}

}  // namespace segstream
