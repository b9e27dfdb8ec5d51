// Restoring a state from its changelog topic; see changelog_restore.h.
#include "connectors/kafka/changelog_restore.h"

#include <algorithm>
#include <atomic>
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

// The topic a marker names (without "restoring:").
std::string MarkerTopic(const std::string& marker) {
  return marker.starts_with(kChangelogRestoringPrefix) ? marker.substr(kChangelogRestoringPrefix.size()) : marker;
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

// Aborts a transaction this instance's previous run left open (killed while
// one was under way), as the sink's init_transactions would: until the broker
// times it out, read_committed readers wait for it.
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

// Reads the changelog's committed records into `restorer`: each partition
// from `from` (partition -> offset; absent: the beginning) until the end of
// its committed records at or past the end it had at the start, and adds the
// offsets reached, and the time the ends were sampled (kChangelogSyncedName),
// to the restorer's last commit (the state then holds the changelog through
// them). Sets *needs_full (and reads nothing) when a partition's log now
// starts past its `from` offset, so the records in between are gone, or,
// with `tail_may_lack_tombstones`, when any partition has records past its
// `from` offset.
Status ReadChangelog(const KafkaOptions& options, const std::map<int32_t, int64_t>& from, bool full,
                     bool tail_may_lack_tombstones, const RestoreProgressFn& on_progress,
                     const std::atomic<bool>* stop, ChangelogRestorer* restorer, bool* needs_full) {
  *needs_full = false;
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
      {"auto.offset.reset", "earliest"},
  };
  const std::map<std::string, std::string> required = {{"isolation.level", "read_committed"},
                                                       {"enable.partition.eof", "true"},
                                                       {"enable.auto.commit", "false"},
                                                       {"enable.auto.offset.store", "false"}};
  rdk::ClientContext context;
  auto client = rdk::NewClient(RD_KAFKA_CONSUMER, "changelog restore consumer", &context,
                               {&defaults, &properties, &consumer, &required});
  if (!client.ok()) return client.status();
  rd_kafka_t* rk = client->get();
  const std::string& topic = options.changelog_topic;

  auto partitions = rdk::TopicPartitions(rk, topic, 30000);
  if (!partitions.ok()) return partitions.status();
  const int64_t sampled_ms = rdk::NowMicros() / 1000;  // before the first end is asked
  std::map<int32_t, int64_t> end;       // partition -> its high watermark when the restore started
  std::map<int32_t, int64_t> position;  // partition -> the next offset to apply (for progress reports)
  const uint64_t records_before = restorer->records();
  uint64_t expected = 0;
  rdk::PartitionListPtr assignment(rd_kafka_topic_partition_list_new(static_cast<int>(partitions->size())));
  for (const int32_t p : *partitions) {
    int64_t low = 0, high = 0;
    SEGSTREAM_RETURN_IF_ERROR(QueryWatermarks(rk, topic, p, &low, &high));
    auto f = from.find(p);
    const int64_t start = f == from.end() ? low : f->second;
    if (f != from.end() && start < low) {
      *needs_full = true;
      return Status::OK();
    }
    if (f != from.end() && start > high) {
      // Restoring from this topic would lose what the state holds.
      return Status::InvalidArgument(fmt::format(
          "changelog topic {} partition {} ends at offset {}, but this state holds it up to offset {}: the topic "
          "was deleted or re-created, so it can no longer restore this state. Log to a new topic from an empty "
          "--state, or recreate the topic's content before running with --changelog",
          topic, p, high, start));
    }
    if (high <= start) {
      restorer->SetOffset(p, high);
      continue;
    }
    if (f != from.end() && tail_may_lack_tombstones) {
      *needs_full = true;
      return Status::OK();
    }
    end[p] = high;
    position[p] = start;
    expected += static_cast<uint64_t>(high - start);
    rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), p)->offset =
        f == from.end() ? RD_KAFKA_OFFSET_BEGINNING : start;
  }
  // Progress for the metrics and /readyz: records applied, and an upper
  // bound of those left (each partition's end at the start minus the
  // offset of the last record applied from it).
  auto report = [&](bool done) {
    if (!on_progress) return;
    RestoreProgress progress;
    progress.topic = topic;
    progress.full = full;
    progress.done = done;
    progress.records = restorer->records() - records_before;
    for (const auto& [p, e] : end) progress.remaining += static_cast<uint64_t>(std::max<int64_t>(0, e - position[p]));
    on_progress(progress);
  };
  restorer->SetSynced(sampled_ms);
  report(end.empty());
  if (end.empty()) return Status::OK();
  SEGSTREAM_RETURN_IF_ERROR(rdk::FromErr(rd_kafka_assign(rk, assignment.get()), Status::Unavailable, "assign"));

  const size_t total_partitions = end.size();
  double last_note = Now();
  double last_report = last_note;
  while (!end.empty()) {
    if (stop != nullptr && stop->load()) {
      rd_kafka_consumer_close(rk);
      return Status::Aborted(fmt::format(
          "stopped during the restore from changelog topic {} ({} records applied); the next start restores again",
          topic, restorer->records() - records_before));
    }
    rdk::MessagePtr msg(rd_kafka_consumer_poll(rk, 200));
    const double now = Now();
    if (now - last_report >= 1) {
      last_report = now;
      report(false);
    }
    if (now - last_note >= 5) {
      last_note = now;
      log::Info("changelog_restore_progress",
                fmt::format("restored {} of at most {} records from {} ({} of {} partitions done; a partition whose "
                            "last transaction is still open waits until it commits or times out)",
                            restorer->records(), expected, topic, total_partitions - end.size(), total_partitions));
    }
    if (!msg) continue;
    auto it = end.find(msg->partition);
    if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      // read_committed: the end of the committed records (the last stable
      // offset). Before the start's end, a transaction is still open.
      if (it != end.end() && msg->offset >= it->second) {
        restorer->SetOffset(msg->partition, msg->offset);
        end.erase(it);
      }
      continue;
    }
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::IOError(
          fmt::format("reading changelog {} [{}]: {}", topic, msg->partition, rd_kafka_message_errstr(msg.get())));
    }
    if (it == end.end()) continue;  // a partition already at its end
    const std::string_view key(static_cast<const char*>(msg->key), msg->key_len);
    std::optional<std::string> value;
    if (msg->payload != nullptr) value.emplace(static_cast<const char*>(msg->payload), msg->len);
    Status s = restorer->Apply(key, value ? &*value : nullptr);
    if (!s.ok()) {
      return Status::Corruption(
          fmt::format("changelog {} [{}] offset {}: {}", topic, msg->partition, msg->offset, s.message()));
    }
    position[msg->partition] = msg->offset + 1;
  }
  rd_kafka_consumer_close(rk);
  report(true);
  return Status::OK();
}

// Deletes the logged keys and reads the whole changelog, under the
// "restoring:" marker, then marks the state as logging to the topic.
Result<ChangelogRestoreStats> FullRestore(const KafkaOptions& options, StateStore* store,
                                          const RestoreProgressFn& on_progress, const std::atomic<bool>* stop) {
  const std::string& topic = options.changelog_topic;
  SEGSTREAM_RETURN_IF_ERROR(WriteMarker(store, std::string(kChangelogRestoringPrefix) + topic));
  const double start = Now();
  log::Info("changelog_restore_started", fmt::format("restoring the state from changelog topic {}", topic));
  // Nothing of an interrupted restore or of a stale state may survive: a key
  // the changelog deleted can have lost its tombstone to compaction.
  SEGSTREAM_RETURN_IF_ERROR(DeleteLoggedKeys(store));
  ChangelogRestorer restorer(store);
  bool needs_full = false;
  SEGSTREAM_RETURN_IF_ERROR(ReadChangelog(options, {}, /*full=*/true, /*tail_may_lack_tombstones=*/false, on_progress,
                                          stop, &restorer, &needs_full));
  SEGSTREAM_RETURN_IF_ERROR(restorer.Finish());
  SEGSTREAM_RETURN_IF_ERROR(WriteMarker(store, topic));
  ChangelogRestoreStats stats;
  stats.full = true;
  stats.records = restorer.records();
  stats.seconds = Now() - start;
  log::Info("changelog_restored", fmt::format("restored {} records from changelog topic {} in {:.1f} s",
                                              stats.records, topic, stats.seconds));
  return stats;
}

}  // namespace

Result<ChangelogRestoreStats> PrepareChangelogState(const KafkaOptions& options, StateStore* store,
                                                    const StoredSinkOffsetsFn& stored_offsets,
                                                    const RestoreProgressFn& on_progress,
                                                    const std::atomic<bool>* stop) {
  auto marker = ReadMarker(store);
  if (!marker.ok()) return marker.status();
  if (!options.changelog) {
    if (*marker) {
      const std::string logged_to = MarkerTopic(**marker);
      return Status::InvalidArgument(fmt::format(
          "this state logs to changelog topic {}: run it on Kafka with --exactly-once --changelog "
          "--changelog-topic {} (running without it would leave the topic behind the state, and a restore from it "
          "would bring back an old state)",
          logged_to, logged_to));
    }
    return ChangelogRestoreStats{};
  }
  if (options.create_topics) SEGSTREAM_RETURN_IF_ERROR(EnsureTopics(options, 30000));
  int64_t retention_ms = -1;  // the topic's delete.retention.ms
  SEGSTREAM_RETURN_IF_ERROR(EnsureChangelogTopic(options, 30000, &retention_ms));
  const std::string& topic = options.changelog_topic;
  if (*marker && MarkerTopic(**marker) != topic) {
    return Status::InvalidArgument(fmt::format("this state logs to changelog topic {}, not {}: pass --changelog-topic {}",
                                               MarkerTopic(**marker), topic, MarkerTopic(**marker)));
  }
  if (!*marker) {
    auto holds = HoldsState(store);
    if (!holds.ok()) return holds.status();
    if (*holds) {
      return Status::InvalidArgument(fmt::format(
          "this state was not logged to changelog topic {} from its start, so the topic cannot restore it. Either "
          "run without --changelog, or start --changelog on an empty --state: that restores what the topic holds, "
          "which is the state the group's instances logged to it (empty for a new topic), not this directory's; "
          "to keep this directory's state, replay its input into an empty --state with --changelog",
          topic));
    }
    return FullRestore(options, store, on_progress, stop);
  }
  if (**marker != topic) return FullRestore(options, store, on_progress, stop);  // "restoring:": interrupted

  // A state that logs to the topic: the tail it lacks.
  auto offsets = stored_offsets();
  if (!offsets.ok()) return offsets.status();
  const ChangelogCheckpoint checkpoint = ReadChangelogCheckpoint(*offsets);
  const std::map<int32_t, int64_t>& from = checkpoint.next_offsets;
  const int64_t synced_ms = checkpoint.synced_ms;  // 0: unknown (a state written before it was stored)
  // Tombstones past this copy's offsets were written after synced_ms; the
  // cleaner drops a tombstone once delete.retention.ms has passed, so an
  // older copy may lack deletions that no record shows any more (a key
  // deleted there would come back).
  bool tail_may_lack_tombstones = false;
  std::string too_old;
  if (synced_ms > 0 && retention_ms >= 0) {
    const int64_t age_ms = rdk::NowMicros() / 1000 - synced_ms;
    if (age_ms > retention_ms) {
      tail_may_lack_tombstones = true;
      too_old = fmt::format("this state last held the whole changelog {:.1f} h ago, longer than topic {}'s "
                            "delete.retention.ms ({:.1f} h), so tombstones it lacks may be gone",
                            static_cast<double>(age_ms) / 3.6e6, topic, static_cast<double>(retention_ms) / 3.6e6);
    }
  }
  SEGSTREAM_RETURN_IF_ERROR(FenceOwnTransaction(options));
  const double start = Now();
  ChangelogRestorer restorer(store);
  bool needs_full = false;
  SEGSTREAM_RETURN_IF_ERROR(ReadChangelog(options, from, /*full=*/false, tail_may_lack_tombstones, on_progress,
                                          stop, &restorer, &needs_full));
  if (needs_full) {
    log::Warn("changelog_full_restore",
              fmt::format("{}; restoring the state in full",
                          tail_may_lack_tombstones
                              ? too_old
                              : fmt::format("changelog topic {} no longer holds the records after this state's "
                                            "offsets",
                                            topic)));
    return FullRestore(options, store, on_progress, stop);
  }
  SEGSTREAM_RETURN_IF_ERROR(restorer.Finish());
  ChangelogRestoreStats stats;
  stats.records = restorer.records();
  stats.seconds = Now() - start;
  if (stats.records > 0) {
    log::Warn("changelog_tail_restored",
              fmt::format("applied {} record(s) of changelog topic {} that this state lacked (a crash between a "
                          "transaction's commit and the state's, or another instance ran on) in {:.1f} s",
                          stats.records, topic, stats.seconds));
  }
  return stats;
}

}  // namespace segstream
