// Tests for connectors/prefetch: the decorator hands out exactly the inner
// source's batches in order, passes errors and the end of input through in
// place, reads ahead by a bounded number of batches, touches the inner
// source from one thread only, and shuts down while the inner source waits.
#include "connectors/prefetch/prefetching_source.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

namespace segstream {
namespace {

// A source with a script: batch i holds `per_batch` records with offsets
// i*per_batch...; after `batches` batches it ends (or fails with `error`).
// Records which threads called it and how far it was polled.
class ScriptedSource : public Source {
 public:
  ScriptedSource(int batches, int per_batch, Status error = Status::OK())
      : batches_(batches), per_batch_(per_batch), error_(std::move(error)) {}

  std::string Id() const override { return "scripted"; }
  Status Seek(const std::vector<Position>& positions) override {
    Touch();
    seeked = positions;
    return Status::OK();
  }
  Status Poll(size_t max_records, int timeout_ms, SourceBatch* batch) override {
    Touch();
    polls.fetch_add(1);
    if (block_polls.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(timeout_ms));
      return Status::OK();
    }
    if (next_ == batches_) {
      if (!error_.ok()) return error_;
      batch->end_of_input = true;
      return Status::OK();
    }
    EXPECT_EQ(max_records, 7u);
    for (int j = 0; j < per_batch_; ++j) {
      DecodedRecord r;
      r.origin.offset = static_cast<int64_t>(next_) * per_batch_ + j;
      batch->records.push_back(r);
    }
    batch->next.push_back(Position{0, static_cast<int64_t>(next_ + 1) * per_batch_, 0});
    ++next_;
    handed.store(next_);
    return Status::OK();
  }
  Status CommitDurable(const std::vector<Position>& positions) override {
    Touch();
    std::lock_guard<std::mutex> lock(mu);
    committed.insert(committed.end(), positions.begin(), positions.end());
    return Status::OK();
  }
  std::vector<std::pair<int32_t, int64_t>> Lag() const override { return {{0, 1000 - handed.load()}}; }
  bool Ready() const override { return handed.load() > 0; }

  std::set<std::thread::id> Threads() {
    std::lock_guard<std::mutex> lock(mu);
    return threads;
  }
  std::vector<Position> Committed() {
    std::lock_guard<std::mutex> lock(mu);
    return committed;
  }

  std::atomic<int> polls{0};
  std::atomic<int> handed{0};
  std::atomic<bool> block_polls{false};
  std::vector<Position> seeked;

 private:
  void Touch() {
    std::lock_guard<std::mutex> lock(mu);
    threads.insert(std::this_thread::get_id());
  }

  const int batches_;
  const int per_batch_;
  const Status error_;
  int next_ = 0;
  std::mutex mu;
  std::set<std::thread::id> threads;
  std::vector<Position> committed;
};

// Polls until a batch with records or the end arrives (the decorator may
// report "idle" while the reader thread is still working).
Status PollSome(Source* s, SourceBatch* b) {
  for (int i = 0; i < 200; ++i) {
    b->Clear();
    Status st = s->Poll(7, 50, b);
    if (!st.ok() || !b->records.empty() || b->end_of_input) return st;
  }
  return Status::Unavailable("nothing arrived in 10 s");
}

TEST(PrefetchingSourceTest, HandsOutTheInnerBatchesInOrderThenTheEnd) {
  auto owned = std::make_unique<ScriptedSource>(20, 3);
  ScriptedSource* inner = owned.get();
  auto source = MakePrefetchingSource(std::move(owned), 2);
  ASSERT_TRUE(source->Seek({Position{0, 0, 0}}).ok());
  EXPECT_EQ(inner->seeked.size(), 1u);
  EXPECT_EQ(source->Id(), "scripted");
  int64_t expect = 0;
  SourceBatch b;
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(PollSome(source.get(), &b).ok());
    ASSERT_EQ(b.records.size(), 3u) << "batch " << i;
    for (const auto& r : b.records) EXPECT_EQ(r.origin.offset, expect++);
    ASSERT_EQ(b.next.size(), 1u);
    EXPECT_EQ(b.next[0].next_offset, expect);
    EXPECT_FALSE(b.end_of_input);
  }
  ASSERT_TRUE(PollSome(source.get(), &b).ok());
  EXPECT_TRUE(b.end_of_input);
  EXPECT_TRUE(b.records.empty());
  // Seeking once the reader runs would race with it.
  EXPECT_FALSE(source->Seek({}).ok());
}

TEST(PrefetchingSourceTest, ReadsAheadAtMostDepthBatches) {
  auto owned = std::make_unique<ScriptedSource>(100, 1);
  ScriptedSource* inner = owned.get();
  auto source = MakePrefetchingSource(std::move(owned), 3);
  SourceBatch b;
  ASSERT_TRUE(PollSome(source.get(), &b).ok());
  // Give the reader every chance to run ahead.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // One handed out, three waiting: the fifth is not read until room frees up.
  EXPECT_EQ(inner->handed.load(), 4);
  ASSERT_TRUE(PollSome(source.get(), &b).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(inner->handed.load(), 5);
}

// An endless source whose batches hold exactly the max_records asked for.
class SizedSource : public Source {
 public:
  std::string Id() const override { return "sized"; }
  Status Seek(const std::vector<Position>&) override { return Status::OK(); }
  Status Poll(size_t max_records, int, SourceBatch* batch) override {
    for (size_t j = 0; j < max_records; ++j) {
      DecodedRecord r;
      r.origin.offset = next_++;
      batch->records.push_back(r);
    }
    batch->next.push_back(Position{0, next_, 0});
    return Status::OK();
  }
  Status CommitDurable(const std::vector<Position>&) override { return Status::OK(); }
  std::vector<std::pair<int32_t, int64_t>> Lag() const override { return {}; }
  bool Ready() const override { return true; }

 private:
  int64_t next_ = 0;
};

// The pipeline changes its batch size as it goes (BatchSizer): batches read
// ahead after a Poll with a new size take it; the ones already read ahead
// (at most `depth`) keep the old one. No record is lost or repeated.
TEST(PrefetchingSourceTest, BatchSizesFollowTheNewestPollWithinDepthBatches) {
  auto source = MakePrefetchingSource(std::make_unique<SizedSource>(), 2);
  SourceBatch b;
  int64_t expect = 0;
  std::vector<size_t> sizes;
  for (int i = 0; i < 8; ++i) {
    b.Clear();
    ASSERT_TRUE(source->Poll(i == 0 ? 100 : 5, 5000, &b).ok());
    sizes.push_back(b.records.size());
    for (const auto& r : b.records) ASSERT_EQ(r.origin.offset, expect++);
  }
  EXPECT_EQ(sizes.front(), 100u);
  EXPECT_EQ(sizes.back(), 5u);
  // Once 5 is asked for, at most depth + 1 more batches of 100 come.
  size_t big_after_first = 0;
  for (size_t i = 1; i < sizes.size(); ++i) big_after_first += sizes[i] == 100 ? 1 : 0;
  EXPECT_LE(big_after_first, 3u);
}

TEST(PrefetchingSourceTest, AnErrorComesAfterTheBatchesBeforeIt) {
  auto source = MakePrefetchingSource(std::make_unique<ScriptedSource>(2, 4, Status::IOError("disk gone")), 2);
  SourceBatch b;
  ASSERT_TRUE(PollSome(source.get(), &b).ok());
  EXPECT_EQ(b.records.size(), 4u);
  ASSERT_TRUE(PollSome(source.get(), &b).ok());
  EXPECT_EQ(b.records.size(), 4u);
  b.Clear();
  const auto t0 = std::chrono::steady_clock::now();
  Status st = source->Poll(7, 5000, &b);
  // The pipeline learns of it as soon as it happens, not at its timeout.
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 2.0);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.code(), Status::Code::kIOError);
  EXPECT_NE(st.message().find("disk gone"), std::string::npos);
  // And stays failed.
  EXPECT_FALSE(source->Poll(7, 10, &b).ok());
}

TEST(PrefetchingSourceTest, TheInnerSourceIsUsedFromOneThreadAfterTheFirstPoll) {
  auto owned = std::make_unique<ScriptedSource>(10, 2);
  ScriptedSource* inner = owned.get();
  auto source = MakePrefetchingSource(std::move(owned), 2);
  SourceBatch b;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(PollSome(source.get(), &b).ok());
    ASSERT_TRUE(source->CommitDurable(b.next).ok());
  }
  EXPECT_EQ(inner->Threads().size(), 1u);
  EXPECT_EQ(inner->Threads().count(std::this_thread::get_id()), 0u);
  // The commits reach the inner source (coalesced; the newest wins).
  for (int i = 0; i < 100 && (inner->Committed().empty() || inner->Committed().back().next_offset != 20); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(inner->Committed().empty());
  EXPECT_EQ(inner->Committed().back().next_offset, 20);
  int64_t last = 0;
  for (const Position& p : inner->Committed()) {
    EXPECT_GT(p.next_offset, last);
    last = p.next_offset;
  }
  // Lag and Ready answer from the reader's last look at the inner source.
  auto lag = source->Lag();
  ASSERT_EQ(lag.size(), 1u);
  EXPECT_EQ(lag[0].second, 1000 - inner->handed.load());
  EXPECT_TRUE(source->Ready());
}

TEST(PrefetchingSourceTest, IdleInputGivesAnEmptyBatchWithinTheTimeout) {
  auto owned = std::make_unique<ScriptedSource>(10, 2);
  owned->block_polls.store(true);
  auto source = MakePrefetchingSource(std::move(owned), 2);
  SourceBatch b;
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(source->Poll(7, 100, &b).ok());
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(b.records.empty());
  EXPECT_FALSE(b.end_of_input);
  EXPECT_GE(waited, 0.09);
  EXPECT_FALSE(source->Ready());
  // Destroying it while the inner source waits in Poll returns (no hang).
}

}  // namespace
}  // namespace segstream
