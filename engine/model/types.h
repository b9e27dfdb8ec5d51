// Value types shared by the model code: 3-d feature vectors (log1p recency,
// frequency, monetary, or their z-scores) and row-major point/centre tables.
// Row-major so one customer (or one centre) is one contiguous 24-byte row,
// which is what every hot loop here walks.
#pragma once

#include <Eigen/Core>

namespace segstream::model {

using Vec3 = Eigen::Vector3d;
using Points = Eigen::Matrix<double, Eigen::Dynamic, 3, Eigen::RowMajor>;   // one row per customer
using Centers = Eigen::Matrix<double, Eigen::Dynamic, 3, Eigen::RowMajor>;  // one row per centre

// Squared Euclidean distance between row `i` of `a` and the vector `x`,
// written out so the compiler keeps it in registers (k <= 20, d = 3).
inline double SquaredDistance(const Centers& a, Eigen::Index i, const double* x) {
  const double* c = a.data() + 3 * i;
  const double d0 = c[0] - x[0];
  const double d1 = c[1] - x[1];
  const double d2 = c[2] - x[2];
  return d0 * d0 + d1 * d1 + d2 * d2;
}

}  // namespace segstream::model
