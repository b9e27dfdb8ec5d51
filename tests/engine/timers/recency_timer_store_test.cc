// Tests for engine/timers: RecencyTimerStore over the in-memory store
// (tests/state/fake_state_store.h). The order and content of due timers
// against an ordered set of (due, index), the obvious model, through
// commits, pending writes over committed ones, EraseAll's range delete, and
// the errors of a failing store and of a damaged key.
#include <gtest/gtest.h>

#include <set>
#include <utility>
#include <vector>

#include "engine/timers/recency_timer_store.h"
#include "state/record_codec.h"
#include "tests/state/fake_state_store.h"

namespace segstream {
namespace {

std::vector<std::pair<int64_t, uint64_t>> Keys(const std::vector<DueTimer>& due) {
  std::vector<std::pair<int64_t, uint64_t>> out;
  for (const DueTimer& t : due) out.emplace_back(t.due, t.index);
  return out;
}

void Commit(RecencyTimerStore* timers, testing::FakeStateStore* store) {
  StateWrite w;
  timers->WriteTo(&w);
  ASSERT_TRUE(store->Commit(w).ok());
  timers->OnCommitted();
}

TEST(RecencyTimerStoreTest, DueTimersInOrderThroughCommits) {
  testing::FakeStateStore store;
  RecencyTimerStore timers(&store);
  timers.Put(100, 5, 1);
  timers.Put(100, 2, 1);
  timers.Put(50, 9, 1);
  timers.Put(300, 7, 3);
  Commit(&timers, &store);
  EXPECT_EQ(timers.pending_writes(), 0u);
  timers.Put(40, 8, 1);     // pending, before the committed ones
  timers.Erase(50, 9);      // a committed timer erased, not yet committed
  std::vector<DueTimer> due;
  ASSERT_TRUE(timers.PopDue({0}, kNoTime, 39, &due).ok());
  EXPECT_TRUE(due.empty());
  ASSERT_TRUE(timers.PopDue({0}, 39, 100, &due).ok());
  EXPECT_EQ(Keys(due), (std::vector<std::pair<int64_t, uint64_t>>{{40, 8}, {100, 2}, {100, 5}}));
  EXPECT_EQ(due[1].version, 1u);
  // Popped timers are erased: once committed, they are gone from the store.
  Commit(&timers, &store);
  ASSERT_TRUE(timers.PopDue({0}, kNoTime, 1000, &due).ok());
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].due, 300);
  EXPECT_EQ(due[0].index, 7u);
  EXPECT_EQ(due[0].version, 3u);
  Commit(&timers, &store);
  EXPECT_TRUE(store.table(Column::kTimers).empty());
}

TEST(RecencyTimerStoreTest, EraseAllIsARangeDeleteThatLaterPutsSurvive) {
  testing::FakeStateStore store;
  RecencyTimerStore timers(&store);
  for (uint64_t i = 0; i < 50; ++i) timers.Put(1000 + static_cast<int64_t>(i), i, 1);
  Commit(&timers, &store);
  timers.Put(2000, 3, 1);
  timers.EraseAll();  // drops the pending put too
  timers.Put(1500, 4, 2);
  std::vector<DueTimer> due;
  ASSERT_TRUE(timers.PopDue({0}, kNoTime, 1'000'000, &due).ok());  // reads see the erase before the commit
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].index, 4u);
  timers.Put(1600, 6, 2);
  StateWrite w;
  timers.WriteTo(&w);
  ASSERT_FALSE(w.ops.empty());
  EXPECT_TRUE(w.ops.front().erase_range);  // first, so the puts after it survive
  ASSERT_TRUE(store.Commit(w).ok());
  timers.OnCommitted();
  ASSERT_EQ(store.table(Column::kTimers).size(), 1u);  // 1500/4 was popped (erased); 1600/6 stays
  EXPECT_EQ(store.table(Column::kTimers).begin()->first, TimerKey(1600, 6));
}

// A long random sequence of puts, erases, pops and commits against an
// ordered set: the store and its pending writes must pop exactly what the
// set holds, in its order (due, then index, across three partitions),
// whenever the commits happen.
TEST(RecencyTimerStoreTest, MatchesAnOrderedSetUnderChurn) {
  testing::FakeStateStore store;
  RecencyTimerStore timers(&store);
  std::set<std::pair<int64_t, uint64_t>> model;  // (due, customer index)
  std::vector<int64_t> due_of(3000, kNoTime);  // by slot; slot i is customer CustomerIndex(i % 3, i / 3)
  uint64_t x = 12345;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  int64_t watermark = 0, last_pop = kNoTime;
  for (int round = 0; round < 200; ++round) {
    for (int i = 0; i < 300; ++i) {
      const uint64_t slot = next() % due_of.size();
      const uint64_t index = CustomerIndex(static_cast<int32_t>(slot % 3), slot / 3);  // three partitions
      const int64_t d = (next() % 7 == 0) ? kNoTime : watermark + 1 + static_cast<int64_t>(next() % 50);
      if (due_of[slot] != kNoTime) {
        model.erase({due_of[slot], index});
        timers.Erase(due_of[slot], index);
      }
      due_of[slot] = d;
      if (d != kNoTime) {
        model.insert({d, index});
        timers.Put(d, index, static_cast<uint64_t>(round));
      }
    }
    if (next() % 3 != 0) Commit(&timers, &store);
    watermark += 5;
    std::vector<std::pair<int64_t, uint64_t>> expected;
    while (!model.empty() && model.begin()->first <= watermark) {
      expected.push_back(*model.begin());
      const uint64_t index = model.begin()->second;
      due_of[PartitionOfIndex(index) + 3 * LocalIndex(index)] = kNoTime;
      model.erase(model.begin());
    }
    std::vector<DueTimer> due;
    ASSERT_TRUE(timers.PopDue({0, 1, 2}, last_pop, watermark, &due).ok());
    last_pop = watermark;
    ASSERT_EQ(Keys(due), expected) << "round " << round;
  }
}

TEST(RecencyTimerStoreTest, StoreErrorsAndDamagedKeysAreReturned) {
  testing::FakeStateStore store;
  RecencyTimerStore timers(&store);
  timers.Put(10, 1, 1);
  Commit(&timers, &store);
  StateWrite bad;
  bad.Put(Column::kTimers, TimerKey(20, 2).substr(0, 5), "x");  // not a timer key
  ASSERT_TRUE(store.Commit(bad).ok());
  std::vector<DueTimer> due;
  Status s = timers.PopDue({0}, kNoTime, 100, &due);
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_EQ(due.size(), 1u);  // the good one still comes
  store.FailReads(Status::IOError("disk gone"));
  timers.Put(30, 3, 1);
  s = timers.PopDue({0}, 20, 100, &due);
  EXPECT_EQ(s.code(), Status::Code::kIOError);
}

}  // namespace
}  // namespace segstream
