// Tests for engine/segment: ScoreRow's hysteresis, NextRecencyCrossing
// against brute force (step the watermark one hour at a time and rescore),
// its independence of the watermark it is computed at (a restart recomputes
// every timer from the stored watermark and must find the same second).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "engine/model/features.h"
#include "engine/segment/recency_timer.h"
#include "engine/segment/serving_model.h"

namespace segstream {
namespace {

constexpr int64_t kT0 = 1291191960;  // 2010-12-01 08:26 UTC
constexpr int64_t kHour = 3600;

// A model whose scaler comes from a spread of plausible customers.
ServingModel MakeModel(const std::vector<model::Vec3>& centers) {
  ServingModel m;
  m.version = 1;
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> rec(0, 370), freq(1, 40), mon(10, 20000);
  for (int i = 0; i < 500; ++i) m.scaler.Add(model::LogFeatures(rec(rng), std::floor(freq(rng)), mon(rng)));
  m.z = ZTransform::Of(m.scaler);
  m.centers.resize(static_cast<Eigen::Index>(centers.size()), 3);
  for (size_t i = 0; i < centers.size(); ++i) {
    m.centers.row(static_cast<Eigen::Index>(i)) = centers[i].transpose();
    SegmentInfo info;
    info.id = static_cast<int>(10 + i);
    info.name = std::to_string(i);
    m.segments.push_back(std::move(info));
  }
  return m;
}

TEST(ScoreRowTest, Hysteresis) {
  const ServingModel m = MakeModel({{0, 0, 0}, {2, 0, 0}});
  const double margin = 0.1;
  // New customers (no segment) and customers of a vanished segment take the nearest.
  EXPECT_EQ(ScoreRow(m, {1.04, 0, 0}, -1, margin), 1);
  EXPECT_EQ(ScoreRow(m, {0.96, 0, 0}, -1, margin), 0);
  EXPECT_EQ(ScoreRow(m, {1.04, 0, 0}, 99, margin), 1);
  // In segment 10 (row 0): row 1 closer by 0.08 < margin -> stay; by 0.12 -> move.
  EXPECT_EQ(ScoreRow(m, {1.04, 0, 0}, 10, margin), 0);
  EXPECT_EQ(ScoreRow(m, {1.06, 0, 0}, 10, margin), 1);
  // Symmetric from row 1.
  EXPECT_EQ(ScoreRow(m, {0.96, 0, 0}, 11, margin), 1);
  EXPECT_EQ(ScoreRow(m, {0.94, 0, 0}, 11, margin), 0);
  // Margin 0: plain nearest centre.
  EXPECT_EQ(ScoreRow(m, {1.01, 0, 0}, 10, 0.0), 1);
  // Off-axis: distances, not coordinates.
  EXPECT_EQ(ScoreRow(m, {1.0, 5, 0}, 10, margin), 0);
}

CustomerRecord Customer(int64_t last_purchase, int64_t frequency, int64_t monetary_milli, int segment) {
  CustomerRecord r;
  r.frequency = frequency;
  r.purchases_milli = monetary_milli;
  r.first_purchase_ts = last_purchase - 86400 * 30;
  r.last_purchase_ts = last_purchase;
  r.last_event_ts = last_purchase;
  r.segment_id = segment;
  return r;
}

// The first whole hour after `watermark` at which the customer's row changes,
// by stepping; kNoTime when none within `horizon_days`.
int64_t BruteForceHour(const ServingModel& m, const CustomerRecord& r, int64_t watermark, double margin,
                       double horizon_days) {
  const int row = m.RowOf(r.segment_id);
  const int64_t end = r.last_purchase_ts + static_cast<int64_t>(horizon_days * 86400);
  for (int64_t t = watermark + kHour; t <= end; t += kHour) {
    if (ScoreRow(m, CustomerZ(m.z, r, t), r.segment_id, margin) != row) return t;
  }
  return kNoTime;
}

TEST(NextRecencyCrossingTest, MatchesBruteForceStepping) {
  // Centres spread along all axes so that customers cross one boundary as
  // their recency grows (or none).
  const ServingModel m = MakeModel({{-1.2, 1.0, 1.0}, {0.2, 0.3, 0.4}, {1.2, -0.8, -0.6}, {-0.5, -0.9, -0.8}});
  const double margin = 0.1;
  const double horizon = 1000;
  std::mt19937_64 rng(11);
  int crossings = 0, none = 0, checked = 0;
  for (int i = 0; i < 200; ++i) {
    const int64_t last = kT0 + static_cast<int64_t>(rng() % (200 * 86400));
    CustomerRecord r = Customer(last, 1 + static_cast<int64_t>(rng() % 30),
                                1000 + static_cast<int64_t>(rng() % 20000000), 0);
    const int64_t watermark = last + static_cast<int64_t>(rng() % (20 * 86400));
    r.segment_id = m.segments[static_cast<size_t>(ScoreRow(m, CustomerZ(m.z, r, watermark), -1, 0))].id;
    const int64_t due = NextRecencyCrossing(m, r, watermark, margin, horizon);
    const int64_t brute = BruteForceHour(m, r, watermark, margin, horizon);
    ++checked;
    if (brute == kNoTime) {
      ++none;
      // No crossing within the horizon (allow a crossing in the last hour).
      EXPECT_TRUE(due == kNoTime || due > last + static_cast<int64_t>(horizon * 86400) - kHour) << i;
      continue;
    }
    ++crossings;
    ASSERT_NE(due, kNoTime) << "customer " << i << ": brute force crosses at " << brute;
    // The exact second lies within the hour brute force found.
    EXPECT_GT(due, brute - kHour) << i;
    EXPECT_LE(due, brute) << i;
    EXPECT_GT(due, watermark);
    // The second itself: changed at due, not one second before.
    const int row = m.RowOf(r.segment_id);
    EXPECT_NE(ScoreRow(m, CustomerZ(m.z, r, due), r.segment_id, margin), row) << i;
    if (due - 1 > watermark) {
      EXPECT_EQ(ScoreRow(m, CustomerZ(m.z, r, due - 1), r.segment_id, margin), row) << i;
    }
  }
  EXPECT_GT(crossings, 50) << "the fixture should make most customers cross";
  EXPECT_GT(checked, none);
}

TEST(NextRecencyCrossingTest, IndependentOfTheWatermarkItIsComputedAt) {
  // A restart recomputes every timer from the stored watermark: the due
  // second must not depend on when it was computed (else recency changes
  // come out differently after a crash). Customers start in their nearest
  // segment or, as hysteresis leaves them, in a slightly farther one.
  const ServingModel m = MakeModel({{-1.2, 1.0, 1.0}, {0.2, 0.3, 0.4}, {1.2, -0.8, -0.6}, {-0.5, -0.9, -0.8}});
  const double margin = 0.3;
  std::mt19937_64 rng(5);
  int compared = 0, held = 0;
  for (int i = 0; i < 5000; ++i) {
    const int64_t last = kT0 + static_cast<int64_t>(rng() % (200 * 86400));
    CustomerRecord r = Customer(last, 1 + static_cast<int64_t>(rng() % 30),
                                1000 + static_cast<int64_t>(rng() % 20000000), 0);
    const int64_t start = last + static_cast<int64_t>(rng() % (30 * 86400));
    const model::Vec3 z = CustomerZ(m.z, r, start);
    int row = ScoreRow(m, z, -1, 0);
    // Any other row within the margin is a state hysteresis can leave a customer in.
    for (int other = 0; other < m.k(); ++other) {
      const double d_other = (m.centers.row(other).transpose() - z).norm();
      const double d_best = (m.centers.row(row).transpose() - z).norm();
      if (other != row && d_other < d_best + margin && rng() % 2 == 0) {
        row = other;
        ++held;
        break;
      }
    }
    r.segment_id = m.segments[static_cast<size_t>(row)].id;
    const int64_t due = NextRecencyCrossing(m, r, start, margin);
    if (due == kNoTime) continue;
    for (int64_t w : {start + (due - start) / 3, start + (due - start) / 2, due - 2}) {
      if (w <= start) continue;
      ++compared;
      EXPECT_EQ(NextRecencyCrossing(m, r, w, margin), due)
          << "customer " << i << " (timer computed at " << start << ") recomputed at " << w;
    }
  }
  EXPECT_GT(compared, 2500);
  EXPECT_GT(held, 100);
}

TEST(NextRecencyCrossingTest, NoTimerWithoutModelOrSegment) {
  const ServingModel m = MakeModel({{-1, 0, 0}, {1, 0, 0}});
  CustomerRecord r = Customer(kT0, 3, 100000, 10);
  EXPECT_EQ(NextRecencyCrossing(ServingModel{}, r, kT0, 0.1), kNoTime);
  r.segment_id = -1;
  EXPECT_EQ(NextRecencyCrossing(m, r, kT0, 0.1), kNoTime);
  r.segment_id = 42;  // not in this model
  EXPECT_EQ(NextRecencyCrossing(m, r, kT0, 0.1), kNoTime);
  CustomerRecord only_returns;
  only_returns.segment_id = 10;
  EXPECT_EQ(NextRecencyCrossing(m, only_returns, kT0, 0.1), kNoTime);
  // Already in the segment recency leads to (the far one): never leaves it.
  r = Customer(kT0, 3, 100000, 11);
  EXPECT_EQ(NextRecencyCrossing(m, r, kT0 + 400 * 86400, 0.1), kNoTime);
}

}  // namespace
}  // namespace segstream
