// PartitionDirectory: the state partitions an engine holds, how many
// customers each has, and each one's watermark (state format 6;
// engine/rfm/customer_key.h says why state is keyed by input partition).
// Each partition's entry is its own meta key, `partition/<p %010d>`
// (state/FORMAT.md), so a partition's state is its key ranges plus that one
// key.
//
// A partition's watermark is the largest event time of the lines accepted
// from it. The dedup window runs on it (engine/dedup): how long a
// partition's invoices are remembered then depends on that partition's own
// progress in event time, never on how its records interleave with other
// partitions' (a partition that was revoked and assigned back, or lags,
// would otherwise find its open invoices forgotten and count them again).
//
// It numbers new customers (the next local index of their partition) and
// maps a population position, 0 <= position < total(), to a customer index:
// the partitions in ascending order, each one's customers in creation order.
// Uniform draws of a position are then uniform draws over every customer the
// engine holds, whatever their partitions. With one partition (a file
// replay) the position is the index.
//
// Changes are held until the commit: WriteTo adds the changed counts to the
// micro-batch's StateWrite, OnCommitted forgets which changed.
// Not thread-safe: the pipeline thread owns it.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "engine/rfm/customer_record.h"  // kNoTime
#include "engine/util/status.h"
#include "state/state_store.h"

namespace segstream {

class PartitionDirectory {
 public:
  PartitionDirectory() = default;
  PartitionDirectory(const PartitionDirectory&) = delete;
  PartitionDirectory& operator=(const PartitionDirectory&) = delete;

  // Reads every partition's count from the store's meta. Corruption when a
  // key or value does not parse.
  Status Load(StateStore* store);

  // Customers of every partition.
  uint64_t total() const { return total_; }
  // The partitions holding customers, ascending.
  const std::vector<int32_t>& partitions() const { return partitions_; }
  // Customers created in `partition` (0 when it has none).
  uint64_t customers(int32_t partition) const {
    auto it = counts_.find(partition);
    return it == counts_.end() ? 0 : it->second.customers;
  }
  // The watermark of `partition` (seconds; kNoTime before its first line).
  int64_t watermark(int32_t partition) const {
    auto it = counts_.find(partition);
    return it == counts_.end() ? kNoTime : it->second.watermark;
  }
  // Moves `partition`'s watermark to `event_time` when that is later.
  // REQUIRES: the partition holds a customer (NewIndex was called for it).
  void AdvanceWatermark(int32_t partition, int64_t event_time);
  // The earliest watermark of any partition with one (kNoTime: none).
  int64_t MinWatermark() const;

  // The index of a new customer of `partition` (REQUIRES:
  // ValidStatePartition(partition)); false when the partition has
  // kMaxLocalIndex + 1 customers already.
  bool NewIndex(int32_t partition, uint64_t* index);
  // True when `index` names a customer created in this directory.
  bool Holds(uint64_t index) const;
  // The customer at `position` (REQUIRES: position < total()).
  uint64_t IndexAt(uint64_t position) const;

  void WriteTo(StateWrite* write) const;
  void OnCommitted() { dirty_.clear(); }

 private:
  void Rebuild() const;

  struct Entry {
    uint64_t customers = 0;
    int64_t watermark = kNoTime;
  };
  std::map<int32_t, Entry> counts_;     // by partition
  std::set<int32_t> dirty_;             // counts to write at the next commit
  std::vector<int32_t> partitions_;     // the keys of counts_
  uint64_t total_ = 0;
  // First population position of each partition (partitions_ order); rebuilt
  // when a count changed since.
  mutable std::vector<uint64_t> starts_;
  mutable bool starts_stale_ = true;
};

// The stored record of customer `customer_id` (canonical) in whichever
// partition of `store` holds it, read from the committed partition counts
// (for queries from other threads than the engine's: HTTP, segctl). Sets
// *key to its CustomerKey and *value to its record. NotFound when no
// partition holds it. A customer held by several partitions (an input not
// keyed by customer id, docs/kafka.md) answers the one that saw the latest
// event, by the stored records' last event time; *holders (optional) is set
// to how many hold it.
Status FindStoredCustomer(StateStore* store, std::string_view customer_id, std::string* key, std::string* value,
                          size_t* holders = nullptr);

}  // namespace segstream
