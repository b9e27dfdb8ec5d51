// An in-memory StateStore for engine tests: one ordered map per column,
// Commit applies a StateWrite atomically, and the whole content can be
// compared between runs. Fault injection: FailReads/FailCommits make every
// later read or commit answer the given error (a failing disk).
#pragma once

#include <array>
#include <map>
#include <string>

#include "state/record_codec.h"
#include "state/state_store.h"

namespace segstream::testing {

class FakeStateStore : public StateStore {
 public:
  using Table = std::map<std::string, std::string>;

  Status Get(Column column, std::string_view key, std::string* value) override {
    if (!read_error_.ok()) return read_error_;
    const Table& t = tables_[Index(column)];
    auto it = t.find(std::string(key));
    if (it == t.end()) return Status::NotFound(std::string(key));
    *value = it->second;
    return Status::OK();
  }

  Status Scan(Column column, std::string_view prefix,
              const std::function<bool(std::string_view, std::string_view)>& fn) override {
    if (!read_error_.ok()) return read_error_;
    const Table& t = tables_[Index(column)];
    for (auto it = t.lower_bound(std::string(prefix)); it != t.end() && it->first.starts_with(prefix); ++it) {
      if (!fn(it->first, it->second)) break;
    }
    return Status::OK();
  }

  Status ScanRange(Column column, std::string_view begin, std::string_view end,
                   const std::function<bool(std::string_view, std::string_view)>& fn) override {
    if (!read_error_.ok()) return read_error_;
    const Table& t = tables_[Index(column)];
    for (auto it = t.lower_bound(std::string(begin)); it != t.end() && (end.empty() || it->first < end); ++it) {
      if (!fn(it->first, it->second)) break;
    }
    return Status::OK();
  }

  Status ScanReverse(Column column, std::string_view prefix,
                     const std::function<bool(std::string_view, std::string_view)>& fn) override {
    if (!read_error_.ok()) return read_error_;
    const Table& t = tables_[Index(column)];
    for (auto it = t.rbegin(); it != t.rend(); ++it) {
      if (it->first.starts_with(prefix) && !fn(it->first, it->second)) break;
    }
    return Status::OK();
  }

  // With eager retention on, invoice records below the floor go at once,
  // the earliest any compaction could drop them.
  void SetInvoiceRetentionFloor(int64_t floor) override {
    if (!eager_retention_ || floor == kNoTime) return;
    Table& t = tables_[Index(Column::kInvoices)];
    for (auto it = t.begin(); it != t.end();) {
      const int64_t written = InvoiceWrittenWatermark(it->second);
      it = written != kNoTime && written < floor ? t.erase(it) : std::next(it);
    }
  }
  void set_eager_retention(bool on) { eager_retention_ = on; }

  Status Commit(const StateWrite& write) override {
    if (!commit_error_.ok()) return commit_error_;
    for (const auto& op : write.ops) {
      Table& t = tables_[Index(op.column)];
      if (op.erase_range) {
        t.erase(t.lower_bound(op.key), t.lower_bound(op.value));
      } else if (op.erase) {
        t.erase(op.key);
      } else {
        t[op.key] = op.value;
      }
    }
    ++commits_;
    return Status::OK();
  }

  Status Checkpoint(const std::string&) override { return Status::NotSupported("in-memory store"); }
  StoreGauge Gauges() override { return {}; }

  const Table& table(Column c) const { return tables_[Index(c)]; }
  const std::array<Table, kColumnCount>& tables() const { return tables_; }
  int commits() const { return commits_; }
  void FailReads(Status error) { read_error_ = std::move(error); }
  void FailCommits(Status error) { commit_error_ = std::move(error); }
  // Raw access for tests that plant bad records.
  Table& mutable_table(Column c) { return tables_[Index(c)]; }

 private:
  bool eager_retention_ = false;
  static size_t Index(Column c) { return static_cast<size_t>(c); }
  std::array<Table, kColumnCount> tables_;
  int commits_ = 0;
  Status read_error_, commit_error_;
};

}  // namespace segstream::testing
