// RecencyHistogram; see recency_histogram.h.
#include "engine/segment/recency_histogram.h"

#include "engine/model/features.h"

namespace segstream {

void RecencyHistogram::Add(int64_t last_purchase_ts) {
  ++count_by_second_[last_purchase_ts];
  ++total_;
}

void RecencyHistogram::Remove(int64_t last_purchase_ts) {
  auto it = count_by_second_.find(last_purchase_ts);
  if (it == count_by_second_.end()) return;  // REQUIRES violated: ignore rather than go negative
  if (--it->second == 0) count_by_second_.erase(it);
  --total_;
}

model::CoordinateSums RecencyHistogram::RecencySumsAt(int64_t watermark) const {
  model::CoordinateSums sums;
  // Integer sums: the iteration order of the hash map does not matter.
  for (const auto& [ts, n] : count_by_second_) {
    const double days = static_cast<double>(watermark - ts) / 86400.0;  // CustomerRecord::recency_days
    sums.Add(model::LogFeatures(days, 0, 0)[0], n);
  }
  return sums;
}

}  // namespace segstream
