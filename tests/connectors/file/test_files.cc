// Test helpers; see test_files.h.
#include "tests/connectors/file/test_files.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace segstream::testing_util {

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = ::testing::TempDir() + "/segstream_file_test_" + std::to_string(::getpid()) + "_" +
          std::to_string(counter++);
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void WriteFile(const std::string& path, std::string_view data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
  ASSERT_TRUE(f.good()) << path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string Gzip(std::string_view data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::vector<DecodedRecord> Drain(Source* source, size_t max_records, Position* last) {
  std::vector<DecodedRecord> out;
  SourceBatch batch;
  for (int polls = 0; polls < 10'000'000; ++polls) {
    batch.Clear();
    const Status st = source->Poll(max_records, 1000, &batch);
    EXPECT_TRUE(st.ok()) << st.ToString();
    if (!st.ok()) break;
    EXPECT_LE(batch.records.size(), max_records);
    for (auto& r : batch.records) out.push_back(std::move(r));
    if (last != nullptr && !batch.next.empty()) *last = batch.next.back();
    if (batch.end_of_input) break;
  }
  return out;
}

std::string DataDir() {
  const char* env = std::getenv("SEGSTREAM_DATA_DIR");
  return env != nullptr && *env != '\0' ? env : SEGSTREAM_DEFAULT_DATA_DIR;
}

}  // namespace segstream::testing_util
