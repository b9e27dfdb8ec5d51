// Hungarian method against brute force over all injections, square and
// rectangular, sizes 1..7.
#include "engine/model/assignment.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "engine/model/rng.h"

namespace segstream::model {
namespace {

// Minimum total cost over all ways to match min(r, c) pairs.
double BruteForce(const Eigen::MatrixXd& cost) {
  const bool wide = cost.rows() <= cost.cols();
  const Eigen::MatrixXd m = wide ? cost : Eigen::MatrixXd(cost.transpose());
  std::vector<int> perm(m.cols());
  std::iota(perm.begin(), perm.end(), 0);
  double best = 1e300;
  do {
    double total = 0;
    for (Eigen::Index r = 0; r < m.rows(); ++r) total += m(r, perm[r]);
    best = std::min(best, total);
  } while (std::next_permutation(perm.begin(), perm.end()));
  return best;
}

void CheckAgainstBruteForce(const Eigen::MatrixXd& cost) {
  const std::vector<int> a = MinCostAssignment(cost);
  ASSERT_EQ(a.size(), static_cast<size_t>(cost.rows()));
  std::set<int> used;
  double total = 0;
  int unassigned = 0;
  for (Eigen::Index r = 0; r < cost.rows(); ++r) {
    if (a[r] < 0) {
      ++unassigned;
      continue;
    }
    ASSERT_LT(a[r], cost.cols());
    EXPECT_TRUE(used.insert(a[r]).second) << "column used twice";
    total += cost(r, a[r]);
  }
  EXPECT_EQ(unassigned, std::max<Eigen::Index>(0, cost.rows() - cost.cols()));
  EXPECT_NEAR(total, BruteForce(cost), 1e-9);
}

TEST(MinCostAssignment, SquareMatchesBruteForce) {
  Rng rng(1);
  for (int n = 1; n <= 7; ++n) {
    for (int trial = 0; trial < 20; ++trial) {
      Eigen::MatrixXd cost(n, n);
      for (Eigen::Index i = 0; i < cost.size(); ++i) {
        // Mix continuous costs with small integers, which create ties.
        cost.data()[i] = trial % 2 ? rng.Uniform() * 10 : static_cast<double>(rng.Below(4));
      }
      SCOPED_TRACE(::testing::Message() << "n=" << n << " trial=" << trial);
      CheckAgainstBruteForce(cost);
    }
  }
}

TEST(MinCostAssignment, RectangularMatchesBruteForce) {
  Rng rng(2);
  for (int r = 1; r <= 6; ++r) {
    for (int c = 1; c <= 6; ++c) {
      for (int trial = 0; trial < 5; ++trial) {
        Eigen::MatrixXd cost(r, c);
        for (Eigen::Index i = 0; i < cost.size(); ++i) cost.data()[i] = rng.Uniform() * 5 - 1;
        SCOPED_TRACE(::testing::Message() << r << "x" << c << " trial=" << trial);
        CheckAgainstBruteForce(cost);
      }
    }
  }
}

TEST(MinCostAssignment, KnownCaseAndEmpty) {
  Eigen::MatrixXd cost(3, 3);
  cost << 4, 1, 3, 2, 0, 5, 3, 2, 2;
  EXPECT_EQ(MinCostAssignment(cost), (std::vector<int>{1, 0, 2}));  // 1 + 2 + 2
  EXPECT_TRUE(MinCostAssignment(Eigen::MatrixXd(0, 3)).empty());
  EXPECT_EQ(MinCostAssignment(Eigen::MatrixXd(2, 0)), (std::vector<int>{-1, -1}));
}

TEST(MatchCenters, FollowsPermutedAndMovedCentres) {
  Centers old_c(3, 3);
  old_c << 0, 0, 0, 5, 0, 0, 0, 5, 0;
  Centers next(4, 3);
  next << 0.2, 4.9, 0, 9, 9, 9, 0.1, 0, 0.1, 5.3, 0, 0;  // old 2, new, old 0, old 1
  EXPECT_EQ(MatchCenters(next, old_c), (std::vector<int>{2, -1, 0, 1}));
  EXPECT_EQ(MatchCenters(old_c, next.topRows(1)), (std::vector<int>{-1, -1, 0}));
}

}  // namespace
}  // namespace segstream::model
