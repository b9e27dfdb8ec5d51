#include "engine/partitions/partition_directory.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string>

#include "engine/rfm/customer_key.h"
#include "engine/util/coding.h"
#include "state/record_codec.h"

namespace segstream {
namespace {

constexpr std::string_view kPrefix = "partition/";
constexpr uint8_t kFormat = 1;  // u8 format, varint customers, zigzag watermark

std::string CountKey(int32_t partition) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%010d", partition);
  return std::string(kPrefix) + buf;
}

}  // namespace

Status PartitionDirectory::Load(StateStore* store) {
  counts_.clear();
  dirty_.clear();
  Status bad;
  SEGSTREAM_RETURN_IF_ERROR(store->Scan(Column::kMeta, kPrefix, [&](std::string_view key, std::string_view value) {
    const std::string_view digits = key.substr(kPrefix.size());
    int32_t partition = -1;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), partition);
    Decoder d(value);
    uint8_t format = 0;
    Entry e;
    if (ec != std::errc() || end != digits.data() + digits.size() || !ValidStatePartition(partition) ||
        !d.GetByte(&format) || format != kFormat || !d.GetVarint(&e.customers) || !d.GetSignedVarint(&e.watermark) ||
        !d.done() || e.customers > kMaxLocalIndex + 1) {
      bad = Status::Corruption("bad partition entry " + std::string(key));
      return false;
    }
    counts_[partition] = e;
    return true;
  }));
  SEGSTREAM_RETURN_IF_ERROR(bad);
  partitions_.clear();
  total_ = 0;
  for (const auto& [p, e] : counts_) {
    partitions_.push_back(p);
    total_ += e.customers;
  }
  starts_stale_ = true;
  return Status::OK();
}

bool PartitionDirectory::NewIndex(int32_t partition, uint64_t* index) {
  auto [it, inserted] = counts_.try_emplace(partition);
  if (it->second.customers > kMaxLocalIndex) return false;
  if (inserted) partitions_.insert(std::upper_bound(partitions_.begin(), partitions_.end(), partition), partition);
  *index = CustomerIndex(partition, it->second.customers++);
  ++total_;
  dirty_.insert(partition);
  starts_stale_ = true;
  return true;
}

void PartitionDirectory::AdvanceWatermark(int32_t partition, int64_t event_time) {
  auto it = counts_.find(partition);
  if (it == counts_.end()) return;
  if (it->second.watermark == kNoTime || event_time > it->second.watermark) {
    it->second.watermark = event_time;
    dirty_.insert(partition);
  }
}

int64_t PartitionDirectory::MinWatermark() const {
  int64_t min = kNoTime;
  for (const auto& [p, e] : counts_) {
    if (e.watermark != kNoTime && (min == kNoTime || e.watermark < min)) min = e.watermark;
  }
  return min;
}

bool PartitionDirectory::Holds(uint64_t index) const {
  return LocalIndex(index) < customers(PartitionOfIndex(index));
}

void PartitionDirectory::Rebuild() const {
  starts_.clear();
  uint64_t start = 0;
  for (const int32_t p : partitions_) {
    starts_.push_back(start);
    start += counts_.at(p).customers;
  }
  starts_stale_ = false;
}

uint64_t PartitionDirectory::IndexAt(uint64_t position) const {
  if (partitions_.size() == 1) return CustomerIndex(partitions_[0], position);
  if (starts_stale_) Rebuild();
  // The last partition starting at or before `position` (empty partitions
  // have no customers, so none starts where the next one does).
  const size_t i = static_cast<size_t>(std::upper_bound(starts_.begin(), starts_.end(), position) - starts_.begin()) - 1;
  return CustomerIndex(partitions_[i], position - starts_[i]);
}

void PartitionDirectory::WriteTo(StateWrite* write) const {
  for (const int32_t p : dirty_) {
    std::string value;
    value.push_back(static_cast<char>(kFormat));
    PutVarint(&value, counts_.at(p).customers);
    PutSignedVarint(&value, counts_.at(p).watermark);
    write->Put(Column::kMeta, CountKey(p), std::move(value));
  }
}

Status FindStoredCustomer(StateStore* store, std::string_view customer_id, std::string* key, std::string* value,
                          size_t* holders) {
  PartitionDirectory directory;
  SEGSTREAM_RETURN_IF_ERROR(directory.Load(store));
  std::vector<std::string> keys;
  for (const int32_t p : directory.partitions()) keys.push_back(CustomerKey(p, customer_id));
  std::vector<std::string> values;
  std::vector<bool> found;
  SEGSTREAM_RETURN_IF_ERROR(store->MultiGet(Column::kCustomers, keys, &values, &found));
  size_t n = 0;
  int64_t latest = kNoTime;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!found[i]) continue;
    CustomerRecord r;
    if (Status s = DecodeCustomer(values[i], &r); !s.ok()) {
      return Status::Corruption("customer " + std::string(customer_id) + " in partition " +
                                std::to_string(PartitionOfKey(keys[i])) + ": " + s.message());
    }
    if (n++ == 0 || r.last_event_ts > latest) {
      latest = r.last_event_ts;
      *key = std::move(keys[i]);
      *value = std::move(values[i]);
    }
  }
  if (holders != nullptr) *holders = n;
  if (n == 0) return Status::NotFound("unknown customer " + std::string(customer_id));
  return Status::OK();
}

}  // namespace segstream
