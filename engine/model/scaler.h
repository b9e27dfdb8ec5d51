// PopulationScaler: the mean and standard deviation (ddof 0) of every
// customer's log-feature vector, kept exact while customers come, change and
// go, so the z-scores the model works in are those a batch job would compute
// over the same population.
//
// How it stays exact: each coordinate is quantized to a fixed-point integer
// q = round(x * 2^32) (resolution 2.3e-10, far below anything that matters
// for log1p features) and the state is the integer sums n, sum(q), sum(q^2)
// in 128-bit integers. Integer addition is associative and Remove(x)
// subtracts exactly what Add(x) added, so after any sequence of calls the
// state equals that of adding just the vectors currently present, in any
// order: millions of add/remove cycles leave no drift at all (Welford with
// removal or compensated float sums would only make the drift small).
// The variance is then formed from the integers without cancellation (see
// Variance in scaler.cc).
//
// Domain: coordinates are clamped to [-1024, 1024] (log1p of any double is
// below 710) and NaN counts as 0, so the 128-bit sums cannot overflow for
// any population up to 2^40 customers (Deserialize rejects larger counts).
//
// Not thread-safe; a value type (copy it to snapshot).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/model/types.h"
#include "engine/util/status.h"

namespace segstream::model {

class PopulationScaler;

// The fixed-point sums of one coordinate over a population given by value
// and multiplicity, quantized exactly as PopulationScaler::Add does: adding
// (v, n) leaves the sums n calls of Add with v in that coordinate would.
// Used to rebuild a coordinate from a histogram instead of visiting each
// member (see engine/analytics/recency_sums.h). Not thread-safe; a value.
class CoordinateSums {
 public:
  void Add(double value, int64_t copies);
  int64_t count() const { return count_; }

 private:
  friend class PopulationScaler;
  int64_t count_ = 0;
  __int128 sum_ = 0;
  unsigned __int128 sum_sq_ = 0;
};

class PopulationScaler {
 public:
  static constexpr double kMaxAbs = 1024.0;

  PopulationScaler() = default;

  void Add(const Vec3& x);
  // REQUIRES: x was previously added (and not yet removed). Removing a vector
  // that was never added leaves statistics of a multiset with a negative
  // member; count() going negative is clamped in Mean/Std.
  void Remove(const Vec3& x);

  int64_t count() const { return count_; }

  // Replaces coordinate `j`'s sums (j in 0..2) by `sums`. REQUIRES:
  // sums.count() == count(), i.e. the coordinate describes the same
  // population as the others; otherwise returns false and changes nothing.
  [[nodiscard]] bool SetCoordinate(int j, const CoordinateSums& sums);

  Vec3 Mean() const;  // 0 when empty
  Vec3 Std() const;   // population std (ddof 0); a zero std (or empty) reports 1

  // z = (x - mean) / std.
  Vec3 Transform(const Vec3& log_features) const;
  // x = z * std + mean.
  Vec3 InverseTransform(const Vec3& z) const;
  // Row-wise Transform of a whole table.
  Points TransformAll(const Points& log_features) const;

  // Format (little-endian): u8 version (1), i64 count, then for each of the 3
  // coordinates sum(q) as i128 (lo u64, hi u64), then for each sum(q^2) as
  // u128 (lo, hi). Round trips bit-exactly.
  std::string Serialize() const;
  // Rejects truncated/oversized input, unknown versions and inconsistent
  // sums (negative count, count 0 with non-zero sums) with Status::Corruption.
  static Result<PopulationScaler> Deserialize(std::string_view data);

  friend bool operator==(const PopulationScaler& a, const PopulationScaler& b) {
    if (a.count_ != b.count_) return false;
    for (int j = 0; j < 3; ++j) {
      if (a.sum_[j] != b.sum_[j] || a.sum_sq_[j] != b.sum_sq_[j]) return false;
    }
    return true;
  }

 private:
  friend class CoordinateSums;
  static int64_t Quantize(double v);
  double Variance(int j) const;  // in fixed-point units squared

  int64_t count_ = 0;
  __int128 sum_[3] = {0, 0, 0};               // sum of q
  unsigned __int128 sum_sq_[3] = {0, 0, 0};  // sum of q^2 (mod 2^128 while removals are pending)
};

}  // namespace segstream::model
