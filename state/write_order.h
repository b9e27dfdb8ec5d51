// The order in which a StateWrite's operations enter the RocksDB WriteBatch.
//
// A memtable is a skip list (RocksDB InlineSkipList). Its insert keeps a
// "splice" (the insert position at every level) from the previous insert,
// so a key just after the previous one is found in a few comparisons, and a
// random key costs a full search from the top level. A micro-batch writes
// its customers in touch order, its timers in due-time order of random
// customers, and so on: at 100k customers the memtable search was a quarter
// of the engine's time. Writing each column family's keys in ascending order
// makes each insert start next to its predecessor.
//
// Reordering never changes what a commit does: operations on different
// column families commute (one WriteBatch is applied atomically), and
// within a column family the operations are sorted stably by key only
// between range deletes (a Put after a DeleteRange must stay after it,
// whatever its key), so operations on the same key keep their order.
//
// Thread-safety: a pure function.
#pragma once

#include <cstddef>
#include <vector>

#include "state/state_store.h"

namespace segstream {

// The indices of `write.ops` in application order (a permutation).
std::vector<size_t> WriteBatchOrder(const StateWrite& write);

}  // namespace segstream
