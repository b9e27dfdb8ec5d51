// StateStore: the durable home of segstream's state. One atomic, synced
// commit per micro-batch carries the customers it changed, its invoice
// bookkeeping, and the source positions / sink offsets / model it produced,
// so a crash can never separate state from the positions that made it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/observe/observer.h"
#include "engine/util/status.h"

namespace segstream {

// The column families (see state/FORMAT.md for keys and values).
// "customer key" is the state partition (4 bytes) then the customer id
// (engine/rfm/customer_key.h).
enum class Column {
  kCustomers,  // customer key -> CustomerRecord
  kInvoices,   // customer key \0 invoice -> InvoiceRecord (frequency + duplicate bookkeeping)
  kChanges,    // customer key \0 seq (big-endian u64) -> segment-change JSON (last few per customer)
  kMeta,       // positions, sink offsets, watermark, model, counters
  kCustomerIndex,  // customer index (big-endian u64: partition, creation order) -> customer key
  kTimers,         // partition + due (big-endian, sign-flipped i64) + customer index -> model version
};
inline constexpr size_t kColumnCount = 6;

// Everything one micro-batch writes, applied atomically by Commit.
struct StateWrite {
  struct Op {
    Column column;
    std::string key;
    std::string value;  // with erase_range: the end of the range (exclusive)
    bool erase = false;
    bool erase_range = false;  // erase keys in [key, value)
  };
  std::vector<Op> ops;
  void Put(Column c, std::string key, std::string value) {
    ops.push_back({c, std::move(key), std::move(value), false});
  }
  void Delete(Column c, std::string key) { ops.push_back({c, std::move(key), {}, true}); }
  // Erases every key in [begin, end), ordered with the other ops: a Put
  // after it in the same write survives.
  void DeleteRange(Column c, std::string begin, std::string end) {
    ops.push_back({c, std::move(begin), std::move(end), false, true});
  }
  bool empty() const { return ops.empty(); }
};

class StateStore {
 public:
  virtual ~StateStore() = default;
  StateStore() = default;
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  // NotFound when the key is absent.
  virtual Status Get(Column column, std::string_view key, std::string* value) = 0;

  // Visits keys with `prefix` in key order until `fn` returns false.
  virtual Status Scan(Column column, std::string_view prefix,
                      const std::function<bool(std::string_view key, std::string_view value)>& fn) = 0;

  // Visits keys in [begin, end) in key order until `fn` returns false
  // (an empty `end`: to the end of the column).
  virtual Status ScanRange(Column column, std::string_view begin, std::string_view end,
                           const std::function<bool(std::string_view key, std::string_view value)>& fn) = 0;

  // Point lookups of `keys` in one call (RocksDB MultiGet): (*values)[i] is
  // the value of keys[i] when (*found)[i]. An error is the first read error.
  virtual Status MultiGet(Column column, const std::vector<std::string>& keys, std::vector<std::string>* values,
                          std::vector<bool>* found) {
    values->assign(keys.size(), std::string());
    found->assign(keys.size(), false);
    for (size_t i = 0; i < keys.size(); ++i) {
      Status s = Get(column, keys[i], &(*values)[i]);
      if (s.ok()) {
        (*found)[i] = true;
      } else if (s.code() != Status::Code::kNotFound) {
        return s;
      }
    }
    return Status::OK();
  }

  // Same as Scan but newest-first (reverse key order) within `prefix`.
  virtual Status ScanReverse(Column column, std::string_view prefix,
                             const std::function<bool(std::string_view key, std::string_view value)>& fn) = 0;

  // Applies `write` atomically and durably (WAL fsync) — or not at all.
  virtual Status Commit(const StateWrite& write) = 0;

  // A consistent on-disk copy of the state (RocksDB checkpoint) in `dir`.
  virtual Status Checkpoint(const std::string& dir) = 0;

  // RocksDB health for metrics.
  virtual StoreGauge Gauges() = 0;

  // Retention of exact-duplicate bookkeeping: invoice records whose
  // written_watermark is below `floor` (seconds) may be dropped from now on
  // (RocksDB drops them as compactions reach them). The engine treats such
  // records as absent already, so when they go does not change any result.
  // Monotonic: a lower floor than the current one is ignored.
  virtual void SetInvoiceRetentionFloor(int64_t /*floor*/) {}
};

struct StoreOptions {
  bool read_only = false;      // segctl: no lock taken, may run beside the engine
  bool create_if_missing = true;
  size_t block_cache_bytes = 64 << 20;
  // All memtables together (RocksDB db_write_buffer_size); a column family's
  // memtable is flushed at a quarter of it.
  size_t write_buffer_bytes = 64 << 20;
  // Bound on the write-ahead log files (RocksDB max_total_wal_size): past it,
  // the column families that pin the oldest WAL file are flushed so it can
  // be deleted. Without it a rarely written column family (meta) kept every
  // WAL file alive: 1.84 GB of WAL after 15M lines, and reopening replayed
  // all of it.
  uint64_t max_wal_bytes = 64 << 20;
};

// Opens (or creates) the RocksDB state in `dir`. Errors are user-facing: a
// directory held by another segstream process is Status::Busy, a state
// written by a newer format is Status::NotSupported.
Result<std::unique_ptr<StateStore>> OpenRocksDbStore(const std::string& dir, const StoreOptions& options);

// The on-disk format version this build writes (meta key "format_version").
// 2: the analytics/ meta keys (issue 14). 3: customer records carry
// scored_version, invoice records written_watermark, the engine meta the
// rescoring pass. 4: the store is the source of truth for customers (the
// customer_index and timers column families, population counters and
// histograms in meta); older state is refused with a clear error. 5: the
// rescoring pass visits customers in key order (its cursor is a customer id).
// 6: state keyed by input partition (engine/rfm/customer_key.h): customer,
// invoice and change keys start with the partition, customer indices carry
// it, timers are grouped by it, and each partition's customer count is a
// meta key. 7: the analytics histograms are a checkpoint and one delta key
// per commit instead of one key per bucket (engine/analytics/histogram_log.h);
// version 6 is read and migrated in place.
inline constexpr int kStateFormatVersion = 7;

}  // namespace segstream
