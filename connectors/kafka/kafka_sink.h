// KafkaSink: the engine's outputs as Kafka topics, written by one idempotent
// producer (acks=all). Flush waits for every delivery report, so the pipeline
// commits a batch's state only after its outputs are on the brokers. A broker
// outage makes Flush wait (message.timeout.ms=0: never expire), not fail.
// With options.changelog it also writes the state's changelog records
// (AppendStateChange) to options.changelog_topic, in the same transaction.
#pragma once

#include <memory>

#include "connectors/kafka/kafka_options.h"
#include "engine/event/sink.h"

namespace segstream {

// The producer for the four output topics of `options`. Topics are not
// created here (see EnsureTopics in kafka_admin.h; OpenKafkaSink in kafka.h
// calls it when options.create_topics is set).
Result<std::unique_ptr<Sink>> OpenKafkaSinkNoCreate(const KafkaOptions& options);

}  // namespace segstream
