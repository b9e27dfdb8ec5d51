// The changelog (state/changelog.h): which partition each key is logged to,
// the record keys, and the round trip that matters: random writes (range
// deletes among them, with puts of the same range before and after them in
// one write) logged with AppendChangelog, compacted as Kafka would (latest
// record per key), then restored into an empty store in any interleaving of
// the partitions, equal the state they were logged from minus the keys that
// are never logged.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "engine/rfm/customer_key.h"
#include "engine/util/coding.h"
#include "state/changelog.h"
#include "tests/state/fake_state_store.h"

namespace segstream {
namespace {

using testing::FakeStateStore;

struct Record {
  int32_t partition;
  std::string key;
  std::optional<std::string> value;
};

std::string PartitionSuffix(int p) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%010d", p);
  return buf;
}

std::string IndexKey(int32_t partition, uint64_t local) {
  std::string k;
  PutBigEndian64(&k, CustomerIndex(partition, local));
  return k;
}

TEST(ChangelogTest, KeysGoToTheirInputPartition) {
  EXPECT_EQ(ChangelogPartition(Column::kCustomers, CustomerKey(7, "12345")), 7);
  EXPECT_EQ(ChangelogPartition(Column::kInvoices, CustomerKey(3, "1") + '\0' + "536365"), 3);
  EXPECT_EQ(ChangelogPartition(Column::kChanges, CustomerKey(11, "1") + '\0' + "seq"), 11);
  EXPECT_EQ(ChangelogPartition(Column::kTimers, PartitionKeyPrefix(5) + "due-and-index"), 5);
  EXPECT_EQ(ChangelogPartition(Column::kCustomerIndex, IndexKey(9, 42)), 9);
  EXPECT_EQ(ChangelogPartition(Column::kMeta, "partition/0000000006"), 6);
  EXPECT_EQ(ChangelogPartition(Column::kMeta, "pos/kafka:in.topic/0000000004"), 4);
  // Engine-wide keys: the global partition.
  EXPECT_EQ(ChangelogPartition(Column::kMeta, "engine"), kGlobalChangelogPartition);
  EXPECT_EQ(ChangelogPartition(Column::kMeta, "model/serving"), kGlobalChangelogPartition);
  EXPECT_EQ(ChangelogPartition(Column::kMeta, "analytics/hc"), kGlobalChangelogPartition);
  EXPECT_EQ(ChangelogPartition(Column::kMeta, "pos/kafka:x/notanumber"), kGlobalChangelogPartition);
  // This copy's own keys are never logged.
  EXPECT_EQ(ChangelogPartition(Column::kMeta, "format_version"), std::nullopt);
  EXPECT_EQ(ChangelogPartition(Column::kMeta, "instance_id"), std::nullopt);
  EXPECT_EQ(ChangelogPartition(Column::kMeta, std::string(kChangelogTopicKey)), std::nullopt);
  EXPECT_EQ(ChangelogPartition(Column::kMeta, "sink/models.jsonl"), std::nullopt);
}

TEST(ChangelogTest, RecordKeysRoundTripAndBadOnesAreCorruption) {
  for (size_t i = 0; i < kColumnCount; ++i) {
    const auto column = static_cast<Column>(i);
    Column got;
    std::string_view key;
    const std::string record = EncodeChangelogKey(column, std::string("k\0y", 3));
    ASSERT_TRUE(DecodeChangelogKey(record, &got, &key).ok());
    EXPECT_EQ(got, column);
    EXPECT_EQ(key, std::string("k\0y", 3));
  }
  Column c;
  std::string_view k;
  EXPECT_EQ(DecodeChangelogKey("", &c, &k).code(), Status::Code::kCorruption);
  EXPECT_EQ(DecodeChangelogKey("zkey", &c, &k).code(), Status::Code::kCorruption);
  FakeStateStore store;
  ChangelogRestorer restorer(&store);
  const std::string v = "x";
  EXPECT_EQ(restorer.Apply("minstance_id", &v).code(), Status::Code::kCorruption);
  EXPECT_EQ(restorer.Apply("?", &v).code(), Status::Code::kCorruption);
}

TEST(ChangelogTest, OffsetNamesNameTheirPartition) {
  EXPECT_EQ(ChangelogOffsetName(7), "changelog/0000000007");
  EXPECT_EQ(ChangelogOffsetPartition(ChangelogOffsetName(123456)), 123456);
  EXPECT_EQ(ChangelogOffsetPartition("segment-changes.jsonl"), std::nullopt);
  EXPECT_EQ(ChangelogOffsetPartition("changelog/x"), std::nullopt);
  // Stored as a local sink offset: never logged.
  StateWrite w;
  PutChangelogOffset(3, 42, &w);
  ASSERT_EQ(w.ops.size(), 1u);
  EXPECT_EQ(w.ops[0].key, "sink/changelog/0000000003");
  EXPECT_EQ(ChangelogPartition(Column::kMeta, w.ops[0].key), std::nullopt);
  // The checkpoint among a sink's offsets: partitions and the synced time,
  // not the file sink's sizes.
  EXPECT_EQ(ChangelogOffsetPartition(kChangelogSyncedName), std::nullopt);
  const ChangelogCheckpoint checkpoint = ReadChangelogCheckpoint(
      {{ChangelogOffsetName(0), 10}, {ChangelogOffsetName(2), 7}, {std::string(kChangelogSyncedName), 1234},
       {"segment-changes.jsonl", 99}});
  EXPECT_EQ(checkpoint.next_offsets, (std::map<int32_t, int64_t>{{0, 10}, {2, 7}}));
  EXPECT_EQ(checkpoint.synced_ms, 1234);
  EXPECT_EQ(ReadChangelogCheckpoint({}).synced_ms, 0);
}

TEST(ChangelogTest, ARangeDeleteBecomesOneTombstonePerKeyItRemoves) {
  FakeStateStore store;
  StateWrite seed;
  for (const char* k : {"a", "b", "c", "d"}) seed.Put(Column::kTimers, PartitionKeyPrefix(1) + k, "v");
  ASSERT_TRUE(store.Commit(seed).ok());
  StateWrite w;
  w.Put(Column::kTimers, PartitionKeyPrefix(1) + "bb", "new");  // in the range, before it: removed too
  w.Delete(Column::kTimers, PartitionKeyPrefix(1) + "c");       // already gone when the range runs
  w.DeleteRange(Column::kTimers, PartitionKeyPrefix(1) + "b", PartitionKeyPrefix(1) + "d");
  w.Put(Column::kTimers, PartitionKeyPrefix(1) + "c", "after");  // survives
  std::vector<Record> log;
  ASSERT_TRUE(AppendChangelog(w, &store,
                              [&](int32_t p, std::string_view k, const std::string* v) {
                                log.push_back({p, std::string(k), v ? std::optional<std::string>(*v) : std::nullopt});
                                return Status::OK();
                              })
                  .ok());
  std::vector<std::string> tombstones;
  for (const Record& r : log) {
    EXPECT_EQ(r.partition, 1);
    if (!r.value) tombstones.push_back(r.key.substr(1 + kPartitionPrefixBytes));
  }
  // "c" once for its own delete; the range then removes "b" and "bb".
  EXPECT_EQ(tombstones, (std::vector<std::string>{"c", "b", "bb"}));
  ASSERT_EQ(log.size(), 5u);
  EXPECT_EQ(log.back().value, "after");
}

// Random writes over few keys of every column and partition (so keys repeat),
// with range deletes among them.
StateWrite RandomWrite(std::mt19937_64* rng, int step) {
  StateWrite w;
  std::uniform_int_distribution<int> ops(1, 12);
  std::uniform_int_distribution<int> pick(0, 99);
  std::uniform_int_distribution<int> part(0, 3);
  std::uniform_int_distribution<int> small(0, 7);
  const int n = ops(*rng);
  for (int i = 0; i < n; ++i) {
    const int p = part(*rng);
    const int kind = pick(*rng);
    const std::string value = std::to_string(step * 100 + i);
    if (kind < 40) {
      w.Put(Column::kCustomers, CustomerKey(p, std::to_string(small(*rng))), value);
    } else if (kind < 50) {
      w.Delete(Column::kCustomers, CustomerKey(p, std::to_string(small(*rng))));
    } else if (kind < 62) {
      w.Put(Column::kTimers, PartitionKeyPrefix(p) + std::to_string(small(*rng)), value);
    } else if (kind < 66) {
      w.DeleteRange(Column::kTimers, PartitionKeyPrefix(p) + std::to_string(small(*rng) / 2),
                    PartitionKeyPrefix(p) + std::to_string(4 + small(*rng) / 2));
    } else if (kind < 68) {
      w.DeleteRange(Column::kTimers, std::string(), PartitionKeyPrefix(4));  // every timer
    } else if (kind < 75) {
      w.Put(Column::kCustomerIndex, IndexKey(p, static_cast<uint64_t>(small(*rng))), value);
    } else if (kind < 82) {
      w.Put(Column::kMeta, "analytics/hd/" + std::to_string(small(*rng)), value);
    } else if (kind < 84) {
      w.DeleteRange(Column::kMeta, "analytics/hd/", "analytics/hd0");
    } else if (kind < 90) {
      w.Put(Column::kMeta, "pos/kafka:t/" + PartitionSuffix(p), value);
    } else if (kind < 94) {
      w.Put(Column::kMeta, "engine", value);
    } else {
      // Never logged.
      w.Put(Column::kMeta, kind < 97 ? "sink/x" : "instance_id", value);
    }
  }
  return w;
}

TEST(ChangelogTest, RestoringTheCompactedLogInAnyPartitionOrderGivesTheState) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    FakeStateStore live;
    std::vector<Record> log;
    const ChangelogAppend append = [&](int32_t p, std::string_view k, const std::string* v) {
      log.push_back({p, std::string(k), v ? std::optional<std::string>(*v) : std::nullopt});
      return Status::OK();
    };
    for (int step = 0; step < 200; ++step) {
      const StateWrite w = RandomWrite(&rng, step);
      ASSERT_TRUE(AppendChangelog(w, &live, append).ok());
      ASSERT_TRUE(live.Commit(w).ok());
    }
    // Per partition, in log order; compacted: the latest record of each key
    // (tombstones kept, as before delete.retention.ms).
    std::map<int32_t, std::vector<Record>> partitions;
    std::map<std::string, int32_t> partition_of;
    for (const Record& r : log) {
      auto [it, inserted] = partition_of.emplace(r.key, r.partition);
      ASSERT_EQ(it->second, r.partition) << "a key was logged to two partitions";
      partitions[r.partition].push_back(r);
    }
    for (bool compact : {false, true}) {
      std::map<int32_t, std::vector<Record>> topic = partitions;
      if (compact) {
        for (auto& [p, records] : topic) {
          std::map<std::string, size_t> last;
          for (size_t i = 0; i < records.size(); ++i) last[records[i].key] = i;
          std::vector<Record> kept;
          for (size_t i = 0; i < records.size(); ++i) {
            if (last[records[i].key] == i) kept.push_back(records[i]);
          }
          records = std::move(kept);
        }
      }
      // Interleave the partitions at random, each in its own order.
      FakeStateStore restored;
      ChangelogRestorer restorer(&restored, /*batch_bytes=*/64);
      std::map<int32_t, size_t> next;
      size_t left = 0;
      for (const auto& [p, records] : topic) left += records.size();
      while (left > 0) {
        auto it = topic.begin();
        std::advance(it, static_cast<long>(rng() % topic.size()));
        size_t& i = next[it->first];
        if (i == it->second.size()) continue;
        const Record& r = it->second[i++];
        ASSERT_TRUE(restorer.Apply(r.key, r.value ? &*r.value : nullptr).ok());
        --left;
      }
      ASSERT_TRUE(restorer.Finish().ok());
      for (size_t c = 0; c < kColumnCount; ++c) {
        FakeStateStore::Table want = live.tables()[c];
        std::erase_if(want, [c](const auto& kv) { return !ChangelogPartition(static_cast<Column>(c), kv.first); });
        EXPECT_EQ(restored.tables()[c], want) << "seed " << seed << " column " << c << " compact " << compact;
      }
    }
  }
}

}  // namespace
}  // namespace segstream
