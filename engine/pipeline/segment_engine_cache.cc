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
  if (inserted) cache_.at(slot).vec = rec.active() ? statistics_.HeldVector(rec) : model::Vec3::Zero();
  return slot;
}

uint32_t SegmentEngine::FindExisting(const std::string& customer_key) {
  if (const uint32_t slot = cache_.Find(customer_key); slot != CustomerCache::kNone) return slot;
  if (absent_keys_.count(customer_key) != 0) return UINT32_MAX;
  std::string value;
  Status s = store_->Get(Column::kCustomers, customer_key, &value);
  if (s.code() == Status::Code::kNotFound) return UINT32_MAX;
  CustomerRecord rec;
  CustomerHistory history;
  if (s.ok()) s = DecodeCustomer(value, &rec, &history);
  if (!s.ok()) {
    KeepReadError(s);
    return UINT32_MAX;
  }
  return InsertSlot(customer_key, rec, std::move(history));
}

uint32_t SegmentEngine::FindOrCreate(const std::string& customer_key) {
  const uint32_t found = FindExisting(customer_key);
  if (found != UINT32_MAX) return found;
  CustomerRecord rec;
  if (!partitions_.NewIndex(PartitionOfKey(customer_key), &rec.index)) {
    KeepReadError(Status::NotSupported("state partition " + std::to_string(PartitionOfKey(customer_key)) +
                                            " holds the most customers an index can number"));
    return UINT32_MAX;
  }
  absent_keys_.erase(customer_key);
  const uint32_t slot = InsertSlot(customer_key, rec, CustomerHistory());
  cache_.at(slot).created = true;
  MarkDirty(slot);  // its index entry is written with it (BuildCommit)
  return slot;
}

uint32_t SegmentEngine::SlotOfIndex(uint64_t index) {
  if (const uint32_t slot = cache_.FindIndex(index); slot != CustomerCache::kNone) return slot;
  if (!partitions_.Holds(index)) return UINT32_MAX;
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
  absent_keys_.clear();
  std::vector<std::string> keys;
  std::unordered_set<std::string> seen;
  for (const DecodedRecord& r : batch.records) {
    if (!r.error.empty() || !ValidStatePartition(r.origin.partition)) continue;
    std::string key = CustomerKey(r.origin.partition, r.event.customer_id);
    if (cache_.Contains(key) || !seen.insert(key).second) continue;
    keys.push_back(std::move(key));
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
      absent_keys_.insert(std::move(keys[i]));
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
    if (partitions_.Holds(i) && !cache_.ContainsIndex(i) && seen.insert(i).second) {
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

void SegmentEngine::EvictIfOver() {
  const size_t capacity = std::max<size_t>(options_.cache_customers, 1);
  // Blocked: the last attempt found too few clean entries; only a commit
  // (which cleans them) can change that, so do not walk again before it.
  if (cache_.size() <= capacity || evict_blocked_) return;
  if (!cache_.EvictDownTo(capacity - capacity / 4)) evict_blocked_ = true;
}

std::vector<CustomerRecord> SegmentEngine::CustomerRecords() const {
  // The cached records are the current ones; the store holds the others.
  std::vector<CustomerRecord> out;
  out.reserve(partitions_.total());
  cache_.ForEach([&](const CachedCustomer& c) { out.push_back(c.rec); });
  (void)store_->Scan(Column::kCustomers, "", [&](std::string_view key, std::string_view value) {
    CustomerRecord r;
    if (cache_.Peek(std::string(key)) == CustomerCache::kNone && DecodeCustomer(value, &r).ok()) out.push_back(r);
    return true;
  });
  std::sort(out.begin(), out.end(), [](const CustomerRecord& a, const CustomerRecord& b) { return a.index < b.index; });
  return out;
}

std::vector<CustomerRecord> SegmentEngine::CustomerRecordsSample(size_t max) {
  const uint64_t total = partitions_.total();
  if (total <= max) return CustomerRecords();
  model::Rng rng(model::MixSeed(options_.seed, 0x7ab1e));
  std::vector<uint64_t> indices;
  indices.reserve(max);
  std::vector<bool> taken(total, false);  // by population position
  while (indices.size() < max) {
    const uint64_t position = rng.Below(total);
    if (!taken[position]) {
      taken[position] = true;
      indices.push_back(partitions_.IndexAt(position));
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

// Recency timers. A timer is the key TimerKey(due, index) (the customer's
// partition first) with the model
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
  KeepReadError(timers_.PopDue(partitions_.partitions(), last_step_watermark_, watermark_, &due));
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
