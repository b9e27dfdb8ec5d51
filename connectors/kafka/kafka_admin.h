// EnsureTopics: creates the engine's topics through the Admin API when they do
// not exist yet (existing topics are left as they are).
#pragma once

#include <map>
#include <string>

#include "connectors/kafka/kafka_options.h"

namespace segstream {

// Creates input, changes, dead-letters (options.topic_partitions each),
// models (one partition: the model log is totally ordered) and the
// customer-segments topic (topic_partitions, cleanup.policy=compact: it holds
// the latest segment per customer). Unavailable when the brokers do not answer
// within timeout_ms.
Status EnsureTopics(const KafkaOptions& options, int timeout_ms);

// Creates one topic (OK when it already exists), e.g. for segctl produce.
Status EnsureTopic(const KafkaOptions& options, const std::string& topic, int partitions,
                   const std::map<std::string, std::string>& configs, int timeout_ms);

}  // namespace segstream
