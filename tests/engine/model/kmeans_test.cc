// FitKMeans against a plain Lloyd written here: its result is a Lloyd fixed
// point, and it is at least as good (within 0.5 %) as the best of many
// randomly initialised plain-Lloyd runs; blobs are recovered exactly; runs
// are bit-identical for a seed.
#include "engine/model/kmeans.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <set>

#include "engine/model/rng.h"
#include "tests/engine/model/test_data.h"

namespace segstream::model {
namespace {

using testing::Blobs;

struct PlainFit {
  Eigen::MatrixXd centres;
  std::vector<int> labels;
  double inertia = 0;
  int steps = 0;
};

// Textbook Lloyd, independent of the code under test: assign by brute force,
// recompute means (an empty cluster keeps its centre), until labels repeat.
PlainFit PlainLloyd(const Points& x, Eigen::MatrixXd centres, int max_steps) {
  const Eigen::Index n = x.rows(), k = centres.rows();
  PlainFit fit;
  std::vector<int> labels(n, -1);
  for (int step = 0; step < max_steps; ++step) {
    std::vector<int> next(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      Eigen::Index best = 0;
      (centres.rowwise() - x.row(i)).rowwise().squaredNorm().minCoeff(&best);
      next[i] = static_cast<int>(best);
    }
    fit.steps = step + 1;
    if (next == labels) break;
    labels = next;
    Eigen::MatrixXd sums = Eigen::MatrixXd::Zero(k, 3);
    Eigen::VectorXd sizes = Eigen::VectorXd::Zero(k);
    for (Eigen::Index i = 0; i < n; ++i) {
      sums.row(labels[i]) += x.row(i);
      sizes[labels[i]] += 1;
    }
    for (Eigen::Index c = 0; c < k; ++c) {
      if (sizes[c] > 0) centres.row(c) = sums.row(c) / sizes[c];
    }
  }
  fit.labels = labels;
  fit.centres = centres;
  for (Eigen::Index i = 0; i < n; ++i) fit.inertia += (centres.row(labels[i]) - x.row(i)).squaredNorm();
  return fit;
}

// Overlapping blobs: the kind of data where local optima differ.
Points Overlapping(Eigen::Index n, uint64_t seed) {
  Centers c(6, 3);
  c << 0, 0, 0, 1.5, 0.5, 0, 0, 2, 1, 3, 3, 0, -1, 2.5, -2, 2, -1, 1.5;
  return Blobs(c, n, 0.8, seed);
}

TEST(FitKMeans, IsALloydFixedPoint) {
  const Points x = Overlapping(1500, 1);
  KMeansOptions options;
  options.k = 5;
  options.tol = 0;  // iterate until the labels stop changing
  const KMeansFit fit = FitKMeans(x, options);
  ASSERT_EQ(fit.centers.rows(), 5);
  const PlainFit plain = PlainLloyd(x, fit.centers, 1);
  // One plain step from our centres: same labels, centres are the means.
  EXPECT_EQ(plain.labels, fit.labels);
  const PlainFit again = PlainLloyd(x, fit.centers, 100);
  EXPECT_EQ(again.labels, fit.labels);
  EXPECT_LE((again.centres - Eigen::MatrixXd(fit.centers)).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_NEAR(again.inertia, fit.inertia, 1e-9 * fit.inertia);
  EXPECT_NEAR(Inertia(x, fit.centers), fit.inertia, 1e-9 * fit.inertia);
}

TEST(FitKMeans, DefaultToleranceIsNearAFixedPoint) {
  const Points x = Overlapping(1500, 2);
  KMeansOptions options;
  options.k = 4;
  const KMeansFit fit = FitKMeans(x, options);
  const PlainFit polished = PlainLloyd(x, fit.centers, 1000);
  EXPECT_LE(fit.inertia, polished.inertia * 1.001);
  for (size_t i = 0; i < fit.labels.size(); ++i) {
    double d;
    ASSERT_EQ(fit.labels[i], Nearest(fit.centers, Vec3(x.row(i).transpose()), &d));
  }
}

class FitKMeansQuality : public ::testing::TestWithParam<int> {};

TEST_P(FitKMeansQuality, AtLeastAsGoodAsBestOfManyRandomInits) {
  const int k = GetParam();
  const Points x = Overlapping(1200, 3 + k);
  KMeansOptions options;
  options.k = k;
  const KMeansFit fit = FitKMeans(x, options);
  Rng rng(99);
  double best = std::numeric_limits<double>::infinity();
  for (int init = 0; init < 100; ++init) {
    // Random init: k distinct points chosen uniformly.
    std::set<uint64_t> picked;
    while (static_cast<int>(picked.size()) < k) picked.insert(rng.Below(x.rows()));
    Eigen::MatrixXd centres(k, 3);
    int r = 0;
    for (uint64_t i : picked) centres.row(r++) = x.row(static_cast<Eigen::Index>(i));
    best = std::min(best, PlainLloyd(x, centres, 300).inertia);
  }
  EXPECT_LE(fit.inertia, best * 1.005) << "k=" << k;
}

INSTANTIATE_TEST_SUITE_P(Ks, FitKMeansQuality, ::testing::Values(2, 3, 4, 6, 8));

TEST(FitKMeans, RecoversSeparatedBlobsExactly) {
  Centers truth(4, 3);
  truth << 0, 0, 0, 10, 0, 0, 0, 10, 0, 0, 0, 10;
  std::vector<int> truth_labels;
  const Points x = Blobs(truth, 400, 0.3, 17, &truth_labels);
  KMeansOptions options;
  options.k = 4;
  const KMeansFit fit = FitKMeans(x, options);
  // Labels are a relabelling of the truth: a bijection blob -> cluster.
  std::vector<int> map(4, -1);
  for (size_t i = 0; i < truth_labels.size(); ++i) {
    int& m = map[truth_labels[i]];
    if (m < 0) m = fit.labels[i];
    ASSERT_EQ(m, fit.labels[i]) << "point " << i;
  }
  EXPECT_EQ(std::set<int>(map.begin(), map.end()).size(), 4u);
  for (int b = 0; b < 4; ++b) {
    EXPECT_LT((fit.centers.row(map[b]) - truth.row(b)).norm(), 0.1);
  }
}

TEST(FitKMeans, DeterministicBitIdentical) {
  const Points x = Overlapping(2000, 5);
  KMeansOptions options;
  options.k = 5;
  options.seed = 1234;
  const KMeansFit a = FitKMeans(x, options);
  const KMeansFit b = FitKMeans(x, options);
  ASSERT_EQ(a.centers.size(), b.centers.size());
  EXPECT_EQ(std::memcmp(a.centers.data(), b.centers.data(), sizeof(double) * a.centers.size()), 0);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(std::memcmp(&a.inertia, &b.inertia, sizeof(double)), 0);
  EXPECT_EQ(a.iterations, b.iterations);
}

TEST(FitKMeans, SeedingPicksRowsOfX) {
  const Points x = Overlapping(300, 6);
  const Centers seeds = KMeansPlusPlus(x, 5, 8);
  ASSERT_EQ(seeds.rows(), 5);
  for (Eigen::Index c = 0; c < 5; ++c) {
    bool found = false;
    for (Eigen::Index i = 0; i < x.rows() && !found; ++i) found = (x.row(i) == seeds.row(c));
    EXPECT_TRUE(found) << "seed " << c;
  }
}

// Plain (non-greedy) k-means++: one D^2-weighted draw per centre.
Eigen::MatrixXd PlainKMeansPlusPlus(const Points& x, int k, Rng& rng) {
  const Eigen::Index n = x.rows();
  Eigen::MatrixXd centres(k, 3);
  centres.row(0) = x.row(static_cast<Eigen::Index>(rng.Below(n)));
  std::vector<double> d2(n);
  for (int c = 1; c < k; ++c) {
    double total = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      d2[i] = (centres.topRows(c).rowwise() - x.row(i)).rowwise().squaredNorm().minCoeff();
      total += d2[i];
    }
    double target = rng.Uniform() * total;
    Eigen::Index pick = 0;
    while (pick < n - 1 && target >= d2[pick]) target -= d2[pick++];
    centres.row(c) = x.row(pick);
  }
  return centres;
}

TEST(FitKMeans, GreedySeedingBeatsPlainKMeansPlusPlus) {
  // The greedy variant (best of 2 + ln k candidates) must give a clearly
  // lower mean seeding potential than plain k-means++ on the same data.
  const Points x = Overlapping(800, 12);
  const int k = 6;
  Rng rng(5);
  double greedy = 0, plain = 0;
  for (uint64_t seed = 0; seed < 60; ++seed) {
    greedy += Inertia(x, KMeansPlusPlus(x, k, seed));
    plain += Inertia(x, Centers(PlainKMeansPlusPlus(x, k, rng)));
  }
  EXPECT_LT(greedy, 0.9 * plain) << "greedy " << greedy / 60 << " plain " << plain / 60;
}

TEST(FitKMeans, DegenerateInputs) {
  KMeansOptions options;
  options.k = 4;
  const KMeansFit empty = FitKMeans(Points(0, 3), options);
  EXPECT_EQ(empty.centers.rows(), 0);
  EXPECT_TRUE(empty.labels.empty());

  Points few(2, 3);
  few << 1, 1, 1, 2, 2, 2;
  const KMeansFit f = FitKMeans(few, options);
  EXPECT_EQ(f.centers.rows(), 4);
  EXPECT_EQ(f.labels.size(), 2u);
  EXPECT_NEAR(f.inertia, 0.0, 1e-12);

  Points same = Points::Constant(50, 3, 0.5);
  const KMeansFit s = FitKMeans(same, options);
  EXPECT_EQ(s.inertia, 0.0);
}

TEST(ClusterSizes, CountsLabels) {
  EXPECT_EQ(ClusterSizes({0, 2, 2, 1, 2, 7, -1}, 3), (std::vector<double>{1, 1, 3}));
  EXPECT_TRUE(ClusterSizes({}, 0).empty());
}

TEST(Nearest, LowestIndexOnTiesAndDistance) {
  Centers c(3, 3);
  c << 1, 0, 0, -1, 0, 0, 0, 5, 0;
  double d = -1;
  EXPECT_EQ(Nearest(c, Vec3(0, 0, 0), &d), 0);
  EXPECT_EQ(d, 1.0);
  EXPECT_EQ(Nearest(c, Vec3(-0.9, 0, 0)), 1);
  EXPECT_EQ(Nearest(c, Vec3(0, 4, 0), &d), 2);
  EXPECT_DOUBLE_EQ(d, 1.0);
  EXPECT_EQ(Nearest(Centers(0, 3), Vec3(0, 0, 0)), -1);
}

}  // namespace
}  // namespace segstream::model
