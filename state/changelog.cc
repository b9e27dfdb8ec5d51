// The changelog's key mapping, write expansion and restore; see changelog.h.
#include "state/changelog.h"

#include <charconv>
#include <cstdio>
#include <set>
#include <vector>

#include "engine/rfm/customer_key.h"
#include "engine/util/coding.h"
#include "state/record_codec.h"

namespace segstream {
namespace {

constexpr char kColumnBytes[kColumnCount] = {'c', 'i', 'h', 'm', 'x', 't'};
constexpr std::string_view kChangelogOffsetPrefix = "changelog/";

// Meta keys of this copy of the state, not of the state (changelog.h).
bool IsLocalMetaKey(std::string_view key) {
  return key == "format_version" || key == "instance_id" || key == kChangelogTopicKey ||
         key.starts_with(kSinkOffsetPrefix);
}

// The partition in a meta key ending in "/<partition %010d>".
std::optional<int32_t> TrailingPartition(std::string_view key) {
  const size_t slash = key.rfind('/');
  if (slash == std::string_view::npos) return std::nullopt;
  int32_t p = 0;
  const char* begin = key.data() + slash + 1;
  const char* end = key.data() + key.size();
  auto [ptr, ec] = std::from_chars(begin, end, p);
  if (ec != std::errc() || ptr != end || begin == end || !ValidStatePartition(p)) return std::nullopt;
  return p;
}

std::optional<int32_t> MetaPartition(std::string_view key) {
  if (IsLocalMetaKey(key)) return std::nullopt;
  if (key.starts_with("partition/") || key.starts_with("pos/")) {
    if (auto p = TrailingPartition(key)) return p;
  }
  return kGlobalChangelogPartition;
}

}  // namespace

std::optional<int32_t> ChangelogPartition(Column column, std::string_view key) {
  switch (column) {
    case Column::kMeta:
      return MetaPartition(key);
    case Column::kCustomerIndex:
      if (key.size() < 8) return kGlobalChangelogPartition;
      return PartitionOfIndex(GetBigEndian64(key.substr(0, 8)));
    case Column::kCustomers:
    case Column::kInvoices:
    case Column::kChanges:
    case Column::kTimers:
      if (key.size() < kPartitionPrefixBytes) return kGlobalChangelogPartition;
      return PartitionOfKey(key);
  }
  return kGlobalChangelogPartition;
}

std::string ChangelogOffsetName(int32_t partition) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%010d", partition);
  return std::string(kChangelogOffsetPrefix) + buf;
}

std::optional<int32_t> ChangelogOffsetPartition(std::string_view name) {
  if (!name.starts_with(kChangelogOffsetPrefix)) return std::nullopt;
  return TrailingPartition(name);
}

void PutChangelogOffset(int32_t partition, int64_t next_offset, StateWrite* write) {
  write->Put(Column::kMeta, SinkOffsetKey(ChangelogOffsetName(partition)), EncodeSinkOffset(next_offset));
}

void PutChangelogSynced(int64_t unix_ms, StateWrite* write) {
  write->Put(Column::kMeta, SinkOffsetKey(kChangelogSyncedName), EncodeSinkOffset(unix_ms));
}

ChangelogCheckpoint ReadChangelogCheckpoint(const std::map<std::string, int64_t>& sink_offsets) {
  ChangelogCheckpoint out;
  for (const auto& [name, offset] : sink_offsets) {
    if (auto p = ChangelogOffsetPartition(name)) out.next_offsets[*p] = offset;
    if (name == kChangelogSyncedName) out.synced_ms = offset;
  }
  return out;
}

std::string EncodeChangelogKey(Column column, std::string_view key) {
  std::string out;
  out.reserve(key.size() + 1);
  out.push_back(kColumnBytes[static_cast<size_t>(column)]);
  out.append(key);
  return out;
}

Status DecodeChangelogKey(std::string_view record_key, Column* column, std::string_view* key) {
  if (record_key.empty()) return Status::Corruption("changelog record without a key");
  for (size_t i = 0; i < kColumnCount; ++i) {
    if (record_key[0] == kColumnBytes[i]) {
      *column = static_cast<Column>(i);
      *key = record_key.substr(1);
      return Status::OK();
    }
  }
  return Status::Corruption("changelog record key starts with an unknown column byte");
}

Status AppendChangelog(const StateWrite& write, StateStore* store, const ChangelogAppend& append) {
  const auto& ops = write.ops;
  for (size_t i = 0; i < ops.size(); ++i) {
    const StateWrite::Op& op = ops[i];
    if (!op.erase_range) {
      const std::optional<int32_t> partition = ChangelogPartition(op.column, op.key);
      if (!partition) continue;
      SEGSTREAM_RETURN_IF_ERROR(append(*partition, EncodeChangelogKey(op.column, op.key), op.erase ? nullptr : &op.value));
      continue;
    }
    // The keys in [key, value) as the ops before this one leave them (the
    // store's semantics: an end not past the begin is an empty range).
    if (op.value <= op.key) continue;
    auto in_range = [&op](const std::string& k) { return k >= op.key && k < op.value; };
    std::set<std::string> present;
    SEGSTREAM_RETURN_IF_ERROR(store->ScanRange(op.column, op.key, op.value, [&](std::string_view k, std::string_view) {
      present.emplace(k);
      return true;
    }));
    for (size_t j = 0; j < i; ++j) {
      const StateWrite::Op& earlier = ops[j];
      if (earlier.column != op.column) continue;
      if (earlier.erase_range) {
        std::erase_if(present, [&](const std::string& k) { return k >= earlier.key && k < earlier.value; });
      } else if (in_range(earlier.key)) {
        if (earlier.erase) {
          present.erase(earlier.key);
        } else {
          present.insert(earlier.key);
        }
      }
    }
    for (const std::string& k : present) {
      const std::optional<int32_t> partition = ChangelogPartition(op.column, k);
      if (!partition) continue;
      SEGSTREAM_RETURN_IF_ERROR(append(*partition, EncodeChangelogKey(op.column, k), nullptr));
    }
  }
  return Status::OK();
}

Status ChangelogRestorer::Apply(std::string_view record_key, const std::string* value) {
  Column column;
  std::string_view key;
  SEGSTREAM_RETURN_IF_ERROR(DecodeChangelogKey(record_key, &column, &key));
  if (!ChangelogPartition(column, key)) {
    return Status::Corruption("changelog record names a key that is never logged: " + std::string(key));
  }
  if (value == nullptr) {
    pending_.Delete(column, std::string(key));
  } else {
    pending_.Put(column, std::string(key), *value);
    pending_bytes_ += value->size();
  }
  pending_bytes_ += record_key.size();
  ++records_;
  if (pending_bytes_ >= batch_bytes_) return Finish();
  return Status::OK();
}

Status ChangelogRestorer::Finish() {
  if (pending_.empty()) return Status::OK();
  SEGSTREAM_RETURN_IF_ERROR(store_->Commit(pending_));
  pending_ = StateWrite();
  pending_bytes_ = 0;
  return Status::OK();
}

}  // namespace segstream
