// RocksDbStore on a real directory: the WAL stays bounded when one column
// family is written all the time and another (meta) almost never, the case
// that once kept every WAL file alive.
#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

#include <algorithm>
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
