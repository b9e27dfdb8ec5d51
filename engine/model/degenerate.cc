// Degenerate-input helpers; see degenerate.h.
#include "engine/model/degenerate.h"

#include <algorithm>
#include <array>

#include "engine/model/kmeans.h"

namespace segstream::model {

int CountDistinctRows(const Points& x, int cap) {
  std::vector<std::array<double, 3>> rows(static_cast<size_t>(x.rows()));
  for (Eigen::Index i = 0; i < x.rows(); ++i) rows[static_cast<size_t>(i)] = {x(i, 0), x(i, 1), x(i, 2)};
  std::sort(rows.begin(), rows.end());
  const auto distinct = std::unique(rows.begin(), rows.end()) - rows.begin();
  return static_cast<int>(std::min<std::ptrdiff_t>(distinct, cap));
}

Centers PruneDegenerateCenters(const Points& x, const Centers& centers, std::vector<int>* kept) {
  const Eigen::Index k = centers.rows();
  std::vector<int> owned(static_cast<size_t>(k), 0);
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    const Vec3 p = x.row(i).transpose();
    const int row = Nearest(centers, p);
    if (row >= 0) ++owned[static_cast<size_t>(row)];
  }
  kept->clear();
  for (Eigen::Index j = 0; j < k; ++j) {
    if (x.rows() > 0 && owned[static_cast<size_t>(j)] == 0) continue;
    bool duplicate = false;
    for (int prev : *kept) {
      if ((centers.row(j) - centers.row(prev)).norm() < 1e-9) duplicate = true;
    }
    if (!duplicate) kept->push_back(static_cast<int>(j));
  }
  Centers out(static_cast<Eigen::Index>(kept->size()), 3);
  for (size_t i = 0; i < kept->size(); ++i) out.row(static_cast<Eigen::Index>(i)) = centers.row((*kept)[i]);
  return out;
}

std::vector<LineageEntry> Lineage(const Points& x, const Centers& old_centers, const Centers& new_centers) {
  const auto k_new = static_cast<size_t>(new_centers.rows());
  const auto k_old = static_cast<size_t>(old_centers.rows());
  std::vector<std::vector<double>> counts(k_new, std::vector<double>(k_old, 0.0));
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    const Vec3 p = x.row(i).transpose();
    const int n = Nearest(new_centers, p);
    const int o = Nearest(old_centers, p);
    if (n >= 0 && o >= 0) counts[static_cast<size_t>(n)][static_cast<size_t>(o)] += 1;
  }
  std::vector<LineageEntry> out(k_new);
  for (size_t n = 0; n < k_new; ++n) {
    out[n].new_row = static_cast<int>(n);
    double total = 0;
    for (double c : counts[n]) total += c;
    if (total == 0) continue;
    for (size_t o = 0; o < k_old; ++o) {
      if (counts[n][o] > 0) out[n].from.emplace_back(static_cast<int>(o), counts[n][o] / total);
    }
    std::stable_sort(out[n].from.begin(), out[n].from.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
  }
  return out;
}

}  // namespace segstream::model
