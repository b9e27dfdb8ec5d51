// Tests for engine/pipeline SegmentEngine over an in-memory StateStore:
// RFM bookkeeping for a handful of events (purchases, returns, exact
// duplicates, skips, dead letters), and the determinism the guarantees rest
// on: the same records give the same outputs and the same final state
// whether processed in one batch, in many small batches, or in batches with
// the engine torn down and reloaded from the store in between (a restart).
#include "engine/pipeline/segment_engine.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <random>
#include <sstream>

#include "state/record_codec.h"
#include "tests/state/fake_state_store.h"
#include "tests/engine/pipeline/replay.h"
#include "tests/engine/pipeline/test_support.h"

namespace segstream {
namespace {

using testing::FakeStateStore;

constexpr int64_t kT0 = 1291191960;  // 2010-12-01 08:26 UTC
constexpr int64_t kDay = 86400;

using testing::Event;
using testing::Number;
using testing::Replay;
using testing::RunResult;
using testing::ExpectSameRfmFields;
const std::string& kSource = testing::kReplaySource;


TEST(SegmentEngineTest, HandfulOfEvents) {
  std::vector<DecodedRecord> records = {
      Event("100", "85123A", 2, 1500, kT0, "1"),
      Event("100", "71053", 1, 10000, kT0, "1"),
      Event("100", "85123A", 2, 1500, kT0, "1"),          // exact duplicate
      Event("101", "85123A", 1, 5000, kT0 + kDay, "1"),
      Event("C102", "71053", -1, 10000, kT0 + 2 * kDay, "1"),  // return
      Event("103", "22423", -3, 2000, kT0 + 3 * kDay, "2"),   // negative quantity: return
      Event("104", "22423", 5, 2000, kT0 + 9 * kDay, ""),     // no customer: not the watermark
      Event("105", "22423", 0, 2000, kT0, "1"),               // zero quantity
      Event("106", "POST", 1, 18000, kT0, "1"),               // postage
      Event("A107", "B", 1, 11062060, kT0, "3"),              // adjustment
      Event("108", "22423", 1, 0, kT0, "1"),                  // price 0
  };
  DecodedRecord bad;
  bad.error = "bad_number: Quantity \"12x\"";
  bad.raw = "108,22423,ITEM,12x,12/1/2010 8:26,2.55,1,United Kingdom";
  records.push_back(bad);
  Number(&records);
  const RunResult r = Replay(EngineOptions{}, records, 0);

  ASSERT_EQ(r.customers.size(), 2u);  // "3" only had an adjustment line
  const CustomerRecord& c1 = r.customers[0];
  EXPECT_EQ(c1.index, 0u);
  EXPECT_EQ(c1.frequency, 2);
  EXPECT_EQ(c1.purchases_milli, 3000 + 10000 + 5000);
  EXPECT_EQ(c1.returns_milli, 10000);
  EXPECT_EQ(c1.monetary_milli(), 8000);
  EXPECT_EQ(c1.first_purchase_ts, kT0);
  EXPECT_EQ(c1.last_purchase_ts, kT0 + kDay);
  EXPECT_EQ(c1.last_event_ts, kT0 + 2 * kDay);
  const CustomerRecord& c2 = r.customers[1];
  EXPECT_EQ(c2.frequency, 0);
  EXPECT_FALSE(c2.active());
  EXPECT_EQ(c2.monetary_milli(), -6000);
  EXPECT_EQ(c2.last_purchase_ts, kNoTime);

  EXPECT_EQ(r.counts.Total("accepted"), 5u);
  EXPECT_EQ(r.counts.Total("duplicate"), 1u);
  EXPECT_EQ(r.counts.Total("skipped"), 5u);
  EXPECT_EQ(r.counts.Total("dead_letter"), 1u);
  for (const auto& c : r.counts.counts()) {
    if (c.result == "skipped") {
      EXPECT_TRUE(c.reason == "no_customer" || c.reason == "zero_quantity" || c.reason == "non_product_code" ||
                  c.reason == "adjustment_invoice" || c.reason == "non_positive_price")
          << c.reason;
      EXPECT_EQ(c.count, 1u) << c.reason;
    }
  }
  // One dead letter out, naming the reason; no model with one active customer.
  EXPECT_NE(r.outputs.find(std::to_string(static_cast<int>(OutputStream::kDeadLetters)) + "|"), std::string::npos);
  EXPECT_NE(r.outputs.find("bad_number"), std::string::npos);
  EXPECT_EQ(r.outputs.find("\"reason\":\"purchase\""), std::string::npos);

  // The store holds exactly what the engine holds.
  const auto& customers = r.tables[static_cast<size_t>(Column::kCustomers)];
  ASSERT_EQ(customers.size(), 2u);
  CustomerRecord stored;
  ASSERT_TRUE(DecodeCustomer(customers.at(CustomerKey(0, "1")), &stored).ok());
  EXPECT_EQ(stored, c1);
  ASSERT_TRUE(DecodeCustomer(customers.at(CustomerKey(0, "2")), &stored).ok());
  EXPECT_EQ(stored, c2);
  const auto& invoices = r.tables[static_cast<size_t>(Column::kInvoices)];
  InvoiceRecord inv;
  ASSERT_TRUE(DecodeInvoice(invoices.at(InvoiceKey(CustomerKey(0, "1"), "100")), &inv).ok());
  EXPECT_TRUE(inv.purchase_counted);
  EXPECT_EQ(inv.line_fingerprints.size(), 2u);
  ASSERT_TRUE(DecodeInvoice(invoices.at(InvoiceKey(CustomerKey(0, "1"), "C102")), &inv).ok());
  EXPECT_FALSE(inv.purchase_counted);
  EXPECT_EQ(inv.line_fingerprints.size(), 1u);
  EXPECT_EQ(invoices.count(InvoiceKey(CustomerKey(0, "1"), "105")), 0u) << "skipped lines leave no bookkeeping";
}

TEST(SegmentEngineTest, DuplicatesAcrossBatchesAndRestartsCountOnce) {
  std::vector<DecodedRecord> records;
  for (int rep = 0; rep < 3; ++rep) {
    records.push_back(Event("200", "X1", 1, 1000, kT0, "9"));
    records.push_back(Event("200", "X2", 2, 1000, kT0, "9"));
  }
  Number(&records);
  for (size_t batch : {0u, 1u, 2u}) {
    for (size_t restart : {0u, 1u}) {
      const RunResult r = Replay(EngineOptions{}, records, batch, restart);
      ASSERT_EQ(r.customers.size(), 1u);
      EXPECT_EQ(r.customers[0].frequency, 1) << batch << "/" << restart;
      EXPECT_EQ(r.customers[0].purchases_milli, 3000) << batch << "/" << restart;
    }
  }
}

// A deterministic stream with enough customers for models, versions,
// segment changes and recency timers.
std::vector<DecodedRecord> Stream() {
  std::mt19937_64 rng(2024);
  std::vector<DecodedRecord> records;
  const int customers = 120;
  int invoice = 500000;
  for (int64_t day = 0; day < 300; ++day) {
    for (int c = 0; c < customers; ++c) {
      // Customer c buys with probability depending on its group; some stop.
      const int group = c % 4;
      const double p = group == 0 ? 0.25 : group == 1 ? 0.08 : group == 2 ? 0.02 : (day < 100 ? 0.15 : 0.0);
      if (std::uniform_real_distribution<double>(0, 1)(rng) >= p) continue;
      const std::string id = std::to_string(12000 + c);
      const int64_t ts = kT0 + day * kDay + static_cast<int64_t>(rng() % 36000);
      const std::string inv = std::to_string(++invoice);
      const int lines = 1 + static_cast<int>(rng() % 4);
      for (int l = 0; l < lines; ++l) {
        records.push_back(Event(inv, std::to_string(20000 + rng() % 50), 1 + static_cast<int64_t>(rng() % 12),
                                (group + 1) * 500 + static_cast<int64_t>(rng() % 3000), ts, id));
        if (rng() % 40 == 0) records.push_back(records.back());  // exact duplicate
      }
      if (rng() % 15 == 0) {
        records.push_back(Event("C" + inv, std::to_string(20000 + rng() % 50), -1, 1500, ts + 3600, id));
      }
    }
  }
  Number(&records);
  return records;
}

EngineOptions StreamOptions() {
  EngineOptions o;
  o.k = 3;
  o.min_customers = 40;
  o.step_events = 64;
  o.publish_every = 700;
  o.sample_min = 32;
  o.sample_max = 128;
  return o;
}

void ExpectSameRun(const RunResult& a, const RunResult& b, const std::string& what) {
  ASSERT_FALSE(a.failed || b.failed) << what;
  EXPECT_EQ(a.customers, b.customers) << what;
  EXPECT_EQ(a.tables[static_cast<size_t>(Column::kCustomers)], b.tables[static_cast<size_t>(Column::kCustomers)])
      << what;
  EXPECT_EQ(a.tables[static_cast<size_t>(Column::kInvoices)], b.tables[static_cast<size_t>(Column::kInvoices)])
      << what;
  EXPECT_EQ(a.tables[static_cast<size_t>(Column::kChanges)], b.tables[static_cast<size_t>(Column::kChanges)]) << what;
  EXPECT_EQ(a.tables[static_cast<size_t>(Column::kCustomerIndex)],
            b.tables[static_cast<size_t>(Column::kCustomerIndex)])
      << what;
  EXPECT_EQ(a.tables[static_cast<size_t>(Column::kTimers)], b.tables[static_cast<size_t>(Column::kTimers)]) << what;
  // Meta: everything but the sink offsets (each run's drain differs only by
  // batch framing, which is the same text here, so they match too).
  EXPECT_EQ(a.tables[static_cast<size_t>(Column::kMeta)], b.tables[static_cast<size_t>(Column::kMeta)]) << what;
  for (const auto& [key, value] : a.tables[static_cast<size_t>(Column::kMeta)]) {
    const auto& other = b.tables[static_cast<size_t>(Column::kMeta)];
    auto it = other.find(key);
    if (it == other.end() || it->second != value) ADD_FAILURE() << what << ": meta key " << key << " differs";
  }
  if (a.outputs != b.outputs) {
    size_t i = 0;
    while (i < a.outputs.size() && i < b.outputs.size() && a.outputs[i] == b.outputs[i]) ++i;
    const size_t line_start = a.outputs.rfind('\n', i) == std::string::npos ? 0 : a.outputs.rfind('\n', i) + 1;
    ADD_FAILURE() << what << ": outputs differ at byte " << i << "\n  " << a.outputs.substr(line_start, 300)
                  << "\n  " << b.outputs.substr(line_start, 300);
  }
}

TEST(SegmentEngineTest, StreamProducesModelsAndChanges) {
  const RunResult r = Replay(StreamOptions(), Stream(), 0);
  const std::string models = std::to_string(static_cast<int>(OutputStream::kModels)) + "|";
  size_t versions = 0;
  for (size_t p = r.outputs.find(models); p != std::string::npos; p = r.outputs.find(models, p + 1)) ++versions;
  EXPECT_GE(versions, 3u) << "bootstrap, cadence versions and a final one";
  EXPECT_NE(r.outputs.find("\"reason\":\"purchase\""), std::string::npos);
  EXPECT_NE(r.outputs.find("\"reason\":\"recency\""), std::string::npos) << "group 3 stops buying at day 100";
  EXPECT_EQ(r.customers.size(), 120u);
}

TEST(SegmentEngineTest, BatchBoundaryIndependence) {
  const std::vector<DecodedRecord> records = Stream();
  const RunResult one = Replay(StreamOptions(), records, 0);
  for (size_t batch : {1u, 7u, 500u}) {
    ExpectSameRun(one, Replay(StreamOptions(), records, batch), "batches of " + std::to_string(batch));
  }
}

TEST(SegmentEngineTest, RestartsChangeNothing) {
  // A crash after a commit restarts from the store: Load() must rebuild an
  // engine that continues exactly like the one that kept running.
  const std::vector<DecodedRecord> records = Stream();
  const RunResult one = Replay(StreamOptions(), records, 0);
  for (size_t batch : {97u, 1000u}) {
    ExpectSameRun(one, Replay(StreamOptions(), records, batch, 1),
                  "restart after every batch of " + std::to_string(batch));
  }
}

// A version's rescoring pass spread over many steps (10 customers a step
// for 120 customers): outputs and state stay a function of the records
// alone, whatever the batching and with restarts in the middle of passes.
EngineOptions SlowPassOptions() {
  EngineOptions o = StreamOptions();
  o.rescore_per_step = 10;
  return o;
}

TEST(SegmentEngineTest, IncrementalPassIsDeterministicAcrossBatchesAndRestarts) {
  const std::vector<DecodedRecord> records = Stream();
  const RunResult one = Replay(SlowPassOptions(), records, 0);
  ASSERT_NE(one.outputs, Replay(StreamOptions(), records, 0).outputs) << "the budget must matter in this test";
  for (size_t batch : {1u, 7u, 500u}) {
    ExpectSameRun(one, Replay(SlowPassOptions(), records, batch), "batches of " + std::to_string(batch));
  }
  for (size_t batch : {13u, 97u}) {
    ExpectSameRun(one, Replay(SlowPassOptions(), records, batch, 1),
                  "restart after every batch of " + std::to_string(batch));
  }
}

// The end of the input as the pipeline runs it: the last pass in bounded
// shares (FinishSome), each committed, with restarts between shares, gives
// the run of one Finish call byte for byte.
TEST(SegmentEngineTest, FinishingInSharesWithCommitsAndRestartsEqualsOneFinish) {
  const std::vector<DecodedRecord> records = Stream();
  const RunResult one = Replay(SlowPassOptions(), records, 64);
  const RunResult shares = Replay(SlowPassOptions(), records, 64, 0, false, true);
  ASSERT_GT(shares.finish_shares, 2u) << "the end's pass must take several shares in this test";
  ExpectSameRun(one, shares, "finish in shares");
  ExpectSameRun(one, Replay(SlowPassOptions(), records, 64, 1000, false, true), "finish in shares, restarts between");
}

// The customer cache is only a cache: with room for a handful of customers
// (every other lookup reads the store, passes and samples evict as they go)
// the run is the same, byte for byte, as with everyone in memory, over
// batchings and restarts; and the cache stays within its bound.
TEST(SegmentEngineTest, ResultsDoNotDependOnTheCustomerCacheSize) {
  const std::vector<DecodedRecord> records = Stream();
  const RunResult everyone = Replay(SlowPassOptions(), records, 0);
  EngineOptions small = SlowPassOptions();
  small.cache_customers = 8;
  ASSERT_GT(everyone.customers.size(), 10 * small.cache_customers) << "the cache must be too small for the stream";
  for (size_t batch : {1u, 64u}) {
    const RunResult r = Replay(small, records, batch);
    ExpectSameRun(everyone, r, "cache of 8, batches of " + std::to_string(batch));
    // Entries with uncommitted changes or in the step buffer stay: at most
    // one step's customers on top of the bound.
    EXPECT_LE(r.max_cached, small.cache_customers + small.step_events) << "batches of " << batch;
  }
  ExpectSameRun(everyone, Replay(small, records, 29, 1), "cache of 8, restart after every batch of 29");
}

// State keyed by input partition (format 6). The stream of Stream() with
// each customer's records on one of four partitions (as a topic keyed by
// customer id delivers them): every customer's RFM equals the one-partition
// replay's (the sampling draws, hence the models, may differ), every key
// of a customer-keyed column family starts with the partition the
// customer's records came from, the partition counts add up, and the run
// is a function of the records alone over batchings, restarts and a tiny
// cache.
int32_t PartitionOfId(const std::string& id) { return (std::stoi(id) * 7) % 4; }

std::vector<DecodedRecord> PartitionedStream() {
  std::vector<DecodedRecord> records = Stream();
  for (DecodedRecord& r : records) r.origin.partition = PartitionOfId(r.event.customer_id);
  return records;
}

TEST(SegmentEngineTest, PartitionedStateKeepsEachPartitionsKeysTogether) {
  const RunResult one = Replay(SlowPassOptions(), Stream(), 64);
  const RunResult parts = Replay(SlowPassOptions(), PartitionedStream(), 64);
  ASSERT_EQ(parts.by_id.size(), one.by_id.size());
  for (const auto& [id, r] : one.by_id) ExpectSameRfmFields(parts.by_id.at(id), r, id);
  const auto& tables = parts.tables;
  std::map<int32_t, uint64_t> customers_per_partition;
  for (const auto& [key, value] : tables[static_cast<size_t>(Column::kCustomers)]) {
    const std::string id(CustomerIdOfKey(key));
    EXPECT_EQ(PartitionOfKey(key), PartitionOfId(id)) << id;
    CustomerRecord r;
    ASSERT_TRUE(DecodeCustomer(value, &r).ok());
    EXPECT_EQ(PartitionOfIndex(r.index), PartitionOfKey(key)) << id;
    ++customers_per_partition[PartitionOfKey(key)];
  }
  EXPECT_EQ(customers_per_partition.size(), 4u);
  for (const auto& [index_key, customer_key] : tables[static_cast<size_t>(Column::kCustomerIndex)]) {
    ASSERT_EQ(index_key.size(), 8u);
    const uint64_t index = (uint64_t{static_cast<uint8_t>(index_key[0])} << 56) |
                           (uint64_t{static_cast<uint8_t>(index_key[1])} << 48) |
                           (uint64_t{static_cast<uint8_t>(index_key[2])} << 40);
    EXPECT_EQ(PartitionOfIndex(index), PartitionOfKey(customer_key));
    EXPECT_EQ(tables[static_cast<size_t>(Column::kCustomers)].count(customer_key), 1u);
  }
  for (Column c : {Column::kInvoices, Column::kChanges}) {
    ASSERT_FALSE(tables[static_cast<size_t>(c)].empty());
    for (const auto& [key, value] : tables[static_cast<size_t>(c)]) {
      const std::string customer_key = key.substr(0, key.find('\0', kPartitionPrefixBytes));
      EXPECT_EQ(tables[static_cast<size_t>(Column::kCustomers)].count(customer_key), 1u)
          << "column " << static_cast<int>(c) << ": a key outside its customer's partition";
    }
  }
  ASSERT_FALSE(tables[static_cast<size_t>(Column::kTimers)].empty()) << "the stream must leave recency timers";
  for (const auto& [key, value] : tables[static_cast<size_t>(Column::kTimers)]) {
    int64_t due;
    uint64_t index;
    EXPECT_TRUE(ParseTimerKey(key, &due, &index));  // checks the prefix against the index's partition
  }
  for (const auto& [p, n] : customers_per_partition) {
    char key[32];
    std::snprintf(key, sizeof key, "partition/%010d", p);
    Decoder d(tables[static_cast<size_t>(Column::kMeta)].at(key));
    uint8_t format = 0;
    uint64_t customers = 0;
    int64_t watermark = 0;
    ASSERT_TRUE(d.GetByte(&format) && d.GetVarint(&customers) && d.GetSignedVarint(&watermark) && d.done());
    EXPECT_EQ(customers, n) << "partition " << p;
    // The partition's watermark: the latest event time of its accepted lines.
    int64_t latest = kNoTime;
    for (const auto& [id, r] : parts.by_id) {
      if (PartitionOfId(id) == p) latest = std::max(latest, r.last_event_ts);
    }
    EXPECT_EQ(watermark, latest) << "partition " << p;
  }
  EXPECT_NE(parts.outputs.find("\"reason\":\"recency\""), std::string::npos);
  EXPECT_NE(parts.outputs.find(std::to_string(static_cast<int>(OutputStream::kModels)) + "|"), std::string::npos);
}

TEST(SegmentEngineTest, PartitionedStateIsAFunctionOfTheRecords) {
  const std::vector<DecodedRecord> records = PartitionedStream();
  const RunResult one = Replay(SlowPassOptions(), records, 0);
  EngineOptions small = SlowPassOptions();
  small.cache_customers = 8;
  ExpectSameRun(one, Replay(SlowPassOptions(), records, 7), "four partitions, batches of 7");
  ExpectSameRun(one, Replay(small, records, 29, 1), "four partitions, cache of 8, restart after every batch of 29");
  ExpectSameRun(one, Replay(SlowPassOptions(), records, 64, 1000, false, true), "four partitions, finish in shares");
}

// An input not keyed by customer id: one customer's lines on two
// partitions are two customers' states (documented in docs/kafka.md), each
// with its own lines, never a mix.
TEST(SegmentEngineTest, OneIdOnTwoPartitionsIsTwoStates) {
  std::vector<DecodedRecord> records = {
      Event("1", "85123A", 2, 1500, kT0, "17850"),
      Event("2", "85123A", 1, 5000, kT0 + kDay, "17850"),
      Event("3", "85123A", 3, 1000, kT0 + 2 * kDay, "17850"),
  };
  records[1].origin.partition = 5;
  Number(&records);
  const RunResult r = Replay(EngineOptions{}, records, 0);
  const auto& customers = r.tables[static_cast<size_t>(Column::kCustomers)];
  ASSERT_EQ(customers.size(), 2u);
  CustomerRecord p0, p5;
  ASSERT_TRUE(DecodeCustomer(customers.at(CustomerKey(0, "17850")), &p0).ok());
  ASSERT_TRUE(DecodeCustomer(customers.at(CustomerKey(5, "17850")), &p5).ok());
  EXPECT_EQ(p0.frequency, 2);
  EXPECT_EQ(p0.purchases_milli, 3000 + 3000);
  EXPECT_EQ(p5.frequency, 1);
  EXPECT_EQ(p5.purchases_milli, 5000);
  EXPECT_EQ(p5.index, CustomerIndex(5, 0));
}

// The dedup window runs on each partition's own watermark: partition 0
// racing 40 days ahead (past the 30-day window) must not make partition 1
// forget the invoice it is in the middle of, which would count it twice.
// (A partition revoked and assigned back, or one that lags, interleaves
// like this.) Partition 1 alone gives the reference.
TEST(SegmentEngineTest, DedupWindowRunsOnThePartitionsOwnWatermark) {
  std::vector<DecodedRecord> records = {
      Event("1001", "85123A", 2, 1500, kT0, "17850"),             // partition 1: invoice 1001, first line
      Event("2001", "85123A", 1, 5000, kT0 + 40 * kDay, "13047"),  // partition 0, 40 days later
      Event("1001", "71053", 1, 3000, kT0, "17850"),              // partition 1: invoice 1001, second line
      Event("1001", "85123A", 2, 1500, kT0, "17850"),             // partition 1: exact duplicate of the first
  };
  for (DecodedRecord& r : records) r.origin.partition = r.event.customer_id == "17850" ? 1 : 0;
  Number(&records);
  EngineOptions o;
  o.dedup_window_seconds = 30 * kDay;
  const RunResult r = Replay(o, records, 1);
  const CustomerRecord& c = r.by_id.at("17850");
  EXPECT_EQ(c.frequency, 1) << "invoice 1001 counted once";
  EXPECT_EQ(c.purchases_milli, 3000 + 3000);
  EXPECT_EQ(r.counts.Total("duplicate"), 1u);
  // The same lines of partition 1 alone.
  std::vector<DecodedRecord> alone = {records[0], records[2], records[3]};
  Number(&alone);
  const RunResult ref = Replay(o, alone, 1);
  EXPECT_EQ(ref.by_id.at("17850").frequency, c.frequency);
  EXPECT_EQ(ref.by_id.at("17850").purchases_milli, c.purchases_milli);
}

// Versions never overlap: every change event of version v+1 comes after
// version v's model record (emitted when v's pass ends), and at the end every
// active customer holds a segment of the final version, whose sizes add up
// to the active population.
TEST(SegmentEngineTest, IncrementalPassEndsBeforeTheNextVersion) {
  const RunResult r = Replay(SlowPassOptions(), Stream(), 0);
  const std::string models = std::to_string(static_cast<int>(OutputStream::kModels)) + "|";
  const std::string changes = std::to_string(static_cast<int>(OutputStream::kSegmentChanges)) + "|";
  uint64_t last_model = 0, versions = 0;
  size_t model_changes = 0;
  std::istringstream lines(r.outputs);
  for (std::string line; std::getline(lines, line);) {
    const auto field = [&line](const std::string& name) {
      const size_t p = line.find("\"" + name + "\":");
      return p == std::string::npos ? std::string() : line.substr(p + name.size() + 3, 20);
    };
    if (line.rfind(models, 0) == 0) {
      const uint64_t v = std::stoull(field("model_version"));
      EXPECT_EQ(v, last_model + 1) << "model records in version order";
      last_model = v;
      ++versions;
    } else if (line.rfind(changes, 0) == 0) {
      const uint64_t v = std::stoull(field("model_version"));
      EXPECT_LE(v, last_model + 1) << "a change under version " << v << " before version " << last_model + 1
                                   << "'s pass ended: " << line;
      if (line.find("\"reason\":\"model\"") != std::string::npos) ++model_changes;
    }
  }
  EXPECT_GE(versions, 3u);
  EXPECT_GT(model_changes, 0u);
  // The final version: every active customer is in one of its segments.
  const std::string last = r.outputs.substr(r.outputs.rfind(models));
  size_t active = 0;
  for (const CustomerRecord& c : r.customers) {
    if (!c.active()) continue;
    ++active;
    EXPECT_NE(last.find("\"segment_id\":" + std::to_string(c.segment_id) + ","), std::string::npos)
        << "customer " << c.index << " is in segment " << c.segment_id << ", not in the final version";
  }
  EXPECT_NE(last.find("\"customers\":" + std::to_string(active) + ","), std::string::npos) << last.substr(0, 200);
}

// The dedup window: a duplicate line is recognised while the watermark is
// within the window of its invoice's last line; later the invoice is
// forgotten and the same line counts again (as documented). With the window
// off it never does.
TEST(SegmentEngineTest, DedupWindowForgetsInvoicesPastIt) {
  std::vector<DecodedRecord> records = {
      Event("500001", "A", 2, 1500, kT0, "17850"),
      Event("500001", "A", 2, 1500, kT0, "17850"),              // duplicate within the window
      Event("500002", "85123A", 1, 1000, kT0 + 10 * kDay, "13047"),  // moves the watermark 10 days
      Event("500001", "A", 2, 1500, kT0, "17850"),              // 10 days after: still a duplicate
      Event("500003", "85123A", 1, 1000, kT0 + 40 * kDay, "13047"),  // 40 days: past a 30-day window
      Event("500001", "A", 2, 1500, kT0, "17850"),              // forgotten: counts again
  };
  Number(&records);
  EngineOptions o;
  o.model_enabled = false;
  o.dedup_window_seconds = 30 * kDay;
  const RunResult windowed = Replay(o, records, 0);
  EXPECT_EQ(windowed.counts.Total("duplicate"), 2u);
  EXPECT_EQ(windowed.customers[0].frequency, 2) << "the forgotten invoice counts again";
  EXPECT_EQ(windowed.customers[0].purchases_milli, 2 * 3000);
  o.dedup_window_seconds = -1;
  const RunResult kept = Replay(o, records, 0);
  EXPECT_EQ(kept.counts.Total("duplicate"), 3u);
  EXPECT_EQ(kept.customers[0].frequency, 1);
}

// Results never depend on when the store drops forgotten invoices: a store
// that drops them at once gives the same outputs and customers as one that
// keeps them, in one batch or with restarts after every batch.
TEST(SegmentEngineTest, DedupWindowResultsDoNotDependOnWhenTheStoreDrops) {
  EngineOptions o = StreamOptions();
  o.dedup_window_seconds = 5 * kDay;
  const std::vector<DecodedRecord> records = Stream();
  const RunResult lazy = Replay(o, records, 0);
  const RunResult eager = Replay(o, records, 0, 0, true);
  EXPECT_EQ(lazy.outputs, eager.outputs);
  EXPECT_EQ(lazy.customers, eager.customers);
  EXPECT_LT(eager.tables[static_cast<size_t>(Column::kInvoices)].size(),
            lazy.tables[static_cast<size_t>(Column::kInvoices)].size())
      << "the eager store must have dropped something for this test to mean anything";
  const RunResult restarted = Replay(o, records, 97, 1, true);
  EXPECT_EQ(lazy.outputs, restarted.outputs);
  EXPECT_EQ(lazy.customers, restarted.customers);
}

}  // namespace
}  // namespace segstream
