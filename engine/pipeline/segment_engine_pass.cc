// SegmentEngine, a version's rescoring pass: every customer rescored under the
// serving version, a bounded number per step (EngineOptions::rescore_per_step),
// and the version's statistics when the pass ends.
#include <algorithm>

#include "engine/model/assignment.h"
#include "engine/pipeline/segment_engine.h"
#include "state/record_codec.h"

namespace segstream {

void SegmentEngine::AdvancePass(size_t budget, EngineOutputs* out) {
  const int64_t previous_time = pass_.previous.empty() ? kNoTime : pass_.previous.event_time;
  // In key order, in chunks read with one range scan each: the customers
  // column family is read sequentially (a version visits every customer, so
  // point reads by creation index cost a random block read per customer).
  // The customers created and not committed yet are merged in from the
  // cache, so the pass sees the same population however records were cut
  // into micro-batches. Between chunks the cache may evict what the pass
  // left clean, so a pass over a population larger than the cache (Finish:
  // all of it) stays within the cache's bound.
  constexpr size_t kChunk = 4096;
  while (pass_.active && budget > 0) {
    const size_t want = std::min(budget, kChunk);
    std::vector<std::pair<std::string, std::string>> stored;  // (customer key, record) from the store
    KeepReadError(store_->ScanRange(Column::kCustomers, pass_.cursor, std::string_view(),
                                    [&](std::string_view k, std::string_view v) {
                                      stored.emplace_back(std::string(k), std::string(v));
                                      return stored.size() <= want;  // one more: is there more?
                                    }));
    if (!read_error_.ok()) return;
    // The next `want` customers in key order: committed ones from the scan,
    // merged with those created since the last commit. Taking exactly `want`
    // of the merged order makes each step's share of the pass the same
    // whether a customer was committed yet or not; the scan reads one more
    // than it needs, so the pass ends at the step that visits its last
    // customer, whatever was committed.
    std::vector<uint32_t> chunk;  // cache slots, sorted by customer key below
    chunk.reserve(stored.size());
    for (auto& [key, value] : stored) {
      if (const uint32_t slot = cache_.Peek(key); slot != CustomerCache::kNone) {
        chunk.push_back(slot);  // the cached record is the current one
        continue;
      }
      CustomerRecord rec;
      CustomerHistory history;
      Status s = DecodeCustomer(value, &rec, &history);
      if (!s.ok()) return KeepReadError(s);
      chunk.push_back(InsertSlot(std::move(key), rec, std::move(history)));
    }
    for (uint32_t slot : dirty_slots_) {
      if (cache_.at(slot).created && cache_.at(slot).key >= pass_.cursor) chunk.push_back(slot);
    }
    std::sort(chunk.begin(), chunk.end(), [&](uint32_t a, uint32_t b) { return cache_.at(a).key < cache_.at(b).key; });
    const bool last_chunk = chunk.size() <= want;  // the scan ran out too
    if (chunk.size() > want) chunk.resize(want);
    for (const uint32_t slot : chunk) {
      cache_.Touch(slot);
      --budget;  // chunk holds at most `want` <= budget
      if (!cache_.at(slot).rec.active()) continue;
      const uint64_t seq_before = cache_.at(slot).rec.seq;
      // Scored under this version already (an event or a timer since the
      // publication): a move now is time passing.
      const char* reason = cache_.at(slot).rec.scored_version == serving_.version
                               ? "recency"
                               : ChangeReasonAtVersion(cache_.at(slot).rec, previous_time);
      Rescore(slot, reason, watermark_, out, 0, {}, /*version_visit=*/true);
      if (cache_.at(slot).rec.seq == seq_before &&
          std::find(pass_.renamed.begin(), pass_.renamed.end(), cache_.at(slot).rec.segment_id) != pass_.renamed.end()) {
        EmitLatestSegment(slot, watermark_, out);
      }
      const model::Vec3 z = CustomerZ(serving_.z, cache_.at(slot).rec, watermark_);
      double d2 = 0;
      model::Nearest(serving_.centers, z, &d2);
      pass_.inertia += d2;
      ++pass_.visited;
      cache_.at(slot).timer_dirty = false;
      RescheduleTimer(slot, watermark_, /*from_pass=*/true);
    }
    if (last_chunk) {
      CompletePass(out);
      break;
    }
    pass_.cursor = cache_.at(chunk.back()).key + '\0';  // the smallest key after it
    EvictIfOver();
  }
}

void SegmentEngine::CompletePass(EngineOutputs* out) {
  pass_.active = false;
  pass_.previous = ServingModel();
  pass_previous_dirty_ = true;  // the stored one goes too, whichever commit wrote it
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
