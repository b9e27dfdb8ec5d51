// SegmentEngine, customers and recency timers in the store: reading
// customers into the cache (engine/cache) by id and by creation index,
// batched (MultiGet), when to evict, and which customers' timers
// (engine/timers) are set and still live.
#include <algorithm>

#include "engine/model/rng.h"
#include "engine/pipeline/segment_engine.h"
#include "state/record_codec.h"

namespace segstream {

uint32_t SegmentEngine::InsertSlot(std::string id, const CustomerRecord& rec, CustomerHistory history) {
  bool inserted;
  const uint32_t slot = cache_.Insert(std::move(id), rec, std::move(history), &inserted);
  if (inserted) cache_.at(slot).vec = rec.active() ? StoredVector(rec) : model::Vec3::Zero();
  return slot;
}

uint32_t SegmentEngine::FindExisting(const std::string& customer_id) {
  if (const uint32_t slot = cache_.Find(customer_id); slot != CustomerCache::kNone) return slot;
  if (absent_ids_.count(customer_id) != 0) return UINT32_MAX;
  std::string value;
  Status s = store_->Get(Column::kCustomers, customer_id, &value);
  if (s.code() == Status::Code::kNotFound) return UINT32_MAX;
  CustomerRecord rec;
  CustomerHistory history;
  if (s.ok()) s = DecodeCustomer(value, &rec, &history);
  if (!s.ok()) {
    KeepReadError(s);
    return UINT32_MAX;
  }
  return InsertSlot(customer_id, rec, std::move(history));
}

uint32_t SegmentEngine::FindOrCreate(const std::string& customer_id) {
  const uint32_t found = FindExisting(customer_id);
  if (found != UINT32_MAX) return found;
  CustomerRecord rec;
  rec.index = customers_total_++;
  absent_ids_.erase(customer_id);
  const uint32_t slot = InsertSlot(customer_id, rec, CustomerHistory());
  cache_.at(slot).created = true;
  MarkDirty(slot);  // its index entry is written with it (BuildCommit)
  return slot;
}

uint32_t SegmentEngine::SlotOfIndex(uint64_t index) {
  if (const uint32_t slot = cache_.FindIndex(index); slot != CustomerCache::kNone) return slot;
  if (index >= customers_total_) return UINT32_MAX;
  std::string id;
  Status s = store_->Get(Column::kCustomerIndex, CustomerIndexKey(index), &id);
  if (!s.ok()) {
    KeepReadError(s.code() == Status::Code::kNotFound
                      ? Status::Corruption("customer index " + std::to_string(index) + " is missing")
                      : s);
    return UINT32_MAX;
  }
  const uint32_t slot = FindExisting(id);
  if (slot == UINT32_MAX) KeepReadError(Status::Corruption("customer " + id + " of index " +
                                                           std::to_string(index) + " is missing"));
  return slot;
}

void SegmentEngine::PrefetchCustomers(const SourceBatch& batch) {
  absent_ids_.clear();
  std::vector<std::string> keys;
  std::unordered_set<std::string_view> seen;
  for (const DecodedRecord& r : batch.records) {
    if (!r.error.empty()) continue;
    const std::string& id = r.event.customer_id;
    if (cache_.Contains(id) || !seen.insert(id).second) continue;
    keys.push_back(id);
  }
  if (keys.empty()) return;
  std::vector<std::string> values;
  std::vector<bool> found;
  Status s = store_->MultiGet(Column::kCustomers, keys, &values, &found);
  if (!s.ok()) {
    KeepReadError(s);  // the lookups fall back to single reads
    return;
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!found[i]) {
      absent_ids_.insert(std::move(keys[i]));
      continue;
    }
    CustomerRecord rec;
    CustomerHistory history;
    s = DecodeCustomer(values[i], &rec, &history);
    if (!s.ok()) {
      KeepReadError(s);
      continue;
    }
    InsertSlot(std::move(keys[i]), rec, std::move(history));
  }
}

void SegmentEngine::PrefetchIndexList(const std::vector<uint64_t>& indices) {
  std::vector<std::string> index_keys;
  std::unordered_set<uint64_t> seen;  // a sample or the due timers may name a customer twice
  for (uint64_t i : indices) {
    if (i < customers_total_ && !cache_.ContainsIndex(i) && seen.insert(i).second) {
      index_keys.push_back(CustomerIndexKey(i));
    }
  }
  if (index_keys.empty()) return;
  std::vector<std::string> ids;
  std::vector<bool> found;
  Status s = store_->MultiGet(Column::kCustomerIndex, index_keys, &ids, &found);
  if (!s.ok()) return KeepReadError(s);
  std::vector<std::string> keys;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (found[i] && !cache_.Contains(ids[i])) keys.push_back(std::move(ids[i]));
  }
  std::vector<std::string> values;
  s = store_->MultiGet(Column::kCustomers, keys, &values, &found);
  if (!s.ok()) return KeepReadError(s);
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!found[i]) continue;  // SlotOfIndex reports it
    CustomerRecord rec;
    CustomerHistory history;
    s = DecodeCustomer(values[i], &rec, &history);
    if (!s.ok()) return KeepReadError(s);
    InsertSlot(std::move(keys[i]), rec, std::move(history));
  }
}

void SegmentEngine::PrefetchIndices(uint64_t begin, uint64_t end) {
  std::vector<uint64_t> indices;
  for (uint64_t i = begin; i < end; ++i) indices.push_back(i);
  PrefetchIndexList(indices);
}

void SegmentEngine::EvictIfOver() {
  const size_t capacity = std::max<size_t>(options_.cache_customers, 1);
  // Blocked: the last attempt found too few clean entries; only a commit
  // (which cleans them) can change that, so do not walk again before it.
  if (cache_.size() <= capacity || evict_blocked_) return;
  if (!cache_.EvictDownTo(capacity - capacity / 4)) evict_blocked_ = true;
}

std::vector<CustomerRecord> SegmentEngine::CustomerRecords() const {
  std::vector<CustomerRecord> out(customers_total_);
  std::vector<bool> have(customers_total_, false);
  cache_.ForEach([&](const CachedCustomer& c) {
    if (c.rec.index < out.size()) {
      out[c.rec.index] = c.rec;
      have[c.rec.index] = true;
    }
  });
  (void)store_->Scan(Column::kCustomers, "", [&](std::string_view, std::string_view value) {
    CustomerRecord r;
    if (DecodeCustomer(value, &r).ok() && r.index < out.size() && !have[r.index]) {
      out[r.index] = r;
      have[r.index] = true;
    }
    return true;
  });
  return out;
}

std::vector<CustomerRecord> SegmentEngine::CustomerRecordsSample(size_t max) {
  if (customers_total_ <= max) return CustomerRecords();
  model::Rng rng(model::MixSeed(options_.seed, 0x7ab1e));
  std::vector<uint64_t> indices;
  indices.reserve(max);
  std::vector<bool> taken(customers_total_, false);
  while (indices.size() < max) {
    const uint64_t i = rng.Below(customers_total_);
    if (!taken[i]) {
      taken[i] = true;
      indices.push_back(i);
    }
  }
  std::sort(indices.begin(), indices.end());
  std::vector<CustomerRecord> out;
  out.reserve(max);
  for (size_t begin = 0; begin < indices.size(); begin += 4096) {
    const std::vector<uint64_t> chunk(indices.begin() + static_cast<std::ptrdiff_t>(begin),
                                      indices.begin() + static_cast<std::ptrdiff_t>(std::min(indices.size(), begin + 4096)));
    PrefetchIndexList(chunk);
    for (uint64_t i : chunk) {
      const uint32_t slot = SlotOfIndex(i);
      if (slot != UINT32_MAX) out.push_back(cache_.at(slot).rec);
    }
    EvictIfOver();
  }
  return out;
}

// Recency timers. A timer is the key TimerKey(due, index) with the model
// version it was set under as its value. Events and timers record the timer
// they set in the customer record (timer_due, timer_version), which they
// rewrite anyway; a version's rescoring pass does not, so that a pass over
// N customers writes N timer keys but no record it does not move. A stored
// timer is live when it is of the serving version and the record either
// names it or names no timer of that version (then it is the pass's).
// Stale keys (a timer replaced after the pass set it) are dropped when they
// come due; a new version drops every timer with one range delete.

void SegmentEngine::RescheduleTimer(uint32_t slot, int64_t at_watermark, bool from_pass) {
  CustomerRecord& r = cache_.at(slot).rec;
  const int64_t due = NextRecencyCrossing(serving_, r, at_watermark, options_.hysteresis);
  const bool recorded = r.timer_version == serving_.version;
  if (recorded && r.timer_due != kNoTime && r.timer_due != due) timers_.Erase(r.timer_due, r.index);
  if ((!from_pass || recorded) && (r.timer_due != due || !recorded)) {
    r.timer_due = due;
    r.timer_version = serving_.version;
    MarkDirty(slot);
  }
  if (due != kNoTime) timers_.Put(due, r.index, serving_.version);
}

std::vector<uint64_t> SegmentEngine::PopDueTimers() {
  std::vector<DueTimer> due;
  KeepReadError(timers_.PopDue(last_step_watermark_, watermark_, &due));
  std::vector<uint64_t> live;
  for (const DueTimer& t : due) {
    if (t.version != serving_.version) continue;
    const uint32_t slot = SlotOfIndex(t.index);
    if (slot == UINT32_MAX) continue;
    const CustomerRecord& r = cache_.at(slot).rec;
    if (r.timer_version == serving_.version && r.timer_due != t.due) continue;  // replaced since
    live.push_back(t.index);
  }
  return live;
}

}  // namespace segstream
