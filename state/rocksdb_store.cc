// RocksDB implementation of StateStore: six column families (FORMAT.md), synced
// WriteBatch commits, read-only opens for inspection tools, checkpoints.
#include <rocksdb/compaction_filter.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/statistics.h>
#include <rocksdb/table.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <iterator>

#include "state/info_log.h"
#include "state/record_codec.h"
#include "state/state_store.h"
#include "state/write_order.h"

namespace segstream {
namespace {

constexpr const char* kColumnNames[] = {"customers", "invoices", "changes", "meta", "customer_index", "timers"};
static_assert(std::size(kColumnNames) == kColumnCount);
constexpr const char* kFormatKey = "format_version";

Status FromRocks(const rocksdb::Status& s, const std::string& dir) {
  if (s.ok()) return Status::OK();
  std::string msg = s.ToString();
  if (s.IsIOError() && msg.find("lock") != std::string::npos) {
    return Status::Busy("state directory " + dir +
                        " is in use by another segstream process (RocksDB lock held): " + msg);
  }
  if (s.IsCorruption()) return Status::Corruption(msg);
  if (s.IsNotFound()) return Status::NotFound(msg);
  if (s.IsInvalidArgument()) return Status::InvalidArgument(msg);
  return Status::IOError(msg);
}

// The floor the engine sets (SetInvoiceRetentionFloor); raised only.
class RetentionFloor {
 public:
  int64_t Get() const { return floor_.load(std::memory_order_relaxed); }
  void Raise(int64_t floor) {
    int64_t now = floor_.load();
    while (floor > now && !floor_.compare_exchange_weak(now, floor)) {
    }
  }

 private:
  std::atomic<int64_t> floor_{kNoTime};
};

// Drops invoice records whose written_watermark is below the floor:
// exact-duplicate bookkeeping past the dedup window. Records it cannot read
// (format 1, kNoTime) are kept.
class InvoiceRetentionFilter final : public rocksdb::CompactionFilter {
 public:
  explicit InvoiceRetentionFilter(int64_t floor) : floor_(floor) {}
  bool Filter(int /*level*/, const rocksdb::Slice& /*key*/, const rocksdb::Slice& value, std::string* /*new_value*/,
              bool* /*value_changed*/) const override {
    if (floor_ == kNoTime) return false;
    const int64_t written = InvoiceWrittenWatermark(std::string_view(value.data(), value.size()));
    return written != kNoTime && written < floor_;
  }
  const char* Name() const override { return "segstream.InvoiceRetention"; }

 private:
  const int64_t floor_;  // the floor when the flush or compaction began
};

// One filter per flush and per compaction (RocksDB's threads), at the floor
// of that moment. Flushes filter too, so forgotten invoices written and
// expired within one memtable never reach an SST file.
class InvoiceRetentionFactory final : public rocksdb::CompactionFilterFactory {
 public:
  explicit InvoiceRetentionFactory(std::shared_ptr<RetentionFloor> floor) : floor_(std::move(floor)) {}
  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
      const rocksdb::CompactionFilter::Context& /*context*/) override {
    return std::make_unique<InvoiceRetentionFilter>(floor_->Get());
  }
  bool ShouldFilterTableFileCreation(rocksdb::TableFileCreationReason reason) const override {
    return reason == rocksdb::TableFileCreationReason::kFlush ||
           reason == rocksdb::TableFileCreationReason::kCompaction;
  }
  const char* Name() const override { return "segstream.InvoiceRetentionFactory"; }

 private:
  std::shared_ptr<RetentionFloor> floor_;
};

class RocksDbStore final : public StateStore {
 public:
  RocksDbStore(std::string dir, std::unique_ptr<rocksdb::DB> db, std::vector<rocksdb::ColumnFamilyHandle*> handles,
               std::shared_ptr<rocksdb::Statistics> stats, std::shared_ptr<RetentionFloor> retention)
      : retention_(std::move(retention)),
        dir_(std::move(dir)),
        db_(std::move(db)),
        handles_(std::move(handles)),
        stats_(std::move(stats)) {}

  void SetInvoiceRetentionFloor(int64_t floor) override { retention_->Raise(floor); }

  ~RocksDbStore() override {
    // A clean close flushes the memtables, so the next open (segctl report,
    // a restart) reads SST files instead of replaying the whole WAL. Fails
    // harmlessly (and is ignored) on a read-only store.
    (void)db_->Flush(rocksdb::FlushOptions(), handles_);
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    db_->Close();
  }

  Status Get(Column column, std::string_view key, std::string* value) override {
    auto s = db_->Get(rocksdb::ReadOptions(), Handle(column), rocksdb::Slice(key.data(), key.size()), value);
    return FromRocks(s, dir_);
  }

  Status Scan(Column column, std::string_view prefix,
              const std::function<bool(std::string_view, std::string_view)>& fn) override {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), Handle(column)));
    for (it->Seek(rocksdb::Slice(prefix.data(), prefix.size())); it->Valid(); it->Next()) {
      auto k = it->key();
      if (!k.starts_with(rocksdb::Slice(prefix.data(), prefix.size()))) break;
      if (!fn(std::string_view(k.data(), k.size()), std::string_view(it->value().data(), it->value().size()))) break;
    }
    return FromRocks(it->status(), dir_);
  }

  Status ScanRange(Column column, std::string_view begin, std::string_view end,
                   const std::function<bool(std::string_view, std::string_view)>& fn) override {
    rocksdb::ReadOptions ro;
    const rocksdb::Slice upper(end.data(), end.size());
    if (!end.empty()) ro.iterate_upper_bound = &upper;  // tombstones past `end` are never visited
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, Handle(column)));
    for (it->Seek(rocksdb::Slice(begin.data(), begin.size())); it->Valid(); it->Next()) {
      auto k = it->key();
      if (!fn(std::string_view(k.data(), k.size()), std::string_view(it->value().data(), it->value().size()))) break;
    }
    return FromRocks(it->status(), dir_);
  }

  Status MultiGet(Column column, const std::vector<std::string>& keys, std::vector<std::string>* values,
                  std::vector<bool>* found) override {
    const size_t n = keys.size();
    values->assign(n, std::string());
    found->assign(n, false);
    if (n == 0) return Status::OK();
    std::vector<rocksdb::Slice> slices;
    slices.reserve(n);
    for (const auto& k : keys) slices.emplace_back(k);
    std::vector<rocksdb::PinnableSlice> got(n);
    std::vector<rocksdb::Status> statuses(n);
    db_->MultiGet(rocksdb::ReadOptions(), Handle(column), n, slices.data(), got.data(), statuses.data());
    for (size_t i = 0; i < n; ++i) {
      if (statuses[i].ok()) {
        (*values)[i].assign(got[i].data(), got[i].size());
        (*found)[i] = true;
      } else if (!statuses[i].IsNotFound()) {
        return FromRocks(statuses[i], dir_);
      }
    }
    return Status::OK();
  }

  Status ScanReverse(Column column, std::string_view prefix,
                     const std::function<bool(std::string_view, std::string_view)>& fn) override {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), Handle(column)));
    // Seek past the prefix range: prefix followed by 0xff bytes.
    std::string upper(prefix);
    upper.append(16, '\xff');
    it->SeekForPrev(upper);
    const rocksdb::Slice p(prefix.data(), prefix.size());
    for (; it->Valid(); it->Prev()) {
      auto k = it->key();
      if (!k.starts_with(p)) break;
      if (!fn(std::string_view(k.data(), k.size()), std::string_view(it->value().data(), it->value().size()))) break;
    }
    return FromRocks(it->status(), dir_);
  }

  Status Commit(const StateWrite& write) override {
    // After a failed write (a full disk, an I/O error) RocksDB holds a
    // background error and its files may be in an error state: never write
    // through it again. Every later commit returns the first failure.
    if (!failed_.ok()) return failed_;
    rocksdb::WriteBatch batch;
    for (const size_t i : WriteBatchOrder(write)) {  // keys ascending: cheap memtable inserts
      const StateWrite::Op& op = write.ops[i];
      rocksdb::Status s = op.erase_range ? batch.DeleteRange(Handle(op.column), op.key, op.value)
                          : op.erase     ? batch.Delete(Handle(op.column), op.key)
                                         : batch.Put(Handle(op.column), op.key, op.value);
      if (!s.ok()) return FromRocks(s, dir_);
    }
    rocksdb::WriteOptions wo;
    wo.sync = true;  // the batch carries source positions: it must survive power loss
    Status s = FromRocks(db_->Write(wo, &batch), dir_);
    if (!s.ok()) {
      failed_ = Status::IOError("state " + dir_ + ": commit failed, the store is closed for writes: " + s.message());
      return failed_;
    }
    return s;
  }

  Status Checkpoint(const std::string& dir) override {
    rocksdb::Checkpoint* cp = nullptr;
    auto s = rocksdb::Checkpoint::Create(db_.get(), &cp);
    if (!s.ok()) return FromRocks(s, dir_);
    std::unique_ptr<rocksdb::Checkpoint> owned(cp);
    return FromRocks(owned->CreateCheckpoint(dir), dir);
  }

  StoreGauge Gauges() override {
    StoreGauge g;
    auto prop = [&](const char* name) {
      uint64_t total = 0, v = 0;
      for (auto* h : handles_) {
        if (db_->GetIntProperty(h, name, &v)) total += v;
      }
      return total;
    };
    g.live_sst_bytes = prop("rocksdb.live-sst-files-size");
    g.memtable_bytes = prop("rocksdb.cur-size-all-mem-tables");
    g.pending_compaction_bytes = prop("rocksdb.estimate-pending-compaction-bytes");
    if (stats_) {
      g.block_cache_hits = stats_->getTickerCount(rocksdb::BLOCK_CACHE_HIT);
      g.block_cache_misses = stats_->getTickerCount(rocksdb::BLOCK_CACHE_MISS);
      g.write_stall_micros = stats_->getTickerCount(rocksdb::STALL_MICROS);
    }
    return g;
  }

 private:
  rocksdb::ColumnFamilyHandle* Handle(Column c) const { return handles_[static_cast<size_t>(c) + 1]; }

  std::shared_ptr<RetentionFloor> retention_;  // shared with the invoices column family's filter factory
  std::string dir_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  // [0] = default
  std::shared_ptr<rocksdb::Statistics> stats_;
  Status failed_;  // the first failed commit (pipeline thread only)
};

}  // namespace

Result<std::unique_ptr<StateStore>> OpenRocksDbStore(const std::string& dir, const StoreOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const bool exists = fs::exists(fs::path(dir) / "CURRENT", ec);
  if (!exists && (options.read_only || !options.create_if_missing)) {
    return Status::NotFound("no segstream state in " + dir + " (run `segstream run --state " + dir + "` first)");
  }
  if (!options.read_only) {
    fs::create_directories(dir, ec);
    if (ec) return Status::IOError("cannot create state directory " + dir + ": " + ec.message());
  }
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 3;
  db_options.max_total_wal_size = options.max_wal_bytes;
  // All memtables together stay within this budget (RocksDB flushes the
  // largest past it); without it each of the six column families could
  // hold two 64 MiB memtables.
  db_options.db_write_buffer_size = options.write_buffer_bytes;
  // Every commit is in the synced WAL already; flushing memtables at close
  // would only make exits slow.
  db_options.avoid_flush_during_shutdown = true;
  auto stats = rocksdb::CreateDBStatistics();
  stats->set_stats_level(rocksdb::StatsLevel::kExceptTimeForMutex);
  db_options.statistics = stats;
  // Our own LOG writer: RocksDB's aborts on a full disk (see info_log.h).
  if (!options.read_only) db_options.info_log = NewInfoLog(dir + "/LOG", rocksdb::InfoLogLevel::INFO_LEVEL);

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  // Index and filter blocks live in the block cache, within its budget:
  // held outside it (RocksDB's default) they grow with the state, about
  // 10 bits per key for the filters alone (hundreds of MB at 10M customers).
  // They are partitioned (RocksDB "Partitioned Index/Filters"): a lookup
  // reads one 4 KiB partition, not a whole file's filter. With whole
  // filters, a cache smaller than the state's filters re-read a filter of
  // hundreds of KB (and checksummed it) for nearly every customer lookup:
  // half the engine's time at 2.5M customers. The top level stays pinned.
  table.index_type = rocksdb::BlockBasedTableOptions::IndexType::kTwoLevelIndexSearch;
  table.partition_filters = true;
  table.metadata_block_size = 4096;
  table.cache_index_and_filter_blocks = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  table.pin_top_level_index_and_filter = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  // Column families read only by scans or by keys that exist (changes,
  // customer_index, timers, meta) need no filter; customers and invoices
  // are looked up for keys never seen (a new customer, a new invoice).
  rocksdb::BlockBasedTableOptions filtered = table;
  filtered.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf_options.compression = rocksdb::kNoCompression;
  cf_options.write_buffer_size = std::max<size_t>(options.write_buffer_bytes / 4, 1 << 20);

  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  cfs.emplace_back(rocksdb::kDefaultColumnFamilyName, cf_options);
  // Nearly every invoice lookup is for an invoice never seen (a new
  // purchase): a bloom filter over the memtable's keys answers those without
  // walking the skiplist (the SST files have their own filters).
  rocksdb::ColumnFamilyOptions customer_options = cf_options;
  customer_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(filtered));
  rocksdb::ColumnFamilyOptions invoice_options = customer_options;
  invoice_options.memtable_prefix_bloom_size_ratio = 0.05;
  invoice_options.memtable_whole_key_filtering = true;
  auto retention = std::make_shared<RetentionFloor>();
  invoice_options.compaction_filter_factory = std::make_shared<InvoiceRetentionFactory>(retention);
  for (const char* name : kColumnNames) {
    const std::string_view n(name);
    cfs.emplace_back(name, n == "invoices" ? invoice_options : n == "customers" ? customer_options : cf_options);
  }

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = options.read_only
                          ? rocksdb::DB::OpenForReadOnly(db_options, dir, cfs, &handles, &raw)
                          : rocksdb::DB::Open(db_options, dir, cfs, &handles, &raw);
  if (!s.ok()) return FromRocks(s, dir);
  auto store = std::make_unique<RocksDbStore>(dir, std::unique_ptr<rocksdb::DB>(raw), std::move(handles), stats,
                                              std::move(retention));

  std::string version;
  Status vs = store->Get(Column::kMeta, kFormatKey, &version);
  // A new state, or a version-6 one, is claimed as the current version:
  // version 6 differs only in how the analytics histograms are stored, their
  // reader (engine/analytics/histogram_log.h) reads both layouts and the
  // engine's next commit rewrites them; from then on an older build refuses
  // the state.
  bool claim = vs.code() == Status::Code::kNotFound;
  if (vs.ok()) {
    const int found = std::atoi(version.c_str());
    if (found == kStateFormatVersion - 1 && version == std::to_string(found)) {
      claim = true;
    } else if (version != std::to_string(kStateFormatVersion)) {
      const bool older = found < kStateFormatVersion;
      return Status::NotSupported(
          "state in " + dir + " has format version " + version + "; this build reads versions " +
          std::to_string(kStateFormatVersion - 1) + " and " + std::to_string(kStateFormatVersion) +
          (older ? " only (version 6 keys every customer's state by its input partition, a different layout): "
                   "replay the input into a new --state directory"
                 : " (upgrade segstream)"));
    }
  } else if (!claim) {
    return vs;
  }
  if (claim && !options.read_only) {
    StateWrite w;
    w.Put(Column::kMeta, kFormatKey, std::to_string(kStateFormatVersion));
    SEGSTREAM_RETURN_IF_ERROR(store->Commit(w));
  }
  return std::unique_ptr<StateStore>(std::move(store));
}

}  // namespace segstream
