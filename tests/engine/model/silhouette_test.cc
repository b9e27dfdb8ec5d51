// Silhouette against a brute-force version with a full distance matrix, the
// singleton rule, and sampling beyond max_exact.
#include "engine/model/silhouette.h"

#include <gtest/gtest.h>

#include <cmath>

#include "engine/model/rng.h"
#include "tests/engine/model/test_data.h"

namespace segstream::model {
namespace {

// Straight from the definition, with an n x n matrix.
double BruteSilhouette(const Points& x, const std::vector<int>& labels, int k) {
  const Eigen::Index n = x.rows();
  Eigen::MatrixXd d(n, n);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < n; ++j) d(i, j) = (x.row(i) - x.row(j)).norm();
  double total = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    std::vector<double> sum(k, 0.0);
    std::vector<int> count(k, 0);
    for (Eigen::Index j = 0; j < n; ++j) {
      if (j == i) continue;
      sum[labels[j]] += d(i, j);
      count[labels[j]] += 1;
    }
    const int own = labels[i];
    if (count[own] == 0) continue;  // singleton: s = 0
    const double a = sum[own] / count[own];
    double b = 1e300;
    for (int c = 0; c < k; ++c)
      if (c != own && count[c] > 0) b = std::min(b, sum[c] / count[c]);
    total += (b - a) / std::max(a, b);
  }
  return total / static_cast<double>(n);
}

TEST(Silhouette, MatchesBruteForce) {
  Centers c(3, 3);
  c << 0, 0, 0, 2, 0, 0, 0, 2, 1;
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    const Points x = testing::Blobs(c, 150 + 10 * seed, 0.7, seed);
    std::vector<int> labels(x.rows());
    Rng rng(seed);
    // Partly truthful, partly random labels so the score is neither 1 nor 0.
    for (Eigen::Index i = 0; i < x.rows(); ++i)
      labels[i] = rng.Uniform() < 0.7 ? static_cast<int>(i % 3) : static_cast<int>(rng.Below(4));
    const double expected = BruteSilhouette(x, labels, 4);
    EXPECT_NEAR(Silhouette(x, labels, 4), expected, 1e-12) << "seed " << seed;
  }
}

// Labels that leave clusters empty (the first, one in the middle, the
// last): the pair loop and the nearest other cluster skip them.
TEST(Silhouette, EmptyClustersAreSkipped) {
  Centers c(3, 3);
  c << 0, 0, 0, 3, 0, 0, 0, 3, 1;
  const Points x = testing::Blobs(c, 120, 0.8, 9);
  std::vector<int> labels(x.rows());
  Rng rng(9);
  const int used[] = {1, 3, 4};
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    labels[i] = used[rng.Uniform() < 0.8 ? static_cast<size_t>(i % 3) : static_cast<size_t>(rng.Below(3))];
  }
  const double expected = BruteSilhouette(x, labels, 6);
  EXPECT_GT(expected, 0.1);
  EXPECT_NEAR(Silhouette(x, labels, 6), expected, 1e-12);
}

TEST(Silhouette, SingletonsScoreZeroAndKnownValue) {
  // Two points at 0 and 1 in one cluster, one point at 4 alone.
  Points x(3, 3);
  x << 0, 0, 0, 1, 0, 0, 4, 0, 0;
  const std::vector<int> labels = {0, 0, 1};
  // s(0) = (4 - 1)/4, s(1) = (3 - 1)/3, s(2) = 0.
  EXPECT_NEAR(Silhouette(x, labels, 2), (0.75 + 2.0 / 3.0) / 3.0, 1e-15);
  EXPECT_EQ(Silhouette(x, {0, 0, 0}, 2), 0.0);  // one non-empty cluster
}

TEST(Silhouette, SampledIsCloseAndDeterministic) {
  Centers c(3, 3);
  c << 0, 0, 0, 3, 0, 0, 0, 3, 0;
  std::vector<int> truth;
  const Points x = testing::Blobs(c, 3000, 1.0, 21, &truth);
  const double exact = Silhouette(x, truth, 3, 5000);
  const double sampled = Silhouette(x, truth, 3, 800, 5);
  EXPECT_NEAR(sampled, exact, 0.03);
  EXPECT_NE(sampled, exact);  // it really sampled
  EXPECT_EQ(Silhouette(x, truth, 3, 800, 5), sampled);
  EXPECT_EQ(Silhouette(x, truth, 3, 0), exact);  // 0 = always exact
}

}  // namespace
}  // namespace segstream::model
