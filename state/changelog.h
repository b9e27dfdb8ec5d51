// Changelog: the state's committed changes as records of a compacted Kafka
// topic partitioned like the input (the Kafka Streams changelog), so that a
// new instance with an empty --state restores the state from Kafka instead
// of the disk it lost. The record layout is specified in state/FORMAT.md
// ("Changelog").
//
// A record's key is one column byte then the state key; its value is the
// state value, or none (a Kafka tombstone) for a deleted key. Compaction keeps
// the latest record per key, so the topic converges on the state itself.
// A key's changelog partition is the input partition its state belongs to
// (the state is keyed by input partition, engine/rfm/customer_key.h); the
// engine-wide keys (the model, the analytics, `engine`) go to partition
// kGlobalChangelogPartition. Keys that describe this copy of the state rather
// than the state (format_version, instance_id, file sink sizes, the changelog
// marker) are never logged.
//
// Stateless functions plus ChangelogRestorer, which is not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "engine/util/status.h"
#include "state/state_store.h"

namespace segstream {

// The changelog partition of the engine-wide keys.
inline constexpr int32_t kGlobalChangelogPartition = 0;

// The meta key naming the changelog topic this state logs to (never logged
// itself). Absent: the state has no changelog.
inline constexpr std::string_view kChangelogTopicKey = "changelog_topic";

// The marker's value while a full restore runs: this prefix, then the topic
// (a restore that dies is started again from the beginning).
inline constexpr std::string_view kChangelogRestoringPrefix = "restoring:";

// The changelog partition of `key` in `column`; nullopt for the keys that are
// not logged (see above).
std::optional<int32_t> ChangelogPartition(Column column, std::string_view key);

// The record key of `key` in `column`: the column's byte ('c' customers,
// 'i' invoices, 'h' changes, 'm' meta, 'x' customer_index, 't' timers), then
// the key.
std::string EncodeChangelogKey(Column column, std::string_view key);
// The inverse; Corruption when the record key is empty or its first byte
// names no column.
Status DecodeChangelogKey(std::string_view record_key, Column* column, std::string_view* key);

// The name of changelog partition `partition`'s next offset among a sink's
// offsets (Sink::Offsets; stored as the local meta key "sink/" + name):
// "changelog/<partition %010d>". How far this copy of the state holds the
// changelog, so a restart restores only the tail it lacks.
std::string ChangelogOffsetName(int32_t partition);
// The partition of such a name; nullopt for any other name.
std::optional<int32_t> ChangelogOffsetPartition(std::string_view name);
// Adds the stored offset of changelog partition `partition` to `write`, as a
// sink offset is stored (meta "sink/" + name -> varint, state/FORMAT.md).
void PutChangelogOffset(int32_t partition, int64_t next_offset, StateWrite* write);

// The name, among a sink's offsets, of the wall-clock time (Unix
// milliseconds) by which this copy of the state held everything the
// changelog had committed: set when its own transaction commits, and by a
// restore to the time it sampled the topic's ends. Every record past the
// stored offsets was written after it, so while it is younger than the
// topic's delete.retention.ms no tombstone this copy lacks can have been
// cleaned away. Not a partition's offset (ChangelogOffsetPartition: nullopt).
inline constexpr std::string_view kChangelogSyncedName = "changelog/synced_ms";
// Adds it to `write` (meta "sink/" + kChangelogSyncedName -> varint).
void PutChangelogSynced(int64_t unix_ms, StateWrite* write);

// How far a copy of the state holds its changelog (the Kafka Streams
// checkpoint), read from its sink offsets (Sink::Offsets names -> values).
struct ChangelogCheckpoint {
  std::map<int32_t, int64_t> next_offsets;  // changelog partition -> the next offset this copy lacks
  int64_t synced_ms = 0;                    // kChangelogSyncedName; 0 = unknown
};
ChangelogCheckpoint ReadChangelogCheckpoint(const std::map<std::string, int64_t>& sink_offsets);

// One changelog record: `value` null is a tombstone.
using ChangelogAppend =
    std::function<Status(int32_t partition, std::string_view record_key, const std::string* value)>;

// Appends, in the write's op order, the records that take the state from what
// `store` holds now (before `write` is committed) to what it holds after:
// a put is a record, a delete a tombstone, and a range delete one tombstone
// per key in the range that the store or an earlier op of `write` holds
// (a compacted topic has no range tombstones). Keys that are not logged are
// skipped. Returns the first error of `append` or of reading `store`.
Status AppendChangelog(const StateWrite& write, StateStore* store, const ChangelogAppend& append);

// Applies changelog records to a store, committing every `batch_bytes` of
// records and at Finish. Records of one key must arrive in log order (Kafka
// keeps it within a partition, and a key lives in one partition).
class ChangelogRestorer {
 public:
  explicit ChangelogRestorer(StateStore* store, size_t batch_bytes = 8 << 20)
      : store_(store), batch_bytes_(batch_bytes) {}

  // Corruption when the record key does not decode, or names a key that is
  // never logged (the topic is not this state's changelog).
  Status Apply(std::string_view record_key, const std::string* value);
  // Records that the state holds changelog partition `partition` up to
  // `next_offset`, stored (PutChangelogOffset) with the next commit.
  void SetOffset(int32_t partition, int64_t next_offset) { PutChangelogOffset(partition, next_offset, &pending_); }
  // Records when this copy held the whole changelog (kChangelogSyncedName),
  // stored with the next commit.
  void SetSynced(int64_t unix_ms) { PutChangelogSynced(unix_ms, &pending_); }
  // Commits what is pending.
  Status Finish();

  uint64_t records() const { return records_; }

 private:
  StateStore* store_;
  size_t batch_bytes_;
  StateWrite pending_;
  size_t pending_bytes_ = 0;
  uint64_t records_ = 0;
};

}  // namespace segstream
