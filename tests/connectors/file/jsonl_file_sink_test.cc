// Tests for JsonlFileSink: file names per stream, Offsets after Flush, and
// truncation to committed offsets on Open (exactly-once file outputs).
#include "connectors/file/jsonl_file_sink.h"

#include <gtest/gtest.h>

#include "tests/connectors/file/test_files.h"

namespace segstream {
namespace {

using testing_util::ReadFile;
using testing_util::TempDir;
using testing_util::WriteFile;

TEST(JsonlFileSink, AppendFlushOffsets) {
  TempDir dir;
  auto sink = OpenJsonlFileSink(dir.File("out/nested"));
  ASSERT_TRUE(sink.ok());
  ASSERT_TRUE((*sink)->Open({}).ok());
  ASSERT_TRUE((*sink)->Append(OutputStream::kSegmentChanges, "17850", R"({"a":1})").ok());
  ASSERT_TRUE((*sink)->Append(OutputStream::kModels, "", R"({"m":1})").ok());
  ASSERT_TRUE((*sink)->Append(OutputStream::kDeadLetters, "", R"({"d":1})").ok());
  ASSERT_TRUE((*sink)->Append(OutputStream::kCustomerSegments, "17850", R"({"ignored":1})").ok());
  // Nothing is on disk before Flush; Offsets only move on Flush.
  EXPECT_EQ(ReadFile(dir.File("out/nested/segment-changes.jsonl")), "");
  EXPECT_EQ((*sink)->Offsets().at("segment-changes.jsonl"), 0);
  ASSERT_TRUE((*sink)->Flush().ok());
  ASSERT_TRUE((*sink)->Append(OutputStream::kSegmentChanges, "17850", R"({"a":2})").ok());
  ASSERT_TRUE((*sink)->Flush().ok());
  EXPECT_EQ(ReadFile(dir.File("out/nested/segment-changes.jsonl")), "{\"a\":1}\n{\"a\":2}\n");
  EXPECT_EQ(ReadFile(dir.File("out/nested/models.jsonl")), "{\"m\":1}\n");
  EXPECT_EQ(ReadFile(dir.File("out/nested/dead-letters.jsonl")), "{\"d\":1}\n");
  const SinkOffsets off = (*sink)->Offsets();
  EXPECT_EQ(off.size(), 3u);
  EXPECT_EQ(off.at("segment-changes.jsonl"), 16);
  EXPECT_EQ(off.at("models.jsonl"), 8);
  EXPECT_EQ(off.at("dead-letters.jsonl"), 8);
}

TEST(JsonlFileSink, OpenTruncatesToCommitted) {
  TempDir dir;
  SinkOffsets committed;
  {
    auto sink = OpenJsonlFileSink(dir.path());
    ASSERT_TRUE((*sink)->Open({}).ok());
    ASSERT_TRUE((*sink)->Append(OutputStream::kSegmentChanges, "", "one").ok());
    ASSERT_TRUE((*sink)->Flush().ok());
    committed = (*sink)->Offsets();  // stored with the state
    ASSERT_TRUE((*sink)->Append(OutputStream::kSegmentChanges, "", "two-uncommitted").ok());
    ASSERT_TRUE((*sink)->Append(OutputStream::kModels, "", "model-uncommitted").ok());
    ASSERT_TRUE((*sink)->Flush().ok());  // flushed, but the state commit "crashed"
  }
  EXPECT_EQ(ReadFile(dir.File("segment-changes.jsonl")), "one\ntwo-uncommitted\n");
  auto sink = OpenJsonlFileSink(dir.path());
  ASSERT_TRUE((*sink)->Open(committed).ok());
  EXPECT_EQ(ReadFile(dir.File("segment-changes.jsonl")), "one\n");
  EXPECT_EQ(ReadFile(dir.File("models.jsonl")), "");
  ASSERT_TRUE((*sink)->Append(OutputStream::kSegmentChanges, "", "two").ok());
  ASSERT_TRUE((*sink)->Flush().ok());
  EXPECT_EQ(ReadFile(dir.File("segment-changes.jsonl")), "one\ntwo\n");
  EXPECT_EQ((*sink)->Offsets().at("segment-changes.jsonl"), 8);
  // A fresh state (no committed offsets) starts fresh files.
  ASSERT_TRUE((*sink)->Open({}).ok());
  EXPECT_EQ(ReadFile(dir.File("segment-changes.jsonl")), "");
}

TEST(JsonlFileSink, ShorterThanCommittedIsCorruption) {
  TempDir dir;
  WriteFile(dir.File("models.jsonl"), "abc\n");
  auto sink = OpenJsonlFileSink(dir.path());
  const Status st = (*sink)->Open({{"models.jsonl", 100}});
  EXPECT_EQ(st.code(), Status::Code::kCorruption);
  EXPECT_EQ(ReadFile(dir.File("models.jsonl")), "abc\n");  // left alone
}

TEST(JsonlFileSink, AppendBeforeOpenFails) {
  TempDir dir;
  auto sink = OpenJsonlFileSink(dir.path());
  EXPECT_FALSE((*sink)->Append(OutputStream::kModels, "", "x").ok());
  EXPECT_FALSE(OpenJsonlFileSink("").ok());
}

}  // namespace
}  // namespace segstream
