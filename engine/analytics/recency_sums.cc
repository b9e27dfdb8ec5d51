// RecencySumsAt; see recency_sums.h.
#include "engine/analytics/recency_sums.h"

#include "engine/model/features.h"

namespace segstream::analytics {

model::CoordinateSums RecencySumsAt(const ValueHistogram& last_purchase, int64_t watermark) {
  model::CoordinateSums sums;
  const int64_t half_bucket = last_purchase.shift() == 0 ? 0 : (int64_t{1} << last_purchase.shift()) / 2;
  for (const auto& [bucket, n] : last_purchase.counts()) {
    const double days = static_cast<double>(watermark - (bucket + half_bucket)) / 86400.0;  // recency_days
    sums.Add(model::LogFeatures(days, 0, 0)[0], static_cast<int64_t>(n));
  }
  return sums;
}

}  // namespace segstream::analytics
