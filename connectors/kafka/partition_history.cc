// CheckPartitionHistory; see partition_history.h.
#include "connectors/kafka/partition_history.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <set>
#include <string>
#include <vector>

#include "connectors/kafka/rdkafka_util.h"
#include "engine/util/log.h"

namespace segstream {

Status CheckPartitionHistory(rd_kafka_t* consumer, rd_kafka_topic_partition_list_t* parts,
                             const std::map<int32_t, int64_t>& stored, const KafkaOptions& options) {
  if (options.instance_id.empty() || parts->cnt == 0) return Status::OK();
  rdk::PartitionListPtr committed(rd_kafka_topic_partition_list_copy(parts));
  for (int i = 0; i < committed->cnt; ++i) committed->elems[i].offset = RD_KAFKA_OFFSET_INVALID;
  // Blocking; assignments are rare.
  const rd_kafka_resp_err_t e = rd_kafka_committed(consumer, committed.get(), 30000);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Unavailable(fmt::format("cannot read the committed offsets of group {} to check who processed "
                                           "the assigned partitions: {}",
                                           options.group_id, rd_kafka_err2str(e)));
  }
  for (int i = 0; i < committed->cnt; ++i) {
    const rd_kafka_topic_partition_t& c = committed->elems[i];
    const std::string other = rdk::CommittingInstance(c);
    if (c.err != RD_KAFKA_RESP_ERR_NO_ERROR || c.offset < 0 || other.empty()) continue;
    if (other == options.instance_id) {
      if (!stored.contains(c.partition)) {
        log::Warn("replay_from_beginning",
                  fmt::format("partition {}: this instance committed offsets its state does not hold (a crash "
                              "between a transaction's commit and the state's); reading it from the beginning",
                              c.partition));
        rd_kafka_topic_partition_list_find(parts, c.topic, c.partition)->offset = RD_KAFKA_OFFSET_BEGINNING;
      }
      continue;
    }
    auto it = stored.find(c.partition);
    if (it != stored.end() && it->second >= c.offset) continue;  // this state holds all of it
    return Status::NotSupported(fmt::format(
        "partition {} of {}: segstream instance {} of consumer group {} processed it up to offset {}, but this "
        "state holds it {}; its customers' history is in that instance's state. Moving a partition's state "
        "between instances is not built yet (docs/kafka.md, \"More than one instance\"): run one instance per "
        "group, or give this one its own --group",
        c.partition, options.input_topic, other, options.group_id, c.offset,
        it == stored.end() ? std::string("not at all") : "only up to offset " + std::to_string(it->second)));
  }
  return Status::OK();
}

Status CheckWholeTopicAssigned(rd_kafka_t* consumer, const rd_kafka_topic_partition_list_t* parts,
                               const KafkaOptions& options) {
  Result<std::vector<int32_t>> all = rdk::TopicPartitions(consumer, options.input_topic, 30000);
  if (!all.ok()) {
    return Status::Unavailable(
        fmt::format("cannot check that this instance is the only member of consumer group {}: {}", options.group_id,
                    all.status().message()));
  }
  std::set<int32_t> assigned;
  for (int i = 0; i < parts->cnt; ++i) {
    if (options.input_topic == parts->elems[i].topic) assigned.insert(parts->elems[i].partition);
  }
  std::vector<int32_t> missing;
  for (const int32_t p : *all) {
    if (!assigned.contains(p)) missing.push_back(p);
  }
  if (missing.empty()) return Status::OK();
  return Status::NotSupported(fmt::format(
      "consumer group {} has another member: this instance was assigned {} of the {} partitions of {}, and "
      "partitions {} went to another member. Each instance would train and publish its own model on its share; "
      "sharing one model and moving state between instances is not built yet (docs/kafka.md, \"More than one "
      "instance\"): run one instance per group, or give this one its own --group",
      options.group_id, assigned.size(), all->size(), options.input_topic, fmt::join(missing, ", ")));
}

}  // namespace segstream
