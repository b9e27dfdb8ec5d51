// Restoring a state from its changelog topic; see changelog_restore.h.
#include "connectors/kafka/changelog_restore.h"

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "connectors/kafka/kafka_admin.h"
#include "connectors/kafka/rdkafka_util.h"
#include "engine/util/log.h"
#include "state/changelog.h"

namespace segstream {
namespace {

constexpr std::string_view kRestoringPrefix = "restoring:";

double Now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// The marker's value; nullopt when the state has none.
Result<std::optional<std::string>> ReadMarker(StateStore* store) {
  std::string value;
  Status s = store->Get(Column::kMeta, kChangelogTopicKey, &value);
  if (s.code() == Status::Code::kNotFound) return std::optional<std::string>();
  if (!s.ok()) return s;
  return std::optional<std::string>(std::move(value));
}

Status WriteMarker(StateStore* store, const std::string& value) {
  StateWrite w;
  w.Put(Column::kMeta, std::string(kChangelogTopicKey), value);
  return store->Commit(w);
}

// True when the store holds a key the changelog would log: a state, not a
// fresh directory.
Result<bool> HoldsState(StateStore* store) {
  bool any = false;
  auto find_logged = [&any](Column column) {
    return [&any, column](std::string_view key, std::string_view) {
      any = ChangelogPartition(column, key).has_value();
      return !any;
    };
  };
  SEGSTREAM_RETURN_IF_ERROR(store->Scan(Column::kMeta, "", find_logged(Column::kMeta)));
  if (!any) SEGSTREAM_RETURN_IF_ERROR(store->Scan(Column::kCustomers, "", find_logged(Column::kCustomers)));
  return any;
}

// The partition's low and high watermarks, retried for 30 s while its leader
// is not known yet (a topic created a moment ago) or the broker is busy.
Status QueryWatermarks(rd_kafka_t* rk, const std::string& topic, int32_t partition, int64_t* low, int64_t* high) {
  const double give_up = Now() + 30;
  while (true) {
    const rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(rk, topic.c_str(), partition, low, high, 10000);
    const bool transient = e == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION ||
                           e == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE || e == RD_KAFKA_RESP_ERR__TIMED_OUT ||
                           e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || e == RD_KAFKA_RESP_ERR__TRANSPORT;
    if (!transient || Now() > give_up) {
      return rdk::FromErr(e, Status::Unavailable, fmt::format("watermarks of {} [{}]", topic, partition));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// Reads every partition of the changelog from the beginning to the end it had
// when the restore started, applying each record.
Status ReadChangelog(const KafkaOptions& options, ChangelogRestorer* restorer) {
  std::map<std::string, std::string> properties = options.properties;
  std::map<std::string, std::string> consumer = options.consumer_properties;
  // Not a member of the engine's group: it assigns partitions itself and
  // never commits.
  properties.erase("group.instance.id");
  consumer.erase("group.instance.id");
  const std::map<std::string, std::string> defaults = {
      {"bootstrap.servers", options.brokers},
      {"client.id", "segstream-restore"},
      {"group.id", options.group_id + ".changelog-restore"},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
      {"enable.partition.eof", "true"},
  };
  const std::map<std::string, std::string> required = {{"isolation.level", "read_committed"}};
  rdk::ClientContext context;
  auto client = rdk::NewClient(RD_KAFKA_CONSUMER, "changelog restore consumer", &context,
                               {&defaults, &properties, &consumer, &required});
  if (!client.ok()) return client.status();
  rd_kafka_t* rk = client->get();
  const std::string& topic = options.changelog_topic;

  auto partitions = rdk::TopicPartitions(rk, topic, 30000);
  if (!partitions.ok()) return partitions.status();
  std::map<int32_t, int64_t> end;  // partition -> the offset to read up to
  uint64_t expected = 0;
  rdk::PartitionListPtr assignment(rd_kafka_topic_partition_list_new(static_cast<int>(partitions->size())));
  for (const int32_t p : *partitions) {
    int64_t low = 0, high = 0;
    SEGSTREAM_RETURN_IF_ERROR(QueryWatermarks(rk, topic, p, &low, &high));
    if (high <= low) continue;
    end[p] = high;
    expected += static_cast<uint64_t>(high - low);
    rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  if (end.empty()) return Status::OK();
  SEGSTREAM_RETURN_IF_ERROR(rdk::FromErr(rd_kafka_assign(rk, assignment.get()), Status::Unavailable, "assign"));

  const size_t total_partitions = end.size();
  double last_note = Now();
  while (!end.empty()) {
    rdk::MessagePtr msg(rd_kafka_consumer_poll(rk, 200));
    const double now = Now();
    if (now - last_note >= 5) {
      last_note = now;
      log::Info("changelog_restore_progress",
                fmt::format("restored {} of about {} records from {} ({} of {} partitions done; a partition whose "
                            "last transaction is still open waits until it commits or times out)",
                            restorer->records(), expected, topic, total_partitions - end.size(), total_partitions));
    }
    if (!msg) continue;
    auto it = end.find(msg->partition);
    if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      // read_committed: EOF at the last stable offset.
      if (it != end.end() && msg->offset >= it->second) end.erase(it);
      continue;
    }
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::IOError(
          fmt::format("reading changelog {} [{}]: {}", topic, msg->partition, rd_kafka_message_errstr(msg.get())));
    }
    if (it == end.end()) continue;  // past the end this restore reads to
    const std::string_view key(static_cast<const char*>(msg->key), msg->key_len);
    std::optional<std::string> value;
    if (msg->payload != nullptr) value.emplace(static_cast<const char*>(msg->payload), msg->len);
    Status s = restorer->Apply(key, value ? &*value : nullptr);
    if (!s.ok()) {
      return Status::Corruption(
          fmt::format("changelog {} [{}] offset {}: {}", topic, msg->partition, msg->offset, s.message()));
    }
    if (msg->offset + 1 >= it->second) end.erase(it);
  }
  rd_kafka_consumer_close(rk);
  return Status::OK();
}

// Aborts a transaction this instance's previous run left open (killed while
// one was under way), as the sink's init_transactions would: until the broker
// times it out, read_committed readers of the group's offsets wait for it.
Status FenceOwnTransaction(const KafkaOptions& options) {
  const std::map<std::string, std::string> defaults = {
      {"bootstrap.servers", options.brokers},
      {"client.id", "segstream-fence"},
  };
  const std::map<std::string, std::string> transactional = {{"transactional.id", TransactionalId(options)},
                                                            {"transaction.timeout.ms", "60000"}};
  rdk::ClientContext context;
  auto client = rdk::NewClient(RD_KAFKA_PRODUCER, "fencing producer", &context,
                               {&defaults, &options.properties, &options.producer_properties, &transactional});
  if (!client.ok()) return client.status();
  return rdk::TakeError(rd_kafka_init_transactions(client->get(), 30000), Status::Unavailable, "init_transactions");
}

// True when the group committed an input offset past the state's position
// (or on a partition the state holds no position of). Another instance's
// transaction left open makes the offsets wait until the broker aborts it
// (transaction.timeout.ms, 60 s for segstream's producers): retried for 2 min.
Result<bool> BehindCommittedOffsets(const KafkaOptions& options, const StoredPositionsFn& stored_positions) {
  auto stored = stored_positions();
  if (!stored.ok()) return stored.status();
  SEGSTREAM_RETURN_IF_ERROR(FenceOwnTransaction(options));
  Result<std::vector<Position>> committed = ReadCommittedOffsets(options, 30000);
  for (int attempt = 1; attempt < 4 && !committed.ok(); ++attempt) {
    log::Warn("changelog_offsets_wait", fmt::format("reading the committed offsets of group {}: {} (an open "
                                                    "transaction? retrying)",
                                                    options.group_id, committed.status().message()));
    committed = ReadCommittedOffsets(options, 30000);
  }
  if (!committed.ok()) return committed.status();
  std::map<int32_t, int64_t> at;
  for (const Position& p : *stored) at[p.partition] = p.next_offset;
  for (const Position& c : *committed) {
    auto it = at.find(c.partition);
    if (it == at.end() || it->second < c.next_offset) return true;
  }
  return false;
}

// Deletes every key the changelog logs (the meta keys of this copy stay).
Status DeleteLoggedKeys(StateStore* store) {
  StateWrite w;
  for (size_t i = 0; i < kColumnCount; ++i) {
    const auto column = static_cast<Column>(i);
    if (column != Column::kMeta) {
      // Every key of these columns starts below 0xff (a partition or an
      // index, both < 2^24 in the top bits).
      w.DeleteRange(column, std::string(), std::string(1, '\xff'));
      continue;
    }
    SEGSTREAM_RETURN_IF_ERROR(store->Scan(column, "", [&w](std::string_view key, std::string_view) {
      if (ChangelogPartition(Column::kMeta, key)) w.Delete(Column::kMeta, std::string(key));
      return true;
    }));
  }
  return store->Commit(w);
}

}  // namespace

Result<ChangelogRestoreStats> PrepareChangelogState(const KafkaOptions& options, StateStore* store,
                                                    const StoredPositionsFn& stored_positions) {
  auto marker = ReadMarker(store);
  if (!marker.ok()) return marker.status();
  ChangelogRestoreStats stats;
  if (!options.changelog) {
    if (*marker) {
      return Status::InvalidArgument(fmt::format(
          "this state logs to changelog topic {}: run with --changelog --changelog-topic {} (running without it "
          "would leave the topic behind the state, and a restore from it would bring back an old state)",
          **marker, **marker));
    }
    return stats;
  }
  if (options.create_topics) SEGSTREAM_RETURN_IF_ERROR(EnsureTopics(options, 30000));
  SEGSTREAM_RETURN_IF_ERROR(EnsureChangelogTopic(options, 30000));
  const std::string& topic = options.changelog_topic;
  if (*marker == topic) {
    auto behind = BehindCommittedOffsets(options, stored_positions);
    if (!behind.ok()) return behind.status();
    if (!*behind) return stats;
    log::Warn("changelog_state_behind",
              fmt::format("consumer group {} committed input offsets past this state's positions (a crash between a "
                          "transaction's commit and the state's, or another instance ran on); restoring the state "
                          "from changelog topic {}",
                          options.group_id, topic));
    SEGSTREAM_RETURN_IF_ERROR(WriteMarker(store, std::string(kRestoringPrefix) + topic));
    marker = std::optional<std::string>(std::string(kRestoringPrefix) + topic);
  }
  const std::string restoring = std::string(kRestoringPrefix) + topic;
  if (*marker && **marker != restoring) {
    return Status::InvalidArgument(fmt::format(
        "this state logs to changelog topic {}, not {}: pass --changelog-topic {}", 
        (*marker)->starts_with(kRestoringPrefix) ? (*marker)->substr(kRestoringPrefix.size()) : **marker, topic,
        (*marker)->starts_with(kRestoringPrefix) ? (*marker)->substr(kRestoringPrefix.size()) : **marker));
  }
  if (!*marker) {
    auto holds = HoldsState(store);
    if (!holds.ok()) return holds.status();
    if (*holds) {
      return Status::InvalidArgument(fmt::format(
          "this state was not logged to changelog topic {} from its start, so the topic cannot restore it: start "
          "--changelog on an empty --state (it restores what the topic holds), or run without --changelog",
          topic));
    }
    SEGSTREAM_RETURN_IF_ERROR(WriteMarker(store, restoring));
  }
  const double start = Now();
  log::Info("changelog_restore_started", fmt::format("restoring the state from changelog topic {}", topic));
  // Nothing of an interrupted restore or of the stale state may survive: a
  // key the changelog deleted can have lost its tombstone to compaction.
  SEGSTREAM_RETURN_IF_ERROR(DeleteLoggedKeys(store));
  ChangelogRestorer restorer(store);
  SEGSTREAM_RETURN_IF_ERROR(ReadChangelog(options, &restorer));
  SEGSTREAM_RETURN_IF_ERROR(restorer.Finish());
  SEGSTREAM_RETURN_IF_ERROR(WriteMarker(store, topic));
  stats.restored = true;
  stats.records = restorer.records();
  stats.seconds = Now() - start;
  log::Info("changelog_restored", fmt::format("restored {} records from changelog topic {} in {:.1f} s",
                                              stats.records, topic, stats.seconds));
  return stats;
}

}  // namespace segstream
