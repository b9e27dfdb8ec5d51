// Tests for engine/analytics/aggregates: a random invoice stream through the
// SegmentEngine (in batches, with restarts from the store in between), then
// the aggregates loaded back from the store (histograms rebuilt from the
// customers, as readers do) are checked against a direct
// recomputation from the same lines: months, countries, basket sizes,
// outcomes, the population histograms, the RFM boundaries, and the
// per-version transitions against the segment-change outputs.
#include "engine/analytics/aggregates.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "engine/pipeline/segment_engine.h"
#include "engine/report/report_data.h"
#include "engine/util/time.h"
#include "tests/state/fake_state_store.h"

namespace segstream::analytics {
namespace {

using segstream::testing::FakeStateStore;

constexpr int64_t kT0 = 1291191960;  // 2010-12-01 08:26 UTC
const std::string kSource = "test:source";

struct Stream {
  std::vector<DecodedRecord> records;
  std::map<int, Totals> months;
  std::map<std::string, Totals> countries;
  std::map<std::string, std::pair<bool, size_t>> invoices;  // customer\0invoice -> (has purchase line, lines)
  uint64_t duplicates = 0, skipped = 0;
};

Stream MakeStream(uint64_t seed, size_t n) {
  std::mt19937_64 rng(seed);
  const char* countries[] = {"United Kingdom", "France", "Germany", "EIRE"};
  Stream s;
  std::set<std::string> seen_lines;
  for (size_t i = 0; i < n; ++i) {
    DecodedRecord r;
    InvoiceEvent& e = r.event;
    const int customer = 1 + static_cast<int>(rng() % 80);
    const bool ret = rng() % 12 == 0;
    const int64_t ts = kT0 + static_cast<int64_t>(rng() % (100 * 86400));
    e.customer_id = std::to_string(customer);
    e.invoice = std::string(ret ? "C" : "").append(std::to_string(500000 + customer * 1000 + static_cast<int>(rng() % 6)));
    e.stock_code = std::to_string(20000 + rng() % 40);
    e.description = "ITEM";
    e.quantity = (ret ? -1 : 1) * static_cast<int64_t>(1 + rng() % 12);
    e.unit_price_milli = static_cast<int64_t>(1 + rng() % 20000);
    e.invoice_ts = ts;
    e.country = countries[customer % 4];
    if (rng() % 25 == 0) {
      e.stock_code = "POST";  // skipped
      ++s.skipped;
    }
    r.origin.offset = static_cast<int64_t>(i);
    r.origin.line = i + 2;
    s.records.push_back(r);
    if (e.stock_code == "POST") continue;
    const std::string line = e.invoice + "|" + e.stock_code + "|" + std::to_string(e.quantity) + "|" +
                             std::to_string(e.unit_price_milli) + "|" + std::to_string(ts) + "|" + e.customer_id;
    if (!seen_lines.insert(line).second) {
      ++s.duplicates;
      continue;
    }
    const std::string iso = FormatIso8601(ts);
    const int month = std::stoi(iso.substr(0, 4)) * 100 + std::stoi(iso.substr(5, 2));
    const std::string key = e.customer_id + '\0' + e.invoice;
    auto& inv = s.invoices[key];
    const bool new_order = !ret && !inv.first;
    if (!ret) inv.first = true;
    ++inv.second;
    const int64_t amount = (e.quantity < 0 ? -e.quantity : e.quantity) * e.unit_price_milli;
    for (Totals* t : {&s.months[month], &s.countries[e.country]}) {
      (ret ? t->returns_milli : t->purchases_milli) += amount;
      ++t->lines;
      if (new_order) ++t->orders;
    }
  }
  return s;
}

TEST(AggregatesTest, MatchDirectRecomputationAcrossRestarts) {
  const Stream s = MakeStream(11, 6000);
  FakeStateStore store;
  EngineOptions options;
  options.min_customers = 30;
  options.k = 3;
  options.step_events = 128;
  options.publish_every = 1000;
  options.min_version_interval_days = 0;
  auto engine = std::make_unique<SegmentEngine>(options, &store);
  ASSERT_TRUE(engine->Load().ok());
  uint64_t changes = 0;
  auto commit = [&](EngineOutputs* out, int64_t next) {
    for (const auto& r : out->records) changes += r.stream == OutputStream::kSegmentChanges;
    out->Clear();
    StateWrite w;
    engine->BuildCommit(kSource, {Position{0, next, static_cast<uint64_t>(next) + 2}}, {}, &w);
    ASSERT_TRUE(store.Commit(w).ok());
    engine->OnCommitted();
  };
  const size_t batch = 700;
  for (size_t begin = 0, n = 0; begin < s.records.size(); begin += batch, ++n) {
    SourceBatch b;
    const size_t end = std::min(s.records.size(), begin + batch);
    b.records.assign(s.records.begin() + static_cast<std::ptrdiff_t>(begin),
                     s.records.begin() + static_cast<std::ptrdiff_t>(end));
    EngineOutputs out;
    ASSERT_TRUE(engine->Process(kSource, b, &out).ok());
    commit(&out, static_cast<int64_t>(end));
    if (n % 3 == 2) {  // a restart: everything must come back from the store
      engine = std::make_unique<SegmentEngine>(options, &store);
      ASSERT_TRUE(engine->Load().ok());
    }
  }
  EngineOutputs out;
  ASSERT_TRUE(engine->Finish(&out).ok());
  commit(&out, static_cast<int64_t>(s.records.size()));
  ASSERT_FALSE(engine->serving().empty());

  // As the report's readers load it: the stored aggregates, plus the
  // histograms rebuilt from the customers column.
  auto in = report::LoadReportInputs(&store);
  ASSERT_TRUE(in.ok());
  const Analytics& a = in->analytics;
  EXPECT_EQ(a.months(), s.months);
  EXPECT_EQ(a.countries(), s.countries);

  std::map<uint64_t, uint64_t> basket;
  for (const auto& [key, inv] : s.invoices) {
    if (inv.first) ++basket[inv.second];
  }
  EXPECT_EQ(a.basket_lines(), basket);

  uint64_t accepted = 0, skipped = 0, duplicates = 0;
  for (const auto& o : a.outcomes()) {
    if (o.result == "accepted") accepted += o.count;
    if (o.result == "skipped") skipped += o.count;
    if (o.result == "duplicate") duplicates += o.count;
  }
  EXPECT_EQ(skipped, s.skipped);
  EXPECT_EQ(duplicates, s.duplicates);
  EXPECT_EQ(accepted + skipped + duplicates, s.records.size());

  ValueHistogram r, f, m;
  for (const CustomerRecord& c : engine->CustomerRecords()) {
    if (!c.active()) continue;
    r.Add(c.last_purchase_ts);
    f.Add(c.frequency);
    m.Add(c.monetary_milli());
  }
  EXPECT_EQ(a.last_purchase().counts(), r.counts());
  EXPECT_EQ(a.frequency().counts(), f.counts());
  EXPECT_EQ(a.monetary_milli().counts(), m.counts());
  // The final version's boundaries are those of the final population.
  EXPECT_EQ(a.boundaries().model_version, engine->serving().version);
  EXPECT_EQ(a.boundaries().customers, r.total());
  EXPECT_EQ(a.boundaries().last_purchase, QuintileThresholds::Of(r));
  EXPECT_EQ(a.boundaries().frequency, QuintileThresholds::Of(f));
  EXPECT_EQ(a.boundaries().monetary_milli, QuintileThresholds::Of(m));

  // Every version is recorded; the transitions count every change emitted
  // (outputs of batches replayed after a restart are not re-emitted here).
  EXPECT_EQ(a.versions().size(), engine->serving().version);
  uint64_t transitions = 0;
  for (const auto& [version, v] : a.versions()) {
    for (const auto& [from_to, n] : v.transitions) transitions += n;
  }
  EXPECT_EQ(transitions, changes);
  const VersionRecord& last = a.versions().rbegin()->second;
  ASSERT_EQ(last.segments.size(), engine->serving().segments.size());
  for (size_t i = 0; i < last.segments.size(); ++i) {
    EXPECT_EQ(last.segments[i].id, engine->serving().segments[i].id);
    EXPECT_EQ(last.segments[i].customers, engine->serving().segments[i].customers);
  }
}

// The histograms are stored as a checkpoint and per-commit deltas (the
// engine does not read every customer at start; histogram_log_test.cc has
// the log's own tests): a reload gives the same histograms, a commit writes
// one key for the histograms, and a histogram that coarsened is stored whole.
TEST(AggregatesTest, HistogramsAreStoredByCommit) {
  testing::FakeStateStore store;
  Analytics a;
  auto commit = [&] {
    StateWrite w;
    a.BuildCommit(&w);
    EXPECT_TRUE(store.Commit(w).ok());
    a.OnCommitted();
    return w.ops.size();
  };
  auto reloaded = [&] {
    Analytics b;
    EXPECT_TRUE(b.Load(&store).ok());
    return b;
  };
  CustomerRecord before, after;
  after.index = 1;
  after.frequency = 1;
  after.purchases_milli = 5000;
  after.last_purchase_ts = kT0;
  a.OnCustomerChanged(before, after);
  EXPECT_EQ(a.monetary_milli().Count(5000), 1u);
  EXPECT_EQ(commit(), 1u) << "one delta key for the three histograms";
  EXPECT_EQ(reloaded().monetary_milli().counts(), a.monetary_milli().counts());
  CustomerRecord later = after;
  later.frequency = 2;
  later.purchases_milli = 7000;
  a.OnCustomerChanged(after, later);
  EXPECT_EQ(a.monetary_milli().Count(5000), 0u);
  EXPECT_EQ(a.monetary_milli().Count(7000), 1u);
  EXPECT_EQ(a.frequency().total(), 1u);
  EXPECT_EQ(commit(), 1u) << "frequency and monetary move, in one delta key";
  Analytics b = reloaded();
  EXPECT_EQ(b.monetary_milli().counts(), a.monetary_milli().counts());
  EXPECT_EQ(b.frequency().counts(), a.frequency().counts());
  EXPECT_EQ(b.last_purchase().counts(), a.last_purchase().counts());

  // Past its bucket bound the monetary histogram coarsens, and is stored
  // whole with its shift.
  for (uint64_t i = 2; i < 2 + ValueHistogram::kDefaultMaxBuckets + 10; ++i) {
    CustomerRecord c;
    c.index = i;
    c.frequency = 1;
    c.purchases_milli = static_cast<int64_t>(i) * 1000;
    c.last_purchase_ts = kT0;
    a.OnCustomerChanged(CustomerRecord{}, c);
  }
  EXPECT_GT(a.monetary_milli().shift(), 0);
  EXPECT_LE(a.monetary_milli().counts().size(), ValueHistogram::kDefaultMaxBuckets);
  commit();
  b = reloaded();
  EXPECT_EQ(b.monetary_milli().shift(), a.monetary_milli().shift());
  EXPECT_EQ(b.monetary_milli().counts(), a.monetary_milli().counts());
  EXPECT_EQ(b.monetary_milli().total(), a.monetary_milli().total());
  EXPECT_EQ(b.ComputeBoundaries(1), a.ComputeBoundaries(1));
}

}  // namespace
}  // namespace segstream::analytics
