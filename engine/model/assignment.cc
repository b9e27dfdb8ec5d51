// Hungarian method with row/column potentials; see assignment.h.
//
// The classic shortest-augmenting-path formulation: rows are added one at a
// time; for each, Dijkstra-like growth over columns using reduced costs
// cost(i, j) - u[i] - v[j] >= 0 finds the cheapest augmenting path, the
// potentials are updated so reduced costs stay non-negative, and the path is
// flipped. Requires rows <= cols; the other case is solved on the transpose.
#include "engine/model/assignment.h"

#include <cmath>
#include <limits>

namespace segstream::model {

namespace {

// Large enough to lose to any real cost, small enough that sums stay finite.
constexpr double kHugeCost = 1e100;

// rows <= cols. Returns column per row.
std::vector<int> SolveWide(const Eigen::MatrixXd& cost) {
  const int n = static_cast<int>(cost.rows());
  const int m = static_cast<int>(cost.cols());
  const double inf = std::numeric_limits<double>::infinity();
  auto at = [&](int i, int j) {
    const double c = cost(i, j);
    return std::isfinite(c) ? c : kHugeCost;
  };
  // 1-based arrays with a virtual column 0 (e-maxx style).
  std::vector<double> u(n + 1, 0.0), v(m + 1, 0.0);
  std::vector<int> p(m + 1, 0), way(m + 1, 0);
  for (int i = 1; i <= n; ++i) {
    p[0] = i;
    int j0 = 0;
    std::vector<double> minv(m + 1, inf);
    std::vector<char> used(m + 1, 0);
    do {
      used[j0] = 1;
      const int i0 = p[j0];
      double delta = inf;
      int j1 = 0;
      for (int j = 1; j <= m; ++j) {
        if (used[j]) continue;
        const double cur = at(i0 - 1, j - 1) - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (int j = 0; j <= m; ++j) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] != 0);
    do {
      const int j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  std::vector<int> result(n, -1);
  for (int j = 1; j <= m; ++j) {
    if (p[j] != 0) result[p[j] - 1] = j - 1;
  }
  return result;
}

}  // namespace

std::vector<int> MinCostAssignment(const Eigen::MatrixXd& cost) {
  const Eigen::Index rows = cost.rows();
  const Eigen::Index cols = cost.cols();
  if (rows == 0) return {};
  if (cols == 0) return std::vector<int>(rows, -1);
  if (rows <= cols) return SolveWide(cost);
  const Eigen::MatrixXd transposed = cost.transpose();
  const std::vector<int> col_to_row = SolveWide(transposed);
  std::vector<int> result(rows, -1);
  for (Eigen::Index c = 0; c < cols; ++c) {
    if (col_to_row[c] >= 0) result[col_to_row[c]] = static_cast<int>(c);
  }
  return result;
}

std::vector<int> MatchCenters(const Centers& next, const Centers& previous) {
  Eigen::MatrixXd cost(next.rows(), previous.rows());
  for (Eigen::Index i = 0; i < next.rows(); ++i) {
    for (Eigen::Index j = 0; j < previous.rows(); ++j) cost(i, j) = (next.row(i) - previous.row(j)).squaredNorm();
  }
  return MinCostAssignment(cost);
}

}  // namespace segstream::model
