// AvroOutputSink; see avro_sink.h.
#include "connectors/avro_sink/avro_sink.h"

#include <avro.h>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <string_view>
#include <utility>
#include <vector>

#include "connectors/avro_sink/output_schemas.h"
#include "connectors/schema_registry/schema_registry.h"

namespace segstream {

namespace {

// One output schema, compiled, with its registry id and a reused value.
struct OutSchema {
  std::string subject;
  const char* text = nullptr;
  int32_t id = 0;
  avro_schema_t schema = nullptr;
  avro_value_iface_t* iface = nullptr;
  avro_value_t value{};
  bool has_value = false;

  OutSchema() = default;
  OutSchema(const OutSchema&) = delete;
  OutSchema& operator=(const OutSchema&) = delete;
  ~OutSchema() {
    if (has_value) avro_value_decref(&value);
    if (iface != nullptr) avro_value_iface_decref(iface);
    if (schema != nullptr) avro_schema_decref(schema);
  }
};

// The union branch a JSON value takes: null -> the null branch; otherwise
// the first branch of a type that holds the value (a string -> string, an
// integer -> long or double, a number -> double, an object -> record, an
// array -> array). -1 when none does.
int UnionBranch(avro_schema_t u, const nlohmann::json& j) {
  const size_t n = avro_schema_union_size(u);
  for (size_t i = 0; i < n; ++i) {
    const avro_type_t t = avro_typeof(avro_schema_union_branch(u, static_cast<int>(i)));
    const bool fits = (j.is_null() && t == AVRO_NULL) || (j.is_string() && t == AVRO_STRING) ||
                      (j.is_number_integer() && (t == AVRO_INT64 || t == AVRO_DOUBLE)) ||
                      (j.is_number_float() && t == AVRO_DOUBLE) || (j.is_object() && t == AVRO_RECORD) ||
                      (j.is_array() && t == AVRO_ARRAY) || (j.is_boolean() && t == AVRO_BOOLEAN);
    if (fits) return static_cast<int>(i);
  }
  return -1;
}

// Sets `v` from JSON `j` by the value's schema: records field by field (an
// absent key is null), arrays element by element, unions by UnionBranch,
// and the leaves string, long, double, boolean, null. `name` is the field
// path for the error.
Status SetValue(avro_value_t* v, const nlohmann::json& j, const std::string& name) {
  auto unfit = [&] {
    return Status::Corruption(fmt::format("avro output: field {} does not fit its schema: {}", name,
                                          j.dump().substr(0, 200)));
  };
  int rc = 0;
  switch (avro_value_get_type(v)) {
    case AVRO_UNION: {
      const int index = UnionBranch(avro_value_get_schema(v), j);
      if (index < 0) return unfit();
      avro_value_t branch;
      if (avro_value_set_branch(v, index, &branch) != 0) {
        return Status::Corruption(fmt::format("avro output: {}: {}", name, avro_strerror()));
      }
      return SetValue(&branch, j, name);
    }
    case AVRO_RECORD: {
      if (!j.is_object()) return unfit();
      size_t n = 0;
      avro_value_get_size(v, &n);
      for (size_t i = 0; i < n; ++i) {
        avro_value_t field;
        const char* field_name = nullptr;
        avro_value_get_by_index(v, i, &field, &field_name);
        auto it = j.find(field_name);
        SEGSTREAM_RETURN_IF_ERROR(SetValue(&field, it == j.end() ? nlohmann::json() : *it,
                                           name.empty() ? field_name : name + "." + field_name));
      }
      return Status::OK();
    }
    case AVRO_ARRAY: {
      if (!j.is_array()) return unfit();
      for (size_t i = 0; i < j.size(); ++i) {
        avro_value_t element;
        if (avro_value_append(v, &element, nullptr) != 0) return unfit();
        SEGSTREAM_RETURN_IF_ERROR(SetValue(&element, j[i], fmt::format("{}[{}]", name, i)));
      }
      return Status::OK();
    }
    case AVRO_STRING:
      if (!j.is_string()) return unfit();
      rc = avro_value_set_string_len(v, j.get_ref<const std::string&>().c_str(),
                                     j.get_ref<const std::string&>().size() + 1);
      break;
    case AVRO_INT64:
      if (!j.is_number_integer()) return unfit();
      rc = avro_value_set_long(v, j.get<int64_t>());
      break;
    case AVRO_DOUBLE:
      if (!j.is_number()) return unfit();
      rc = avro_value_set_double(v, j.get<double>());
      break;
    case AVRO_BOOLEAN:
      if (!j.is_boolean()) return unfit();
      rc = avro_value_set_boolean(v, j.get<bool>() ? 1 : 0);
      break;
    case AVRO_NULL:
      if (!j.is_null()) return unfit();
      rc = avro_value_set_null(v);
      break;
    default:
      return unfit();
  }
  return rc == 0 ? Status::OK() : Status::Corruption(fmt::format("avro output: {}: {}", name, avro_strerror()));
}

class AvroOutputSink final : public Sink {
 public:
  AvroOutputSink(std::unique_ptr<Sink> inner, std::shared_ptr<SchemaRegistry> registry, AvroOutputTopics topics)
      : inner_(std::move(inner)), registry_(std::move(registry)) {
    const std::pair<const std::string*, const char*> streams[kStreams] = {
        {&topics.segment_changes, kSegmentChangeSchema},
        {&topics.customer_segments, kCustomerSegmentSchema},
        {&topics.models, kModelSchema},
        {&topics.dead_letters, kDeadLetterSchema}};
    for (size_t i = 0; i < kStreams; ++i) {
      // An empty topic name: that stream stays JSON.
      if (streams[i].first->empty()) continue;
      schemas_[i] = std::make_unique<OutSchema>();
      schemas_[i]->subject = *streams[i].first + "-value";
      schemas_[i]->text = streams[i].second;
    }
  }
  ~AvroOutputSink() override {
    if (writer_ != nullptr) avro_writer_free(writer_);
  }

  Status Open(const SinkOffsets& committed) override {
    for (auto& owned : schemas_) {
      if (!owned) continue;
      OutSchema* s = owned.get();
      if (avro_schema_from_json_length(s->text, std::string_view(s->text).size(), &s->schema) != 0) {
        return Status::Corruption(fmt::format("avro output schema {}: {}", s->subject, avro_strerror()));
      }
      s->iface = avro_generic_class_from_schema(s->schema);
      if (s->iface == nullptr || avro_generic_value_new(s->iface, &s->value) != 0) {
        return Status::Corruption(fmt::format("avro output schema {}: {}", s->subject, avro_strerror()));
      }
      s->has_value = true;
      auto id = registry_->Register(s->subject, s->text);
      if (!id.ok()) {
        return Status::Unavailable(fmt::format("registering the Avro schema of {}: {}", s->subject,
                                               id.status().message()));
      }
      s->id = id.value();
    }
    return inner_->Open(committed);
  }

  Status Append(OutputStream stream, std::string_view key, std::string_view value) override {
    const auto index = static_cast<size_t>(stream);
    OutSchema* s = index < kStreams ? schemas_[index].get() : nullptr;
    if (s == nullptr) return inner_->Append(stream, key, value);
    std::string framed;
    SEGSTREAM_RETURN_IF_ERROR(Encode(s, value, &framed));
    return inner_->Append(stream, key, framed);
  }

  Status Flush() override { return inner_->Flush(); }
  SinkOffsets Offsets() const override { return inner_->Offsets(); }
  void SetBatchPositions(const std::vector<Position>& positions) override { inner_->SetBatchPositions(positions); }
  std::vector<Position> PublishedPositions() const override { return inner_->PublishedPositions(); }
  Status AppendStateChange(int32_t partition, std::string_view record_key, const std::string* value) override {
    return inner_->AppendStateChange(partition, record_key, value);
  }

 private:
  Status Encode(OutSchema* s, std::string_view json_text, std::string* out) {
    nlohmann::json j = nlohmann::json::parse(json_text, nullptr, false);
    if (!j.is_object()) return Status::Corruption("avro output: not a JSON object");
    avro_value_reset(&s->value);
    SEGSTREAM_RETURN_IF_ERROR(SetValue(&s->value, j, ""));
    size_t size = 0;
    if (avro_value_sizeof(&s->value, &size) != 0) return Status::Corruption(avro_strerror());
    out->assign(5, '\0');
    const auto id = static_cast<uint32_t>(s->id);
    for (int i = 0; i < 4; ++i) (*out)[1 + i] = static_cast<char>((id >> (24 - 8 * i)) & 0xff);
    out->resize(5 + size);
    if (writer_ == nullptr) {
      writer_ = avro_writer_memory(out->data() + 5, static_cast<int64_t>(size));
    } else {
      avro_writer_memory_set_dest(writer_, out->data() + 5, static_cast<int64_t>(size));
    }
    if (avro_value_write(writer_, &s->value) != 0) return Status::Corruption(avro_strerror());
    return Status::OK();
  }

  std::unique_ptr<Sink> inner_;
  std::shared_ptr<SchemaRegistry> registry_;
  // Indexed by OutputStream (kSegmentChanges, kCustomerSegments, kModels,
  // kDeadLetters); null = that stream passes through as JSON.
  static constexpr size_t kStreams = 4;
  std::unique_ptr<OutSchema> schemas_[kStreams];
  avro_writer_t writer_ = nullptr;
};

}  // namespace

std::unique_ptr<Sink> MakeAvroOutputSink(std::unique_ptr<Sink> inner, std::shared_ptr<SchemaRegistry> registry,
                                         AvroOutputTopics topics) {
  return std::make_unique<AvroOutputSink>(std::move(inner), std::move(registry), std::move(topics));
}

}  // namespace segstream
