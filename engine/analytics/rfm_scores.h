// Classic RFM scores: R, F and M as quintile scores 1..5 over the current
// population of customers with purchases, and the named R x F grid that CRM
// teams segment with (champions, loyal, at risk, hibernating, ...).
//
// Definition (exact, ties share a score):
//   f_score = 1 + floor(5 * #{customers with a strictly smaller frequency} / N)
//   m_score = 1 + floor(5 * #{customers with a strictly smaller monetary} / N)
//   r_score = 1 + floor(5 * #{customers with a strictly larger recency} / N)
// where N is the number of customers with purchases (frequency > 0). A
// strictly larger recency is a strictly earlier last purchase, so r_score
// does not depend on the watermark and 5 is the most recent.
//
// The scores are computed from exact population histograms (value -> count,
// ValueHistogram) without visiting customers: the four thresholds of each
// score (RfmBoundaries) follow from one pass over the histogram, and a
// customer's score is the number of thresholds its value reaches, plus 1.
// For a value in the population this is exactly the definition above.
//
// The named grid (rows R, columns F; the common "RF map" of RFM analysis):
//   R 5:   F1 new customers,  F2-3 potential loyalists, F4-5 champions
//   R 4:   F1 promising,      F2-3 potential loyalists, F4-5 loyal
//   R 3:   F1-2 about to sleep, F3 need attention,      F4-5 loyal
//   R 1-2: F1-2 hibernating,  F3-4 at risk,             F5 cannot lose them
//
// Value types; not thread-safe for mutation, const use is safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/btree_map.h"

namespace segstream::analytics {

// Multiset of int64 values as value -> count, exact while it holds at most
// `max_buckets` distinct values. Past that it coarsens: values are kept in
// buckets of width 2^shift (a bucket is named by its lowest value, floor
// division, so negative values bucket too), the shift growing by one until
// at most half of max_buckets buckets remain. Memory is therefore bounded by
// max_buckets map entries whatever the population (a std::map entry is about
// 48 bytes: 3 MiB at the default), and anything computed from the counts is
// exact to within a bucket's width. A coarsened histogram never refines
// again.
//
// For durability it remembers which buckets changed since the last
// TakeChanges (and whether it coarsened, which renames every bucket).
class ValueHistogram {
 public:
  static constexpr size_t kDefaultMaxBuckets = size_t{1} << 16;
  explicit ValueHistogram(size_t max_buckets = kDefaultMaxBuckets) : max_buckets_(max_buckets) {}

  void Add(int64_t value);
  // REQUIRES: `value` was added and not yet removed.
  void Remove(int64_t value);
  // Sets the count of the bucket named `bucket` (decoding); 0 erases.
  void Set(int64_t bucket, uint64_t count);
  // The count of the bucket that holds `value`.
  uint64_t Count(int64_t value) const;
  uint64_t total() const { return total_; }
  // Bucket (its lowest value) -> count, ascending.
  using Counts = absl::btree_map<int64_t, uint64_t>;
  const Counts& counts() const { return counts_; }
  // Width of a bucket is 2^shift (0: exact values).
  int shift() const { return shift_; }
  void set_shift(int shift) { shift_ = shift; }  // decoding, on an empty histogram
  int64_t BucketOf(int64_t value) const { return shift_ == 0 ? value : (value >> shift_) * (int64_t{1} << shift_); }
  // #{values in buckets strictly below `value`'s} (O(buckets); for tests).
  uint64_t CountLess(int64_t value) const;

  // The buckets changed since the last call (each once, ascending), and
  // whether the histogram coarsened meanwhile (then every bucket is new and
  // the stored ones must all go).
  std::vector<int64_t> TakeChanges(bool* coarsened);

 private:
  void Coarsen();
  void Changed(int64_t bucket) {
    if (!coarsened_) changed_.push_back(bucket);
  }

  Counts counts_;
  uint64_t total_ = 0;
  size_t max_buckets_;
  int shift_ = 0;
  std::vector<int64_t> changed_;
  bool coarsened_ = false;
};

// Thresholds t[0..3]: score(v) = 1 + #{s : v >= t[s]}. kNone when no value
// reaches that score.
struct QuintileThresholds {
  static constexpr int64_t kNone = INT64_MAX;
  std::array<int64_t, 4> t{kNone, kNone, kNone, kNone};
  // The score of a value (1..5).
  int Score(int64_t value) const;
  // Computes the thresholds of `h` (one pass over its distinct values).
  static QuintileThresholds Of(const ValueHistogram& h);
  bool operator==(const QuintileThresholds&) const = default;
};

// The boundaries of the three scores, computed at one model version (or,
// before the first version and with --no-model, by readers from the
// current histograms; model_version is then 0).
// recency thresholds are over last-purchase times (epoch seconds).
struct RfmBoundaries {
  uint64_t model_version = 0;  // the version they were computed at; 0 = never
  uint64_t customers = 0;      // N
  QuintileThresholds last_purchase, frequency, monetary_milli;
  bool empty() const { return customers == 0; }
  bool operator==(const RfmBoundaries&) const = default;
};

struct RfmScore {
  int r = 0, f = 0, m = 0;  // 1..5; 0 = no score (no purchases, or no boundaries yet)
  bool valid() const { return r > 0; }
  std::string Code() const;  // "545"
};

RfmScore ScoreOf(const RfmBoundaries& b, int64_t last_purchase_ts, int64_t frequency, int64_t monetary_milli);

// The named segment of an (r, f) cell, e.g. "champions"; "" when invalid.
std::string_view RfmSegmentName(int r, int f);

}  // namespace segstream::analytics
