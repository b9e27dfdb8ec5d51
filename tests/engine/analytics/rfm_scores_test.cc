// Tests for engine/analytics/rfm_scores: the quintile scores from histogram
// thresholds equal the definition computed by brute force (ties, skew, small
// and large N), and the named R x F grid covers every cell.
#include "engine/analytics/rfm_scores.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <vector>

namespace segstream::analytics {
namespace {

// 1 + floor(5 * #{strictly smaller} / N), straight from the definition.
int BruteScore(const std::vector<int64_t>& values, int64_t v) {
  uint64_t less = 0;
  for (int64_t x : values) less += x < v;
  return 1 + static_cast<int>(5 * less / values.size());
}

TEST(RfmScoresTest, ThresholdsEqualTheDefinition) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    const size_t n = 1 + rng() % 300;
    const int spread = trial % 4 == 0 ? 3 : trial % 4 == 1 ? 20 : 1000000;  // heavy ties .. nearly distinct
    std::vector<int64_t> values;
    ValueHistogram h;
    for (size_t i = 0; i < n; ++i) {
      // Skewed: many small values, a long tail, some negatives.
      const int64_t v = static_cast<int64_t>(rng() % spread) * static_cast<int64_t>(rng() % 3 == 0 ? 7 : 1) -
                        (rng() % 10 == 0 ? spread / 2 : 0);
      values.push_back(v);
      h.Add(v);
    }
    const QuintileThresholds q = QuintileThresholds::Of(h);
    for (int64_t v : values) {
      ASSERT_EQ(q.Score(v), BruteScore(values, v)) << "trial " << trial << " n " << n << " value " << v;
    }
  }
}

TEST(RfmScoresTest, RemoveKeepsTheHistogramExact) {
  ValueHistogram h;
  for (int64_t v : {5, 5, 3, 9, 9, 9}) h.Add(v);
  h.Remove(9);
  h.Remove(3);
  EXPECT_EQ(h.total(), 4u);
  EXPECT_EQ(h.Count(9), 2u);
  EXPECT_EQ(h.Count(3), 0u);
  EXPECT_EQ(h.counts().size(), 2u);
  EXPECT_EQ(h.CountLess(9), 2u);
}

TEST(RfmScoresTest, ScoreOfUsesRecencyAsEarlierLastPurchase) {
  ValueHistogram r, f, m;
  // Five customers: last purchases at t = 10..50, so the latest gets R 5.
  for (int i = 1; i <= 5; ++i) {
    r.Add(10 * i);
    f.Add(i);
    m.Add(1000 * i);
  }
  RfmBoundaries b;
  b.customers = 5;
  b.last_purchase = QuintileThresholds::Of(r);
  b.frequency = QuintileThresholds::Of(f);
  b.monetary_milli = QuintileThresholds::Of(m);
  const RfmScore best = ScoreOf(b, 50, 5, 5000);
  EXPECT_EQ(best.Code(), "555");
  EXPECT_EQ(ScoreOf(b, 10, 1, 1000).Code(), "111");
  EXPECT_FALSE(ScoreOf(b, 10, 0, 0).valid());  // no purchases: no score
  EXPECT_FALSE(ScoreOf(RfmBoundaries{}, 10, 1, 1).valid());
}

TEST(RfmScoresTest, GridNamesEveryCell) {
  std::set<std::string> names;
  for (int r = 1; r <= 5; ++r) {
    for (int f = 1; f <= 5; ++f) {
      ASSERT_FALSE(RfmSegmentName(r, f).empty()) << r << f;
      names.insert(std::string(RfmSegmentName(r, f)));
    }
  }
  EXPECT_EQ(names.size(), 10u);
  EXPECT_EQ(RfmSegmentName(5, 5), "champions");
  EXPECT_EQ(RfmSegmentName(1, 1), "hibernating");
  EXPECT_EQ(RfmSegmentName(2, 5), "cannot lose them");
  EXPECT_EQ(RfmSegmentName(5, 1), "new customers");
  EXPECT_EQ(RfmSegmentName(0, 3), "");
}

}  // namespace
}  // namespace segstream::analytics
