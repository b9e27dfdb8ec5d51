// SelectK: the k rule on hand-made tables, and the whole sweep on blobs.
#include "engine/model/k_selection.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/engine/model/test_data.h"

namespace segstream::model {
namespace {

TEST(ChooseK, BestSilhouetteAmongThreeOrMore) {
  EXPECT_EQ(ChooseK({{2, 0, 0.45}, {3, 0, 0.36}, {4, 0, 0.38}, {5, 0, 0.30}}), 4);
  // The UCI reference: 0.431 / 0.338 / 0.335 / 0.313 picks 3.
  EXPECT_EQ(ChooseK({{2, 0, 0.431}, {3, 0, 0.338}, {4, 0, 0.335}, {5, 0, 0.313}}), 3);
}

TEST(ChooseK, TwoOnlyWhenClearlyBetter) {
  EXPECT_EQ(ChooseK({{2, 0, 0.50}, {3, 0, 0.38}, {4, 0, 0.35}}), 2);   // 0.12 > 0.1
  EXPECT_EQ(ChooseK({{2, 0, 0.47}, {3, 0, 0.38}, {4, 0, 0.35}}), 3);   // 0.09 <= 0.1
}

TEST(ChooseK, TiesAndNarrowRanges) {
  EXPECT_EQ(ChooseK({{3, 0, 0.4}, {4, 0, 0.4}, {5, 0, 0.3}}), 3);
  EXPECT_EQ(ChooseK({{2, 0, 0.4}}), 2);
  EXPECT_EQ(ChooseK({{5, 0, 0.2}, {6, 0, 0.25}}), 6);
  EXPECT_EQ(ChooseK({}), 0);
}

TEST(SelectK, FindsFiveBlobs) {
  Centers truth(5, 3);
  truth << 0, 0, 0, 6, 0, 0, 0, 6, 0, 0, 0, 6, 6, 6, 6;
  const Points x = testing::Blobs(truth, 600, 0.5, 31);
  KMeansOptions base;
  base.n_init = 4;
  const KSelection sel = SelectK(x, 2, 10, base);
  ASSERT_EQ(sel.table.size(), 9u);
  EXPECT_EQ(sel.chosen_k, 5);
  EXPECT_EQ(sel.fit.centers.rows(), 5);
  EXPECT_EQ(sel.table[3].k, 5);
  EXPECT_GT(sel.table[3].silhouette, 0.7);
  EXPECT_DOUBLE_EQ(sel.fit.inertia, sel.table[3].inertia);
  for (size_t i = 1; i < sel.table.size(); ++i) {
    EXPECT_LE(sel.table[i].inertia, sel.table[i - 1].inertia * 1.0001) << "k=" << sel.table[i].k;
  }
  const std::string table = FormatElbowTable(sel);
  EXPECT_NE(table.find("silhouette"), std::string::npos);
  const size_t chosen = table.find("<- chosen");
  ASSERT_NE(chosen, std::string::npos);
  EXPECT_EQ(table.find("<- chosen", chosen + 1), std::string::npos);
  const size_t line_start = table.rfind('\n', chosen) + 1;
  EXPECT_EQ(table.substr(line_start, 5), "    5");
}

}  // namespace
}  // namespace segstream::model

namespace segstream::model {
namespace {

KSelection TableOf(std::vector<KScore> rows) {
  KSelection s;
  s.table = std::move(rows);
  return s;
}

TEST(ClearKWin, OnlyAWideMarginOrAnUndefinedCurrentIsClear) {
  const double nan = std::nan("");
  const KSelection flat = TableOf({{2, 10, 0.40}, {3, 8, 0.45}, {4, 6, 0.52}});
  EXPECT_FALSE(ClearKWin(flat, 2, 3)) << "0.05: narrow";
  EXPECT_TRUE(ClearKWin(flat, 2, 4)) << "0.12: clear";
  EXPECT_FALSE(ClearKWin(flat, 4, 2)) << "worse is never clear";
  EXPECT_TRUE(ClearKWin(flat, 7, 3)) << "the current k has no row (beyond the distinct points)";
  EXPECT_TRUE(ClearKWin(TableOf({{1, 10, nan}, {2, 5, 0.3}}), 1, 2)) << "k = 1 has no silhouette";
  EXPECT_FALSE(ClearKWin(TableOf({{2, 10, 0.3}, {3, 5, nan}}), 2, 3));
}

TEST(KSelectionTest, RuleInWordsStatesTheFloorAndTheTwoClusterMargin) {
  const std::string rule = KSelectionRule();
  EXPECT_NE(rule.find("k >= 3"), std::string::npos) << rule;
  EXPECT_NE(rule.find("more than " + fmt::format("{:g}", kTwoClusterMargin)), std::string::npos) << rule;
}

}  // namespace
}  // namespace segstream::model
