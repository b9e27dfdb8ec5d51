// RecencyHistogram: how many active customers made their last purchase at
// each second of event time. It is what keeps the population statistics of
// the recency feature exact without visiting customers.
//
// Why: the scaler's recency coordinate is log1p(recency_days), and every
// customer's recency grows as the watermark advances, so the mean and
// variance of that coordinate change for everyone with no event of their
// own. Summing over this histogram instead of over customers gives the same
// fixed-point sums a sweep would (each bucket is one exact last-purchase
// second: no precision is lost), at a cost of O(distinct last-purchase
// seconds) instead of O(customers). For minute-resolution data such as the
// UCI file that is at most 525,600 buckets per year of history, whatever the
// population.
//
// Not thread-safe; one pipeline thread owns it.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "engine/model/scaler.h"

namespace segstream {

class RecencyHistogram {
 public:
  void Add(int64_t last_purchase_ts);
  // REQUIRES: `last_purchase_ts` was added and not yet removed.
  void Remove(int64_t last_purchase_ts);
  void Clear() {
    count_by_second_.clear();
    total_ = 0;
  }

  int64_t count() const { return total_; }
  size_t buckets() const { return count_by_second_.size(); }

  // The recency coordinate's sums at `watermark` (seconds): per customer
  // log1p(max(0, (watermark - last_purchase_ts) / 86400)), quantized as
  // model::PopulationScaler does, i.e. coordinate 0 of CustomerLogFeatures.
  model::CoordinateSums RecencySumsAt(int64_t watermark) const;

 private:
  std::unordered_map<int64_t, int64_t> count_by_second_;  // last_purchase_ts -> customers
  int64_t total_ = 0;
};

}  // namespace segstream
