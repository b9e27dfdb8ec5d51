#include "engine/cache/customer_cache.h"

namespace segstream {

uint32_t CustomerCache::Find(const std::string& key) {
  if (last_ != kNone && entries_[last_].key == key) {
    Touch(last_);  // usually the newest already
    return last_;
  }
  auto it = slot_of_key_.find(key);
  if (it == slot_of_key_.end()) return kNone;
  Touch(it->second);
  return last_ = it->second;
}

uint32_t CustomerCache::FindIndex(uint64_t index) {
  auto it = slot_of_index_.find(index);
  if (it == slot_of_index_.end()) return kNone;
  Touch(it->second);
  return it->second;
}

uint32_t CustomerCache::Insert(std::string key, const CustomerRecord& rec, CustomerHistory history, bool* inserted) {
  // A second entry for a cached id would be in the recency list without
  // being in the maps, and evicting it would unmap the live entry.
  if (auto it = slot_of_key_.find(key); it != slot_of_key_.end()) {
    if (inserted != nullptr) *inserted = false;
    return last_ = it->second;
  }
  uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<uint32_t>(entries_.size());
    entries_.emplace_back();
  }
  CachedCustomer& e = entries_[slot];
  e.key = std::move(key);
  e.rec = rec;
  e.history = std::move(history);
  PushNewest(slot);
  slot_of_key_.emplace(e.key, slot);
  slot_of_index_.emplace(rec.index, slot);
  if (inserted != nullptr) *inserted = true;
  return last_ = slot;
}

bool CustomerCache::EvictDownTo(size_t target) {
  last_ = kNone;
  size_t excess = size() > target ? size() - target : 0;
  // Pinned entries were used since the last commit, so they sit near the
  // newest end and the walk from the oldest rarely meets them.
  uint32_t slot = oldest_;
  while (excess > 0 && slot != kNone) {
    const uint32_t newer = entries_[slot].lru_newer_;
    if (!entries_[slot].pinned()) {
      Unlink(slot);
      slot_of_index_.erase(entries_[slot].rec.index);
      slot_of_key_.erase(entries_[slot].key);
      entries_[slot] = CachedCustomer();  // frees the id and the history
      free_.push_back(slot);
      --excess;
    }
    slot = newer;
  }
  return excess == 0;
}

void CustomerCache::Unlink(uint32_t slot) {
  CachedCustomer& e = entries_[slot];
  (e.lru_newer_ == kNone ? newest_ : entries_[e.lru_newer_].lru_older_) = e.lru_older_;
  (e.lru_older_ == kNone ? oldest_ : entries_[e.lru_older_].lru_newer_) = e.lru_newer_;
  e.lru_newer_ = e.lru_older_ = kNone;
}

void CustomerCache::PushNewest(uint32_t slot) {
  CachedCustomer& e = entries_[slot];
  e.lru_newer_ = kNone;
  e.lru_older_ = newest_;
  if (newest_ != kNone) entries_[newest_].lru_newer_ = slot;
  newest_ = slot;
  if (oldest_ == kNone) oldest_ = slot;
}

std::string CustomerCache::Inconsistency() const {
  size_t listed = 0;
  uint32_t newer = kNone;
  for (uint32_t slot = newest_; slot != kNone; newer = slot, slot = entries_[slot].lru_older_) {
    const CachedCustomer& e = entries_[slot];
    if (e.lru_newer_ != newer) return "the recency list's links disagree at " + e.key;
    auto by_key = slot_of_key_.find(e.key);
    if (by_key == slot_of_key_.end() || by_key->second != slot) return "listed entry " + e.key + " is not mapped to its slot";
    auto by_index = slot_of_index_.find(e.rec.index);
    if (by_index == slot_of_index_.end() || by_index->second != slot) {
      return "listed entry " + e.key + " is not mapped by its index";
    }
    if (++listed > entries_.size()) return "the recency list has a cycle";
  }
  if (newer != oldest_) return "the recency list does not end at its oldest entry";
  if (listed != slot_of_key_.size() || listed != slot_of_index_.size()) {
    return "recency list " + std::to_string(listed) + " entries, maps " + std::to_string(slot_of_key_.size()) + " and " +
           std::to_string(slot_of_index_.size());
  }
  return "";
}

}  // namespace segstream
