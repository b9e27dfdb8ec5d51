// AvroOutputSink: a Sink decorator that turns the engine's JSON outputs into
// Avro records in the Confluent wire format (magic byte 0, 4-byte big-endian
// schema id, Avro 1.11 binary encoding; Confluent's "Wire format" in the
// Schema Registry serdes documentation) before handing them to the inner
// sink (the Kafka producer), for `segstream run --avro-outputs`:
//   segment changes   -> record segstream.SegmentChange   (kSegmentChangeSchema)
//   customer segments -> record segstream.CustomerSegment (kCustomerSegmentSchema)
//   model versions    -> record segstream.Model           (kModelSchema)
//   dead letters      -> record segstream.DeadLetter      (kDeadLetterSchema)
// (output_schemas.h). Each schema is registered under "<topic>-value"
// (Confluent's TopicNameStrategy) when the sink opens. The values are
// converted from the JSON the engine produced, field by field by the schema
// (records, arrays, ["null", T] and other unions, strings, longs, doubles),
// so an Avro output read back equals its JSON form (absent keys read as null).
//
// Errors: a registration that fails makes Open fail (the run stops before
// anything is published); a value that does not fit its schema (a bug) makes
// Append fail with Status::Corruption.
//
// Thread safety: as the inner sink (one thread).
#pragma once

#include <memory>
#include <string>

#include "connectors/avro_sink/output_schemas.h"
#include "engine/event/sink.h"
#include "engine/util/status.h"

namespace segstream {

class SchemaRegistry;

// The topics whose values are Avro (subject "<topic>-value" each); an empty
// name leaves that stream JSON.
struct AvroOutputTopics {
  std::string segment_changes;
  std::string customer_segments;
  std::string models;
  std::string dead_letters;
};

std::unique_ptr<Sink> MakeAvroOutputSink(std::unique_ptr<Sink> inner, std::shared_ptr<SchemaRegistry> registry,
                                         AvroOutputTopics topics);

}  // namespace segstream
