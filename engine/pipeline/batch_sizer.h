// BatchSizer: how many records the next micro-batch may take, so that one
// batch's processing and durable commit last about a target time (the
// latency a record waits behind its batch). The cost of a record is not a
// constant: it grows when the population outgrows the customer cache (reads
// from RocksDB) and in batches that publish a model version. The sizer keeps
// an exponentially weighted mean of seconds per record over the batches seen
// (weight 1/4 for the newest) and sizes the next batch to target / mean,
// within [min_records, max_records]. Batches smaller than min_records (an
// idle stream) are not measured: their fixed commit cost would dominate.
//
// Outputs never depend on how records are cut into batches (SegmentEngine's
// determinism), so sizing only trades latency against commits per second.
// Not thread-safe: the pipeline loop owns it.
#pragma once

#include <algorithm>
#include <cstddef>

namespace segstream {

class BatchSizer {
 public:
  // `target_seconds` <= 0: every batch may take max_records (a fixed size).
  BatchSizer(size_t max_records, double target_seconds, size_t min_records = 1024)
      : max_(std::max<size_t>(1, max_records)),
        min_(std::min(std::max<size_t>(1, min_records), max_)),
        target_(target_seconds),
        next_(max_) {}

  size_t next() const { return next_; }

  // A batch of `records` took `seconds` (processing and commit).
  void Observe(size_t records, double seconds) {
    if (target_ <= 0 || records < min_ || seconds <= 0) return;
    const double per_record = seconds / static_cast<double>(records);
    mean_ = mean_ <= 0 ? per_record : 0.75 * mean_ + 0.25 * per_record;
    const double fit = target_ / mean_;
    next_ = fit >= static_cast<double>(max_) ? max_ : std::max(min_, static_cast<size_t>(fit));
  }

 private:
  size_t max_, min_;
  double target_;
  size_t next_;
  double mean_ = 0;  // seconds per record, exponentially weighted
};

}  // namespace segstream
