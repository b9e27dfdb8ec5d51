// CustomerCache: the bounded in-memory cache of customer records in front of
// the store (state format 5: RocksDB's `customers` column family is the
// source of truth, the cache holds the customers the engine is working on).
//
// Entries are found by customer key (the state partition and the customer
// id, engine/rfm/customer_key.h) or by creation index, and named by a slot
// number that stays valid until the entry is evicted. The entries form a
// least-recently-used list (intrusive, doubly linked through the slots), so
// a lookup moves its entry in O(1) and eviction takes the least recently
// used from the tail without scanning the cache. Pinned entries (uncommitted
// changes, the current step's sample) are never evicted: the cache over the
// store is then always the engine's exact state.
//
// The cache does no I/O: the engine reads the store (batched MultiGet,
// range scans) and inserts what it read. It decides nothing about results:
// which customers are cached changes the work done, never the outputs
// (SegmentEngineTest runs the same streams with a tiny cache).
//
// Not thread-safe: the pipeline thread owns it.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/model/kmeans.h"
#include "engine/rfm/customer_key.h"
#include "engine/rfm/customer_record.h"

namespace segstream {

// One cached customer: the record as loaded or changed since, and the
// engine's working flags for it.
struct CachedCustomer {
  std::string key;           // CustomerKey(partition, id); empty: a free entry
  CustomerRecord rec;
  bool dirty = false;        // write at the next commit (pins the entry)
  bool created = false;      // new since the last commit: its customer_index entry is written too
  bool in_step = false;      // in the engine's step buffer (pins the entry)
  bool timer_dirty = false;  // recompute the recency timer at the next step
  model::Vec3 vec = model::Vec3::Zero();  // log features held in the scaler
  CustomerHistory history;   // line times, for retraction (stored with rec)

  bool pinned() const { return dirty || in_step; }
  std::string_view customer_id() const { return CustomerIdOfKey(key); }

 private:
  friend class CustomerCache;
  uint32_t lru_newer_ = UINT32_MAX;  // neighbours in the recency list
  uint32_t lru_older_ = UINT32_MAX;
};

class CustomerCache {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // The entry in `slot` (REQUIRES: a slot returned since the last eviction).
  CachedCustomer& at(uint32_t slot) { return entries_[slot]; }
  const CachedCustomer& at(uint32_t slot) const { return entries_[slot]; }

  // Cached customers.
  size_t size() const { return slot_of_key_.size(); }
  bool Contains(const std::string& key) const { return slot_of_key_.count(key) != 0; }
  bool ContainsIndex(uint64_t index) const { return slot_of_index_.count(index) != 0; }

  // The entry of `key` (or of creation index `index`), now the most recently
  // used; kNone when it is not cached. Find answers the entry it found or
  // inserted last without a hash lookup (consecutive lines of one invoice).
  uint32_t Find(const std::string& key);
  uint32_t FindIndex(uint64_t index);
  // The entry of `key` without making it the most recently used; kNone when
  // it is not cached.
  uint32_t Peek(const std::string& key) const {
    auto it = slot_of_key_.find(key);
    return it == slot_of_key_.end() ? kNone : it->second;
  }
  // Makes the entry in `slot` the most recently used.
  void Touch(uint32_t slot) {
    if (newest_ == slot) return;
    Unlink(slot);
    PushNewest(slot);
  }

  // Caches customer `key` with `rec` as the most recently used entry. When
  // `key` is already cached the entry is returned unchanged (the cached record
  // is the current one, never a store read's) and *inserted is false.
  uint32_t Insert(std::string key, const CustomerRecord& rec, CustomerHistory history, bool* inserted = nullptr);

  // Evicts the least recently used entries that are not pinned until at most
  // `target` remain. Returns false when pinned entries kept it above
  // `target`. Every slot number held by the caller is invalid after it.
  bool EvictDownTo(size_t target);

  // Calls f(const CachedCustomer&) for every cached customer (no order).
  template <class F>
  void ForEach(F&& f) const {
    for (const auto& [key, slot] : slot_of_key_) f(entries_[slot]);
  }

  // "" when the two maps and the recency list hold the same entries (each
  // once, under its own key and index), else what is wrong. O(size); tests.
  std::string Inconsistency() const;

 private:
  void Unlink(uint32_t slot);
  void PushNewest(uint32_t slot);

  std::vector<CachedCustomer> entries_;
  std::vector<uint32_t> free_;
  std::unordered_map<std::string, uint32_t> slot_of_key_;
  std::unordered_map<uint64_t, uint32_t> slot_of_index_;
  uint32_t newest_ = kNone, oldest_ = kNone;  // ends of the recency list
  uint32_t last_ = kNone;                     // the entry Find returned or Insert made last
};

}  // namespace segstream
