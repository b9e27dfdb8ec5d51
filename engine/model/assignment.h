// Minimum-cost assignment (Hungarian method / Kuhn-Munkres with potentials,
// O(r^2 c) for r <= c), used to keep segment ids stable across model
// versions: the new version's centres are matched to the previous ones so
// that the total squared centre movement is smallest, and segment i keeps its
// id when its centre only moved.
#pragma once

#include <vector>

#include <Eigen/Core>

#include "engine/model/types.h"

namespace segstream::model {

// cost(r, c) = cost of giving row r column c; rectangular allowed. Returns
// result[row] = assigned column, or -1 for rows left over when there are more
// rows than columns. Every column is used at most once and the total cost is
// minimal. Costs must be finite (NaN/inf are treated as a very large cost).
std::vector<int> MinCostAssignment(const Eigen::MatrixXd& cost);

// Matches a new model version's centres to the previous version's with cost
// = squared distance: result[i] = index of the previous centre whose segment
// id new centre i inherits, or -1 (more new centres than old: a new id).
// Both sets must be in the same space (Rescale old centres first if the
// scaler changed).
std::vector<int> MatchCenters(const Centers& next, const Centers& previous);

}  // namespace segstream::model
