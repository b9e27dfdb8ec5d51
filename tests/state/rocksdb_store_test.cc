// RocksDbStore on a real directory: the WAL stays bounded when one column
// family is written all the time and another (meta) almost never, the case
// that once kept every WAL file alive.
#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>

#include "state/record_codec.h"
#include "state/state_store.h"

namespace segstream {
namespace {

namespace fs = std::filesystem;

// RocksDB deletes obsolete WAL files from its background threads while we
// look: a file that vanished between listing and sizing counts 0.
uint64_t WalBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".log") continue;
    std::error_code size_ec;
    const uintmax_t size = fs::file_size(entry.path(), size_ec);
    if (!size_ec) total += size;
  }
  return total;
}

TEST(RocksDbStoreTest, WalStaysBoundedWhenOneColumnFamilyIsRarelyWritten) {
  const std::string dir = (fs::temp_directory_path() / ("segstream-wal-test-" + std::to_string(::getpid()))).string();
  fs::remove_all(dir);
  StoreOptions options;
  options.max_wal_bytes = 2 << 20;
  {
    auto store = OpenRocksDbStore(dir, options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    StateWrite once;
    once.Put(Column::kMeta, "pinned", "written once, never again");
    ASSERT_TRUE((*store)->Commit(once).ok());
    const std::string value(1000, 'x');
    uint64_t peak = 0;
    for (int batch = 0; batch < 200; ++batch) {  // 200 x 100 x 1 kB = 20 MB of customers
      StateWrite w;
      for (int i = 0; i < 100; ++i) w.Put(Column::kCustomers, std::to_string(batch * 100 + i), value);
      ASSERT_TRUE((*store)->Commit(w).ok());
      peak = std::max(peak, WalBytes(dir));
    }
    // A few memtables' worth at most, far below the 20 MB written.
    EXPECT_LT(peak, 12u << 20) << "peak WAL " << peak;
    std::string v;
    ASSERT_TRUE((*store)->Get(Column::kMeta, "pinned", &v).ok());
  }
  {
    auto reopened = OpenRocksDbStore(dir, options);
    ASSERT_TRUE(reopened.ok());
    std::string v;
    ASSERT_TRUE((*reopened)->Get(Column::kCustomers, "19999", &v).ok());
    EXPECT_EQ(v.size(), 1000u);
  }
  fs::remove_all(dir);
}

// Invoice bookkeeping past the dedup window leaves the state: records
// written before the retention floor are dropped when RocksDB writes them
// out (a flush, here at close), the others and format-1 records stay.
TEST(RocksDbStoreTest, InvoicesBelowTheRetentionFloorAreDropped) {
  const std::string dir = (fs::temp_directory_path() / ("segstream-retention-" + std::to_string(::getpid()))).string();
  fs::remove_all(dir);
  auto invoice = [](int64_t written) {
    InvoiceRecord r;
    r.purchase_counted = true;
    r.written_watermark = written;
    r.line_fingerprints = {1, 2, 3};
    return EncodeInvoice(r);
  };
  {
    auto store = OpenRocksDbStore(dir, StoreOptions());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    StateWrite w;
    for (int i = 0; i < 100; ++i) w.Put(Column::kInvoices, InvoiceKey(std::to_string(i), "inv"), invoice(1000 + i));
    w.Put(Column::kInvoices, InvoiceKey("old", "inv"), std::string("\x01\x01\x00", 3));  // format 1, no watermark
    w.Put(Column::kCustomers, "12", "a customer written before the floor stays");
    ASSERT_TRUE((*store)->Commit(w).ok());
    (*store)->SetInvoiceRetentionFloor(1050);
    (*store)->SetInvoiceRetentionFloor(10);  // lower: ignored
  }
  auto store = OpenRocksDbStore(dir, StoreOptions());
  ASSERT_TRUE(store.ok());
  std::string v;
  int kept = 0;
  ASSERT_TRUE((*store)->Scan(Column::kInvoices, "", [&](std::string_view, std::string_view value) {
                        const int64_t written = InvoiceWrittenWatermark(value);
                        EXPECT_TRUE(written == kNoTime || written >= 1050) << written;
                        ++kept;
                        return true;
                      }).ok());
  EXPECT_EQ(kept, 51) << "50 at or above the floor and the format-1 record";
  EXPECT_TRUE((*store)->Get(Column::kCustomers, "12", &v).ok());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace segstream

namespace segstream {
namespace {

// A state written by an older format is refused with a clear error (exit
// code 3 in segstream and segctl), never read as if it were the current one;
// a newer one asks for an upgrade. Range deletes and MultiGet work on the
// real store.
TEST(RocksDbStoreTest, OlderAndNewerFormatsAreRefusedClearly) {
  const std::string dir = ::testing::TempDir() + "/segstream_format_" + std::to_string(::getpid());
  fs::remove_all(dir);
  {
    auto store = OpenRocksDbStore(dir, StoreOptions{});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    StateWrite w;
    w.Put(Column::kTimers, TimerKey(100, 1), "a");
    w.Put(Column::kTimers, TimerKey(200, 2), "b");
    w.Put(Column::kTimers, TimerKey(300, 3), "c");
    w.DeleteRange(Column::kTimers, TimerKey(100, 0), TimerKey(250, 0));
    w.Put(Column::kTimers, TimerKey(150, 9), "d");  // after the range delete: survives
    ASSERT_TRUE((*store)->Commit(w).ok());
    std::vector<std::string> seen;
    ASSERT_TRUE((*store)->ScanRange(Column::kTimers, "", "", [&](std::string_view k, std::string_view v) {
      int64_t due;
      uint64_t index;
      EXPECT_TRUE(ParseTimerKey(k, &due, &index));
      seen.push_back(std::to_string(due) + ":" + std::string(v));
      return true;
    }).ok());
    EXPECT_EQ(seen, (std::vector<std::string>{"150:d", "300:c"}));
    std::vector<std::string> values;
    std::vector<bool> found;
    ASSERT_TRUE((*store)->MultiGet(Column::kTimers, {TimerKey(300, 3), TimerKey(100, 1)}, &values, &found).ok());
    EXPECT_EQ(found, (std::vector<bool>{true, false}));
    EXPECT_EQ(values[0], "c");
    StateWrite old;
    old.Put(Column::kMeta, "format_version", "3");
    ASSERT_TRUE((*store)->Commit(old).ok());
  }
  auto reopened = OpenRocksDbStore(dir, StoreOptions{});
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), Status::Code::kNotSupported);
  EXPECT_NE(reopened.status().message().find("replay the input into a new --state directory"), std::string::npos)
      << reopened.status().ToString();
  fs::remove_all(dir);
}

// A version-6 state (the format before the analytics histograms became a
// checkpoint and deltas) opens: read-only it stays version 6, read-write it
// is claimed as the current version, so an older build refuses it after.
TEST(RocksDbStoreTest, TheVersionBeforeIsOpenedAndClaimed) {
  const std::string dir = ::testing::TempDir() + "/segstream_format_prev_" + std::to_string(::getpid());
  fs::remove_all(dir);
  auto format_of = [&](bool read_only) {
    StoreOptions o;
    o.read_only = read_only;
    auto store = OpenRocksDbStore(dir, o);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    std::string v;
    if (store.ok()) {
      EXPECT_TRUE((*store)->Get(Column::kMeta, "format_version", &v).ok());
    }
    return v;
  };
  {
    auto store = OpenRocksDbStore(dir, StoreOptions{});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    StateWrite old;
    old.Put(Column::kMeta, "format_version", std::to_string(kStateFormatVersion - 1));
    ASSERT_TRUE((*store)->Commit(old).ok());
  }
  EXPECT_EQ(format_of(/*read_only=*/true), std::to_string(kStateFormatVersion - 1));
  EXPECT_EQ(format_of(/*read_only=*/false), std::to_string(kStateFormatVersion));
  EXPECT_EQ(format_of(/*read_only=*/true), std::to_string(kStateFormatVersion));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace segstream

namespace segstream {
namespace {

// Commit applies a write's operations in their written order, whatever
// order it hands them to RocksDB in (state/write_order.h): random writes
// with repeated keys, deletes and range deletes, checked against a map.
TEST(RocksDbStoreTest, CommitsEqualTheOperationsAppliedInOrder) {
  const std::string dir = ::testing::TempDir() + "/segstream_commit_order_" + std::to_string(::getpid());
  fs::remove_all(dir);
  auto store = OpenRocksDbStore(dir, StoreOptions{});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const Column columns[] = {Column::kCustomers, Column::kTimers, Column::kChanges};
  std::map<std::pair<int, std::string>, std::string> model;
  std::mt19937_64 rng(3);
  auto key = [&] {
    std::string k = std::to_string(rng() % 30);
    k.insert(k.begin(), 'k');
    return k;
  };
  for (int round = 0; round < 60; ++round) {
    StateWrite w;
    for (int i = 0, n = static_cast<int>(rng() % 50); i < n; ++i) {
      const int c = static_cast<int>(rng() % 3);
      const uint64_t kind = rng() % 25;
      if (kind == 0) {
        std::string b = key(), e = key();
        if (e < b) std::swap(b, e);
        w.DeleteRange(columns[c], b, e);
        for (auto it = model.lower_bound({c, b}); it != model.end() && it->first.first == c && it->first.second < e;) {
          it = model.erase(it);
        }
      } else if (kind < 6) {
        const std::string k = key();
        w.Delete(columns[c], k);
        model.erase({c, k});
      } else {
        const std::string k = key(), v = std::to_string(round * 1000 + i);
        w.Put(columns[c], k, v);
        model[{c, k}] = v;
      }
    }
    ASSERT_TRUE((*store)->Commit(w).ok());
    std::map<std::pair<int, std::string>, std::string> stored;
    for (int c = 0; c < 3; ++c) {
      ASSERT_TRUE((*store)->Scan(columns[c], "", [&](std::string_view k, std::string_view v) {
        stored[{c, std::string(k)}] = std::string(v);
        return true;
      }).ok());
    }
    ASSERT_EQ(stored, model) << "round " << round;
  }
  store->reset();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace segstream
