// Helpers for file connector tests: temporary directories, writing plain and
// gzip files, and draining a Source.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/event/source.h"

namespace segstream::testing_util {

// A fresh empty directory under the gtest temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string File(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, std::string_view data);
std::string ReadFile(const std::string& path);
// One gzip member holding `data`.
std::string Gzip(std::string_view data);

// Polls until end of input; fails the test on a non-OK status.
std::vector<DecodedRecord> Drain(Source* source, size_t max_records = 1000, Position* last = nullptr);

// Directory holding online_retail.csv.gz ($SEGSTREAM_DATA_DIR or the
// compiled-in default ../shared/data).
std::string DataDir();

}  // namespace segstream::testing_util
