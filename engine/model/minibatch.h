// Mini-batch k-means with forgetting: the streaming model that follows the
// population after the batch bootstrap.
//
// Update (Sculley 2010, "Web-scale k-means clustering"), per Step:
//   counts *= decay                     (forgetting; decay = 0.5^(dt/half_life),
//                                        computed by the caller, in (0, 1])
//   for each point x, in order:
//     c = nearest centre; counts[c] += 1; centre[c] += (x - centre[c]) / counts[c]
// so each centre is a running mean with per-centre learning rate 1/count and
// old points' weight halving every half-life: the centres follow drift.
//
// Re-seeding of starved centres (like sklearn's MiniBatchKMeans
// reassignment_ratio): after the updates, a centre whose count is below
// reassign_ratio * max count has stopped representing anyone. Such centres
// (lowest count first, at most half the batch size, as sklearn caps it) are
// moved onto batch points drawn k-means++-style: with probability
// proportional to the squared distance to the nearest live centre, updated
// after every pick so two re-seeded centres do not take the same spot. Their
// count is reset to the smallest live count (as sklearn does), so a fresh
// centre is not immediately starved again. The RNG is seeded by `seed`, so a
// replay re-seeds identically. Step returns the re-seeded indices: the caller
// retires those segment ids and issues new ones.
//
// Value type, not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/scaler.h"
#include "engine/model/types.h"
#include "engine/util/status.h"

namespace segstream::model {

struct StepResult {
  std::vector<int> reseeded;  // centre indices moved onto new points, ascending
  double batch_inertia = 0;   // sum of squared distances to the nearest centre, before each update
};

class MiniBatchKMeans {
 public:
  MiniBatchKMeans() = default;
  // counts[c] is the (possibly fractional) weight already behind centre c,
  // e.g. the cluster sizes of the batch fit. A counts vector of the wrong size
  // is resized (missing entries 0).
  MiniBatchKMeans(Centers initial, std::vector<double> counts);

  // REQUIRES: 0 < decay <= 1 (values outside are clamped to that range);
  // finite batch coordinates (a NaN point would poison its centre).
  StepResult Step(const Points& batch, double decay, uint64_t seed, double reassign_ratio = 0.01);

  const Centers& centers() const { return centers_; }
  const std::vector<double>& counts() const { return counts_; }
  int k() const { return static_cast<int>(centers_.rows()); }
  void Reset(Centers centers, std::vector<double> counts);

  // Format (little-endian): u8 version (1), u32 k, k*3 centre coordinates
  // (row-major raw doubles), k counts (raw doubles). Bit-exact round trip.
  std::string Serialize() const;
  // Corruption on truncated or trailing bytes, unknown version, k > 4096,
  // non-finite centres or negative/non-finite counts.
  static Result<MiniBatchKMeans> Deserialize(std::string_view data);

 private:
  Centers centers_ = Centers(0, 3);
  std::vector<double> counts_;
};

// Moves centres expressed under scaler `from` so they stay at the same
// log-space points under scaler `to`: z' = to.Transform(from.InverseTransform(z)).
Centers Rescale(const Centers& z_centers, const PopulationScaler& from, const PopulationScaler& to);

}  // namespace segstream::model
