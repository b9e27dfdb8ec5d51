// Recency timers; see recency_timer.h.
#include "engine/segment/recency_timer.h"

#include <cmath>

#include "engine/model/features.h"

namespace segstream {
namespace {

// The row a customer with log-recency `u` lands in, from `current_id`.
int RowAt(const ServingModel& m, const model::Vec3& log_features, double u, int current_id, double margin) {
  model::Vec3 x = log_features;
  x[0] = u;
  return ScoreRow(m, m.z.Apply(x), current_id, margin);
}

}  // namespace

int64_t NextRecencyCrossing(const ServingModel& m, const CustomerRecord& r, int64_t watermark, double margin,
                            double horizon_days) {
  if (m.empty() || !r.active() || r.segment_id < 0) return kNoTime;
  const int current_row = m.RowOf(r.segment_id);
  if (current_row < 0) return kNoTime;
  const model::Vec3 logs = CustomerLogFeatures(r, watermark);
  const double days_now = std::max(0.0, r.recency_days(watermark));
  const double u0 = std::log1p(days_now);
  const double u_end = std::log1p(days_now + horizon_days);
  constexpr int kSteps = 64;
  double lo = u0;
  for (int i = 1; i <= kSteps; ++i) {
    const double hi = u0 + (u_end - u0) * i / kSteps;
    if (RowAt(m, logs, hi, r.segment_id, margin) != current_row) {
      // Bisection in seconds of watermark, so the result is a whole second.
      int64_t lo_t = r.last_purchase_ts + static_cast<int64_t>(std::floor(std::expm1(lo) * 86400.0));
      int64_t hi_t = r.last_purchase_ts + static_cast<int64_t>(std::ceil(std::expm1(hi) * 86400.0));
      if (lo_t < watermark) lo_t = watermark;
      while (hi_t - lo_t > 1) {
        const int64_t mid = lo_t + (hi_t - lo_t) / 2;
        const double u = std::log1p(static_cast<double>(mid - r.last_purchase_ts) / 86400.0);
        if (RowAt(m, logs, u, r.segment_id, margin) != current_row) {
          hi_t = mid;
        } else {
          lo_t = mid;
        }
      }
      return std::max(hi_t, watermark + 1);
    }
    lo = hi;
  }
  return kNoTime;
}

void TimerIndex::Set(uint64_t slot, int64_t due) {
  if (slot >= due_.size()) due_.resize(slot + 1, kNoTime);
  if (due_[slot] != kNoTime) by_time_.erase({due_[slot], slot});
  due_[slot] = due;
  if (due != kNoTime) by_time_.insert({due, slot});
}

std::vector<uint64_t> TimerIndex::PopDue(int64_t watermark) {
  std::vector<uint64_t> out;
  while (!by_time_.empty() && by_time_.begin()->first <= watermark) {
    const uint64_t slot = by_time_.begin()->second;
    by_time_.erase(by_time_.begin());
    due_[slot] = kNoTime;
    out.push_back(slot);
  }
  return out;
}

}  // namespace segstream
