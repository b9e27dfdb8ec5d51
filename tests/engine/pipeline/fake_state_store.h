// An in-memory StateStore for engine tests: one ordered map per column,
// Commit applies a StateWrite atomically, and the whole content can be
// compared between runs.
#pragma once

#include <array>
#include <map>
#include <string>

#include "state/state_store.h"

namespace segstream::testing {

class FakeStateStore : public StateStore {
 public:
  using Table = std::map<std::string, std::string>;

  Status Get(Column column, std::string_view key, std::string* value) override {
    const Table& t = tables_[Index(column)];
    auto it = t.find(std::string(key));
    if (it == t.end()) return Status::NotFound(std::string(key));
    *value = it->second;
    return Status::OK();
  }

  Status Scan(Column column, std::string_view prefix,
              const std::function<bool(std::string_view, std::string_view)>& fn) override {
    const Table& t = tables_[Index(column)];
    for (auto it = t.lower_bound(std::string(prefix)); it != t.end() && it->first.starts_with(prefix); ++it) {
      if (!fn(it->first, it->second)) break;
    }
    return Status::OK();
  }

  Status ScanReverse(Column column, std::string_view prefix,
                     const std::function<bool(std::string_view, std::string_view)>& fn) override {
    const Table& t = tables_[Index(column)];
    for (auto it = t.rbegin(); it != t.rend(); ++it) {
      if (it->first.starts_with(prefix) && !fn(it->first, it->second)) break;
    }
    return Status::OK();
  }

  Status Commit(const StateWrite& write) override {
    for (const auto& op : write.ops) {
      Table& t = tables_[Index(op.column)];
      if (op.erase) {
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
  const std::array<Table, 4>& tables() const { return tables_; }
  int commits() const { return commits_; }

 private:
  static size_t Index(Column c) { return static_cast<size_t>(c); }
  std::array<Table, 4> tables_;
  int commits_ = 0;
};

}  // namespace segstream::testing
