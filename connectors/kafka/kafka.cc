// Wiring of the Kafka source to the JSON (or Avro, or Debezium) event decoder, and of the sink to
// topic creation.
#include "connectors/kafka/kafka.h"

#include "connectors/decode/avro_decoder.h"
#include "connectors/decode/debezium.h"
#include "connectors/decode/json_decoder.h"

namespace segstream {

Result<std::unique_ptr<Source>> OpenKafkaSource(const KafkaOptions& options, StoredPositionLookup lookup,
                                                const decode::InputFormat& format,
                                                std::shared_ptr<SchemaRegistry> avro_registry) {
  if (format.debezium) {
    if (avro_registry) return Status::InvalidArgument("Debezium change events are read as JSON, not Avro");
    // One message = one change event; a null value is a tombstone.
    auto cdc = std::make_shared<DebeziumDecoder>(format);
    return OpenKafkaSourceWithDecoder(
        options, std::move(lookup),
        MessageDecoder([cdc](std::string_view value, std::vector<DecodedRecord>* out) {
          cdc->DecodeRecords(value, out);
          return Status::OK();
        }));
  }
  if (avro_registry) {
    auto avro = std::make_shared<AvroEventDecoder>(format, std::move(avro_registry));
    return OpenKafkaSourceWithDecoder(
        options, std::move(lookup),
        FallibleRecordDecoder([avro](std::string_view value, DecodedRecord* out) { return avro->Decode(value, out); }));
  }
  // The decoder reuses its parser; Poll calls it from one thread only.
  auto decoder = std::make_shared<JsonEventDecoder>(format);
  return OpenKafkaSourceWithDecoder(
      options, std::move(lookup),
      [decoder](std::string_view value, DecodedRecord* out) { decoder->Decode(value, out); });
}

Result<std::unique_ptr<Sink>> OpenKafkaSink(const KafkaOptions& options) {
  if (options.create_topics) SEGSTREAM_RETURN_IF_ERROR(EnsureTopics(options, 30000));
  return OpenKafkaSinkNoCreate(options);
}

}  // namespace segstream
