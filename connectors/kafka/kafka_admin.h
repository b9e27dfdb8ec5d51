// EnsureTopics: creates the engine's topics through the Admin API when they do
// not exist yet (existing topics are left as they are). ReadCommittedOffsets:
// a consumer group's committed offsets, for exactly-once restarts.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "connectors/kafka/kafka_options.h"
#include "engine/event/invoice_event.h"
#include "engine/util/status.h"

namespace segstream {

// Creates input, changes, dead-letters (options.topic_partitions each),
// models (one partition: the model log is totally ordered) and the
// customer-segments topic (topic_partitions, cleanup.policy=compact: it holds
// the latest segment per customer). Unavailable when the brokers do not answer
// within timeout_ms.
Status EnsureTopics(const KafkaOptions& options, int timeout_ms);

// The offsets options.group_id has committed on options.input_topic, one
// Position per partition that has one (read_committed: offsets of open
// transactions are waited for). For exactly-once restarts.
Result<std::vector<Position>> ReadCommittedOffsets(const KafkaOptions& options, int timeout_ms);

// Creates options.changelog_topic (cleanup.policy=compact, max.message.bytes
// 16 MiB) with as many partitions as options.input_topic has, or checks that
// an existing one has that many: changelog partition p holds the state of
// input partition p (state/changelog.h). InvalidArgument when the input topic
// does not exist, the counts differ, or the existing topic's cleanup.policy is
// not exactly "compact" (a topic that also deletes by age loses the state of
// customers not seen within its retention); Unavailable when the brokers do
// not answer within timeout_ms. `delete_retention_ms` (optional) receives
// the topic's delete.retention.ms (-1 when the broker gives no number): how
// long its cleaner keeps a tombstone.
Status EnsureChangelogTopic(const KafkaOptions& options, int timeout_ms, int64_t* delete_retention_ms = nullptr);

// Creates one topic (OK when it already exists), e.g. for segctl produce.
Status EnsureTopic(const KafkaOptions& options, const std::string& topic, int partitions,
                   const std::map<std::string, std::string>& configs, int timeout_ms);

}  // namespace segstream
