// Degenerate inputs to k-means: identical points, fewer distinct points than
// k, centres that coincide or own no point. A k-means fit asked for more
// centres than there are distinct points places copies of the same centre
// (or empty ones); a published model must never hold those. These helpers
// let the trainer cap k by the data and prune what a fit left degenerate.
//
// Pure functions, thread-compatible.
#pragma once

#include <vector>

#include "engine/model/types.h"

namespace segstream::model {

// Number of distinct rows of x (exact equality of all 3 coordinates),
// counting at most `cap` (the result is min(distinct, cap)). O(n log n).
int CountDistinctRows(const Points& x, int cap);

// Centres of `centers` that own at least one row of x (nearest centre, lowest
// index on ties) and do not coincide with an earlier kept centre (distance
// below 1e-9 z units), in their original order. `kept` receives the original
// row index of each kept centre. An empty x keeps every distinct centre.
Centers PruneDegenerateCenters(const Points& x, const Centers& centers, std::vector<int>* kept);

// One new segment's origin: the share of its points that the previous model
// placed in each old segment (the lineage of a model whose k changed).
struct LineageEntry {
  int new_row = 0;
  std::vector<std::pair<int, double>> from;  // (old row, share in [0,1]), shares sum to 1, largest first
};

// For every new centre, where its points (rows of x, nearest centre under
// each model) came from. `x` must be in the space of both centre sets.
// New rows that own no point get an empty `from`.
std::vector<LineageEntry> Lineage(const Points& x, const Centers& old_centers, const Centers& new_centers);

}  // namespace segstream::model
