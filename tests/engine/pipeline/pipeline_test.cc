// Tests for engine/pipeline Pipeline: a source that hands records out again
// (as a Kafka consumer does when a partition is re-assigned and seeks back
// to the durable position while read-ahead records were in flight) must not
// count them twice, and the stored positions must never move backwards.
// And the exactly-once restart: a run that died after its sink committed a
// batch but before the state did is resumed without publishing that batch's
// outputs again, ending with the outputs and state of an uninterrupted run.
#include "engine/pipeline/pipeline.h"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>

#include "state/changelog.h"
#include "state/record_codec.h"

#include "tests/state/fake_state_store.h"
#include "tests/engine/pipeline/test_support.h"

namespace segstream {
namespace {

using testing::FakeStateStore;

constexpr int64_t kT0 = 1291191960;  // 2010-12-01 08:26 UTC

// Partition 0 holds `n` purchase lines, one invoice each, for 5 customers.
// The script lists which offset ranges [begin, end) each Poll returns, so a
// test can replay ranges that were handed out before.
class ReplayingSource : public Source {
 public:
  ReplayingSource(int n, std::vector<std::pair<int, int>> script, int customers = 5)
      : n_(n), script_(std::move(script)), customers_(customers) {}
  std::string Id() const override { return "test:replaying"; }
  Status Seek(const std::vector<Position>&) override { return Status::OK(); }
  Status Poll(size_t, int, SourceBatch* batch) override {
    if (step_ == script_.size()) {
      batch->end_of_input = true;
      return Status::OK();
    }
    const auto [begin, end] = script_[step_++];
    for (int i = begin; i < end && i < n_; ++i) {
      DecodedRecord r;
      r.origin.offset = i;
      r.event.invoice = std::to_string(500000 + i);
      r.event.stock_code = "85123A";
      r.event.description = "ITEM";
      r.event.customer_id = std::to_string(12000 + i % customers_);
      r.event.country = "United Kingdom";
      r.event.quantity = 2 + (i % customers_) % 7 * (i % 3);
      r.event.unit_price_milli = 1250;
      r.event.invoice_ts = kT0 + i * 3600;
      batch->records.push_back(std::move(r));
    }
    batch->next.push_back(Position{0, end, 0});
    return Status::OK();
  }

 private:
  const int n_;
  const std::vector<std::pair<int, int>> script_;
  const int customers_;
  size_t step_ = 0;
};

using testing::NullSink;

// Keeps what it was given: `published` holds the outputs of every Flush.
class RecordingSink : public Sink {
 public:
  explicit RecordingSink(std::vector<Position> already_published = {})
      : already_published_(std::move(already_published)) {}
  Status Open(const SinkOffsets&) override { return Status::OK(); }
  Status Append(OutputStream stream, std::string_view key, std::string_view value) override {
    pending_.push_back(std::to_string(static_cast<int>(stream)) + "|" + std::string(key) + "|" + std::string(value));
    return Status::OK();
  }
  Status Flush() override {
    published.insert(published.end(), pending_.begin(), pending_.end());
    pending_.clear();
    return Status::OK();
  }
  std::vector<Position> PublishedPositions() const override { return already_published_; }
  std::vector<std::string> published;

 private:
  std::vector<Position> already_published_;
  std::vector<std::string> pending_;
};

// Fails its `fail_at`-th commit: the process "died" after the sink's commit.
class FailingStore : public FakeStateStore {
 public:
  explicit FailingStore(int fail_at) : fail_at_(fail_at) {}
  Status Commit(const StateWrite& write) override {
    if (++commits_seen_ == fail_at_) return Status::IOError("injected: died before the state commit");
    return FakeStateStore::Commit(write);
  }

 private:
  const int fail_at_;
  int commits_seen_ = 0;
};

EngineOptions SmallModel() {
  EngineOptions options;
  options.k = 2;
  options.min_customers = 10;
  options.step_events = 16;
  options.publish_every = 64;
  options.min_version_interval_days = 0;
  return options;
}

struct Outcome {
  std::vector<CustomerRecord> customers;
  std::vector<Position> positions;
  RunStats stats;
};

Outcome RunScript(std::vector<std::pair<int, int>> script) {
  FakeStateStore store;
  EngineOptions options;
  options.model_enabled = false;
  SegmentEngine engine(options, &store);
  EXPECT_TRUE(engine.Load().ok());
  ReplayingSource source(100, std::move(script));
  NullSink sink;
  Pipeline pipeline(PipelineOptions{}, &engine, &source, &sink, &store, nullptr);
  std::atomic<bool> stop{false};
  EXPECT_TRUE(pipeline.Run(stop).ok());
  Outcome out;
  out.customers = engine.CustomerRecords();
  auto positions = engine.StoredPositions("test:replaying");
  EXPECT_TRUE(positions.ok());
  if (positions.ok()) out.positions = positions.value();
  out.stats = pipeline.stats();
  return out;
}

TEST(PipelineTest, RecordsHandedOutAgainAreAppliedOnce) {
  const Outcome once = RunScript({{0, 30}, {30, 60}, {60, 100}});
  // After [30, 60) the source "seeks back" to 20 (say, the durable position
  // when a partition was re-assigned) and reads everything from there again.
  const Outcome again = RunScript({{0, 30}, {30, 60}, {20, 45}, {45, 70}, {70, 100}});
  ASSERT_EQ(once.customers.size(), 5u);
  ASSERT_EQ(again.customers.size(), once.customers.size());
  for (size_t i = 0; i < once.customers.size(); ++i) {
    EXPECT_EQ(again.customers[i].index, once.customers[i].index);
    EXPECT_EQ(again.customers[i].last_purchase_ts, once.customers[i].last_purchase_ts);
    EXPECT_EQ(again.customers[i].frequency, once.customers[i].frequency);
    EXPECT_EQ(again.customers[i].monetary_milli(), once.customers[i].monetary_milli());
  }
  EXPECT_EQ(once.customers[0].frequency, 20);
  EXPECT_EQ(once.stats.redelivered, 0u);
  EXPECT_EQ(again.stats.redelivered, 40u);  // [20, 60)
  ASSERT_EQ(again.positions.size(), 1u);
  EXPECT_EQ(again.positions[0].next_offset, 100);
}

TEST(PipelineTest, StoredPositionsNeverMoveBackwards) {
  // The source's last batch ends behind what was applied (a re-read of old
  // records only): the stored position must stay at 60, or a restart would
  // apply [40, 60) a second time.
  FakeStateStore store;
  EngineOptions options;
  options.model_enabled = false;
  SegmentEngine engine(options, &store);
  ASSERT_TRUE(engine.Load().ok());
  ReplayingSource source(100, {{0, 60}, {10, 40}});
  NullSink sink;
  Pipeline pipeline(PipelineOptions{}, &engine, &source, &sink, &store, nullptr);
  std::atomic<bool> stop{false};
  ASSERT_TRUE(pipeline.Run(stop).ok());
  auto positions = engine.StoredPositions("test:replaying");
  ASSERT_TRUE(positions.ok());
  ASSERT_EQ(positions->size(), 1u);
  EXPECT_EQ((*positions)[0].next_offset, 60);
  EXPECT_EQ(pipeline.stats().redelivered, 30u);
}

TEST(PipelineTest, ExactlyOnceRestartDoesNotPublishTwice) {
  constexpr int kRecords = 400, kCustomers = 40;
  std::vector<std::string> reference;
  std::vector<CustomerRecord> reference_customers;
  {
    FakeStateStore store;
    SegmentEngine engine(SmallModel(), &store);
    ASSERT_TRUE(engine.Load().ok());
    ReplayingSource source(kRecords, {{0, 100}, {100, 150}, {150, 250}, {250, 400}}, kCustomers);
    RecordingSink sink;
    Pipeline pipeline(PipelineOptions{}, &engine, &source, &sink, &store, nullptr);
    std::atomic<bool> stop{false};
    ASSERT_TRUE(pipeline.Run(stop).ok());
    reference = sink.published;
    reference_customers = engine.CustomerRecords();
  }
  ASSERT_GT(reference.size(), 20u) << "the scenario must produce segment changes to be meaningful";

  // Run 1: the sink commits [100, 150)'s outputs, then the state commit fails.
  FailingStore store(2);
  std::vector<std::string> published;
  {
    SegmentEngine engine(SmallModel(), &store);
    ASSERT_TRUE(engine.Load().ok());
    ReplayingSource source(kRecords, {{0, 100}, {100, 150}, {150, 250}}, kCustomers);
    RecordingSink sink;
    Pipeline pipeline(PipelineOptions{}, &engine, &source, &sink, &store, nullptr);
    std::atomic<bool> stop{false};
    ASSERT_FALSE(pipeline.Run(stop).ok());
    published = sink.published;
  }
  // Run 2: the state says 100, the sink says its outputs go through 150. The
  // source resumes at 100, in batches that straddle the fence.
  {
    SegmentEngine engine(SmallModel(), &store);
    ASSERT_TRUE(engine.Load().ok());
    ReplayingSource source(kRecords, {{100, 220}, {220, 400}}, kCustomers);
    RecordingSink sink({Position{0, 150, 0}});
    Pipeline pipeline(PipelineOptions{}, &engine, &source, &sink, &store, nullptr);
    std::atomic<bool> stop{false};
    ASSERT_TRUE(pipeline.Run(stop).ok());
    EXPECT_EQ(pipeline.stats().reapplied, 50u);
    published.insert(published.end(), sink.published.begin(), sink.published.end());
    const std::vector<CustomerRecord> customers = engine.CustomerRecords();
    ASSERT_EQ(customers.size(), reference_customers.size());
    for (size_t i = 0; i < customers.size(); ++i) {
      EXPECT_EQ(customers[i].frequency, reference_customers[i].frequency);
      EXPECT_EQ(customers[i].monetary_milli(), reference_customers[i].monetary_milli());
      EXPECT_EQ(customers[i].segment_id, reference_customers[i].segment_id);
      EXPECT_EQ(customers[i].seq, reference_customers[i].seq);
    }
  }
  // Every output exactly once, in the uninterrupted run's order.
  ASSERT_EQ(published.size(), reference.size());
  EXPECT_EQ(published, reference);
}

// A changelog sink: state changes are held with the outputs until Flush
// (one transaction), then count as committed.
class ChangelogSink : public RecordingSink {
 public:
  struct Change {
    int32_t partition;
    std::string key;
    std::optional<std::string> value;
  };
  Status AppendStateChange(int32_t partition, std::string_view key, const std::string* value) override {
    pending_changes_.push_back({partition, std::string(key), value ? std::optional<std::string>(*value) : std::nullopt});
    return Status::OK();
  }
  Status Flush() override {
    changes.insert(changes.end(), pending_changes_.begin(), pending_changes_.end());
    pending_changes_.clear();
    ++flushes;
    return RecordingSink::Flush();
  }
  std::vector<Change> changes;
  int flushes = 0;

 private:
  std::vector<Change> pending_changes_;
};

// Runs 900 hourly records of 60 customers, in batches of 37, through a
// pipeline with the changelog on.
void RunWithChangelog(SegmentEngine* engine, FakeStateStore* store, ChangelogSink* sink) {
  ASSERT_TRUE(engine->Load().ok());
  std::vector<std::pair<int, int>> script;
  for (int i = 0; i < 900; i += 37) script.emplace_back(i, i + 37);
  ReplayingSource source(900, script, 60);
  PipelineOptions options;
  options.changelog = true;
  Pipeline pipeline(options, engine, &source, sink, store, nullptr);
  std::atomic<bool> stop{false};
  ASSERT_TRUE(pipeline.Run(stop).ok());
  ASSERT_GT(sink->flushes, 10);
}

// Applies what the sink committed to `restored`, and expects every logged
// key of `store` there, and nothing else.
void ExpectTheChangelogRestores(const FakeStateStore& store, const ChangelogSink& sink, FakeStateStore* restored) {
  ChangelogRestorer restorer(restored);
  for (const auto& c : sink.changes) ASSERT_TRUE(restorer.Apply(c.key, c.value ? &*c.value : nullptr).ok());
  ASSERT_TRUE(restorer.Finish().ok());
  for (size_t c = 0; c < kColumnCount; ++c) {
    FakeStateStore::Table want = store.tables()[c];
    std::erase_if(want, [c](const auto& kv) { return !ChangelogPartition(static_cast<Column>(c), kv.first); });
    EXPECT_EQ(restored->tables()[c], want) << "column " << c;
  }
}

// With PipelineOptions::changelog, what the sink committed restores, in an
// empty store, every logged key of the state the pipeline committed: the
// customers, the model, the analytics, the positions (state/changelog.h).
TEST(PipelineTest, TheChangelogRestoresTheCommittedState) {
  FakeStateStore store;
  SegmentEngine engine(SmallModel(), &store);
  ChangelogSink sink;
  ASSERT_NO_FATAL_FAILURE(RunWithChangelog(&engine, &store, &sink));
  ASSERT_FALSE(engine.serving().empty()) << "the run published no model version";
  EXPECT_EQ(store.table(Column::kCustomers).size(), 60u);
  FakeStateStore restored;
  ASSERT_NO_FATAL_FAILURE(ExpectTheChangelogRestores(store, sink, &restored));
  // And an engine loaded from it continues as the original would.
  SegmentEngine again(SmallModel(), &restored);
  ASSERT_TRUE(again.Load().ok());
  EXPECT_EQ(again.CustomerRecords().size(), engine.CustomerRecords().size());
  EXPECT_EQ(again.serving().version, engine.serving().version);
}

// With the changelog, invoices past the dedup window are deleted by writes
// (InvoiceSweep), so the topic gets their tombstones; without it the store's
// compaction filter drops them, which no changelog would ever see.
TEST(PipelineTest, TheChangelogTombstonesInvoicesPastTheDedupWindow) {
  EngineOptions engine_options = SmallModel();
  engine_options.dedup_window_seconds = 10 * 86400;  // 240 of the 900 hourly invoices
  FakeStateStore store;
  SegmentEngine engine(engine_options, &store);
  ChangelogSink sink;
  ASSERT_NO_FATAL_FAILURE(RunWithChangelog(&engine, &store, &sink));

  // Invoice i was written at kT0 + i h; the last watermark is kT0 + 899 h.
  // Those written before the floor of the last commit are gone; the sweep
  // of that commit read the state before its batch, whose floor was at most
  // 37 h lower, so at most the last batch's worth of expired ones remain.
  const int64_t floor = kT0 + 899 * 3600 - engine_options.dedup_window_seconds;
  size_t kept = 0, expired_left = 0;
  for (const auto& [key, value] : store.table(Column::kInvoices)) {
    ++kept;
    if (InvoiceWrittenWatermark(value) < floor) ++expired_left;
  }
  EXPECT_GE(kept, 240u);
  EXPECT_LE(expired_left, 37u);
  EXPECT_LT(kept, 300u) << "expired invoices were not deleted";
  size_t tombstones = 0;
  for (const auto& c : sink.changes) tombstones += (c.key[0] == 'i' && !c.value) ? 1 : 0;
  EXPECT_EQ(tombstones, 900u - kept) << "every deleted invoice is a tombstone in the changelog";

  // And the changelog still restores the state exactly.
  FakeStateStore restored;
  ASSERT_NO_FATAL_FAILURE(ExpectTheChangelogRestores(store, sink, &restored));
}

}  // namespace
}  // namespace segstream
