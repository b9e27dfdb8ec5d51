// RocksDbStore on a real directory: the WAL stays bounded when one column
// family is written all the time and another (meta) almost never, the case
// that once kept every WAL file alive.
#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

#include <algorithm>
#include <string>

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

}  // namespace
}  // namespace segstream
