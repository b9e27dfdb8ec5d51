// AvroOutputSink; see avro_sink.h.
#include "connectors/avro_sink/avro_sink.h"

#include <avro.h>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <string_view>
#include <vector>

#include "connectors/schema_registry/schema_registry.h"

namespace segstream {

const char* const kSegmentChangeSchema = R"({"type":"record","name":"SegmentChange","namespace":"segstream","fields":[
{"name":"customer_id","type":"string"},
{"name":"seq","type":"long"},
{"name":"segment_id","type":"long"},
{"name":"segment_name","type":"string"},
{"name":"previous_segment_id","type":["null","long"],"default":null},
{"name":"previous_segment_name","type":["null","string"],"default":null},
{"name":"reason","type":"string"},
{"name":"recency_days","type":"double"},
{"name":"frequency","type":"long"},
{"name":"monetary","type":"double"},
{"name":"model_version","type":"long"},
{"name":"event_time","type":"string"},
{"name":"invoice","type":["null","string"],"default":null}]})";

const char* const kCustomerSegmentSchema = R"({"type":"record","name":"CustomerSegment","namespace":"segstream","fields":[
{"name":"customer_id","type":"string"},
{"name":"segment_id","type":"long"},
{"name":"segment_name","type":"string"},
{"name":"seq","type":"long"},
{"name":"model_version","type":"long"},
{"name":"event_time","type":"string"}]})";

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

// Sets a leaf (string, long, double; a union looked through) from JSON.
Status SetLeaf(avro_value_t* v, const nlohmann::json& j, const std::string& name) {
  avro_type_t t = avro_value_get_type(v);
  if (t == AVRO_UNION) {
    // ["null", T]: branch 0 for null, 1 otherwise.
    avro_value_t branch;
    if (avro_value_set_branch(v, j.is_null() ? 0 : 1, &branch) != 0) {
      return Status::Corruption(fmt::format("avro output: {}: {}", name, avro_strerror()));
    }
    if (j.is_null()) return avro_value_set_null(&branch) == 0 ? Status::OK() : Status::Corruption(name);
    return SetLeaf(&branch, j, name);
  }
  int rc = 0;
  if (t == AVRO_STRING && j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    rc = avro_value_set_string_len(v, s.c_str(), s.size() + 1);
  } else if (t == AVRO_INT64 && j.is_number_integer()) {
    rc = avro_value_set_long(v, j.get<int64_t>());
  } else if (t == AVRO_DOUBLE && j.is_number()) {
    rc = avro_value_set_double(v, j.get<double>());
  } else {
    return Status::Corruption(fmt::format("avro output: field {} does not fit its schema: {}", name, j.dump()));
  }
  return rc == 0 ? Status::OK() : Status::Corruption(fmt::format("avro output: {}: {}", name, avro_strerror()));
}

class AvroOutputSink final : public Sink {
 public:
  AvroOutputSink(std::unique_ptr<Sink> inner, std::shared_ptr<SchemaRegistry> registry, AvroOutputTopics topics)
      : inner_(std::move(inner)), registry_(std::move(registry)) {
    changes_.subject = topics.segment_changes + "-value";
    changes_.text = kSegmentChangeSchema;
    segments_.subject = topics.customer_segments + "-value";
    segments_.text = kCustomerSegmentSchema;
  }
  ~AvroOutputSink() override {
    if (writer_ != nullptr) avro_writer_free(writer_);
  }

  Status Open(const SinkOffsets& committed) override {
    for (OutSchema* s : {&changes_, &segments_}) {
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
    OutSchema* s = stream == OutputStream::kSegmentChanges     ? &changes_
                   : stream == OutputStream::kCustomerSegments ? &segments_
                                                               : nullptr;
    if (s == nullptr) return inner_->Append(stream, key, value);
    std::string framed;
    SEGSTREAM_RETURN_IF_ERROR(Encode(s, value, &framed));
    return inner_->Append(stream, key, framed);
  }

  Status Flush() override { return inner_->Flush(); }
  SinkOffsets Offsets() const override { return inner_->Offsets(); }
  void SetBatchPositions(const std::vector<Position>& positions) override { inner_->SetBatchPositions(positions); }
  std::vector<Position> PublishedPositions() const override { return inner_->PublishedPositions(); }

 private:
  Status Encode(OutSchema* s, std::string_view json_text, std::string* out) {
    nlohmann::json j = nlohmann::json::parse(json_text, nullptr, false);
    if (!j.is_object()) return Status::Corruption("avro output: not a JSON object");
    avro_value_reset(&s->value);
    size_t n = 0;
    avro_value_get_size(&s->value, &n);
    for (size_t i = 0; i < n; ++i) {
      avro_value_t field;
      const char* name = nullptr;
      avro_value_get_by_index(&s->value, i, &field, &name);
      auto it = j.find(name);
      SEGSTREAM_RETURN_IF_ERROR(SetLeaf(&field, it == j.end() ? nlohmann::json() : *it, name));
    }
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
  OutSchema changes_, segments_;
  avro_writer_t writer_ = nullptr;
};

}  // namespace

std::unique_ptr<Sink> MakeAvroOutputSink(std::unique_ptr<Sink> inner, std::shared_ptr<SchemaRegistry> registry,
                                         AvroOutputTopics topics) {
  return std::make_unique<AvroOutputSink>(std::move(inner), std::move(registry), std::move(topics));
}

}  // namespace segstream
