// Topic creation with librdkafka's Admin API (CreateTopics), which is far
// cheaper than a JVM tool call and works against any broker version we use.
#include "connectors/kafka/kafka_admin.h"

#include <charconv>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "connectors/kafka/rdkafka_util.h"

namespace segstream {
namespace {

struct TopicSpec {
  std::string name;
  int partitions;
  std::map<std::string, std::string> configs;
};

struct NewTopicDeleter {
  void operator()(rd_kafka_NewTopic_t* t) const { rd_kafka_NewTopic_destroy(t); }
};
using NewTopicPtr = std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter>;

// A client for admin calls, with the user's properties; `overrides` (may be
// null) win over them. `context` must outlive it.
Result<rdk::HandlePtr> NewAdminClient(const KafkaOptions& options, rdk::ClientContext* context,
                                      const std::map<std::string, std::string>* overrides = nullptr) {
  const std::map<std::string, std::string> defaults = {
      {"bootstrap.servers", options.brokers},
      {"client.id", "segstream-admin"},
  };
  const std::map<std::string, std::string> none;
  return rdk::NewClient(RD_KAFKA_PRODUCER, "admin client", context,
                        {&defaults, &options.properties, &options.producer_properties, overrides ? overrides : &none});
}

Status CreateTopics(const KafkaOptions& options, const std::vector<TopicSpec>& specs, int timeout_ms) {
  rdk::ClientContext context;
  Result<rdk::HandlePtr> client = NewAdminClient(options, &context);
  if (!client.ok()) return client.status();
  rdk::HandlePtr rk = std::move(client).value();
  char err[512];

  std::vector<NewTopicPtr> topics;
  std::vector<rd_kafka_NewTopic_t*> raw_topics;
  for (const TopicSpec& spec : specs) {
    NewTopicPtr t(rd_kafka_NewTopic_new(spec.name.c_str(), spec.partitions, options.replication_factor, err,
                                        sizeof(err)));
    if (!t) return Status::InvalidArgument(fmt::format("topic {}: {}", spec.name, err));
    for (const auto& [name, value] : spec.configs) {
      rd_kafka_resp_err_t e = rd_kafka_NewTopic_set_config(t.get(), name.c_str(), value.c_str());
      if (e) return Status::InvalidArgument(fmt::format("topic {} config {}: {}", spec.name, name, rd_kafka_err2str(e)));
    }
    raw_topics.push_back(t.get());
    topics.push_back(std::move(t));
  }
  rdk::QueuePtr queue(rd_kafka_queue_new(rk.get()));
  std::unique_ptr<rd_kafka_AdminOptions_t, decltype(&rd_kafka_AdminOptions_destroy)> admin_options(
      rd_kafka_AdminOptions_new(rk.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS), &rd_kafka_AdminOptions_destroy);
  rd_kafka_AdminOptions_set_request_timeout(admin_options.get(), timeout_ms, err, sizeof(err));
  rd_kafka_AdminOptions_set_operation_timeout(admin_options.get(), timeout_ms, err, sizeof(err));
  rd_kafka_CreateTopics(rk.get(), raw_topics.data(), raw_topics.size(), admin_options.get(), queue.get());

  // The result arrives on the queue; +1 s lets the request timeout fire first.
  rdk::EventPtr event(rd_kafka_queue_poll(queue.get(), timeout_ms + 1000));
  if (!event) return Status::Unavailable(fmt::format("Kafka CreateTopics: no answer from {} in {} ms", options.brokers, timeout_ms));
  if (rd_kafka_event_error(event.get())) {
    return Status::Unavailable(fmt::format("Kafka CreateTopics: {}", rd_kafka_event_error_string(event.get())));
  }
  const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event.get());
  size_t count = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &count);
  for (size_t i = 0; i < count; ++i) {
    rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR || e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) continue;
    const char* msg = rd_kafka_topic_result_error_string(results[i]);
    Status::Code code = e == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT || e == RD_KAFKA_RESP_ERR__TIMED_OUT
                            ? Status::Code::kUnavailable
                            : Status::Code::kInvalidArgument;
    std::string text = fmt::format("Kafka CreateTopics {}: {}", rd_kafka_topic_result_name(results[i]),
                                   msg ? msg : rd_kafka_err2str(e));
    return code == Status::Code::kUnavailable ? Status::Unavailable(text) : Status::InvalidArgument(text);
  }
  return Status::OK();
}

// Every config of `topic` as the broker reports it (its defaults where the
// topic sets none), by name.
Result<std::map<std::string, std::string>> TopicConfigs(rd_kafka_t* rk, const std::string& topic, int timeout_ms) {
  char err[512];
  std::unique_ptr<rd_kafka_ConfigResource_t, decltype(&rd_kafka_ConfigResource_destroy)> resource(
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()), &rd_kafka_ConfigResource_destroy);
  rdk::QueuePtr queue(rd_kafka_queue_new(rk));
  std::unique_ptr<rd_kafka_AdminOptions_t, decltype(&rd_kafka_AdminOptions_destroy)> admin_options(
      rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS), &rd_kafka_AdminOptions_destroy);
  rd_kafka_AdminOptions_set_request_timeout(admin_options.get(), timeout_ms, err, sizeof(err));
  rd_kafka_ConfigResource_t* resources[] = {resource.get()};
  rd_kafka_DescribeConfigs(rk, resources, 1, admin_options.get(), queue.get());
  rdk::EventPtr event(rd_kafka_queue_poll(queue.get(), timeout_ms + 1000));
  if (!event) return Status::Unavailable(fmt::format("Kafka DescribeConfigs {}: no answer in {} ms", topic, timeout_ms));
  if (rd_kafka_event_error(event.get())) {
    return Status::Unavailable(
        fmt::format("Kafka DescribeConfigs {}: {}", topic, rd_kafka_event_error_string(event.get())));
  }
  size_t count = 0;
  const rd_kafka_ConfigResource_t** results =
      rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(event.get()), &count);
  std::map<std::string, std::string> out;
  for (size_t i = 0; i < count; ++i) {
    if (rd_kafka_ConfigResource_error(results[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::Unavailable(
          fmt::format("Kafka DescribeConfigs {}: {}", topic, rd_kafka_ConfigResource_error_string(results[i])));
    }
    size_t entries = 0;
    const rd_kafka_ConfigEntry_t** configs = rd_kafka_ConfigResource_configs(results[i], &entries);
    for (size_t j = 0; j < entries; ++j) {
      const char* value = rd_kafka_ConfigEntry_value(configs[j]);
      out[rd_kafka_ConfigEntry_name(configs[j])] = value ? value : "";
    }
  }
  return out;
}

}  // namespace

Status EnsureTopics(const KafkaOptions& options, int timeout_ms) {
  const int n = options.topic_partitions;
  std::vector<TopicSpec> specs = {
      {options.input_topic, n, {}},
      {options.changes_topic, n, {}},
      {options.segments_topic, n, {{"cleanup.policy", "compact"}}},
      {options.models_topic, 1, {}},
      {options.dead_letters_topic, n, {}},
  };
  // A name given twice (e.g. a test feeding its output back as input) must be
  // requested once: CreateTopics rejects duplicates. The first spec wins.
  std::vector<TopicSpec> unique;
  for (TopicSpec& spec : specs) {
    bool seen = false;
    for (const TopicSpec& u : unique) seen = seen || u.name == spec.name;
    if (!seen) unique.push_back(std::move(spec));
  }
  return CreateTopics(options, unique, timeout_ms);
}

Status EnsureChangelogTopic(const KafkaOptions& options, int timeout_ms, int64_t* delete_retention_ms) {
  // A metadata request must not create the topic with the broker's defaults
  // (one partition, not compacted).
  const std::map<std::string, std::string> no_auto_create = {{"allow.auto.create.topics", "false"}};
  rdk::ClientContext context;
  Result<rdk::HandlePtr> client = NewAdminClient(options, &context, &no_auto_create);
  if (!client.ok()) return client.status();
  auto input = rdk::TopicPartitions(client->get(), options.input_topic, timeout_ms);
  if (!input.ok()) return input.status();
  if (input->empty()) {
    return Status::InvalidArgument(fmt::format(
        "the changelog is partitioned like the input, and input topic {} does not exist", options.input_topic));
  }
  const int partitions = static_cast<int>(input->size());
  auto existing = rdk::TopicPartitions(client->get(), options.changelog_topic, timeout_ms);
  if (!existing.ok()) return existing.status();
  if (existing->empty()) {
    SEGSTREAM_RETURN_IF_ERROR(CreateTopics(
        options,
        {TopicSpec{options.changelog_topic, partitions,
                   {{"cleanup.policy", "compact"}, {"max.message.bytes", "16777216"}}}},
        timeout_ms));
    // Metadata can lag the creation by a moment.
    for (int attempt = 0; attempt < 100; ++attempt) {
      existing = rdk::TopicPartitions(client->get(), options.changelog_topic, timeout_ms);
      if (!existing.ok()) return existing.status();
      if (!existing->empty()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  if (static_cast<int>(existing->size()) != partitions) {
    return Status::InvalidArgument(fmt::format(
        "changelog topic {} has {} partitions and input topic {} has {}: partition p of the changelog holds the "
        "state of input partition p, so they must match (add partitions to the changelog, or name another one "
        "with --changelog-topic)",
        options.changelog_topic, existing->size(), options.input_topic, partitions));
  }
  // A topic that deletes by age (cleanup.policy delete, or compact,delete)
  // drops the records of customers not seen within its retention.ms, and a
  // restore from it would silently lose them.
  auto configs = TopicConfigs(client->get(), options.changelog_topic, timeout_ms);
  if (!configs.ok()) return configs.status();
  const std::string policy = (*configs)["cleanup.policy"];
  if (policy != "compact") {
    return Status::InvalidArgument(fmt::format(
        "changelog topic {} has cleanup.policy={}, and a changelog must be compacted only (cleanup.policy=compact): "
        "deleting records by age would lose the state of customers not seen within its retention. Set it with "
        "kafka-configs.sh --bootstrap-server {} --alter --entity-type topics --entity-name {} --add-config "
        "cleanup.policy=compact (a state that logs to this topic can only go on with it), or, on an empty --state, "
        "name another topic with --changelog-topic",
        options.changelog_topic, policy.empty() ? "(none)" : policy, options.brokers, options.changelog_topic));
  }
  if (delete_retention_ms != nullptr) {
    const std::string& text = (*configs)["delete.retention.ms"];
    *delete_retention_ms = -1;
    int64_t ms = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) *delete_retention_ms = ms;
  }
  return Status::OK();
}

Status EnsureTopic(const KafkaOptions& options, const std::string& topic, int partitions,
                   const std::map<std::string, std::string>& configs, int timeout_ms) {
  return CreateTopics(options, {TopicSpec{topic, partitions, configs}}, timeout_ms);
}

Result<std::vector<Position>> ReadCommittedOffsets(const KafkaOptions& options, int timeout_ms) {
  // A consumer that never subscribes: it only asks the group coordinator.
  // Static membership would make it look like a member, so it gets none.
  std::map<std::string, std::string> properties = options.properties;
  properties.erase("group.instance.id");
  const std::map<std::string, std::string> defaults = {
      {"bootstrap.servers", options.brokers},
      {"client.id", "segstream-offsets"},
      {"group.id", options.group_id},
      {"enable.auto.commit", "false"},
  };
  rdk::ClientContext context;
  Result<rdk::HandlePtr> client = rdk::NewClient(RD_KAFKA_CONSUMER, "offsets client", &context, {&defaults, &properties});
  if (!client.ok()) return client.status();
  rdk::HandlePtr rk = std::move(client).value();

  Result<std::vector<int32_t>> partitions = rdk::TopicPartitions(rk.get(), options.input_topic, timeout_ms);
  if (!partitions.ok()) return partitions.status();
  rdk::PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
  for (const int32_t id : *partitions) rd_kafka_topic_partition_list_add(list.get(), options.input_topic.c_str(), id);
  std::vector<Position> out;
  if (list->cnt == 0) return out;  // the topic does not exist yet: nothing was consumed
  const rd_kafka_resp_err_t e = rd_kafka_committed(rk.get(), list.get(), timeout_ms);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Unavailable(
        fmt::format("committed offsets of group {}: {}", options.group_id, rd_kafka_err2str(e)));
  }
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = list->elems[i];
    if (p.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::Unavailable(fmt::format("committed offset of {} [{}]: {}", options.input_topic, p.partition,
                                             rd_kafka_err2str(p.err)));
    }
    if (p.offset >= 0) out.push_back(Position{p.partition, p.offset, 0});
  }
  return out;
}

}  // namespace segstream
