// Tests for the Avro output sink with FakeSchemaRegistry: the schemas are
// registered under "<topic>-value" on Open, segment changes and customer
// segments become Confluent-framed Avro that reads back (avro-c) to the JSON
// values, other streams pass through, and a registry outage fails Open.
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
  auto sink = MakeAvroOutputSink(std::make_unique<CaptureSink>(&c), registry, {"changes", "segments"});
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
  EXPECT_EQ(std::get<2>(c.records[3]), R"({"model_version":2})");  // models stay JSON
}

TEST(AvroOutputSink, ValueNotFittingTheSchemaIsAnError) {
  auto registry = std::make_shared<FakeSchemaRegistry>();
  Captured c;
  auto sink = MakeAvroOutputSink(std::make_unique<CaptureSink>(&c), registry, {"changes", "segments"});
  ASSERT_TRUE(sink->Open({}).ok());
  Status s = sink->Append(OutputStream::kCustomerSegments, "1", R"({"customer_id":"1","segment_id":"x"})");
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_TRUE(c.records.empty());
}

TEST(AvroOutputSink, RegistryOutageFailsOpen) {
  auto registry = std::make_shared<FakeSchemaRegistry>();
  registry->SetUnavailable(true);
  Captured c;
  auto sink = MakeAvroOutputSink(std::make_unique<CaptureSink>(&c), registry, {"changes", "segments"});
  Status s = sink->Open({});
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_FALSE(c.opened);
}

}  // namespace
}  // namespace segstream
