// Tests for engine/partitions: PartitionDirectory over the in-memory store
// (tests/state/fake_state_store.h). Population positions must map one to
// one onto the customers numbered so far (checked against a plain list of
// every index handed out, in partition then creation order), counts must
// survive a commit and a reload, and damaged count keys must be refused.
// FindStoredCustomer is checked for a customer in one partition, in two
// (the one with the latest event answers), and in none.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "engine/partitions/partition_directory.h"
#include "engine/rfm/customer_key.h"
#include "state/record_codec.h"
#include "tests/state/fake_state_store.h"

namespace segstream {
namespace {

void Commit(PartitionDirectory* d, testing::FakeStateStore* store) {
  StateWrite w;
  d->WriteTo(&w);
  ASSERT_TRUE(store->Commit(w).ok());
  d->OnCommitted();
}

TEST(PartitionDirectoryTest, PositionsEnumerateEveryCustomerOnceInPartitionOrder) {
  testing::FakeStateStore store;
  PartitionDirectory d;
  ASSERT_TRUE(d.Load(&store).ok());
  std::mt19937 rng(7);
  const std::vector<int32_t> parts = {5, 0, 11, 3, kMaxStatePartition};
  std::vector<uint64_t> handed_out;
  for (int i = 0; i < 2000; ++i) {
    const int32_t p = parts[rng() % parts.size()];
    uint64_t index = 0;
    ASSERT_TRUE(d.NewIndex(p, &index));
    EXPECT_EQ(PartitionOfIndex(index), p);
    EXPECT_TRUE(d.Holds(index));
    handed_out.push_back(index);
    d.AdvanceWatermark(p, 1000 + (i * 7919) % 5000);  // event times out of order
    if (i % 500 == 499) Commit(&d, &store);
  }
  for (int32_t p : parts) {
    EXPECT_NE(d.watermark(p), kNoTime) << p;
    const int64_t latest = d.watermark(p);
    d.AdvanceWatermark(p, latest - 1);  // never moves back
    EXPECT_EQ(d.watermark(p), latest);
  }
  EXPECT_EQ(d.watermark(4), kNoTime);
  int64_t min = kNoTime;
  for (int32_t p : parts) min = min == kNoTime ? d.watermark(p) : std::min(min, d.watermark(p));
  EXPECT_EQ(d.MinWatermark(), min);
  Commit(&d, &store);
  // The model: every index handed out, sorted (partition, then creation order).
  std::sort(handed_out.begin(), handed_out.end());
  ASSERT_EQ(d.total(), handed_out.size());
  for (uint64_t pos = 0; pos < d.total(); ++pos) ASSERT_EQ(d.IndexAt(pos), handed_out[pos]) << pos;
  EXPECT_EQ(d.partitions(), (std::vector<int32_t>{0, 3, 5, 11, kMaxStatePartition}));
  EXPECT_FALSE(d.Holds(CustomerIndex(4, 0)));
  EXPECT_FALSE(d.Holds(CustomerIndex(5, d.customers(5))));

  PartitionDirectory reloaded;
  ASSERT_TRUE(reloaded.Load(&store).ok());
  EXPECT_EQ(reloaded.total(), d.total());
  EXPECT_EQ(reloaded.partitions(), d.partitions());
  for (int32_t p : parts) {
    EXPECT_EQ(reloaded.customers(p), d.customers(p)) << p;
    EXPECT_EQ(reloaded.watermark(p), d.watermark(p)) << p;
  }
  for (uint64_t pos = 0; pos < d.total(); pos += 37) EXPECT_EQ(reloaded.IndexAt(pos), handed_out[pos]);
}

TEST(PartitionDirectoryTest, OnePartitionPositionIsTheIndex) {
  // A file replay (partition 0): sampling by position draws the same
  // customers as the single-partition layout did by index.
  testing::FakeStateStore store;
  PartitionDirectory d;
  uint64_t index = 0;
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(d.NewIndex(0, &index));
  for (uint64_t pos = 0; pos < 100; ++pos) EXPECT_EQ(d.IndexAt(pos), pos);
}

TEST(PartitionDirectoryTest, UncommittedCountsAreNotStored) {
  testing::FakeStateStore store;
  PartitionDirectory d;
  uint64_t index = 0;
  ASSERT_TRUE(d.NewIndex(2, &index));
  PartitionDirectory other;
  ASSERT_TRUE(other.Load(&store).ok());
  EXPECT_EQ(other.total(), 0u);
}

TEST(PartitionDirectoryTest, DamagedCountKeysAreCorruption) {
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"partition/00000000x1", std::string("\x01\x05", 2)},
           {"partition/0000000001", std::string("\x02\x05", 2)},   // unknown format
           {"partition/0000000001", std::string("\x01", 1)},       // truncated
           {"partition/0099999999", std::string("\x01\x05", 2)}}) {  // partition out of range
    testing::FakeStateStore store;
    StateWrite w;
    w.Put(Column::kMeta, key, value);
    ASSERT_TRUE(store.Commit(w).ok());
    PartitionDirectory d;
    const Status s = d.Load(&store);
    EXPECT_EQ(s.code(), Status::Code::kCorruption) << key;
  }
}

void PutCustomer(testing::FakeStateStore* store, PartitionDirectory* d, int32_t p, const std::string& id,
                 int64_t last_event) {
  CustomerRecord r;
  ASSERT_TRUE(d->NewIndex(p, &r.index));
  r.last_event_ts = last_event;
  StateWrite w;
  w.Put(Column::kCustomers, CustomerKey(p, id), EncodeCustomer(r));
  d->WriteTo(&w);
  ASSERT_TRUE(store->Commit(w).ok());
  d->OnCommitted();
}

TEST(PartitionDirectoryTest, FindStoredCustomerLooksInEveryPartition) {
  testing::FakeStateStore store;
  PartitionDirectory d;
  PutCustomer(&store, &d, 3, "17850", 100);
  PutCustomer(&store, &d, 1, "12346", 50);
  PutCustomer(&store, &d, 7, "12346", 80);  // the same id in a second partition: the later event answers
  std::string key, value;
  size_t holders = 0;
  ASSERT_TRUE(FindStoredCustomer(&store, "17850", &key, &value, &holders).ok());
  EXPECT_EQ(key, CustomerKey(3, "17850"));
  EXPECT_EQ(holders, 1u);
  ASSERT_TRUE(FindStoredCustomer(&store, "12346", &key, &value, &holders).ok());
  EXPECT_EQ(key, CustomerKey(7, "12346"));
  EXPECT_EQ(holders, 2u);
  CustomerRecord r;
  ASSERT_TRUE(DecodeCustomer(value, &r).ok());
  EXPECT_EQ(r.last_event_ts, 80);
  EXPECT_EQ(FindStoredCustomer(&store, "99999", &key, &value).code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace segstream
