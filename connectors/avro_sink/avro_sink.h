// AvroOutputSink: a Sink decorator that turns two of the engine's JSON
// outputs into Avro records in the Confluent wire format (magic byte 0,
// 4-byte big-endian schema id, Avro 1.11 binary encoding) before handing
// them to the inner sink (the Kafka producer), for `segstream run
// --avro-outputs`:
//   segment changes   -> record segstream.SegmentChange  (kSegmentChangeSchema)
//   customer segments -> record segstream.CustomerSegment (kCustomerSegmentSchema)
// Both schemas are registered under "<topic>-value" (Confluent's
// TopicNameStrategy) when the sink opens. Their fields are the JSON keys with
// the same values: strings, longs, doubles (recency_days, monetary), and
// ["null", T] unions for the JSON nulls (previous_segment_id/name, invoice).
// Models and dead letters stay JSON (their nested, evolving shape has no
// Avro schema yet).
//
// Errors: a registration that fails makes Open fail (the run stops before
// anything is published); a value that does not fit its schema (a bug) makes
// Append fail with Status::Corruption.
//
// Thread safety: as the inner sink (one thread).
#pragma once

#include <memory>
#include <string>

#include "engine/event/sink.h"
#include "engine/util/status.h"

namespace segstream {

class SchemaRegistry;

extern const char* const kSegmentChangeSchema;
extern const char* const kCustomerSegmentSchema;

struct AvroOutputTopics {
  std::string segment_changes;    // subject "<topic>-value"
  std::string customer_segments;
};

std::unique_ptr<Sink> MakeAvroOutputSink(std::unique_ptr<Sink> inner, std::shared_ptr<SchemaRegistry> registry,
                                         AvroOutputTopics topics);

}  // namespace segstream
