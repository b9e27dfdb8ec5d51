// RecencySumsAt: the scaler's recency coordinate rebuilt from the
// last-purchase histogram equals, bit for bit, the one a sweep over every
// customer builds (PopulationScaler::operator== compares the integer sums),
// after adds and removes, at watermarks before and after the last
// purchases; and once the histogram is bucketed, stays within half a
// bucket of recency.
#include "engine/analytics/recency_sums.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "engine/model/features.h"
#include "engine/rfm/customer_record.h"
#include "engine/segment/serving_model.h"

namespace segstream::analytics {
namespace {

CustomerRecord Customer(int64_t last_purchase_ts, int64_t frequency, int64_t purchases_milli) {
  CustomerRecord r;
  r.frequency = frequency;
  r.purchases_milli = purchases_milli;
  r.first_purchase_ts = r.last_purchase_ts = r.last_event_ts = last_purchase_ts;
  return r;
}

TEST(RecencySumsTest, EqualsASweepOverEveryCustomer) {
  std::mt19937_64 rng(7);
  const int64_t t0 = 1291191960;
  std::vector<CustomerRecord> customers;
  ValueHistogram hist;
  for (int i = 0; i < 5000; ++i) {
    // Minute-resolution times over a year, so buckets are shared.
    const int64_t ts = t0 + static_cast<int64_t>(rng() % (365 * 1440)) * 60;
    customers.push_back(Customer(ts, 1 + static_cast<int64_t>(rng() % 40), 1000 + static_cast<int64_t>(rng() % 9999999)));
    hist.Add(ts);
  }
  // Some customers buy again: their old time leaves, the new one enters.
  for (int i = 0; i < 1000; ++i) {
    CustomerRecord& c = customers[rng() % customers.size()];
    hist.Remove(c.last_purchase_ts);
    c.last_purchase_ts += 3600 * static_cast<int64_t>(1 + rng() % 500);
    hist.Add(c.last_purchase_ts);
  }
  EXPECT_EQ(hist.total(), 5000u);
  EXPECT_EQ(hist.shift(), 0) << "exact seconds";
  EXPECT_LT(hist.counts().size(), customers.size()) << "minute times must share buckets";
  for (const int64_t watermark : {t0 + 365 * 86400, t0 + 400 * 86400, t0 + 3000 * 86400, t0}) {
    model::PopulationScaler swept, from_histogram;
    for (const CustomerRecord& c : customers) {
      swept.Add(segstream::CustomerLogFeatures(c, watermark));
      // Frequency and monetary as the engine holds them, recency from anywhere.
      from_histogram.Add(segstream::CustomerLogFeatures(c, c.last_purchase_ts));
    }
    ASSERT_TRUE(from_histogram.SetCoordinate(0, RecencySumsAt(hist, watermark)));
    EXPECT_TRUE(swept == from_histogram) << "watermark " << watermark;
    EXPECT_EQ(swept.Mean(), from_histogram.Mean());
    EXPECT_EQ(swept.Std(), from_histogram.Std());
  }
}

TEST(RecencySumsTest, SetCoordinateRefusesAnotherPopulation) {
  ValueHistogram hist;
  hist.Add(100);
  model::PopulationScaler s;
  s.Add(model::Vec3(1, 2, 3));
  s.Add(model::Vec3(1, 2, 3));
  const model::PopulationScaler before = s;
  EXPECT_FALSE(s.SetCoordinate(0, RecencySumsAt(hist, 1000))) << "1 customer in the histogram, 2 in the scaler";
  EXPECT_TRUE(s == before);
  hist.Remove(100);
  hist.Remove(100);  // not present: ignored, never negative
  EXPECT_EQ(hist.total(), 0u);
  EXPECT_TRUE(hist.counts().empty());
}

// Past its bucket bound the histogram coarsens; the sums then differ from a
// sweep by at most half a bucket of recency per customer, and the memory
// (buckets) stays bounded.
TEST(RecencySumsTest, BucketedHistogramStaysWithinHalfABucket) {
  std::mt19937_64 rng(11);
  const int64_t t0 = 1291191960;
  ValueHistogram hist(/*max_buckets=*/256);
  std::vector<int64_t> times;
  for (int i = 0; i < 20000; ++i) {
    times.push_back(t0 + static_cast<int64_t>(rng() % (365 * 86400)));  // second resolution
    hist.Add(times.back());
  }
  for (int i = 0; i < 2000; ++i) {  // removals land in the right buckets
    hist.Remove(times.back());
    times.pop_back();
  }
  ASSERT_GT(hist.shift(), 0);
  EXPECT_LE(hist.counts().size(), 256u);
  EXPECT_EQ(hist.total(), times.size());
  const int64_t watermark = t0 + 400 * 86400;
  model::PopulationScaler swept, bucketed;
  for (int64_t t : times) {
    swept.Add(model::Vec3(model::LogFeatures(static_cast<double>(watermark - t) / 86400.0, 0, 0)[0], 0, 0));
    bucketed.Add(model::Vec3(0, 0, 0));
  }
  ASSERT_TRUE(bucketed.SetCoordinate(0, RecencySumsAt(hist, watermark)));
  // log1p is 1/(1 + days)-Lipschitz and every recency here is over 35 days:
  // half a bucket of seconds bounds the error of each customer's coordinate.
  const double half_bucket_days = static_cast<double>(int64_t{1} << hist.shift()) / 2 / 86400.0;
  const double bound = half_bucket_days / 36.0;
  EXPECT_NEAR(bucketed.Mean()[0], swept.Mean()[0], bound) << "shift " << hist.shift();
  EXPECT_NEAR(bucketed.Std()[0], swept.Std()[0], 2 * bound) << "shift " << hist.shift();
  EXPECT_GT(std::abs(bucketed.Mean()[0] - swept.Mean()[0]), 0.0) << "bucketed sums are not exact: the test must see it";
}

}  // namespace
}  // namespace segstream::analytics
