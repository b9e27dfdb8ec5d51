// The Kafka connectors as the engine uses them: a consumer-group source that
// decodes DESIGN.md event JSON, a producer sink for the output topics, and
// topic creation. Include this header; the others are the building blocks.
#pragma once

#include "connectors/decode/input_format.h"

#include <memory>

#include "connectors/kafka/changelog_restore.h"
#include "connectors/kafka/kafka_admin.h"
#include "connectors/kafka/kafka_options.h"
#include "connectors/kafka/kafka_sink.h"
#include "connectors/kafka/kafka_source.h"
#include "engine/event/sink.h"
#include "engine/event/source.h"

namespace segstream {

class SchemaRegistry;  // connectors/schema_registry/schema_registry.h

// Consumes options.input_topic in group options.group_id; positions each
// assigned partition at lookup(partition) when the state has one. Messages
// are decoded with JsonEventDecoder; poison and oversize (> 1 MiB) messages
// come back as DecodedRecords with `error`, partition and offset set.
// `format` maps a foreign JSON layout (decode/input_format.h); nothing is
// sniffed from a topic, so a mapped time format other than `auto` must be given.
// With `avro_registry`, values are Avro records in the Confluent wire format
// instead (AvroEventDecoder, decode/avro_decoder.h), their schemas fetched
// from that registry and mapped by `format` the same way; a registry that
// cannot be asked makes Poll fail without consuming the message.
// With format.debezium (--input-format debezium), each value is one Debezium
// JSON change event (DebeziumDecoder, decode/debezium.h): an update gives a
// retraction and an apply, always in the same batch (one offset); a null
// value or JSON null is a tombstone, one record skipped as "tombstone".
Result<std::unique_ptr<Source>> OpenKafkaSource(const KafkaOptions& options, StoredPositionLookup lookup,
                                                const decode::InputFormat& format = {},
                                                std::shared_ptr<SchemaRegistry> avro_registry = nullptr);

// The idempotent producer for the output topics; creates the topics first
// (EnsureTopics, 30 s timeout) when options.create_topics is set.
Result<std::unique_ptr<Sink>> OpenKafkaSink(const KafkaOptions& options);

}  // namespace segstream
