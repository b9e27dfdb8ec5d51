// Recency timers: as the watermark advances, a customer who buys nothing
// drifts along the recency axis and may cross into another segment with no
// event of their own. Instead of rescoring every customer on every batch
// (cost proportional to the population), each active customer gets one
// timer: the earliest watermark at which its segment would change under the
// serving model with its current F and M. Only due timers are visited.
#pragma once

#include <cstdint>
#include <set>
#include <utility>
#include <vector>

#include "engine/rfm/customer_record.h"
#include "engine/segment/serving_model.h"

namespace segstream {

// The earliest watermark (> `watermark`, whole seconds) at which `r` would
// leave segment `r.segment_id` as its recency grows, or kNoTime when it
// would not within `horizon_days` of recency. Scans log1p(recency) on a grid
// of 64 steps and refines the first crossing by bisection to the second, so
// a detour narrower than one grid step (a few percent of log-recency) can be
// missed; the next model version rescoring catches it.
int64_t NextRecencyCrossing(const ServingModel& m, const CustomerRecord& r, int64_t watermark, double margin,
                            double horizon_days = 3660);

// Due timers ordered by time; one per customer slot.
class TimerIndex {
 public:
  // Sets (or with kNoTime clears) the timer of `slot`.
  void Set(uint64_t slot, int64_t due);
  void Clear() {
    by_time_.clear();
    due_.clear();
  }
  // Removes and returns the slots due at or before `watermark`, earliest first.
  std::vector<uint64_t> PopDue(int64_t watermark);
  size_t size() const { return by_time_.size(); }

 private:
  std::set<std::pair<int64_t, uint64_t>> by_time_;
  std::vector<int64_t> due_;  // by slot; kNoTime = none
};

}  // namespace segstream
