// PopulationStatistics: the live statistics behind the population scaler,
// kept exact without visiting customers. The scaler holds fixed-point sums
// of every active customer's log features (engine/model/scaler.h). A
// customer leaves the sums before its record changes and enters them again,
// at the current watermark, when it is still active after (Leave, Enter).
//
// Recency ages for everyone as the watermark moves, and frequency and
// monetary do not: SyncRecency replaces the recency coordinate's sums with
// those of every active customer at the watermark, computed from the
// histogram of last-purchase times (engine/analytics/recency_sums.h), and
// records that watermark. The records are not rewritten: the vector the
// scaler holds for a customer is its features at the later of its own
// vector_watermark and the last sync (HeldVector), which is what Leave
// removes.
//
// Not thread-safe: the pipeline thread owns it.
#pragma once

#include <cstdint>

#include "engine/model/scaler.h"
#include "engine/rfm/customer_record.h"

namespace segstream {

class PopulationStatistics {
 public:
  const model::PopulationScaler& scaler() const { return scaler_; }
  // The watermark of the last SyncRecency (seconds; kNoTime: never).
  int64_t sync_watermark() const { return sync_watermark_; }

  // The log features the scaler holds for active customer `r`.
  model::Vec3 HeldVector(const CustomerRecord& r) const;
  // Active customer `r` leaves the sums (before its record changes).
  void Leave(const CustomerRecord& r) { scaler_.Remove(HeldVector(r)); }
  // Active customer `*r` enters the sums at `watermark` (seconds): sets
  // r->vector_watermark and returns the vector it entered with.
  model::Vec3 Enter(CustomerRecord* r, int64_t watermark);

  // Every active customer's recency at `watermark`: `recency` must describe
  // the same customers as the sums (its count equal to scaler().count());
  // otherwise nothing changes and false is returned.
  bool SyncRecency(const model::CoordinateSums& recency, int64_t watermark);

  // The persisted state (the engine meta): the sums and the sync watermark.
  void Restore(model::PopulationScaler scaler, int64_t sync_watermark) {
    scaler_ = std::move(scaler);
    sync_watermark_ = sync_watermark;
  }

 private:
  model::PopulationScaler scaler_;
  int64_t sync_watermark_ = kNoTime;
};

}  // namespace segstream
