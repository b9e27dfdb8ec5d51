// Mean silhouette coefficient (Rousseeuw 1987) of a labelling, Euclidean
// distance, matching sklearn.metrics.silhouette_score:
//   a(i) = mean distance from i to the other members of its cluster,
//   b(i) = lowest mean distance from i to the members of another cluster,
//   s(i) = (b - a) / max(a, b), and s(i) = 0 when i is alone in its cluster.
//
// Exact up to max_exact points: O(n^2) distances, O(n k) memory (per-point
// sums of distances to each cluster; each pair is visited once and credited
// to both ends; the points are taken in label order so that each cluster's
// distances are one vectorized array expression), no n x n matrix. Beyond
// max_exact the score is that of a seeded uniform sample of max_exact points
// drawn without replacement (partial Fisher-Yates), both a and b computed
// within the sample, like sklearn's silhouette_score(sample_size=...).
// Deterministic for a seed.
//
// Returns 0 when fewer than two clusters are non-empty (sklearn raises).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/model/types.h"

namespace segstream::model {

// REQUIRES: labels.size() == x.rows(), every label in [0, k).
double Silhouette(const Points& x, const std::vector<int>& labels, int k, size_t max_exact = 20000,
                  uint64_t seed = 42);

}  // namespace segstream::model
