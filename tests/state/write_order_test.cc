// WriteBatchOrder: a permutation that, applied in order, gives the same
// state as the operations in their written order (checked on random writes
// with few keys, so keys repeat, with range deletes among them), and puts
// each column's keys in ascending order between range deletes.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>

#include "state/write_order.h"

namespace segstream {
namespace {

using Model = std::map<std::pair<int, std::string>, std::string>;

void Apply(const StateWrite::Op& op, Model* m) {
  const int c = static_cast<int>(op.column);
  if (op.erase_range) {
    for (auto it = m->lower_bound({c, op.key}); it != m->end() && it->first.first == c && it->first.second < op.value;) {
      it = m->erase(it);
    }
  } else if (op.erase) {
    m->erase({c, op.key});
  } else {
    (*m)[{c, op.key}] = op.value;
  }
}

StateWrite RandomWrite(std::mt19937_64* rng, size_t n) {
  StateWrite w;
  auto key = [&] { return std::string(1, static_cast<char>('a' + (*rng)() % 12)); };
  for (size_t i = 0; i < n; ++i) {
    const Column c = static_cast<Column>((*rng)() % 3);
    const uint64_t kind = (*rng)() % 20;
    if (kind == 0) {
      std::string b = key(), e = key();
      if (e < b) std::swap(b, e);
      w.DeleteRange(c, b, e);
    } else if (kind < 5) {
      w.Delete(c, key());
    } else {
      w.Put(c, key(), std::to_string(i));
    }
  }
  return w;
}

TEST(WriteBatchOrderTest, SameStateAsTheWrittenOrder) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 2000; ++round) {
    const StateWrite w = RandomWrite(&rng, rng() % 40);
    Model start;
    for (char k = 'a'; k < 'a' + 12; ++k) start[{static_cast<int>(rng() % 3), std::string(1, k)}] = "old";
    Model in_order = start, reordered = start;
    for (const auto& op : w.ops) Apply(op, &in_order);
    const std::vector<size_t> order = WriteBatchOrder(w);
    ASSERT_EQ(std::set<size_t>(order.begin(), order.end()).size(), w.ops.size()) << "a permutation";
    ASSERT_EQ(order.size(), w.ops.size());
    for (size_t i : order) Apply(w.ops[i], &reordered);
    ASSERT_EQ(in_order, reordered) << "round " << round;
  }
}

TEST(WriteBatchOrderTest, KeysAscendPerColumnBetweenRangeDeletes) {
  StateWrite w;
  w.Put(Column::kTimers, "c", "1");
  w.Put(Column::kCustomers, "z", "1");
  w.Put(Column::kTimers, "a", "1");
  w.DeleteRange(Column::kTimers, "a", "d");
  w.Put(Column::kTimers, "b", "2");
  w.Put(Column::kCustomers, "m", "1");
  w.Put(Column::kTimers, "a", "2");
  std::vector<std::pair<Column, std::string>> seen;
  for (size_t i : WriteBatchOrder(w)) seen.emplace_back(w.ops[i].column, w.ops[i].key);
  const std::vector<std::pair<Column, std::string>> want = {
      {Column::kCustomers, "m"}, {Column::kCustomers, "z"}, {Column::kTimers, "a"}, {Column::kTimers, "c"},
      {Column::kTimers, "a"},  // the range delete
      {Column::kTimers, "a"},    {Column::kTimers, "b"}};
  EXPECT_EQ(seen, want);
}

}  // namespace
}  // namespace segstream
