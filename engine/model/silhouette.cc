// Silhouette coefficient, exact or sampled; see silhouette.h.
#include "engine/model/silhouette.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/model/rng.h"

namespace segstream::model {

namespace {

// Each pair is visited once and credited to both ends. The points are put in
// label order, one array per coordinate, and the sums are kept per cluster
// (sums.col(c)(j): distances from point j to cluster c), so the inner loop
// over one cluster's points is a contiguous array expression that Eigen
// vectorizes; the scattered "+= d" into a row indexed by each point's label
// was a chain of dependent stores.
double ExactSilhouette(const Points& x, const std::vector<int>& labels, int k) {
  const Eigen::Index n = x.rows();
  std::vector<Eigen::Index> begin(static_cast<size_t>(k) + 1, 0);  // cluster c: [begin[c], begin[c + 1])
  for (int l : labels) ++begin[static_cast<size_t>(l) + 1];
  int non_empty = 0;  // begin[c + 1] holds cluster c's size until the prefix sum below
  for (int c = 0; c < k; ++c) non_empty += begin[static_cast<size_t>(c) + 1] > 0 ? 1 : 0;
  if (non_empty < 2) return 0.0;
  for (int c = 0; c < k; ++c) begin[static_cast<size_t>(c) + 1] += begin[static_cast<size_t>(c)];

  Eigen::ArrayXd c0(n), c1(n), c2(n);
  std::vector<int> label(static_cast<size_t>(n));
  {
    std::vector<Eigen::Index> next(begin.begin(), begin.end() - 1);
    for (Eigen::Index i = 0; i < n; ++i) {
      const Eigen::Index at = next[static_cast<size_t>(labels[static_cast<size_t>(i)])]++;
      c0(at) = x(i, 0);
      c1(at) = x(i, 1);
      c2(at) = x(i, 2);
      label[static_cast<size_t>(at)] = labels[static_cast<size_t>(i)];
    }
  }
  Eigen::ArrayXXd sums = Eigen::ArrayXXd::Zero(n, k);
  Eigen::ArrayXd d(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const int li = label[static_cast<size_t>(i)];
    for (int c = 0; c < k; ++c) {
      const Eigen::Index lo = std::max(i + 1, begin[static_cast<size_t>(c)]);
      const Eigen::Index len = begin[static_cast<size_t>(c) + 1] - lo;
      if (len <= 0) continue;
      d.head(len) = ((c0.segment(lo, len) - c0(i)).square() + (c1.segment(lo, len) - c1(i)).square() +
                     (c2.segment(lo, len) - c2(i)).square())
                        .sqrt();
      sums.col(li).segment(lo, len) += d.head(len);
      sums(i, c) += d.head(len).sum();
    }
  }

  auto size_of = [&](int c) { return begin[static_cast<size_t>(c) + 1] - begin[static_cast<size_t>(c)]; };
  double total = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const int li = label[static_cast<size_t>(i)];
    if (size_of(li) <= 1) continue;  // s(i) = 0
    const double a = sums(i, li) / static_cast<double>(size_of(li) - 1);
    double b = std::numeric_limits<double>::infinity();
    for (int c = 0; c < k; ++c) {
      if (c == li || size_of(c) == 0) continue;
      b = std::min(b, sums(i, c) / static_cast<double>(size_of(c)));
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
