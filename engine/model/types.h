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

}  // namespace segstream::model
