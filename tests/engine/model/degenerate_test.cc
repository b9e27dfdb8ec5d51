// Degenerate inputs to k-means and k selection: identical points, fewer
// distinct points than k, one profile only (undefined silhouette).
#include "engine/model/degenerate.h"

#include <gtest/gtest.h>

#include <cmath>

#include "engine/model/k_selection.h"

namespace segstream::model {
namespace {

// `copies` copies of each of the given profiles.
Points Profiles(const std::vector<Vec3>& profiles, int copies) {
  Points x(static_cast<Eigen::Index>(profiles.size()) * copies, 3);
  Eigen::Index row = 0;
  for (int c = 0; c < copies; ++c) {
    for (const Vec3& p : profiles) x.row(row++) = p.transpose();
  }
  return x;
}

TEST(DegenerateTest, CountDistinctRows) {
  const Points x = Profiles({Vec3(0, 0, 0), Vec3(1, 2, 3)}, 50);
  EXPECT_EQ(CountDistinctRows(x, 100), 2);
  EXPECT_EQ(CountDistinctRows(x, 1), 1);
  EXPECT_EQ(CountDistinctRows(Points(0, 3), 5), 0);
}

TEST(DegenerateTest, TwoProfilesNeverGiveMoreThanTwoSegments) {
  const Points x = Profiles({Vec3(-1, -1, -1), Vec3(1, 1, 1)}, 300);
  KMeansOptions km;
  const KSelection sel = SelectK(x, 2, 10, km);
  EXPECT_EQ(sel.distinct_points, 2);
  ASSERT_EQ(sel.table.size(), 1u);  // k = 3..10 are never fitted
  EXPECT_EQ(sel.chosen_k, 2);
  EXPECT_DOUBLE_EQ(sel.table[0].silhouette, 1.0);
  EXPECT_EQ(sel.fit.centers.rows(), 2);
  EXPECT_GT((sel.fit.centers.row(0) - sel.fit.centers.row(1)).norm(), 1.0);
}

TEST(DegenerateTest, OneProfileIsOneSegmentWithUndefinedSilhouette) {
  const Points x = Profiles({Vec3(0.5, 0.5, 0.5)}, 100);
  const KSelection sel = SelectK(x, 2, 10, KMeansOptions{});
  ASSERT_EQ(sel.table.size(), 1u);
  EXPECT_EQ(sel.table[0].k, 1);
  EXPECT_TRUE(std::isnan(sel.table[0].silhouette));
  EXPECT_EQ(sel.chosen_k, 1);
  EXPECT_NE(FormatElbowTable(sel).find("undefined"), std::string::npos);
}

TEST(DegenerateTest, ChooseKSkipsUndefinedSilhouettes) {
  EXPECT_EQ(ChooseK({{1, 10, std::nan("")}, {2, 5, 0.4}, {3, 4, 0.45}}), 3);
  EXPECT_EQ(ChooseK({{1, 10, std::nan("")}}), 1);
}

TEST(DegenerateTest, PruneDropsEmptyAndDuplicateCentres) {
  const Points x = Profiles({Vec3(0, 0, 0), Vec3(5, 5, 5)}, 10);
  Centers c(4, 3);
  c << 0, 0, 0,  //
      5, 5, 5,   //
      5, 5, 5,   // duplicate of row 1
      50, 50, 50;  // owns no point
  std::vector<int> kept;
  const Centers pruned = PruneDegenerateCenters(x, c, &kept);
  EXPECT_EQ(kept, (std::vector<int>{0, 1}));
  ASSERT_EQ(pruned.rows(), 2);
  EXPECT_EQ(pruned.row(1), c.row(1));
}

TEST(DegenerateTest, LineageSharesSumToOne) {
  const Points x = Profiles({Vec3(0, 0, 0), Vec3(1, 0, 0), Vec3(10, 0, 0)}, 10);
  Centers old_c(2, 3), new_c(3, 3);
  old_c << 0.5, 0, 0, 10, 0, 0;
  new_c << 0, 0, 0, 1, 0, 0, 10, 0, 0;
  const auto lineage = Lineage(x, old_c, new_c);
  ASSERT_EQ(lineage.size(), 3u);
  for (const auto& e : lineage) {
    ASSERT_EQ(e.from.size(), 1u);
    EXPECT_DOUBLE_EQ(e.from[0].second, 1.0);
  }
  EXPECT_EQ(lineage[0].from[0].first, 0);  // new 0 and new 1 came from old 0
  EXPECT_EQ(lineage[1].from[0].first, 0);
  EXPECT_EQ(lineage[2].from[0].first, 1);
}

TEST(DegenerateTest, ShouldSwitchKNeedsAClearWinOrTooManyCentres) {
  KSelection sel;
  sel.table = {{2, 10, 0.44}, {3, 8, 0.36}, {4, 7, 0.35}};
  sel.distinct_points = 1000;
  sel.chosen_k = ChooseK(sel.table);
  ASSERT_EQ(sel.chosen_k, 3);
  int target = 0;
  EXPECT_FALSE(ShouldSwitchK(sel, 4, &target));  // 0.36 vs 0.35: within the margin
  sel.table[2].silhouette = 0.30;
  EXPECT_TRUE(ShouldSwitchK(sel, 4, &target));
  EXPECT_EQ(target, 3);
  sel.distinct_points = 3;  // a model with 5 centres over 3 profiles must shrink
  EXPECT_TRUE(ShouldSwitchK(sel, 5, &target));
}

}  // namespace
}  // namespace segstream::model
