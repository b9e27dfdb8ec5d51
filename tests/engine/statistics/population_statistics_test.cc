// Tests for engine/statistics: PopulationStatistics under a random sequence
// of purchases (leave, change, enter), customers becoming inactive, and
// recency syncs, against the obvious model: a scaler built from scratch over
// the active customers, each at the later of its last touch and the last
// sync. The sums are fixed-point, so the comparison is exact (operator==):
// a Leave that removes a vector other than the one held (for example at the
// record's own watermark, ignoring a later sync) makes it fail.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "engine/segment/serving_model.h"
#include "engine/statistics/population_statistics.h"

namespace segstream {
namespace {

constexpr int64_t kDay = 86400;

model::PopulationScaler FromScratch(const std::vector<CustomerRecord>& customers, int64_t sync_watermark) {
  model::PopulationScaler s;
  for (const CustomerRecord& r : customers) {
    if (r.active()) s.Add(CustomerLogFeatures(r, std::max(r.vector_watermark, sync_watermark)));
  }
  return s;
}

TEST(PopulationStatisticsTest, MatchesAScalerBuiltFromScratch) {
  std::mt19937_64 rng(99);
  std::vector<CustomerRecord> customers(200);
  PopulationStatistics stats;
  int64_t watermark = 1'300'000'000;
  int syncs = 0;
  for (int round = 0; round < 5000; ++round) {
    watermark += static_cast<int64_t>(rng() % 3600);
    CustomerRecord& r = customers[rng() % customers.size()];
    const bool was_active = r.active();
    if (was_active) stats.Leave(r);
    if (rng() % 10 == 0) {
      r.returns_milli += 1000 + static_cast<int64_t>(rng() % 50000);  // may make it inactive
    } else {
      r.purchases_milli += 1000 + static_cast<int64_t>(rng() % 50000);
      ++r.frequency;
      r.first_purchase_ts = r.first_purchase_ts == kNoTime ? watermark : r.first_purchase_ts;
      r.last_purchase_ts = watermark;
    }
    r.last_event_ts = watermark;
    if (r.active()) {
      const model::Vec3 v = stats.Enter(&r, watermark);
      EXPECT_EQ(r.vector_watermark, watermark);
      EXPECT_EQ(v, CustomerLogFeatures(r, watermark));
    }
    if (rng() % 97 == 0) {
      // The recency coordinate of everyone at the watermark, from a plain
      // loop over the customers (the engine uses the last-purchase histogram).
      model::CoordinateSums recency;
      for (const CustomerRecord& c : customers) {
        if (c.active()) recency.Add(CustomerLogFeatures(c, watermark)[0], 1);
      }
      ASSERT_TRUE(stats.SyncRecency(recency, watermark));
      EXPECT_EQ(stats.sync_watermark(), watermark);
      ++syncs;
    }
    ASSERT_EQ(stats.scaler(), FromScratch(customers, stats.sync_watermark())) << "round " << round;
  }
  EXPECT_GT(syncs, 20);
  // A recency coordinate of another population is refused and changes nothing.
  model::CoordinateSums wrong;
  wrong.Add(1.0, stats.scaler().count() + 1);
  const model::PopulationScaler before = stats.scaler();
  EXPECT_FALSE(stats.SyncRecency(wrong, watermark + kDay));
  EXPECT_EQ(stats.scaler(), before);
  EXPECT_NE(stats.sync_watermark(), watermark + kDay);
}

TEST(PopulationStatisticsTest, RestoreGivesBackTheState) {
  PopulationStatistics a;
  CustomerRecord r;
  r.purchases_milli = 5000;
  r.frequency = 1;
  r.first_purchase_ts = r.last_purchase_ts = r.last_event_ts = 1'300'000'000;
  a.Enter(&r, 1'300'000'000 + kDay);
  PopulationStatistics b;
  b.Restore(a.scaler(), a.sync_watermark());
  EXPECT_EQ(b.scaler(), a.scaler());
  EXPECT_EQ(b.HeldVector(r), a.HeldVector(r));
  b.Leave(r);
  EXPECT_EQ(b.scaler().count(), 0);
}

}  // namespace
}  // namespace segstream
