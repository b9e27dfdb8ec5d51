// ServingModel: the published model version that customers are scored
// against (until the next version): scaler snapshot, centres in z-space,
// stable segment ids, names and actions, and the version's statistics.
// Also the scoring rule (nearest centre with hysteresis), its binary
// encoding for the state and its JSON form for models.jsonl.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model/k_selection.h"
#include "engine/model/scaler.h"
#include "engine/model/types.h"
#include "engine/rfm/customer_record.h"
#include "engine/util/status.h"

namespace segstream {

// z = (x - mean) / std with the scaler's statistics computed once: the
// scaler derives them from exact integer sums, too slow for every event.
struct ZTransform {
  model::Vec3 mean = model::Vec3::Zero();
  model::Vec3 std = model::Vec3::Ones();
  static ZTransform Of(const model::PopulationScaler& scaler) { return {scaler.Mean(), scaler.Std()}; }
  model::Vec3 Apply(const model::Vec3& x) const { return (x - mean).cwiseQuotient(std); }
};

struct SegmentInfo {
  int id = 0;                 // stable across versions
  std::string name;           // "champions", "at risk", ...
  std::string action;         // what a marketer should do
  uint64_t customers = 0;     // at publication
  double shift = 0;           // centre moved since the previous version (z units; 0 for new ids)
};

// Where a segment of a version whose k changed came from: the share of its
// customers (in the review sample) that the previous version placed in each
// old segment.
struct SegmentLineage {
  int segment_id = 0;                            // in this version
  std::vector<std::pair<int, double>> from;      // (previous segment id, share), largest first
};

struct ServingModel {
  uint64_t version = 0;       // 0 = no model yet
  int64_t event_time = 0;     // watermark at publication
  model::PopulationScaler scaler;
  ZTransform z;               // ZTransform::Of(scaler), kept in step by whoever sets scaler
  model::Centers centers;     // k rows, z-space under `scaler`
  std::vector<SegmentInfo> segments;  // one per centre row
  uint64_t customers = 0;     // active customers at publication
  double inertia = 0;
  double silhouette = 0;
  double max_shift = 0;
  uint64_t previous_version = 0;
  std::string trigger;        // "bootstrap", "cadence", "drift", "refit", "k_change", "final"
  int k_requested = 0;        // --k as asked (0 = auto)
  std::string k_note;         // why k differs from what was asked or from the last version ("" = it does not)
  // The k-selection table behind this version (k = auto): inertia and
  // silhouette per k on `k_table_sample` customers sampled from the
  // population at this version. Empty with a fixed k.
  std::vector<model::KScore> k_table;
  uint64_t k_table_sample = 0;
  std::vector<SegmentLineage> lineage;  // set when k changed at this version

  bool empty() const { return version == 0; }
  int k() const { return static_cast<int>(centers.rows()); }
  // Row of `segment_id`, or -1.
  int RowOf(int segment_id) const;
  const SegmentInfo* Find(int segment_id) const;
};

// The customer's z-space feature vector under `scaler` at `watermark`.
// REQUIRES: r.active().
model::Vec3 CustomerZ(const ZTransform& z, const CustomerRecord& r, int64_t watermark);
model::Vec3 CustomerLogFeatures(const CustomerRecord& r, int64_t watermark);

// Nearest centre with hysteresis: a customer in a segment that still exists
// moves only when another centre is closer by more than `margin` (z units).
// Returns the row.
int ScoreRow(const ServingModel& m, const model::Vec3& z, int current_segment_id, double margin);

std::string EncodeServingModel(const ServingModel& m);
Status DecodeServingModel(std::string_view data, ServingModel* m);

// One line of models.jsonl (DESIGN.md "Model versions").
std::string ServingModelJson(const ServingModel& m);

}  // namespace segstream
