// Batch k-means (k-means++ greedy seeding + Lloyd); see kmeans.h.
#include "engine/model/kmeans.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/model/rng.h"

namespace segstream::model {

namespace {

inline double Dist2(const double* a, const double* b) {
  const double d0 = a[0] - b[0];
  const double d1 = a[1] - b[1];
  const double d2 = a[2] - b[2];
  return d0 * d0 + d1 * d1 + d2 * d2;
}

// Index of the first element of the cumulative sums that exceeds `target`
// (numpy searchsorted side='left' on cumsum, clipped to the last index).
Eigen::Index SearchCumulative(const std::vector<double>& cumulative, double target) {
  auto it = std::lower_bound(cumulative.begin(), cumulative.end(), target);
  if (it == cumulative.end()) --it;
  return it - cumulative.begin();
}

// Mean per-feature variance of x: the scale that makes `tol` relative.
double MeanVariance(const Points& x) {
  const Eigen::Index n = x.rows();
  if (n == 0) return 0.0;
  double total = 0;
  for (int j = 0; j < 3; ++j) {
    double mean = 0;
    for (Eigen::Index i = 0; i < n; ++i) mean += x(i, j);
    mean /= static_cast<double>(n);
    double ss = 0;
    for (Eigen::Index i = 0; i < n; ++i) ss += (x(i, j) - mean) * (x(i, j) - mean);
    total += ss / static_cast<double>(n);
  }
  return total / 3.0;
}

// Assigns labels and squared distances; returns the inertia.
double Assign(const Points& x, const Centers& centers, std::vector<int>* labels,
              std::vector<double>* dist2) {
  const Eigen::Index n = x.rows();
  double inertia = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    double d;
    const int c = Nearest(centers, x.data() + 3 * i, &d);
    (*labels)[i] = c;
    (*dist2)[i] = d;
    inertia += d;
  }
  return inertia;
}

struct RunResult {
  Centers centers;
  int iterations = 0;
};

RunResult Lloyd(const Points& x, Centers centers, const KMeansOptions& options, double tol_abs) {
  const Eigen::Index n = x.rows();
  const int k = static_cast<int>(centers.rows());
  std::vector<int> labels(n, -1);
  std::vector<int> previous(n, -2);
  std::vector<double> dist2(n);
  std::vector<double> sums(3 * k);
  std::vector<int64_t> sizes(k);
  RunResult result;
  for (int iter = 0; iter < options.max_iter; ++iter) {
    Assign(x, centers, &labels, &dist2);
    result.iterations = iter + 1;
    if (labels == previous) break;  // strict convergence: centres are the means already
    std::fill(sums.begin(), sums.end(), 0.0);
    std::fill(sizes.begin(), sizes.end(), 0);
    for (Eigen::Index i = 0; i < n; ++i) {
      const int c = labels[i];
      sums[3 * c] += x(i, 0);
      sums[3 * c + 1] += x(i, 1);
      sums[3 * c + 2] += x(i, 2);
      ++sizes[c];
    }
    Centers next(k, 3);
    std::vector<int> empty;
    for (int c = 0; c < k; ++c) {
      if (sizes[c] == 0) {
        empty.push_back(c);
        next.row(c) = centers.row(c);
        continue;
      }
      const double inv = 1.0 / static_cast<double>(sizes[c]);
      next(c, 0) = sums[3 * c] * inv;
      next(c, 1) = sums[3 * c + 1] * inv;
      next(c, 2) = sums[3 * c + 2] * inv;
    }
    if (!empty.empty()) {
      // Relocate empty clusters onto the points farthest from their centres
      // (largest distance first, lower index on ties), as sklearn does.
      std::vector<Eigen::Index> order(n);
      for (Eigen::Index i = 0; i < n; ++i) order[i] = i;
      const size_t take = std::min(empty.size(), static_cast<size_t>(n));
      std::partial_sort(order.begin(), order.begin() + take, order.end(),
                        [&](Eigen::Index a, Eigen::Index b) {
                          return dist2[a] > dist2[b] || (dist2[a] == dist2[b] && a < b);
                        });
      for (size_t e = 0; e < take; ++e) next.row(empty[e]) = x.row(order[e]);
    }
    const double shift = (next - centers).squaredNorm();
    centers = std::move(next);
    previous.swap(labels);
    if (shift <= tol_abs && empty.empty()) break;
  }
  result.centers = std::move(centers);
  return result;
}

}  // namespace

double Inertia(const Points& x, const Centers& centers) {
  if (centers.rows() == 0) return 0.0;
  double total = 0;
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    double d;
    Nearest(centers, x.data() + 3 * i, &d);
    total += d;
  }
  return total;
}

std::vector<double> ClusterSizes(const std::vector<int>& labels, int k) {
  std::vector<double> sizes(std::max(0, k), 0.0);
  for (int l : labels) {
    if (l >= 0 && l < k) sizes[l] += 1.0;
  }
  return sizes;
}

Centers KMeansPlusPlus(const Points& x, int k, uint64_t seed) {
  const Eigen::Index n = x.rows();
  Centers centers(k, 3);
  if (n == 0 || k <= 0) return Centers(0, 3);
  Rng rng(seed);
  const int trials = 2 + static_cast<int>(std::log(static_cast<double>(k)));

  const Eigen::Index first = static_cast<Eigen::Index>(rng.Below(static_cast<uint64_t>(n)));
  centers.row(0) = x.row(first);
  std::vector<double> closest(n);
  double potential = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    closest[i] = Dist2(x.data() + 3 * i, x.data() + 3 * first);
    potential += closest[i];
  }

  std::vector<double> cumulative(n);
  std::vector<double> candidate_dist(n);
  std::vector<double> best_dist(n);
  for (int c = 1; c < k; ++c) {
    double running = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      running += closest[i];
      cumulative[i] = running;
    }
    Eigen::Index best_candidate = -1;
    double best_potential = std::numeric_limits<double>::infinity();
    for (int t = 0; t < trials; ++t) {
      Eigen::Index cand;
      if (running > 0) {
        cand = SearchCumulative(cumulative, rng.Uniform() * running);
      } else {
        // Every point coincides with a centre: any choice is as good.
        cand = static_cast<Eigen::Index>(rng.Below(static_cast<uint64_t>(n)));
      }
      const double* cp = x.data() + 3 * cand;
      double pot = 0;
      for (Eigen::Index i = 0; i < n; ++i) {
        const double d = std::min(closest[i], Dist2(x.data() + 3 * i, cp));
        candidate_dist[i] = d;
        pot += d;
      }
      if (pot < best_potential) {
        best_potential = pot;
        best_candidate = cand;
        best_dist.swap(candidate_dist);
      }
    }
    centers.row(c) = x.row(best_candidate);
    closest.swap(best_dist);
    potential = best_potential;
  }
  (void)potential;
  return centers;
}

KMeansFit FitKMeans(const Points& x, const KMeansOptions& options) {
  KMeansFit best;
  const Eigen::Index n = x.rows();
  const int k = std::max(1, options.k);
  if (n == 0) {
    best.centers = Centers(0, 3);
    return best;
  }
  const double tol_abs = options.tol * MeanVariance(x);
  const int n_init = std::max(1, options.n_init);
  std::vector<int> labels(n);
  std::vector<double> dist2(n);
  bool have_best = false;
  for (int init = 0; init < n_init; ++init) {
    const Centers seeds = KMeansPlusPlus(x, k, MixSeed(options.seed, static_cast<uint64_t>(init)));
    RunResult run = Lloyd(x, seeds, options, tol_abs);
    const double inertia = Assign(x, run.centers, &labels, &dist2);
    if (!have_best || inertia < best.inertia) {
      have_best = true;
      best.centers = std::move(run.centers);
      best.labels = labels;
      best.inertia = inertia;
      best.iterations = run.iterations;
    }
  }
  return best;
}

}  // namespace segstream::model

namespace segstream::model {

KMeansFit RefineKMeans(const Points& x, const Centers& init, const KMeansOptions& options) {
  KMeansFit fit;
  if (x.rows() == 0 || init.rows() == 0) {
    fit.centers = init;
    return fit;
  }
  RunResult run = Lloyd(x, init, options, options.tol * MeanVariance(x));
  std::vector<double> dist2(static_cast<size_t>(x.rows()));
  fit.labels.resize(static_cast<size_t>(x.rows()));
  fit.inertia = Assign(x, run.centers, &fit.labels, &dist2);
  fit.centers = std::move(run.centers);
  fit.iterations = run.iterations;
  return fit;
}

}  // namespace segstream::model
