// InvoiceSweep over an in-memory store: which records a round deletes (those
// below their partition's floor, and only those), that the cursor survives a
// restart, that a put after the sweep's delete in one write wins, and that a
// read error leaves the write as it was.
#include "engine/dedup/invoice_sweep.h"

#include <gtest/gtest.h>

#include <set>

#include "engine/rfm/customer_key.h"
#include "engine/rfm/customer_record.h"
#include "state/record_codec.h"
#include "tests/state/fake_state_store.h"

namespace segstream {
namespace {

using testing::FakeStateStore;

std::string Invoice(int64_t written_watermark) {
  InvoiceRecord r;
  r.written_watermark = written_watermark;
  r.line_fingerprints = {1};
  r.purchase_lines = 1;
  return EncodeInvoice(r);
}

// Partition 0's floor is 100, partition 1's 500, partition 2 keeps all.
int64_t Floor(int32_t partition) { return partition == 0 ? 100 : partition == 1 ? 500 : kNoTime; }

TEST(InvoiceSweepTest, ARoundDeletesExactlyTheRecordsBelowTheirPartitionsFloor) {
  FakeStateStore store;
  StateWrite seed;
  std::set<std::string> want;  // the keys that must survive
  for (int p = 0; p < 3; ++p) {
    for (int i = 0; i < 10; ++i) {
      const std::string key = InvoiceKey(CustomerKey(p, std::to_string(1000 + i)), "inv" + std::to_string(i));
      const int64_t written = i * 100;  // 0, 100, ..., 900
      seed.Put(Column::kInvoices, key, Invoice(written));
      if (p == 2 || written >= Floor(p)) want.insert(key);
    }
  }
  ASSERT_TRUE(store.Commit(seed).ok());
  InvoiceSweep sweep(&store);
  ASSERT_TRUE(sweep.Load().ok());
  int steps = 0;
  while (sweep.rounds() == 0 && steps < 100) {
    StateWrite w;
    ASSERT_TRUE(sweep.Step(4, Floor, &w).ok());
    ASSERT_TRUE(store.Commit(w).ok());
    ++steps;
    if (steps == 3) {
      // A restart: a new sweep continues from the stored cursor.
      InvoiceSweep again(&store);
      ASSERT_TRUE(again.Load().ok());
      EXPECT_EQ(again.cursor(), sweep.cursor());
      EXPECT_FALSE(sweep.cursor().empty());
    }
  }
  EXPECT_EQ(steps, 8) << "30 keys at 4 per step: the 8th step reaches the end";
  std::set<std::string> left;
  for (const auto& [k, v] : store.table(Column::kInvoices)) left.insert(k);
  EXPECT_EQ(left, want);
  EXPECT_EQ(sweep.deleted(), 30u - want.size());
  EXPECT_EQ(sweep.deleted(), 1u + 5u) << "partition 0: written 0; partition 1: written 0..400";
}

TEST(InvoiceSweepTest, APutAfterTheSweepsDeleteInOneWriteWins) {
  FakeStateStore store;
  const std::string key = InvoiceKey(CustomerKey(0, "17850"), "536365");
  StateWrite seed;
  seed.Put(Column::kInvoices, key, Invoice(10));
  ASSERT_TRUE(store.Commit(seed).ok());
  InvoiceSweep sweep(&store);
  StateWrite w;
  ASSERT_TRUE(sweep.Step(10, Floor, &w).ok());
  w.Put(Column::kInvoices, key, Invoice(700));  // the batch saw the forgotten invoice again
  ASSERT_TRUE(store.Commit(w).ok());
  ASSERT_EQ(store.table(Column::kInvoices).count(key), 1u);
  EXPECT_EQ(InvoiceWrittenWatermark(store.table(Column::kInvoices).at(key)), 700);
  EXPECT_EQ(sweep.deleted(), 1u);
}

TEST(InvoiceSweepTest, AReadErrorLeavesTheWriteUnchanged) {
  FakeStateStore store;
  StateWrite seed;
  seed.Put(Column::kInvoices, InvoiceKey(CustomerKey(0, "1"), "a"), Invoice(10));
  ASSERT_TRUE(store.Commit(seed).ok());
  store.FailReads(Status::IOError("injected"));
  InvoiceSweep sweep(&store);
  StateWrite w;
  EXPECT_EQ(sweep.Step(10, Floor, &w).code(), Status::Code::kIOError);
  EXPECT_TRUE(w.empty());
}

}  // namespace
}  // namespace segstream
