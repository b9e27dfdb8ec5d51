// Recency timers: as the watermark advances, a customer who buys nothing
// drifts along the recency axis and may cross into another segment with no
// event of their own. Instead of rescoring every customer on every batch
// (cost proportional to the population), each active customer gets one
// timer: the earliest watermark at which its segment would change under the
// serving model with its current F and M. Only due timers are visited.
#pragma once

#include <cstdint>

#include "engine/rfm/customer_record.h"
#include "engine/segment/serving_model.h"

namespace segstream {

// The earliest watermark (> `watermark`, whole seconds, rounded up) at which
// `r` would leave segment `r.segment_id` as its recency grows, or kNoTime
// when it would not within `horizon_days` of recency. Exact and O(k): with F
// and M fixed only the recency z-coordinate moves, so for each other centre
// j the hysteresis condition d_j < d_current - margin first holds at a root
// of a quadratic in that coordinate (see FirstCrossing in the .cc).
int64_t NextRecencyCrossing(const ServingModel& m, const CustomerRecord& r, int64_t watermark, double margin,
                            double horizon_days = 3660);

}  // namespace segstream
