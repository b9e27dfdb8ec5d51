// Store failures are never turned into defaults (issue "faults as kinds",
// errors that become "absent"): a read error is not an unknown customer nor
// "no stored position", a stored record that does not decode is corruption,
// and a failed commit stops the pipeline without storing positions past
// the last durable batch. The fault-injecting FakeStateStore plays the disk.
#include <gtest/gtest.h>

#include <atomic>

#include "engine/pipeline/pipeline.h"
#include "engine/pipeline/queries.h"
#include "engine/pipeline/segment_engine.h"
#include "tests/state/fake_state_store.h"
#include "tests/engine/pipeline/test_support.h"

namespace segstream {
namespace {

using testing::FakeStateStore;

constexpr int64_t kT0 = 1291191960;

// `batches` batches of 10 purchase lines, then end of input.
class CountingSource : public Source {
 public:
  explicit CountingSource(int batches) : batches_(batches) {}
  std::string Id() const override { return "test:counting"; }
  Status Seek(const std::vector<Position>&) override { return Status::OK(); }
  Status Poll(size_t, int, SourceBatch* batch) override {
    if (polled_ == batches_) {
      batch->end_of_input = true;
      return Status::OK();
    }
    for (int i = 0; i < 10; ++i) {
      DecodedRecord r;
      r.origin.offset = polled_ * 10 + i;
      r.event.invoice = std::to_string(500000 + polled_ * 10 + i);
      r.event.stock_code = "85123A";
      r.event.customer_id = std::to_string(12000 + i);
      r.event.quantity = 1;
      r.event.unit_price_milli = 1000;
      r.event.invoice_ts = kT0 + polled_ * 3600;
      batch->records.push_back(std::move(r));
    }
    ++polled_;
    batch->next.push_back(Position{0, polled_ * 10, 0});
    return Status::OK();
  }
  Status CommitDurable(const std::vector<Position>& positions) override {
    for (const auto& p : positions) committed_to_broker.push_back(p.next_offset);
    return Status::OK();
  }
  std::vector<int64_t> committed_to_broker;

 private:
  const int batches_;
  int polled_ = 0;
};

using testing::NullSink;

// Fails every commit after the first `good` ones (a disk that fills up).
class FillingStore : public FakeStateStore {
 public:
  explicit FillingStore(int good) : good_(good) {}
  Status Commit(const StateWrite& write) override {
    if (commits() >= good_) FailCommits(Status::IOError("injected: No space left on device"));
    return FakeStateStore::Commit(write);
  }

 private:
  const int good_;
};

TEST(StoreFaultsTest, FailedCommitStopsThePipelineAtTheLastDurableBatch) {
  FillingStore store(2);
  EngineOptions options;
  options.model_enabled = false;
  SegmentEngine engine(options, &store);
  ASSERT_TRUE(engine.Load().ok());
  CountingSource source(5);
  NullSink sink;
  Pipeline pipeline(PipelineOptions{}, &engine, &source, &sink, &store, nullptr);
  std::atomic<bool> stop{false};
  const Status s = pipeline.Run(stop);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_NE(s.message().find("No space left"), std::string::npos) << s.ToString();
  // Two batches were durable; the broker was told only about those.
  EXPECT_EQ(source.committed_to_broker, (std::vector<int64_t>{10, 20}));
  SegmentEngine reloaded(options, &store);
  ASSERT_TRUE(reloaded.Load().ok());
  auto positions = reloaded.StoredPositions("test:counting");
  ASSERT_TRUE(positions.ok());
  ASSERT_EQ(positions->size(), 1u);
  EXPECT_EQ((*positions)[0].next_offset, 20);
}

EngineOptions RfmOnly() {
  EngineOptions options;
  options.model_enabled = false;
  return options;
}

TEST(StoreFaultsTest, ReadErrorsAreNotAbsence) {
  FakeStateStore store;
  const EngineOptions options = RfmOnly();
  SegmentEngine engine(options, &store);
  ASSERT_TRUE(engine.Load().ok());
  StateQueries queries(&store, &engine, nullptr);
  EXPECT_EQ(queries.CustomerJson("17850").status().code(), Status::Code::kNotFound);

  store.FailReads(Status::IOError("injected: read failed"));
  auto customer = queries.CustomerJson("17850");
  ASSERT_FALSE(customer.ok());
  EXPECT_EQ(customer.status().code(), Status::Code::kIOError);
  auto positions = engine.StoredPositions("kafka:invoices");
  ASSERT_FALSE(positions.ok());
  EXPECT_EQ(positions.status().code(), Status::Code::kIOError);
  SegmentEngine second(options, &store);
  EXPECT_FALSE(second.Load().ok());
}

TEST(StoreFaultsTest, BadStoredRecordsAreCorruptionNotExceptions) {
  FakeStateStore store;
  SegmentEngine engine(RfmOnly(), &store);
  ASSERT_TRUE(engine.Load().ok());
  // A partition key that is not a number once threw from std::stoi.
  store.mutable_table(Column::kMeta)["pos/kafka:invoices/x1"] = std::string("\x01\x01", 2);
  auto positions = engine.StoredPositions("kafka:invoices");
  ASSERT_FALSE(positions.ok());
  EXPECT_EQ(positions.status().code(), Status::Code::kCorruption);
  // A customer record that does not decode is corruption, not "unknown".
  store.mutable_table(Column::kCustomers)[CustomerKey(0, "17850")] = "\xff\xff";
  store.mutable_table(Column::kMeta)["partition/0000000000"] = std::string("\x01\x01", 2);  // one customer
  StateQueries queries(&store, &engine, nullptr);
  auto customer = queries.CustomerJson("17850");
  ASSERT_FALSE(customer.ok());
  EXPECT_EQ(customer.status().code(), Status::Code::kCorruption);
}

}  // namespace
}  // namespace segstream
