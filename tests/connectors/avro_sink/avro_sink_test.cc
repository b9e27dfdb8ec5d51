// Tests for the Avro output sink with FakeSchemaRegistry: the schemas are
// registered under "<topic>-value" on Open, segment changes, customer
// segments, models and dead letters become Confluent-framed Avro that reads
// back (avro-c) to the JSON values, streams without a topic pass through, and
// a registry outage fails Open.
#include "connectors/avro_sink/avro_sink.h"

#include <avro.h>
#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "connectors/schema_registry/schema_registry.h"

namespace segstream {
namespace {

struct Captured {
  std::vector<std::tuple<OutputStream, std::string, std::string>> records;
  bool opened = false;
  int flushes = 0;
};

class CaptureSink : public Sink {
 public:
  explicit CaptureSink(Captured* c) : c_(c) {}
  Status Open(const SinkOffsets&) override {
    c_->opened = true;
    return Status::OK();
  }
  Status Append(OutputStream s, std::string_view k, std::string_view v) override {
    c_->records.emplace_back(s, std::string(k), std::string(v));
    return Status::OK();
  }
  Status Flush() override {
    ++c_->flushes;
    return Status::OK();
  }

 private:
  Captured* c_;
};

// Reads a framed record back to JSON with avro-c and the registered schema.
nlohmann::json ReadBack(FakeSchemaRegistry& registry, const std::string& framed) {
  EXPECT_GE(framed.size(), 5u);
  EXPECT_EQ(framed[0], '\0');
  const auto* b = reinterpret_cast<const unsigned char*>(framed.data());
  const int32_t id = static_cast<int32_t>((uint32_t{b[1]} << 24) | (uint32_t{b[2]} << 16) | (uint32_t{b[3]} << 8) | b[4]);
  const std::string text = registry.SchemaById(id).value();
  avro_schema_t schema = nullptr;
  EXPECT_EQ(avro_schema_from_json_length(text.data(), text.size(), &schema), 0);
  avro_value_iface_t* iface = avro_generic_class_from_schema(schema);
  avro_value_t value;
  avro_generic_value_new(iface, &value);
  avro_reader_t reader = avro_reader_memory(framed.data() + 5, static_cast<int64_t>(framed.size() - 5));
  EXPECT_EQ(avro_value_read(reader, &value), 0) << avro_strerror();
  char* json = nullptr;
  avro_value_to_json(&value, 1, &json);
  nlohmann::json out = nlohmann::json::parse(json);
  free(json);
  avro_reader_free(reader);
  avro_value_decref(&value);
  avro_value_iface_decref(iface);
  avro_schema_decref(schema);
  return out;
}

constexpr const char* kChange =
    R"({"customer_id":"17850","seq":3,"segment_id":1,"segment_name":"loyal","previous_segment_id":null,)"
    R"("previous_segment_name":null,"reason":"purchase","recency_days":12.250000,"frequency":4,"monetary":5391.21,)"
    R"("model_version":2,"event_time":"2010-12-01T08:26:00Z","invoice":"536365"})";
constexpr const char* kChange2 =
    R"({"customer_id":"12","seq":4,"segment_id":0,"segment_name":"at risk","previous_segment_id":1,)"
    R"("previous_segment_name":"loyal","reason":"recency","recency_days":100.000000,"frequency":1,"monetary":-3,)"
    R"("model_version":3,"event_time":"2011-01-01T00:00:00Z","invoice":null})";
constexpr const char* kLatest =
    R"({"customer_id":"17850","segment_id":1,"segment_name":"loyal","seq":3,"model_version":2,"event_time":"2010-12-01T08:26:00Z"})";

TEST(AvroOutputSink, RegistersAndEncodes) {
  auto registry = std::make_shared<FakeSchemaRegistry>();
  Captured c;
  auto sink = MakeAvroOutputSink(std::make_unique<CaptureSink>(&c), registry, {"changes", "segments", "", ""});
  ASSERT_TRUE(sink->Open({}).ok());
  EXPECT_TRUE(c.opened);
  EXPECT_EQ(registry->SchemaById(1).value(), kSegmentChangeSchema);
  EXPECT_EQ(registry->SchemaById(2).value(), kCustomerSegmentSchema);
  ASSERT_TRUE(sink->Append(OutputStream::kSegmentChanges, "17850", kChange).ok());
  ASSERT_TRUE(sink->Append(OutputStream::kSegmentChanges, "12", kChange2).ok());
  ASSERT_TRUE(sink->Append(OutputStream::kCustomerSegments, "17850", kLatest).ok());
  ASSERT_TRUE(sink->Append(OutputStream::kModels, "2", R"({"model_version":2})").ok());
  ASSERT_TRUE(sink->Flush().ok());
  EXPECT_EQ(c.flushes, 1);
  ASSERT_EQ(c.records.size(), 4u);
  // avro-c writes unions as {"type": value}; compare after unwrapping.
  auto unwrap = [](nlohmann::json j) {
    for (auto& [k, v] : j.items()) {
      if (v.is_object() && v.size() == 1) v = v.begin().value();
    }
    return j;
  };
  EXPECT_EQ(std::get<1>(c.records[0]), "17850");
  EXPECT_EQ(unwrap(ReadBack(*registry, std::get<2>(c.records[0]))), nlohmann::json::parse(kChange));
  EXPECT_EQ(unwrap(ReadBack(*registry, std::get<2>(c.records[1]))), nlohmann::json::parse(kChange2));
  EXPECT_EQ(ReadBack(*registry, std::get<2>(c.records[2])), nlohmann::json::parse(kLatest));
  EXPECT_EQ(std::get<2>(c.records[3]), R"({"model_version":2})");  // no models topic given: JSON
}

// avro_value_to_json writes a union's non-null value as {"<branch type>": v}
// and a null field as null: unwrap the former, drop the latter (an absent
// JSON key reads back as null), recursively.
nlohmann::json Normalized(const nlohmann::json& j) {
  if (j.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : j) out.push_back(Normalized(e));
    return out;
  }
  if (!j.is_object()) return j;
  if (j.size() == 1) {
    const std::string& key = j.begin().key();
    for (const char* type : {"long", "double", "string", "array", "boolean", "KSelection"}) {
      if (key == type) return Normalized(j.begin().value());
    }
  }
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [k, v] : j.items()) {
    if (!v.is_null()) out[k] = Normalized(v);
  }
  return out;
}

// Two model versions as ServingModelJson writes them (the bootstrap with its k
// table; a later one with lineage, a k note and an undefined silhouette) and a
// dead letter become Avro that reads back to the same JSON.
TEST(AvroOutputSink, ModelsAndDeadLettersToo) {
  auto registry = std::make_shared<FakeSchemaRegistry>();
  Captured c;
  auto sink = MakeAvroOutputSink(std::make_unique<CaptureSink>(&c), registry,
                                 {"changes", "segments", "models", "dead"});
  ASSERT_TRUE(sink->Open({}).ok());
  EXPECT_EQ(registry->SchemaById(3).value(), kModelSchema);
  EXPECT_EQ(registry->SchemaById(4).value(), kDeadLetterSchema);
  const std::string bootstrap =
      R"({"model_version":1,"k":2,"event_time":"2010-12-08T16:11:00Z","customers":528,"inertia":268.7351,)"
      R"("silhouette":0.4091,"trigger":"bootstrap","k_requested":"auto","k_selection":{"customers_sampled":528,)"
      R"("table":[{"k":2,"inertia":1100.0567,"silhouette":0.3490},{"k":3,"inertia":864.9238,"silhouette":null}],)"
      R"("chosen":2},"scaler":{"features":["log1p_recency_days","log1p_frequency","log1p_monetary"],)"
      R"("mean":[1.217597,0.849529,5.524633],"std":[0.691379,0.291605,1.194399]},"segments":[{"segment_id":0,)"
      R"("name":"needs_attention","action":"re-engage","centroid":[0.001356,-0.536279,0.503161],)"
      R"("rfm":{"recency_days":2.38,"frequency":1.00,"monetary":456.42},"customers":86,"shift":0.000000},)"
      R"({"segment_id":1,"name":"at_risk","action":"win back","centroid":[1.103646,-0.536279,0.006637],)"
      R"("rfm":{"recency_days":6.25,"frequency":1.00,"monetary":251.79},"customers":133,"shift":0.000000}],)"
      R"("drift":{"max_centroid_shift":0.000000}})";
  const std::string later =
      R"({"model_version":7,"k":1,"event_time":"2011-01-08T16:11:00Z","customers":3,"inertia":0.0000,)"
      R"("silhouette":null,"trigger":"k_review","k_requested":4,"k_note":"k=4 requested; the population has only 1",)"
      R"("lineage":[{"segment_id":0,"from":[{"segment_id":0,"share":0.7500},{"segment_id":1,"share":0.2500}]}],)"
      R"("scaler":{"features":["log1p_recency_days","log1p_frequency","log1p_monetary"],)"
      R"("mean":[1.0,0.5,5.0],"std":[0.0,0.0,0.0]},"segments":[{"segment_id":0,"name":"loyal","action":"upsell",)"
      R"("centroid":[0.0,0.0,0.0],"rfm":{"recency_days":1.00,"frequency":2.00,"monetary":3.00},"customers":3,)"
      R"("shift":0.120000}],"previous_version":6,"drift":{"max_centroid_shift":0.120000}})";
  const std::string dead =
      R"({"source":"kafka:in","partition":1,"offset":42,"line":0,"reason":"bad_avro: magic byte 123 is not 0",)"
      R"("raw":"hex:7b22\u00e9"})";
  ASSERT_TRUE(sink->Append(OutputStream::kModels, "1", bootstrap).ok());
  ASSERT_TRUE(sink->Append(OutputStream::kModels, "7", later).ok());
  ASSERT_TRUE(sink->Append(OutputStream::kDeadLetters, "17850", dead).ok());
  ASSERT_EQ(c.records.size(), 3u);
  EXPECT_EQ(Normalized(ReadBack(*registry, std::get<2>(c.records[0]))), Normalized(nlohmann::json::parse(bootstrap)));
  EXPECT_EQ(Normalized(ReadBack(*registry, std::get<2>(c.records[1]))), Normalized(nlohmann::json::parse(later)));
  EXPECT_EQ(ReadBack(*registry, std::get<2>(c.records[2])), nlohmann::json::parse(dead));
  EXPECT_EQ(std::get<1>(c.records[2]), "17850");
  // A model whose shape does not fit (a string centroid) is an error, never a half-written record.
  nlohmann::json bad = nlohmann::json::parse(bootstrap);
  bad["segments"][0]["centroid"][1] = "x";
  Status s = sink->Append(OutputStream::kModels, "1", bad.dump());
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_NE(s.message().find("segments[0].centroid[1]"), std::string::npos) << s.ToString();
  EXPECT_EQ(c.records.size(), 3u);
}

TEST(AvroOutputSink, ValueNotFittingTheSchemaIsAnError) {
  auto registry = std::make_shared<FakeSchemaRegistry>();
  Captured c;
  auto sink = MakeAvroOutputSink(std::make_unique<CaptureSink>(&c), registry, {"changes", "segments", "", ""});
  ASSERT_TRUE(sink->Open({}).ok());
  Status s = sink->Append(OutputStream::kCustomerSegments, "1", R"({"customer_id":"1","segment_id":"x"})");
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_TRUE(c.records.empty());
}

TEST(AvroOutputSink, RegistryOutageFailsOpen) {
  auto registry = std::make_shared<FakeSchemaRegistry>();
  registry->SetUnavailable(true);
  Captured c;
  auto sink = MakeAvroOutputSink(std::make_unique<CaptureSink>(&c), registry, {"changes", "segments", "", ""});
  Status s = sink->Open({});
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_FALSE(c.opened);
}

}  // namespace
}  // namespace segstream
