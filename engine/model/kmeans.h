// Batch k-means: greedy k-means++ seeding, Lloyd iterations, best of n_init,
// following scikit-learn's KMeans(init="k-means++", algorithm="lloyd") so the
// bootstrap model and the quality reference match what analysts get from
// their notebooks.
//
// - Seeding (Arthur & Vassilvitskii 2007, greedy variant as in sklearn): the
//   first centre is a uniformly random point; each further centre draws
//   2 + floor(ln k) candidates with probability proportional to D(x)^2 and
//   keeps the candidate that lowers the potential sum D(x)^2 the most. The
//   greedy step matters: plain k-means++ lands in worse local optima.
// - Lloyd: assign every point to its nearest centre, move each centre to the
//   mean of its points. Stops when the labels no longer change (a true fixed
//   point) or when the total squared centre shift falls to
//   tol * mean per-feature variance of x (sklearn's relative tolerance), or
//   after max_iter iterations. tol = 0 iterates to the fixed point.
// - An empty cluster is moved onto the point farthest from its centre
//   (as sklearn does), so a fit always has k live centres when n >= k.
// - The best of n_init runs (lowest inertia; first wins ties) is returned,
//   with labels recomputed against the returned centres.
//
// Deterministic: each init uses its own RNG stream derived from (seed, init)
// and all sums run in a fixed order, so equal inputs give bit-identical fits.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/model/types.h"

namespace segstream::model {

struct KMeansOptions {
  int k = 4;
  int n_init = 10;
  int max_iter = 300;
  double tol = 1e-4;
  uint64_t seed = 42;
};

struct KMeansFit {
  Centers centers;          // k rows (0 rows when x is empty)
  std::vector<int> labels;  // nearest centre per row of x
  double inertia = 0;       // sum of squared distances to the nearest centre
  int iterations = 0;       // Lloyd iterations of the winning init
};

// REQUIRES: options.k >= 1, finite coordinates. With fewer distinct points
// than k some centres coincide (the fit is still valid, just degenerate).
KMeansFit FitKMeans(const Points& x, const KMeansOptions& options);

// Index of the centre nearest to x (lowest index on ties); -1 when there are
// no centres. Stores the squared distance in *distance2 when given.
// Inline: this is the per-customer hot path of re-scoring.
inline int Nearest(const Centers& centers, const double* x, double* distance2 = nullptr) {
  const Eigen::Index k = centers.rows();
  const double* c = centers.data();
  int best = -1;
  double best_d = 0;
  for (Eigen::Index j = 0; j < k; ++j) {
    const double d0 = c[3 * j] - x[0];
    const double d1 = c[3 * j + 1] - x[1];
    const double d2 = c[3 * j + 2] - x[2];
    const double d = d0 * d0 + d1 * d1 + d2 * d2;
    if (best < 0 || d < best_d) {
      best_d = d;
      best = static_cast<int>(j);
    }
  }
  if (distance2 != nullptr) *distance2 = best_d;
  return best;
}
inline int Nearest(const Centers& centers, const Vec3& x, double* distance2 = nullptr) {
  return Nearest(centers, x.data(), distance2);
}

// Sum over rows of x of the squared distance to the nearest centre.
double Inertia(const Points& x, const Centers& centers);

// Lloyd iterations from the given centres (options.k and n_init ignored):
// the engine polishes its streaming centres with this at each model version.
KMeansFit RefineKMeans(const Points& x, const Centers& init, const KMeansOptions& options);

// Number of labels equal to each of 0..k-1 (as doubles: the initial
// MiniBatchKMeans counts after a batch fit).
std::vector<double> ClusterSizes(const std::vector<int>& labels, int k);

// Greedy k-means++ seeding alone (exposed for tests and the mini-batch
// bootstrap). Returns k rows of x.
Centers KMeansPlusPlus(const Points& x, int k, uint64_t seed);

}  // namespace segstream::model
