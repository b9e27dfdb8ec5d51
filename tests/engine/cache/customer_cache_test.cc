// Tests for engine/cache: CustomerCache against the obvious model of a
// least-recently-used cache (a list of ids, most recent first, and a map of
// records), through random lookups, inserts, pins and evictions; and the
// cases that once went wrong in the engine (a batched read naming a customer
// twice, eviction blocked by pinned entries).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <list>
#include <map>
#include <random>
#include <string>

#include "engine/cache/customer_cache.h"

namespace segstream {
namespace {

CustomerRecord Record(uint64_t index, int64_t frequency) {
  CustomerRecord r;
  r.index = index;
  r.frequency = frequency;
  return r;
}

std::string Id(uint64_t index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "c%llu", static_cast<unsigned long long>(index));
  return buf;
}

// The model: ids most recently used first; records and pins by id.
struct Model {
  std::list<std::string> order;
  std::map<std::string, std::pair<CustomerRecord, bool>> entries;  // id -> (record, pinned)

  void Use(const std::string& id) {
    order.remove(id);
    order.push_front(id);
  }
  bool EvictDownTo(size_t target) {
    for (auto it = order.end(); it != order.begin() && entries.size() > target;) {
      --it;
      if (entries.at(*it).second) continue;
      entries.erase(*it);
      it = order.erase(it);
    }
    return entries.size() <= target;
  }
};

TEST(CustomerCacheTest, BehavesAsLeastRecentlyUsedUnderRandomOperations) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 200; ++round) {
    CustomerCache cache;
    Model model;
    const uint64_t ids = 1 + rng() % 40;
    for (int op = 0; op < 300; ++op) {
      const uint64_t index = rng() % ids;
      const std::string id = Id(index);
      const bool cached = model.entries.count(id) != 0;
      switch (rng() % 6) {
        case 0:
        case 1: {  // insert (a store read)
          const CustomerRecord rec = Record(index, static_cast<int64_t>(rng() % 100));
          bool inserted = false;
          const uint32_t slot = cache.Insert(id, rec, CustomerHistory(), &inserted);
          ASSERT_EQ(inserted, !cached);
          if (!cached) {
            model.entries[id] = {rec, false};
            model.order.push_front(id);
          }
          // Never replaced by the read: the cached record is the current one.
          EXPECT_EQ(cache.at(slot).rec.frequency, model.entries.at(id).first.frequency);
          break;
        }
        case 2: {  // lookup by id, then a change to the record
          const uint32_t slot = cache.Find(id);
          ASSERT_EQ(slot != CustomerCache::kNone, cached);
          if (!cached) break;
          model.Use(id);
          cache.at(slot).rec.frequency += 1;
          model.entries.at(id).first.frequency += 1;
          break;
        }
        case 3: {  // lookup by index
          const uint32_t slot = cache.FindIndex(index);
          ASSERT_EQ(slot != CustomerCache::kNone, cached);
          if (!cached) break;
          model.Use(id);
          EXPECT_EQ(cache.at(slot).key, id);
          break;
        }
        case 4: {  // pin or unpin (dirty, or in the step buffer)
          const uint32_t slot = cache.Peek(id);
          ASSERT_EQ(slot != CustomerCache::kNone, cached);
          if (!cached) break;
          const bool pin = rng() % 2 == 0;
          (rng() % 2 == 0 ? cache.at(slot).dirty : cache.at(slot).in_step) = pin;
          if (!pin) cache.at(slot).dirty = cache.at(slot).in_step = false;
          model.entries.at(id).second = pin;
          break;
        }
        case 5: {  // eviction
          const size_t target = rng() % (ids + 1);
          EXPECT_EQ(cache.EvictDownTo(target), model.EvictDownTo(target));
          break;
        }
      }
      ASSERT_EQ(cache.Inconsistency(), "") << "round " << round << " op " << op;
      ASSERT_EQ(cache.size(), model.entries.size());
      for (const auto& [mid, entry] : model.entries) {
        const uint32_t slot = cache.Peek(mid);
        ASSERT_NE(slot, CustomerCache::kNone) << mid;
        EXPECT_EQ(cache.at(slot).rec.frequency, entry.first.frequency);
        EXPECT_EQ(cache.at(slot).rec.index, entry.first.index);
      }
    }
  }
}

TEST(CustomerCacheTest, EvictionTakesTheLeastRecentlyUsedFirst) {
  CustomerCache cache;
  for (uint64_t i = 0; i < 5; ++i) cache.Insert(Id(i), Record(i, 1), CustomerHistory());
  cache.Find(Id(0));       // 0 is now the newest: 1 is the oldest
  cache.FindIndex(1);      // and now 1 is: 2 is the oldest
  ASSERT_TRUE(cache.EvictDownTo(3));
  EXPECT_FALSE(cache.Contains(Id(2)));
  EXPECT_FALSE(cache.Contains(Id(3)));
  EXPECT_TRUE(cache.Contains(Id(0)) && cache.Contains(Id(1)) && cache.Contains(Id(4)));
  EXPECT_TRUE(cache.ContainsIndex(4));
  EXPECT_FALSE(cache.ContainsIndex(3));
  EXPECT_EQ(cache.Inconsistency(), "");
}

TEST(CustomerCacheTest, PinnedEntriesStayAndReportTheShortfall) {
  CustomerCache cache;
  for (uint64_t i = 0; i < 4; ++i) cache.Insert(Id(i), Record(i, 1), CustomerHistory());
  cache.at(cache.Peek(Id(0))).dirty = true;
  cache.at(cache.Peek(Id(1))).in_step = true;
  EXPECT_FALSE(cache.EvictDownTo(1));  // two pinned entries cannot go
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_TRUE(cache.Contains(Id(0)) && cache.Contains(Id(1)));
  cache.at(cache.Peek(Id(0))).dirty = false;  // committed
  EXPECT_TRUE(cache.EvictDownTo(1));
  EXPECT_TRUE(cache.Contains(Id(1)));
  EXPECT_EQ(cache.Inconsistency(), "");
}

TEST(CustomerCacheTest, ASecondInsertOfOneIdKeepsOneEntry) {
  // A batched read that names a customer twice (samples draw with
  // replacement) once made a second, unmapped entry; evicting it unmapped
  // the live one.
  CustomerCache cache;
  const uint32_t first = cache.Insert("a", Record(0, 1), CustomerHistory());
  cache.at(first).rec.frequency = 5;  // changed since the read
  cache.at(first).dirty = true;
  bool inserted = true;
  EXPECT_EQ(cache.Insert("a", Record(0, 1), CustomerHistory(), &inserted), first);
  EXPECT_FALSE(inserted);
  EXPECT_EQ(cache.at(first).rec.frequency, 5);
  cache.Insert("b", Record(1, 1), CustomerHistory());
  EXPECT_TRUE(cache.EvictDownTo(1));
  EXPECT_EQ(cache.Find("a"), first);
  EXPECT_EQ(cache.Inconsistency(), "");
}

TEST(CustomerCacheTest, FreedEntriesAreReusedAndSlotsStayValidUntilEviction) {
  CustomerCache cache;
  for (uint64_t i = 0; i < 3; ++i) cache.Insert(Id(i), Record(i, 1), CustomerHistory());
  const uint32_t kept = cache.Find(Id(2));
  ASSERT_TRUE(cache.EvictDownTo(1));
  EXPECT_EQ(cache.at(kept).key, Id(2));
  const uint32_t a = cache.Insert(Id(7), Record(7, 1), CustomerHistory());
  const uint32_t b = cache.Insert(Id(8), Record(8, 1), CustomerHistory());
  EXPECT_LT(std::max(a, b), 3u);  // the two freed entries, no growth
  EXPECT_EQ(cache.Find(Id(0)), CustomerCache::kNone);
  EXPECT_EQ(cache.FindIndex(8), b);
  EXPECT_EQ(cache.Inconsistency(), "");
}

}  // namespace
}  // namespace segstream
