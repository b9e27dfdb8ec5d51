// PrefetchingSource; see prefetching_source.h.
#include "connectors/prefetch/prefetching_source.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace segstream {
namespace {

class PrefetchingSource final : public Source {
 public:
  PrefetchingSource(std::unique_ptr<Source> inner, size_t depth)
      : inner_(std::move(inner)), depth_(std::max<size_t>(depth, 1)), id_(inner_->Id()) {}

  ~PrefetchingSource() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    wake_reader_.notify_all();
    if (reader_.joinable()) reader_.join();
  }

  std::string Id() const override { return id_; }

  Status Seek(const std::vector<Position>& positions) override {
    // Before the first Poll no thread runs: the inner source is still ours.
    if (reader_.joinable()) return Status::InvalidArgument("Seek after the first Poll");
    return inner_->Seek(positions);
  }

  Status Poll(size_t max_records, int timeout_ms, SourceBatch* batch) override {
    std::unique_lock<std::mutex> lock(mu_);
    // The batches read ahead from now on take the newest size asked for (the
    // pipeline sizes batches to a target time; see BatchSizer).
    max_records_ = std::max<size_t>(max_records, 1);
    if (!reader_.joinable()) {
      ready_.store(inner_->Ready());
      reader_ = std::thread([this] { ReadAhead(); });
    }
    const auto have = [this] { return !batches_.empty() || !error_.ok() || finished_; };
    if (!have()) wake_pipeline_.wait_for(lock, std::chrono::milliseconds(std::max(timeout_ms, 0)), have);
    if (!batches_.empty()) {
      *batch = std::move(batches_.front());
      batches_.pop_front();
      lock.unlock();
      wake_reader_.notify_all();  // room for the next batch
      return Status::OK();
    }
    // An error is returned once its batch's predecessors have been handed
    // out, exactly where the inner source would have returned it.
    return error_;
  }

  Status CommitDurable(const std::vector<Position>& positions) override {
    Status last;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!reader_.joinable()) return inner_->CommitDurable(positions);
      // Only the newest positions matter: each batch's are a superset in
      // effect (per partition, offsets only grow).
      for (const Position& p : positions) pending_commit_[p.partition] = p;
      last = std::exchange(commit_error_, Status::OK());
    }
    wake_reader_.notify_all();
    return last;
  }

  std::vector<std::pair<int32_t, int64_t>> Lag() const override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!reader_.joinable()) return inner_->Lag();
    return lag_;
  }

  bool Ready() const override { return ready_.load(); }

 private:
  // The prefetch thread: the only user of inner_ once it runs.
  void ReadAhead() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      CommitPending(lock);
      if (batches_.size() >= depth_) {
        wake_reader_.wait(lock, [this] { return stopping_ || batches_.size() < depth_ || !pending_commit_.empty(); });
        continue;
      }
      const size_t max_records = max_records_;
      lock.unlock();
      SourceBatch batch;
      // A short wait, so pending commits and a stop are served promptly
      // while the input is idle.
      Status s = inner_->Poll(max_records, kIdlePollMs, &batch);
      std::vector<std::pair<int32_t, int64_t>> lag = inner_->Lag();
      ready_.store(inner_->Ready());
      lock.lock();
      lag_ = std::move(lag);
      if (!s.ok()) {
        error_ = std::move(s);
        wake_pipeline_.notify_all();
        break;
      }
      const bool end = batch.end_of_input;
      if (!batch.records.empty() || end) {
        batches_.push_back(std::move(batch));
        wake_pipeline_.notify_all();
      }
      if (end) {
        finished_ = true;
        break;
      }
    }
    // Durable positions that arrive after the input ended (the final batch's)
    // still reach the inner source.
    while (!stopping_) {
      CommitPending(lock);
      wake_reader_.wait(lock, [this] { return stopping_ || !pending_commit_.empty(); });
    }
    CommitPending(lock);
    wake_pipeline_.notify_all();
  }

  void CommitPending(std::unique_lock<std::mutex>& lock) {
    if (pending_commit_.empty()) return;
    std::vector<Position> positions;
    positions.reserve(pending_commit_.size());
    for (const auto& [partition, p] : pending_commit_) positions.push_back(p);
    pending_commit_.clear();
    lock.unlock();
    Status s = inner_->CommitDurable(positions);
    lock.lock();
    if (!s.ok()) commit_error_ = std::move(s);
  }

  static constexpr int kIdlePollMs = 50;

  const std::unique_ptr<Source> inner_;
  const size_t depth_;
  const std::string id_;
  std::thread reader_;
  std::atomic<bool> ready_{false};

  mutable std::mutex mu_;
  std::condition_variable wake_reader_;    // room in batches_, a pending commit, or stop
  std::condition_variable wake_pipeline_;  // a batch, an error, or the end of input
  size_t max_records_ = 1;                 // mu_: the last Poll's max_records
  std::deque<SourceBatch> batches_;        // mu_
  Status error_;                           // mu_: the inner Poll failed; no more batches
  bool finished_ = false;                  // mu_: the inner source reported end of input
  bool stopping_ = false;                  // mu_
  std::map<int32_t, Position> pending_commit_;  // mu_
  Status commit_error_;                    // mu_: reported by the next CommitDurable
  std::vector<std::pair<int32_t, int64_t>> lag_;  // mu_
};

}  // namespace

std::unique_ptr<Source> MakePrefetchingSource(std::unique_ptr<Source> inner, size_t depth) {
  return std::make_unique<PrefetchingSource>(std::move(inner), depth);
}

}  // namespace segstream
