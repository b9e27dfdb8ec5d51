// Recency timers: as the watermark advances, a customer who buys nothing
// drifts along the recency axis and may cross into another segment with no
// event of their own. Instead of rescoring every customer on every batch
// (cost proportional to the population), each active customer gets one
// timer: the earliest watermark at which its segment would change under the
// serving model with its current F and M. Only due timers are visited.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

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

// Due timers ordered by time; at most one live timer per customer slot.
//
// A binary min-heap of (due, slot) with lazy deletion: Set pushes the new
// entry and leaves the old one in the heap, where PopDue recognises it as
// stale (its due no longer equals due_[slot]) and drops it. Set is O(log n)
// with no search, and a version that moves every customer's timer costs one
// push each instead of an erase and an insert in a balanced tree. Stale
// entries are bounded: when they outnumber the live timers the heap is
// rebuilt from due_ (O(n), amortised O(1) per Set). Pops come in (due, slot)
// order, the order an ordered set gives.
// Not thread-safe.
class TimerIndex {
 public:
  // Sets (or with kNoTime clears) the timer of `slot`.
  void Set(uint64_t slot, int64_t due);
  void Clear() {
    heap_.clear();
    due_.clear();
    live_ = 0;
  }
  // Removes and returns the slots due at or before `watermark`, earliest
  // first (ties by slot).
  std::vector<uint64_t> PopDue(int64_t watermark);
  // Live timers.
  size_t size() const { return live_; }

 private:
  void Rebuild();

  std::vector<std::pair<int64_t, uint64_t>> heap_;  // min-heap by (due, slot), stale entries included
  std::vector<int64_t> due_;                         // by slot; kNoTime = none
  size_t live_ = 0;
};

}  // namespace segstream
