#include "engine/timers/recency_timer_store.h"

#include <algorithm>

#include "engine/util/coding.h"
#include "state/record_codec.h"

namespace segstream {

namespace {
// One past every TimerKey: 4 bytes of partition, 8 of due and 8 of index,
// all 0xff, and one more.
const std::string kPastEveryTimer(kPartitionPrefixBytes + 17, '\xff');
}  // namespace

void RecencyTimerStore::Put(int64_t due, uint64_t index, uint64_t version) {
  std::string value;
  PutVarint(&value, version);
  pending_[TimerKey(due, index)] = std::move(value);
}

void RecencyTimerStore::Erase(int64_t due, uint64_t index) { pending_[TimerKey(due, index)].reset(); }

void RecencyTimerStore::EraseAll() {
  pending_.clear();
  erase_all_ = true;
}

Status RecencyTimerStore::PopDue(const std::vector<int32_t>& partitions, int64_t after, int64_t upto,
                                 std::vector<DueTimer>* due) {
  due->clear();
  Status status;
  std::map<std::string, std::string> keys;  // of every partition: the due keys, pending writes applied
  for (const int32_t partition : partitions) {
    // kNoTime sorts first: TimerRangeKey(p, kNoTime) is the partition's first key.
    const std::string begin = TimerRangeKey(partition, after == kNoTime ? kNoTime : after + 1);
    const std::string end = TimerRangeKey(partition, upto + 1);
    if (!erase_all_) {
      Status s = store_->ScanRange(Column::kTimers, begin, end, [&](std::string_view k, std::string_view v) {
        keys.emplace(std::string(k), std::string(v));
        return true;
      });
      if (status.ok()) status = s;
    }
    for (auto it = pending_.lower_bound(begin); it != pending_.end() && it->first < end; ++it) {
      if (it->second) {
        keys[it->first] = *it->second;
      } else {
        keys.erase(it->first);
      }
    }
  }
  for (const auto& [key, value] : keys) {
    pending_[key].reset();
    DueTimer t;
    Decoder d(value);
    if (!ParseTimerKey(key, &t.due, &t.index) || !d.GetVarint(&t.version)) {
      if (status.ok()) status = Status::Corruption("bad recency timer key or value in the timers column family");
      continue;
    }
    due->push_back(t);
  }
  // Earliest first across partitions, ties by index (within one partition
  // this is key order already).
  std::sort(due->begin(), due->end(),
            [](const DueTimer& a, const DueTimer& b) { return a.due != b.due ? a.due < b.due : a.index < b.index; });
  return status;
}

void RecencyTimerStore::WriteTo(StateWrite* write) const {
  if (erase_all_) write->DeleteRange(Column::kTimers, std::string(), kPastEveryTimer);
  for (const auto& [key, value] : pending_) {
    if (value) {
      write->Put(Column::kTimers, key, *value);
    } else {
      write->Delete(Column::kTimers, key);
    }
  }
}

void RecencyTimerStore::OnCommitted() {
  pending_.clear();
  erase_all_ = false;
}

}  // namespace segstream
