// SegmentEngine, a version's rescoring pass: every customer rescored under the
// serving version, a bounded number per step (EngineOptions::rescore_per_step),
// and the version's statistics when the pass ends.
#include <algorithm>

#include "engine/model/assignment.h"
#include "engine/pipeline/segment_engine.h"

namespace segstream {

void SegmentEngine::AdvancePass(size_t budget, EngineOutputs* out) {
  const int64_t previous_time = pass_.previous.empty() ? kNoTime : pass_.previous.event_time;
  // In chunks read with one MultiGet each; between chunks the cache may
  // evict what the pass left clean, so a pass over a population larger
  // than the cache (Finish: all of it) stays within the cache's bound.
  constexpr uint64_t kChunk = 4096;
  while (pass_.cursor < customers_total_ && budget > 0) {
    const uint64_t chunk_end = std::min<uint64_t>(customers_total_, pass_.cursor + std::min<uint64_t>(budget, kChunk));
    PrefetchIndices(pass_.cursor, chunk_end);
    for (; pass_.cursor < chunk_end; ++pass_.cursor, --budget) {
      const uint32_t slot = SlotOfIndex(pass_.cursor);
      if (slot == UINT32_MAX || !slots_[slot].rec.active()) continue;
      const uint64_t seq_before = slots_[slot].rec.seq;
      // Scored under this version already (an event or a timer since the
      // publication): a move now is time passing.
      const char* reason = slots_[slot].rec.scored_version == serving_.version
                               ? "recency"
                               : ChangeReasonAtVersion(slots_[slot].rec, previous_time);
      Rescore(slot, reason, watermark_, out, 0, {}, /*version_visit=*/true);
      if (slots_[slot].rec.seq == seq_before &&
          std::find(pass_.renamed.begin(), pass_.renamed.end(), slots_[slot].rec.segment_id) != pass_.renamed.end()) {
        EmitLatestSegment(slot, watermark_, out);
      }
      const model::Vec3 z = CustomerZ(serving_.z, slots_[slot].rec, watermark_);
      double d2 = 0;
      model::Nearest(serving_.centers, z, &d2);
      pass_.inertia += d2;
      ++pass_.visited;
      slots_[slot].timer_dirty = false;
      RescheduleTimer(slot, watermark_, /*from_pass=*/true);
    }
    EvictIfOver();
  }
  if (pass_.cursor >= customers_total_) CompletePass(out);
}

void SegmentEngine::CompletePass(EngineOutputs* out) {
  pass_.active = false;
  pass_.previous = ServingModel();
  pass_.renamed.clear();
  serving_.customers = pass_.visited;
  serving_.inertia = pass_.inertia;
  const std::vector<std::pair<int, uint64_t>> sizes = SegmentSizes();
  for (size_t i = 0; i < sizes.size(); ++i) serving_.segments[i].customers = sizes[i].second;
  out->records.push_back({OutputStream::kModels, std::to_string(serving_.version), ServingModelJson(serving_)});
  analytics_.OnPublish(serving_);  // analytics hook
  published_in_batch_ = true;
  published_since_commit_ = true;
  std::lock_guard<std::mutex> lock(snapshot_mu_);
  serving_snapshot_ = std::make_shared<ServingModel>(serving_);
}

}  // namespace segstream
