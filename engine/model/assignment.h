// Minimum-cost assignment (Hungarian method / Kuhn-Munkres with potentials,
// O(r^2 c) for r <= c), used to keep segment ids stable across model
// versions: the new version's centres are matched to the previous ones so
// that the total squared centre movement is smallest, and segment i keeps its
// id when its centre only moved.
#pragma once

#include <vector>

#include <Eigen/Core>

namespace segstream::model {

// cost(r, c) = cost of giving row r column c; rectangular allowed. Returns
// result[row] = assigned column, or -1 for rows left over when there are more
// rows than columns. Every column is used at most once and the total cost is
// minimal. Costs must be finite (NaN/inf are treated as a very large cost).
std::vector<int> MinCostAssignment(const Eigen::MatrixXd& cost);

}  // namespace segstream::model
