// KafkaOptions: where the engine's Kafka clients connect and which topics they
// use, read from the [kafka] table of segstream.toml (CLI flags override it).
// Any librdkafka property passes through verbatim, so SASL/TLS need no code.
#pragma once

#include <map>
#include <string>

#include <toml++/toml.h>

#include "engine/util/status.h"

namespace segstream {

struct KafkaOptions {
  std::string brokers;  // bootstrap.servers
  std::string group_id = "segstream";
  std::string input_topic = "segstream.invoices";
  std::string changes_topic = "segstream.segment-changes";
  std::string segments_topic = "segstream.customer-segments";  // compacted
  std::string models_topic = "segstream.models";
  std::string dead_letters_topic = "segstream.dead-letters";
  int topic_partitions = 1;
  int replication_factor = 1;
  bool create_topics = true;
  // Transactional outputs: each micro-batch's outputs and its input offsets
  // commit in one Kafka transaction (see kafka_sink.h); read_committed
  // consumers then see every output exactly once.
  bool exactly_once = false;
  // Empty: "segstream-" + group_id + "-" + input_topic, then "-" +
  // instance_id when there is one (unique per instance, stable across its
  // restarts).
  std::string transactional_id;
  // With exactly_once: every committed state change is also written, in the
  // batch's transaction, to a compacted changelog topic partitioned like the
  // input (state/changelog.h), and an instance starting on an empty state
  // restores the state from it (changelog_restore.h).
  bool changelog = false;
  // Empty until `segstream run` resolves it: group_id + "-state-changelog".
  std::string changelog_topic;
  // Not an option: the id of the state this instance runs on
  // (state/instance_id.h), set by `segstream run`. Offsets it commits carry
  // "segstream:<instance_id>" as metadata, and a partition another instance
  // committed beyond this state's position is refused (kafka_source.h).
  // Empty (tests of the clients alone): no metadata, no check.
  std::string instance_id;
  std::map<std::string, std::string> properties;           // librdkafka passthrough, both clients
  std::map<std::string, std::string> consumer_properties;  // consumer only
  std::map<std::string, std::string> producer_properties;  // producer only
};

// The producer's transactional.id: options.transactional_id, else
// "segstream-" + group_id + "-" + input_topic, then "-" + instance_id when
// there is one. One per instance (its state's id), stable across its
// restarts: two instances of one group must not fence each other, and a
// restarted instance must fence its own zombie.
std::string TransactionalId(const KafkaOptions& options);

// Reads the [kafka] table: keys brokers, group, input_topic, changes_topic,
// segments_topic, models_topic, dead_letters_topic, partitions, replication,
// create_topics, exactly_once, transactional_id, and the sub-tables [kafka.properties], [kafka.consumer],
// [kafka.producer] (librdkafka properties; strings, integers and booleans).
// "${NAME}" inside a value is replaced from the environment (for SASL
// passwords kept out of the file); an unset variable is an error. Unknown keys
// are errors too, so a typo does not silently fall back to a default.
// Only the keys present in the table overwrite *options.
Status LoadKafkaOptions(const toml::table& kafka_table, KafkaOptions* options);

// Replaces every "${NAME}" in `text` from the environment.
Result<std::string> ExpandEnv(const std::string& text);

// True for property names whose values must never be logged
// (the name contains "password", "secret" or "key", case-insensitive).
bool IsSecretProperty(const std::string& name);

// "name=value" lines of every property for logs, with secrets masked.
std::string DescribeProperties(const std::map<std::string, std::string>& properties);

}  // namespace segstream
