// Tests for CDC retraction in SegmentEngine (DecodedRecord::retract): undoing
// lines leaves every customer's RFM exactly as a replay without those lines;
// the last purchase line retracted makes the customer inactive; retractions
// of lines the state does not hold are dead letters that change nothing; and
// outputs and state stay a function of the records alone (batches, restarts).
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "engine/pipeline/segment_engine.h"
#include "state/record_codec.h"
#include "tests/engine/pipeline/replay.h"
#include "tests/engine/pipeline/test_support.h"
#include "tests/state/fake_state_store.h"

namespace segstream {
namespace {

using testing::Event;
using testing::Number;
using testing::Replay;
using testing::RunResult;
using testing::ExpectSameRfmFields;
const std::string& kSource = testing::kReplaySource;
using testing::FakeStateStore;

constexpr int64_t kT0 = 1291191960;  // 2010-12-01 08:26 UTC
constexpr int64_t kDay = 86400;

DecodedRecord Retraction(DecodedRecord r) {
  r.retract = true;
  return r;
}


// Purchases and returns of 60 customers over 120 days; no exact duplicates
// (a retraction removes one line; a duplicate was one line).
std::vector<DecodedRecord> Lines(uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<DecodedRecord> records;
  int invoice = 500000;
  for (int64_t day = 0; day < 120; ++day) {
    for (int c = 0; c < 60; ++c) {
      if (rng() % 6 != 0) continue;
      const std::string id = std::to_string(13000 + c);
      const int64_t ts = kT0 + day * kDay + static_cast<int64_t>(rng() % 36000);
      const std::string inv = std::to_string(++invoice);
      const int lines = 1 + static_cast<int>(rng() % 3);
      for (int l = 0; l < lines; ++l) {
        // Stock codes differ per line, so no line repeats another.
        records.push_back(Event(inv, std::to_string(20000 + l), 1 + static_cast<int64_t>(rng() % 9),
                                500 + static_cast<int64_t>(rng() % 3000), ts, id));
      }
      if (rng() % 8 == 0) records.push_back(Event("C" + inv, "20000", -1, 700, ts + 3600, id));
    }
  }
  return records;
}

EngineOptions ModelOptions() {
  EngineOptions o;
  o.k = 3;
  o.min_customers = 20;
  o.step_events = 32;
  o.publish_every = 300;
  o.sample_min = 16;
  o.sample_max = 64;
  o.dedup_window_seconds = -1;  // the tests below retract lines of any age
  o.max_future_seconds = -1;
  return o;
}

// The RFM fields a retraction must restore (the segment fields depend on
// when models were published, which the extra records shift).
void ExpectSameRfm(const std::map<std::string, CustomerRecord>& with_retractions,
                   const std::map<std::string, CustomerRecord>& without_lines) {
  for (const auto& [id, r] : with_retractions) {
    auto it = without_lines.find(id);
    if (it == without_lines.end()) {
      // Every line of this customer was retracted: nothing is left.
      EXPECT_FALSE(r.active()) << id;
      EXPECT_EQ(r.frequency, 0) << id;
      EXPECT_EQ(r.purchases_milli, 0) << id;
      EXPECT_EQ(r.returns_milli, 0) << id;
      EXPECT_EQ(r.first_purchase_ts, kNoTime) << id;
      EXPECT_EQ(r.last_purchase_ts, kNoTime) << id;
      EXPECT_EQ(r.last_event_ts, kNoTime) << id;
      continue;
    }
    ExpectSameRfmFields(r, it->second, id);
  }
  for (const auto& [id, w] : without_lines) EXPECT_TRUE(with_retractions.count(id)) << id;
}

// Lines retracted (some right after, some long after, some whole invoices,
// some the latest or earliest purchase of their customer) give the RFM of
// the replay that never had them.
TEST(RetractionTest, EqualsReplayWithoutTheLines) {
  const std::vector<DecodedRecord> lines = Lines(7);
  std::mt19937 rng(11);
  std::set<size_t> retracted;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (rng() % 5 == 0) retracted.insert(i);
  }
  // Every line of a few customers, so some end with nothing.
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].event.customer_id == "13001" || lines[i].event.customer_id == "13002") retracted.insert(i);
  }
  std::vector<DecodedRecord> with;
  std::vector<DecodedRecord> pending;  // retractions due later
  for (size_t i = 0; i < lines.size(); ++i) {
    with.push_back(lines[i]);
    if (retracted.count(i)) {
      if (i % 2 == 0) {
        with.push_back(Retraction(lines[i]));  // an update right after
      } else {
        pending.push_back(Retraction(lines[i]));
      }
    }
    if (pending.size() >= 25) {
      with.insert(with.end(), pending.begin(), pending.end());
      pending.clear();
    }
  }
  with.insert(with.end(), pending.begin(), pending.end());
  std::vector<DecodedRecord> without;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!retracted.count(i)) without.push_back(lines[i]);
  }
  Number(&with);
  Number(&without);
  const RunResult a = Replay(ModelOptions(), with, 0);
  const RunResult b = Replay(ModelOptions(), without, 0);
  ASSERT_GT(retracted.size(), 50u);
  EXPECT_EQ(a.counts.Total("retracted"), retracted.size());
  EXPECT_EQ(a.counts.Total("dead_letter"), 0u);
  EXPECT_EQ(a.active, b.active);
  ExpectSameRfm(a.by_id, b.by_id);
  // The invoices left hold what the replay holds (emptied ones are deleted).
  const auto& ia = a.tables[static_cast<size_t>(Column::kInvoices)];
  const auto& ib = b.tables[static_cast<size_t>(Column::kInvoices)];
  ASSERT_EQ(ia.size(), ib.size());
  for (auto x = ia.begin(), y = ib.begin(); x != ia.end(); ++x, ++y) {
    ASSERT_EQ(x->first, y->first);
    InvoiceRecord rx, ry;
    ASSERT_TRUE(DecodeInvoice(x->second, &rx).ok());
    ASSERT_TRUE(DecodeInvoice(y->second, &ry).ok());
    // written_watermark differs: a retraction touches the invoice later.
    EXPECT_EQ(rx.line_fingerprints, ry.line_fingerprints) << x->first;
    EXPECT_EQ(rx.purchase_counted, ry.purchase_counted) << x->first;
    EXPECT_EQ(rx.purchase_lines, ry.purchase_lines) << x->first;
  }
  EXPECT_NE(a.outputs.find("\"reason\":\"retraction\""), std::string::npos);
}

TEST(RetractionTest, RetractingTheOnlyPurchaseLineMakesTheCustomerInactive) {
  EngineOptions o = ModelOptions();
  std::vector<DecodedRecord> records = Lines(3);
  const DecodedRecord only = Event("900001", "85123A", 2, 2550, kT0 + 130 * kDay, "99999");
  records.push_back(only);
  records.push_back(Event("C900002", "85123A", -1, 2550, kT0 + 131 * kDay, "99999"));
  Number(&records);
  const RunResult before = Replay(o, records, 0);
  ASSERT_TRUE(before.by_id.at("99999").active());
  ASSERT_GE(before.by_id.at("99999").segment_id, 0) << "a model scored the customer";
  records.push_back(Retraction(only));
  Number(&records);
  const RunResult after = Replay(o, records, 0);
  const CustomerRecord& r = after.by_id.at("99999");
  EXPECT_FALSE(r.active());
  EXPECT_EQ(r.frequency, 0);
  EXPECT_EQ(r.purchases_milli, 0);
  EXPECT_EQ(r.returns_milli, 2550);
  EXPECT_EQ(r.first_purchase_ts, kNoTime);
  EXPECT_EQ(r.last_purchase_ts, kNoTime);
  EXPECT_EQ(r.last_event_ts, kT0 + 131 * kDay) << "the return is still there";
  EXPECT_EQ(r.segment_id, -1) << "an inactive customer has no segment";
  EXPECT_EQ(after.active + 1, before.active);
  EXPECT_NE(after.outputs.find("\"segment_id\":-1,\"segment_name\":\"\",\"previous_segment_id\":"), std::string::npos);
  EXPECT_NE(after.outputs.find("\"recency_days\":null"), std::string::npos);
}

TEST(RetractionTest, UnknownLineIsADeadLetterAndChangesNothing) {
  EngineOptions o = ModelOptions();
  std::vector<DecodedRecord> records = Lines(5);
  Number(&records);
  const RunResult base = Replay(o, records, 0);
  std::vector<DecodedRecord> more = records;
  DecodedRecord altered = records[10];
  altered.event.quantity += 1;  // never applied with this quantity
  more.push_back(Retraction(altered));
  more.push_back(Retraction(Event("777", "X", 1, 1000, kT0, "55555")));  // unknown customer
  more.push_back(Retraction(records[3]));
  more.push_back(Retraction(records[3]));  // already retracted
  Number(&more);
  const RunResult r = Replay(o, more, 0);
  EXPECT_EQ(r.counts.Total("retracted"), 1u);
  EXPECT_EQ(r.counts.Total("dead_letter"), 3u);
  std::vector<DecodedRecord> without = records;
  without.erase(without.begin() + 3);
  Number(&without);
  ExpectSameRfm(r.by_id, Replay(o, without, 0).by_id);
  EXPECT_EQ(r.by_id.count("55555"), 0u) << "no customer is created by a retraction";
  EXPECT_NE(r.outputs.find("retraction_unknown_line"), std::string::npos);
  // Only the dead letters: the same records and state as without them.
  std::vector<DecodedRecord> only_bad = records;
  only_bad.push_back(Retraction(altered));
  Number(&only_bad);
  const RunResult bad = Replay(o, only_bad, 0);
  EXPECT_EQ(bad.by_id, base.by_id);
  EXPECT_EQ(bad.tables[static_cast<size_t>(Column::kInvoices)], base.tables[static_cast<size_t>(Column::kInvoices)]);
}

TEST(RetractionTest, BeyondTheDedupWindowIsADeadLetter) {
  EngineOptions o = ModelOptions();
  o.dedup_window_seconds = 10 * kDay;
  std::vector<DecodedRecord> records = Lines(9);
  const DecodedRecord early = records.front();
  records.push_back(Retraction(early));
  Number(&records);
  const RunResult r = Replay(o, records, 0);
  EXPECT_EQ(r.counts.Total("retracted"), 0u);
  EXPECT_EQ(r.counts.Total("dead_letter"), 1u);
  EXPECT_NE(r.outputs.find("retraction_beyond_window"), std::string::npos);
  std::vector<DecodedRecord> plain(records.begin(), records.end() - 1);
  Number(&plain);
  EXPECT_EQ(r.by_id, Replay(o, plain, 0).by_id);
}

// State written before retraction existed (customer and invoice records of
// format 2): its lines cannot be undone, a dead letter that changes nothing;
// new lines still apply.
TEST(RetractionTest, LinesOfOldFormatStateAreNotRetractable) {
  FakeStateStore store;
  const EngineOptions o = ModelOptions();
  const DecodedRecord a = Event("1", "85123A", 2, 1000, kT0, "42");
  const DecodedRecord b = Event("2", "71053", 1, 3000, kT0 + kDay, "42");
  {
    SegmentEngine engine(o, &store);
    ASSERT_TRUE(engine.Load().ok());
    SourceBatch batch;
    batch.records = {a};
    EngineOutputs out;
    ASSERT_TRUE(engine.Process(kSource, batch, &out).ok());
    StateWrite w;
    engine.BuildCommit(kSource, {}, {}, &w);
    // Rewrite the records as a format-2 build wrote them.
    StateWrite old;
    for (const auto& op : w.ops) {
      if (op.column == Column::kCustomers) {
        CustomerRecord r;
        ASSERT_TRUE(DecodeCustomer(op.value, &r).ok());
        old.Put(op.column, op.key, EncodeCustomer(r));  // no history: format 2
      } else if (op.column == Column::kInvoices) {
        std::string v = op.value.substr(0, op.value.size() - 1);  // without purchase_lines (one byte)
        v[0] = 2;
        old.Put(op.column, op.key, v);
      } else {
        old.ops.push_back(op);
      }
    }
    ASSERT_TRUE(store.Commit(old).ok());
  }
  SegmentEngine engine(o, &store);
  ASSERT_TRUE(engine.Load().ok());
  SourceBatch batch;
  batch.records = {Retraction(a), b, Retraction(b)};
  Number(&batch.records);
  EngineOutputs out;
  ASSERT_TRUE(engine.Process(kSource, batch, &out).ok());
  const OutcomeCounts counts = engine.TakeBatchCounts();
  EXPECT_EQ(counts.Total("dead_letter"), 2u) << "neither a line of the old invoice nor any line of an old customer";
  EXPECT_EQ(counts.Total("retracted"), 0u);
  EXPECT_EQ(counts.Total("accepted"), 1u);
  std::string dead;
  for (const auto& r : out.records) {
    if (r.stream == OutputStream::kDeadLetters) dead += r.value;
  }
  EXPECT_NE(dead.find("retraction_no_history"), std::string::npos) << dead;
  const CustomerRecord r = engine.CustomerRecords().at(0);
  EXPECT_EQ(r.frequency, 2);
  EXPECT_EQ(r.purchases_milli, 5000);
  EXPECT_EQ(r.last_purchase_ts, kT0 + kDay);
}

TEST(RetractionTest, DeterministicAcrossBatchesAndRestarts) {
  const std::vector<DecodedRecord> lines = Lines(21);
  std::vector<DecodedRecord> records;
  for (size_t i = 0; i < lines.size(); ++i) {
    records.push_back(lines[i]);
    if (i % 4 == 1) records.push_back(Retraction(lines[i - 1]));
    if (i % 9 == 0 && i >= 30) records.push_back(Retraction(lines[i - 30]));
  }
  Number(&records);
  const RunResult one = Replay(ModelOptions(), records, 0);
  ASSERT_GT(one.counts.Total("retracted"), 100u);
  for (auto [batch, restart] : std::vector<std::pair<size_t, size_t>>{{1, 0}, {7, 0}, {97, 1}, {13, 3}}) {
    const RunResult other = Replay(ModelOptions(), records, batch, restart);
    const std::string what = "batch " + std::to_string(batch) + " restart " + std::to_string(restart);
    ASSERT_FALSE(other.failed) << what;
    EXPECT_EQ(one.customers, other.customers) << what;
    for (size_t c = 0; c < 4; ++c) EXPECT_EQ(one.tables[c], other.tables[c]) << what << " column " << c;
    EXPECT_EQ(one.outputs, other.outputs) << what;
  }
}

}  // namespace
}  // namespace segstream
