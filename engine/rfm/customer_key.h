// Where a customer's state lives (state format 6): its state partition and
// the key of its record.
//
// State is keyed by input partition, the Kafka Streams model: a customer's
// state belongs to the partition of the input its events arrive on (a file
// replay is partition 0), so that one partition's state is a set of key
// ranges that can later move between instances. This needs the input to be
// keyed by customer id (docs/kafka.md): one customer's events in one
// partition.
//
// - The customer key is the partition as 4 bytes big-endian, then the
//   canonical customer id (engine/event/customer_id.h). Every customer-keyed
//   column family (customers, invoices, changes) starts its keys with it,
//   and timers with the partition, so a partition's keys are contiguous.
// - The customer index (creation order, used for uniform sampling, timers and
//   the step buffer) is 64 bits: the partition in the top 24, the customer's
//   creation order within its partition (its local index) in the low 40. A
//   partition's indices are then one contiguous key range too, and a
//   partition's customers are numbered without coordination.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace segstream {

// State partitions are input partitions in [0, kMaxStatePartition]. (Kafka's
// partition counts are far below 2^24.)
inline constexpr int32_t kMaxStatePartition = (int32_t{1} << 24) - 1;
inline constexpr int kLocalIndexBits = 40;
inline constexpr uint64_t kMaxLocalIndex = (uint64_t{1} << kLocalIndexBits) - 1;
inline constexpr size_t kPartitionPrefixBytes = 4;

inline bool ValidStatePartition(int64_t partition) { return partition >= 0 && partition <= kMaxStatePartition; }

// The 4-byte big-endian prefix of every key of `partition`.
// REQUIRES: ValidStatePartition(partition).
inline std::string PartitionKeyPrefix(int32_t partition) {
  const auto p = static_cast<uint32_t>(partition);
  return std::string{static_cast<char>(p >> 24), static_cast<char>(p >> 16), static_cast<char>(p >> 8),
                     static_cast<char>(p)};
}

// The key of customer `customer_id` (canonical) in `partition`.
inline std::string CustomerKey(int32_t partition, std::string_view customer_id) {
  std::string k = PartitionKeyPrefix(partition);
  k.append(customer_id);
  return k;
}

// The partition a key starts with; -1 when it is too short to have one.
inline int32_t PartitionOfKey(std::string_view key) {
  if (key.size() < kPartitionPrefixBytes) return -1;
  uint32_t p = 0;
  for (size_t i = 0; i < kPartitionPrefixBytes; ++i) p = (p << 8) | static_cast<uint8_t>(key[i]);
  return static_cast<int32_t>(p);
}

// The customer id of a CustomerKey (empty when `key` has no prefix).
inline std::string_view CustomerIdOfKey(std::string_view key) {
  return key.size() < kPartitionPrefixBytes ? std::string_view() : key.substr(kPartitionPrefixBytes);
}

// The index of the `local`-th customer created in `partition`.
inline uint64_t CustomerIndex(int32_t partition, uint64_t local) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(partition)) << kLocalIndexBits) | local;
}
inline int32_t PartitionOfIndex(uint64_t index) { return static_cast<int32_t>(index >> kLocalIndexBits); }
inline uint64_t LocalIndex(uint64_t index) { return index & kMaxLocalIndex; }

}  // namespace segstream
