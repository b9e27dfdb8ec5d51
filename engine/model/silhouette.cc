// Silhouette coefficient, exact or sampled; see silhouette.h.
#include "engine/model/silhouette.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/model/rng.h"

namespace segstream::model {

namespace {

double ExactSilhouette(const Points& x, const std::vector<int>& labels, int k) {
  const Eigen::Index n = x.rows();
  std::vector<int64_t> sizes(k, 0);
  for (int l : labels) ++sizes[l];
  int non_empty = 0;
  for (int64_t s : sizes) non_empty += s > 0 ? 1 : 0;
  if (non_empty < 2) return 0.0;

  // sums[i * k + c] = sum of distances from point i to the points of cluster c.
  std::vector<double> sums(static_cast<size_t>(n) * k, 0.0);
  const double* p = x.data();
  for (Eigen::Index i = 0; i < n; ++i) {
    const double xi0 = p[3 * i], xi1 = p[3 * i + 1], xi2 = p[3 * i + 2];
    const int li = labels[i];
    double* row_i = sums.data() + static_cast<size_t>(i) * k;
    for (Eigen::Index j = i + 1; j < n; ++j) {
      const double d0 = xi0 - p[3 * j];
      const double d1 = xi1 - p[3 * j + 1];
      const double d2 = xi2 - p[3 * j + 2];
      const double d = std::sqrt(d0 * d0 + d1 * d1 + d2 * d2);
      row_i[labels[j]] += d;
      sums[static_cast<size_t>(j) * k + li] += d;
    }
  }

  double total = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const int li = labels[i];
    if (sizes[li] <= 1) continue;  // s(i) = 0
    const double* row_i = sums.data() + static_cast<size_t>(i) * k;
    const double a = row_i[li] / static_cast<double>(sizes[li] - 1);
    double b = std::numeric_limits<double>::infinity();
    for (int c = 0; c < k; ++c) {
      if (c == li || sizes[c] == 0) continue;
      b = std::min(b, row_i[c] / static_cast<double>(sizes[c]));
    }
    const double denom = std::max(a, b);
    if (denom > 0) total += (b - a) / denom;
  }
  return total / static_cast<double>(n);
}

}  // namespace

double Silhouette(const Points& x, const std::vector<int>& labels, int k, size_t max_exact,
                  uint64_t seed) {
  const size_t n = static_cast<size_t>(x.rows());
  if (n == 0 || k < 2 || labels.size() != n) return 0.0;
  if (max_exact == 0 || n <= max_exact) return ExactSilhouette(x, labels, k);

  // Seeded uniform sample without replacement: the first max_exact slots of
  // a partial Fisher-Yates shuffle of the indices.
  const std::vector<size_t> index = Rng(seed).SampleIndices(n, max_exact);
  Points sample(static_cast<Eigen::Index>(max_exact), 3);
  std::vector<int> sample_labels(max_exact);
  for (size_t i = 0; i < max_exact; ++i) {
    sample.row(static_cast<Eigen::Index>(i)) = x.row(static_cast<Eigen::Index>(index[i]));
    sample_labels[i] = labels[index[i]];
  }
  return ExactSilhouette(sample, sample_labels, k);
}

}  // namespace segstream::model
