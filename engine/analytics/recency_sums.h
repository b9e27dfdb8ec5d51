// The scaler's recency statistics from the last-purchase histogram: what
// keeps them exact without visiting customers.
//
// Why: the scaler's recency coordinate is log1p(recency_days), and every
// customer's recency grows as the watermark advances, so the mean and
// variance of that coordinate change for everyone with no event of their
// own. Summing over the histogram of active customers' last-purchase times
// (Analytics::last_purchase) instead of over customers costs O(buckets)
// instead of O(customers). While the histogram holds exact seconds (at most
// 65,536 distinct last-purchase times: for minute-resolution data such as
// the UCI file, about 45 days of distinct minutes, or any number of days
// with repeated minutes) the sums are the same fixed-point sums a sweep
// gives, bit for bit. Past that, times share buckets of 2^shift seconds
// (ValueHistogram) and each bucket counts at its midpoint: a recency error
// of at most half a bucket (2^(shift-1) s) per customer.
//
// A pure function; thread-safe.
#pragma once

#include <cstdint>

#include "engine/analytics/rfm_scores.h"
#include "engine/model/scaler.h"

namespace segstream::analytics {

// The recency coordinate's sums at `watermark` (seconds): per customer
// log1p(max(0, (watermark - last_purchase_ts) / 86400)), quantized as
// model::PopulationScaler does, i.e. coordinate 0 of CustomerLogFeatures.
model::CoordinateSums RecencySumsAt(const ValueHistogram& last_purchase, int64_t watermark);

}  // namespace segstream::analytics
