// WriteBatchOrder: columns in turn, keys ascending between range deletes.
#include "state/write_order.h"

#include <algorithm>

namespace segstream {

std::vector<size_t> WriteBatchOrder(const StateWrite& write) {
  const auto& ops = write.ops;
  std::vector<size_t> order(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) order[i] = i;
  // Column first (original order within a column kept), then sort each run
  // of point operations between two range deletes of that column.
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return ops[a].column < ops[b].column; });
  auto by_key = [&](size_t a, size_t b) { return ops[a].key < ops[b].key; };
  size_t run = 0;
  for (size_t i = 0; i <= order.size(); ++i) {
    const bool boundary = i == order.size() || ops[order[i]].erase_range ||
                          (i > run && ops[order[i]].column != ops[order[run]].column);
    if (!boundary) continue;
    std::stable_sort(order.begin() + static_cast<std::ptrdiff_t>(run), order.begin() + static_cast<std::ptrdiff_t>(i),
                     by_key);
    run = i < order.size() && ops[order[i]].erase_range ? i + 1 : i;
  }
  return order;
}

}  // namespace segstream
