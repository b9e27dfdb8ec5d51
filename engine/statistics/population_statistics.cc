// PopulationStatistics; see population_statistics.h.
#include "engine/statistics/population_statistics.h"

#include <algorithm>

#include "engine/segment/serving_model.h"  // CustomerLogFeatures

namespace segstream {

model::Vec3 PopulationStatistics::HeldVector(const CustomerRecord& r) const {
  // A vector is as fresh as the customer's last touch or the last sync,
  // whichever is later: syncs refresh every vector without rewriting records.
  return CustomerLogFeatures(r, std::max(r.vector_watermark, sync_watermark_));
}

model::Vec3 PopulationStatistics::Enter(CustomerRecord* r, int64_t watermark) {
  r->vector_watermark = watermark;
  const model::Vec3 v = CustomerLogFeatures(*r, watermark);
  scaler_.Add(v);
  return v;
}

bool PopulationStatistics::SyncRecency(const model::CoordinateSums& recency, int64_t watermark) {
  if (!scaler_.SetCoordinate(0, recency)) return false;
  sync_watermark_ = watermark;
  return true;
}

}  // namespace segstream
