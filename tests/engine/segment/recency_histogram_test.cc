// RecencyHistogram: the scaler's recency coordinate rebuilt from the
// histogram equals, bit for bit, the one a sweep over every customer builds
// (PopulationScaler::operator== compares the integer sums), after adds and
// removes, at watermarks before and after the last purchases.
#include "engine/segment/recency_histogram.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "engine/segment/serving_model.h"

namespace segstream {
namespace {

CustomerRecord Customer(int64_t last_purchase_ts, int64_t frequency, int64_t purchases_milli) {
  CustomerRecord r;
  r.frequency = frequency;
  r.purchases_milli = purchases_milli;
  r.first_purchase_ts = r.last_purchase_ts = r.last_event_ts = last_purchase_ts;
  return r;
}

TEST(RecencyHistogramTest, EqualsASweepOverEveryCustomer) {
  std::mt19937_64 rng(7);
  const int64_t t0 = 1291191960;
  std::vector<CustomerRecord> customers;
  RecencyHistogram hist;
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
  EXPECT_EQ(hist.count(), 5000);
  EXPECT_LT(hist.buckets(), customers.size()) << "minute times must share buckets";
  for (const int64_t watermark : {t0 + 365 * 86400, t0 + 400 * 86400, t0 + 3000 * 86400, t0}) {
    model::PopulationScaler swept, from_histogram;
    for (const CustomerRecord& c : customers) {
      swept.Add(CustomerLogFeatures(c, watermark));
      // Frequency and monetary as the engine holds them, recency from anywhere.
      from_histogram.Add(CustomerLogFeatures(c, c.last_purchase_ts));
    }
    ASSERT_TRUE(from_histogram.SetCoordinate(0, hist.RecencySumsAt(watermark)));
    EXPECT_TRUE(swept == from_histogram) << "watermark " << watermark;
    EXPECT_EQ(swept.Mean(), from_histogram.Mean());
    EXPECT_EQ(swept.Std(), from_histogram.Std());
  }
}

TEST(RecencyHistogramTest, SetCoordinateRefusesAnotherPopulation) {
  RecencyHistogram hist;
  hist.Add(100);
  model::PopulationScaler s;
  s.Add(model::Vec3(1, 2, 3));
  s.Add(model::Vec3(1, 2, 3));
  const model::PopulationScaler before = s;
  EXPECT_FALSE(s.SetCoordinate(0, hist.RecencySumsAt(1000))) << "1 customer in the histogram, 2 in the scaler";
  EXPECT_TRUE(s == before);
  hist.Remove(100);
  hist.Remove(100);  // not present: ignored, never negative
  EXPECT_EQ(hist.count(), 0);
  EXPECT_EQ(hist.buckets(), 0u);
}

}  // namespace
}  // namespace segstream
