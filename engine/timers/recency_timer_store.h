// RecencyTimerStore: where the customers' recency timers live. A timer is a
// key of the store's timers column family, TimerKey(due, customer index)
// (state/FORMAT.md): the customer's state partition, then the due time, so a
// partition's timers are ordered by due time; the model version it was set
// under is the value. A micro-batch's sets and erases are held here over the
// store until its commit. A step reads only what is due: one range scan per
// partition from the previous step's watermark, so nothing per customer
// stays in memory.
//
// The component keeps keys only. Whether a due timer still matters (is it of
// the serving version, is it the customer's current one) is the caller's
// decision (see SegmentEngine::PopDueTimers); a stale key simply comes due
// and is dropped.
//
// Reads see the pending writes over the store; WriteTo adds them to the
// micro-batch's StateWrite and OnCommitted forgets them once the store has
// committed it. Not thread-safe: the pipeline thread owns it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/rfm/customer_record.h"  // kNoTime
#include "engine/util/status.h"
#include "state/state_store.h"

namespace segstream {

struct DueTimer {
  int64_t due = 0;       // seconds (event time)
  uint64_t index = 0;    // the customer's creation index
  uint64_t version = 0;  // the model version it was set under
};

class RecencyTimerStore {
 public:
  explicit RecencyTimerStore(StateStore* store) : store_(store) {}
  RecencyTimerStore(const RecencyTimerStore&) = delete;
  RecencyTimerStore& operator=(const RecencyTimerStore&) = delete;

  // Sets the timer of customer `index` at `due` (seconds) under model
  // `version`. A customer's other timers are not touched: Erase them.
  void Put(int64_t due, uint64_t index, uint64_t version);
  void Erase(int64_t due, uint64_t index);
  // Every timer goes (a new model version): one range delete at the commit,
  // ordered before the Puts that follow it.
  void EraseAll();

  // Removes and returns the timers of `partitions` due in (after, upto]
  // seconds (`after` = kNoTime: from the first), earliest first, ties by
  // customer index (so across partitions too), with
  // the pending writes applied. Callers pass the previous call's `upto` as
  // `after`: every timer is set later than the watermark it is set at, so
  // nothing due is skipped and the scan does not walk the tombstones of
  // timers popped before. A store read error, or a key or value that does
  // not parse (Corruption), is returned; the timers that parsed are still
  // in *due (and erased).
  Status PopDue(const std::vector<int32_t>& partitions, int64_t after, int64_t upto, std::vector<DueTimer>* due);

  // Adds the pending writes to `write` (the range delete of EraseAll first).
  void WriteTo(StateWrite* write) const;
  // The store committed the last WriteTo: the pending writes are its state now.
  void OnCommitted();
  size_t pending_writes() const { return pending_.size() + (erase_all_ ? 1 : 0); }

 private:
  StateStore* store_;  // not owned
  std::map<std::string, std::optional<std::string>> pending_;  // key -> value, nullopt: erase
  bool erase_all_ = false;
};

}  // namespace segstream
