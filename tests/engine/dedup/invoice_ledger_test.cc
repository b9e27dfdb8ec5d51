// Tests for engine/dedup: InvoiceLedger over the in-memory store
// (tests/state/fake_state_store.h): records through commits and a new
// ledger (a restart), the dedup window's forgetting (by the record's written
// watermark, not by whether the store still holds it), deletion of an
// invoice left without lines, the cache bound, and store errors.
#include <gtest/gtest.h>

#include "engine/dedup/invoice_ledger.h"
#include "state/record_codec.h"
#include "tests/state/fake_state_store.h"

namespace segstream {
namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kT0 = 1291191960;  // 2010-12-01 08:26 UTC

void Commit(InvoiceLedger* ledger, testing::FakeStateStore* store) {
  StateWrite w;
  ledger->WriteTo(&w);
  ASSERT_TRUE(store->Commit(w).ok());
  ledger->OnCommitted();
}

// Adds a line with `fingerprint` at `watermark`, as the engine does.
void AddLine(InvoiceLedger* ledger, InvoiceLedger::Entry* e, uint64_t fingerprint, int64_t watermark) {
  e->rec.line_fingerprints.push_back(fingerprint);
  ++e->rec.purchase_lines;
  e->rec.purchase_counted = true;
  e->rec.written_watermark = watermark;
  ledger->MarkChanged(e);
}

TEST(InvoiceLedgerTest, RecordsSurviveCommitsAndRestarts) {
  testing::FakeStateStore store;
  {
    InvoiceLedger ledger(&store, 30 * kDay, 1000);
    InvoiceLedger::Entry* e = nullptr;
    ASSERT_TRUE(ledger.Lookup("17850", "536365", kT0, &e).ok());
    EXPECT_TRUE(e->rec.line_fingerprints.empty());
    AddLine(&ledger, e, 11, kT0);
    InvoiceLedger::Entry* again = nullptr;
    ASSERT_TRUE(ledger.Lookup("17850", "536365", kT0, &again).ok());
    EXPECT_EQ(again, e);  // grouped lines find the same entry
    AddLine(&ledger, again, 12, kT0);
    InvoiceLedger::Entry* other = nullptr;
    ASSERT_TRUE(ledger.Lookup("17850", "536366", kT0, &other).ok());  // another invoice, same customer
    EXPECT_NE(other, e);
    ASSERT_TRUE(ledger.Lookup("13047", "536365", kT0, &other).ok());  // same invoice number, another customer
    EXPECT_NE(other, e);
    EXPECT_TRUE(other->rec.line_fingerprints.empty());
    Commit(&ledger, &store);
  }
  ASSERT_EQ(store.table(Column::kInvoices).size(), 1u);  // untouched lookups write nothing
  InvoiceLedger restarted(&store, 30 * kDay, 1000);
  InvoiceLedger::Entry* e = nullptr;
  ASSERT_TRUE(restarted.Lookup("17850", "536365", kT0 + kDay, &e).ok());
  EXPECT_TRUE(InvoiceLedger::HoldsLine(e->rec, 11));
  EXPECT_TRUE(InvoiceLedger::HoldsLine(e->rec, 12));
  EXPECT_FALSE(InvoiceLedger::HoldsLine(e->rec, 13));
  EXPECT_EQ(e->rec.purchase_lines, 2);
}

TEST(InvoiceLedgerTest, InvoicesPastTheWindowAreForgottenWhileTheStoreStillHoldsThem) {
  testing::FakeStateStore store;
  InvoiceLedger ledger(&store, 30 * kDay, 1000);
  InvoiceLedger::Entry* e = nullptr;
  ASSERT_TRUE(ledger.Lookup("c1", "i1", kT0, &e).ok());
  AddLine(&ledger, e, 7, kT0);
  Commit(&ledger, &store);
  // At exactly the window: still known.
  ASSERT_TRUE(ledger.Lookup("c1", "i1", kT0 + 30 * kDay, &e).ok());
  EXPECT_TRUE(InvoiceLedger::HoldsLine(e->rec, 7));
  EXPECT_FALSE(ledger.BeyondWindow(kT0, kT0 + 30 * kDay));
  EXPECT_EQ(ledger.RetentionFloor(kT0 + 30 * kDay), kT0);
  // One second past it: forgotten, though the record is still stored.
  ASSERT_TRUE(ledger.Lookup("c1", "i1", kT0 + 30 * kDay + 1, &e).ok());
  EXPECT_FALSE(InvoiceLedger::HoldsLine(e->rec, 7));
  EXPECT_EQ(store.table(Column::kInvoices).size(), 1u);
  EXPECT_TRUE(ledger.BeyondWindow(kT0, kT0 + 30 * kDay + 1));
  // The same from a fresh ledger reading the store.
  InvoiceLedger fresh(&store, 30 * kDay, 1000);
  ASSERT_TRUE(fresh.Lookup("c1", "i1", kT0 + 31 * kDay, &e).ok());
  EXPECT_TRUE(e->rec.line_fingerprints.empty());
  // A negative window keeps everything.
  InvoiceLedger forever(&store, -1, 1000);
  ASSERT_TRUE(forever.Lookup("c1", "i1", kT0 + 3650 * kDay, &e).ok());
  EXPECT_TRUE(InvoiceLedger::HoldsLine(e->rec, 7));
  EXPECT_EQ(forever.RetentionFloor(kT0), kNoTime);
  EXPECT_FALSE(forever.BeyondWindow(kT0, kT0 + 3650 * kDay));
}

TEST(InvoiceLedgerTest, AnInvoiceWithoutLinesIsDeletedAndTheCacheIsBounded) {
  testing::FakeStateStore store;
  InvoiceLedger ledger(&store, -1, 3);
  for (int i = 0; i < 5; ++i) {
    InvoiceLedger::Entry* e = nullptr;
    ASSERT_TRUE(ledger.Lookup("c", "inv" + std::to_string(i), kT0, &e).ok());
    AddLine(&ledger, e, static_cast<uint64_t>(i), kT0);
  }
  EXPECT_EQ(ledger.cached(), 5u);
  Commit(&ledger, &store);
  EXPECT_EQ(ledger.cached(), 0u);  // over the bound: dropped whole once durable
  EXPECT_EQ(store.table(Column::kInvoices).size(), 5u);
  InvoiceLedger::Entry* e = nullptr;
  ASSERT_TRUE(ledger.Lookup("c", "inv2", kT0, &e).ok());
  ASSERT_TRUE(InvoiceLedger::HoldsLine(e->rec, 2));
  e->rec.line_fingerprints.clear();  // its last line retracted
  e->rec.purchase_lines = 0;
  ledger.MarkChanged(e);
  ledger.MarkChanged(e);  // once
  StateWrite w;
  ledger.WriteTo(&w);
  ASSERT_EQ(w.ops.size(), 1u);
  EXPECT_TRUE(w.ops[0].erase);
  EXPECT_EQ(w.ops[0].key, InvoiceKey("c", "inv2"));
  ASSERT_TRUE(store.Commit(w).ok());
  ledger.OnCommitted();
  EXPECT_EQ(store.table(Column::kInvoices).size(), 4u);
  EXPECT_EQ(ledger.cached(), 1u);  // within the bound: kept
}

TEST(InvoiceLedgerTest, StoreAndDecodeErrorsAreReturned) {
  testing::FakeStateStore store;
  StateWrite w;
  w.Put(Column::kInvoices, InvoiceKey("c", "bad"), "\xff\xff\xff");
  ASSERT_TRUE(store.Commit(w).ok());
  InvoiceLedger ledger(&store, -1, 100);
  InvoiceLedger::Entry* e = nullptr;
  EXPECT_FALSE(ledger.Lookup("c", "bad", kT0, &e).ok());
  store.FailReads(Status::IOError("disk gone"));
  EXPECT_EQ(ledger.Lookup("c", "other", kT0, &e).code(), Status::Code::kIOError);
}

// created() counts the records a batch writes that the store did not hold:
// what the invoice sweep's budget follows (engine/dedup/invoice_sweep.h).
TEST(InvoiceLedgerTest, CreatedCountsRecordsTheStoreDidNotHold) {
  testing::FakeStateStore store;
  InvoiceLedger ledger(&store, 30 * kDay, 1000);
  InvoiceLedger::Entry* e = nullptr;
  ASSERT_TRUE(ledger.Lookup("17850", "536365", kT0, &e).ok());
  AddLine(&ledger, e, 11, kT0);
  AddLine(&ledger, e, 12, kT0);  // the same record: counted once
  ASSERT_TRUE(ledger.Lookup("17850", "536366", kT0, &e).ok());
  AddLine(&ledger, e, 13, kT0);
  EXPECT_EQ(ledger.created(), 2u);
  Commit(&ledger, &store);
  EXPECT_EQ(ledger.created(), 0u);
  // A stored invoice changed again is not created, from the cache or after a restart.
  ASSERT_TRUE(ledger.Lookup("17850", "536365", kT0 + kDay, &e).ok());
  AddLine(&ledger, e, 14, kT0 + kDay);
  EXPECT_EQ(ledger.created(), 0u);
  Commit(&ledger, &store);
  InvoiceLedger restarted(&store, 30 * kDay, 1000);
  ASSERT_TRUE(restarted.Lookup("17850", "536366", kT0 + kDay, &e).ok());
  AddLine(&restarted, e, 15, kT0 + kDay);
  EXPECT_EQ(restarted.created(), 0u);
  // One past the window, seen again, is written anew.
  ASSERT_TRUE(restarted.Lookup("17850", "536365", kT0 + 40 * kDay, &e).ok());
  AddLine(&restarted, e, 11, kT0 + 40 * kDay);
  EXPECT_EQ(restarted.created(), 1u);
}

}  // namespace
}  // namespace segstream
