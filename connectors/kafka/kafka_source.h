// KafkaSource: the engine's input from a Kafka consumer group. Offsets are
// owned by the engine's state, not by the group: on every assignment a
// partition is positioned at the next offset stored in the state (falling
// back to the group's committed offset, then to the earliest), and offsets
// are committed to the group only after the pipeline says the state that
// consumed them is durable (for lag tools and for partitions that move).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "connectors/kafka/kafka_options.h"
#include "engine/event/source.h"
#include "engine/event/invoice_event.h"

namespace segstream {

// The next offset of `partition` of the input topic according to the state,
// nullopt when the state has never consumed it, or the error that kept the
// state from answering. An error is never read as "no stored position": the
// partition is not assigned, and the next Poll returns the error.
using StoredPositionLookup = std::function<Result<std::optional<int64_t>>(int32_t partition)>;

// Turns one message value into an event, or sets `out->error` (and raw).
using RecordDecoder = std::function<void(std::string_view value, DecodedRecord* out)>;

// A decoder that can also fail without deciding (the Avro decoder when the
// schema registry cannot be asked). A non-OK Status means: this message is
// neither an event nor a dead letter. Poll then returns that Status and drops
// the batch it was building, so no position moves past the message; the run
// stops and a restart reads it again from the stored positions.
using FallibleRecordDecoder = std::function<Status(std::string_view value, DecodedRecord* out)>;

// A decoder of messages that each stand for any number of records (a
// Debezium change event: an update is a retraction and an apply, a tombstone
// one skipped record). It appends the message's records to `out`; the
// source sets their origin (all the message's partition and offset), so they
// always land in the same batch and the position after the message is never
// committed between them. `value` is empty for a null value (a tombstone).
// A non-OK Status means the same as for FallibleRecordDecoder, and the
// records appended so far are dropped.
using MessageDecoder = std::function<Status(std::string_view value, std::vector<DecodedRecord>* out)>;

// Messages larger than this are dead-lettered without being decoded.
inline constexpr size_t kMaxKafkaRecordBytes = 1 << 20;

// A consumer with an explicit decoder (tests; the engine uses OpenKafkaSource
// in kafka.h, which plugs in the JSON event decoder). Subscribes to
// options.input_topic; the group join happens during the first Polls.
Result<std::unique_ptr<Source>> OpenKafkaSourceWithDecoder(const KafkaOptions& options,
                                                          StoredPositionLookup lookup,
                                                          RecordDecoder decoder);
Result<std::unique_ptr<Source>> OpenKafkaSourceWithDecoder(const KafkaOptions& options,
                                                          StoredPositionLookup lookup,
                                                          FallibleRecordDecoder decoder);
// Oversize messages are still dead letters; null and empty values reach the decoder.
Result<std::unique_ptr<Source>> OpenKafkaSourceWithDecoder(const KafkaOptions& options,
                                                          StoredPositionLookup lookup,
                                                          MessageDecoder decoder);

}  // namespace segstream
