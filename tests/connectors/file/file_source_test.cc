// Tests for FileSource: plain vs gzip (same records, same id), multi-member
// gzip, BOM, CRLF, blank lines, JSONL, positions and resume via Seek,
// oversize lines with bounded memory, and clear errors.
#include "connectors/file/file_source.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <sys/stat.h>
#include <unistd.h>

#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "connectors/decode/event_json.h"
#include "connectors/file/record_reader.h"
#include "tests/connectors/cdc_rows.h"
#include "tests/connectors/file/test_files.h"

namespace segstream {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing_util::Drain;
using testing_util::Gzip;
using testing_util::TempDir;
using testing_util::WriteFile;

constexpr std::string_view kHeader = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n";

// A CSV body of `n` lines with a few hostile ones mixed in.
std::string Body(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    if (i % 97 == 13) {
      s += "5" + std::to_string(i) + ",X,\"unterminated,1,12/1/2010 8:26,1.0,17850,UK\n";
    } else if (i % 89 == 7) {
      s += "\n";  // blank: skipped, but positions count it
    } else {
      s += std::to_string(536365 + i) + ",85123A,\"ITEM, " + std::to_string(i) + "\"," + std::to_string(i % 50 + 1) +
           ",12/1/2010 8:26,2.55," + (i % 4 == 0 ? "" : std::to_string(12000 + i % 500)) + ",United Kingdom\n";
    }
  }
  return s;
}

std::unique_ptr<FileSource> Open(const std::string& path) {
  auto s = OpenFileSource(path);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

void ExpectSameRecords(const std::vector<DecodedRecord>& a, const std::vector<DecodedRecord>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].origin.offset, b[i].origin.offset) << i;
    EXPECT_EQ(a[i].origin.line, b[i].origin.line) << i;
    EXPECT_EQ(a[i].error, b[i].error) << i;
    EXPECT_EQ(a[i].raw, b[i].raw) << i;
    if (a[i].error.empty()) {
      EXPECT_EQ(EncodeEventJson(a[i].event), EncodeEventJson(b[i].event)) << i;
    }
  }
}

TEST(FileSource, PlainAndGzipGiveSameRecordsAndId) {
  TempDir dir;
  const std::string data = std::string(kHeader) + Body(5000);
  WriteFile(dir.File("a.csv"), data);
  WriteFile(dir.File("a.csv.gz"), Gzip(data));
  WriteFile(dir.File("misnamed.csv"), Gzip(data));  // gzip detected by magic, not name
  auto plain = Open(dir.File("a.csv"));
  auto gz = Open(dir.File("a.csv.gz"));
  auto mis = Open(dir.File("misnamed.csv"));
  ASSERT_TRUE(plain && gz && mis);
  EXPECT_EQ(plain->Id(), gz->Id());
  EXPECT_EQ(plain->Id(), mis->Id());
  EXPECT_THAT(plain->Id(), ::testing::MatchesRegex("file:[0-9a-f]{16}"));
  EXPECT_EQ(plain->format(), FileSource::Format::kCsv);
  Position last_plain, last_gz;
  auto a = Drain(plain.get(), 333, &last_plain);
  auto b = Drain(gz.get(), 1000, &last_gz);
  auto c = Drain(mis.get(), 7);
  ExpectSameRecords(a, b);
  ExpectSameRecords(a, c);
  EXPECT_EQ(last_plain, last_gz);
  EXPECT_EQ(last_plain.next_offset, static_cast<int64_t>(data.size()));
  // 5000 lines - blank ones; the unterminated ones are dead letters.
  int blanks = 0, bad = 0;
  for (int i = 0; i < 5000; ++i) {
    if (i % 97 == 13) ++bad;
    else if (i % 89 == 7) ++blanks;
  }
  ASSERT_EQ(a.size(), static_cast<size_t>(5000 - blanks));
  int dead = 0;
  for (const auto& r : a) dead += !r.error.empty();
  EXPECT_EQ(dead, bad);
  // Offsets and lines point at the record's own line.
  EXPECT_EQ(a[0].origin.line, 2u);
  EXPECT_EQ(a[0].origin.offset, static_cast<int64_t>(kHeader.size()));
  for (const auto& r : a) {
    ASSERT_LT(static_cast<size_t>(r.origin.offset), data.size());
    EXPECT_TRUE(r.origin.offset == 0 || data[r.origin.offset - 1] == '\n');
    EXPECT_GT(r.origin.ingest_us, 0);
  }
  EXPECT_EQ(a[1].event.description, "ITEM, 1");
}

TEST(FileSource, DifferentDataDifferentId) {
  TempDir dir;
  WriteFile(dir.File("a.csv"), std::string(kHeader) + Body(10));
  WriteFile(dir.File("b.csv"), std::string(kHeader) + Body(11));
  auto a = Open(dir.File("a.csv"));
  auto b = Open(dir.File("b.csv"));
  EXPECT_NE(a->Id(), b->Id());
}

TEST(FileSource, MultiMemberGzip) {
  TempDir dir;
  const std::string body = Body(3000);
  const size_t cut = body.find('\n', body.size() / 2) + 1;
  const std::string first = std::string(kHeader) + body.substr(0, cut);
  WriteFile(dir.File("plain.csv"), std::string(kHeader) + body);
  WriteFile(dir.File("multi.gz"), Gzip(first) + Gzip(body.substr(cut)));
  auto plain = Open(dir.File("plain.csv"));
  auto multi = Open(dir.File("multi.gz"));
  EXPECT_EQ(plain->Id(), multi->Id());
  ExpectSameRecords(Drain(plain.get()), Drain(multi.get()));
}

TEST(FileSource, ResumeFromMidFilePosition) {
  TempDir dir;
  const std::string data = std::string(kHeader) + Body(4000);
  WriteFile(dir.File("a.csv.gz"), Gzip(data));
  auto full_src = Open(dir.File("a.csv.gz"));
  const auto full = Drain(full_src.get());
  // Read part of the stream, keep the position, resume in a new source.
  auto first = Open(dir.File("a.csv.gz"));
  SourceBatch batch;
  std::vector<DecodedRecord> got;
  Position pos;
  // Poll hands out what the reader thread has ready (at most 617 here).
  while (got.size() < 1800) {
    batch.Clear();
    ASSERT_TRUE(first->Poll(617, 1000, &batch).ok());
    ASSERT_FALSE(batch.end_of_input);
    ASSERT_LE(batch.records.size(), 617u);
    if (batch.records.empty()) continue;
    ASSERT_EQ(batch.next.size(), 1u);
    pos = batch.next[0];
    for (auto& r : batch.records) got.push_back(std::move(r));
  }
  EXPECT_EQ(pos.partition, 0);
  EXPECT_EQ(pos.next_line, got.back().origin.line + 1);
  auto second = Open(dir.File("a.csv.gz"));
  ASSERT_TRUE(second->Seek({pos}).ok());
  for (auto& r : Drain(second.get(), 100)) got.push_back(std::move(r));
  ExpectSameRecords(full, got);
}

TEST(FileSource, SeekErrors) {
  TempDir dir;
  const std::string data = std::string(kHeader) + Body(100);
  WriteFile(dir.File("a.csv"), data);
  auto s = Open(dir.File("a.csv"));
  Status st = s->Seek({Position{0, static_cast<int64_t>(data.size()) + 10, 200}});
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("input is shorter than the stored position"));
  auto t = Open(dir.File("a.csv"));
  st = t->Seek({Position{0, static_cast<int64_t>(kHeader.size()) + 3, 2}});
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("not the start of a line"));
  // Seeking to the very end is fine: nothing left.
  auto u = Open(dir.File("a.csv"));
  ASSERT_TRUE(u->Seek({Position{0, static_cast<int64_t>(data.size()), 102}}).ok());
  EXPECT_TRUE(Drain(u.get()).empty());
}

TEST(FileSource, BomCrlfAndBlankLines) {
  TempDir dir;
  const std::string data = "\xEF\xBB\xBF" + std::string(kHeader.substr(0, kHeader.size() - 1)) + "\r\n" +
                           "536365,85123A,A,6,12/1/2010 8:26,2.55,17850,United Kingdom\r\n\r\n   \n" +
                           "536366,22633,B,6,12/1/2010 8:28,1.85,17850,United Kingdom";  // no final newline
  WriteFile(dir.File("a.csv"), data);
  auto s = Open(dir.File("a.csv"));
  Position last;
  auto recs = Drain(s.get(), 10, &last);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].error, "");
  EXPECT_EQ(recs[0].event.description, "A");
  EXPECT_EQ(recs[0].origin.line, 2u);
  EXPECT_EQ(recs[1].error, "");
  EXPECT_EQ(recs[1].event.unit_price_milli, 1850);
  EXPECT_EQ(recs[1].origin.line, 5u);
  EXPECT_EQ(last.next_offset, static_cast<int64_t>(data.size()));
  EXPECT_EQ(last.next_line, 6u);
}

TEST(FileSource, OversizeLineIsOneDeadLetterWithBoundedRaw) {
  TempDir dir;
  const std::string good = "536365,85123A,A,6,12/1/2010 8:26,2.55,17850,United Kingdom\n";
  const std::string huge = "536365,85123A,\"" + std::string(200 * 1024, 'x') + "\",6,12/1/2010 8:26,2.55,17850,UK\n";
  const std::string data = std::string(kHeader) + good + huge + good + huge + huge.substr(0, huge.size() - 1);
  WriteFile(dir.File("a.csv"), data);
  WriteFile(dir.File("a.gz"), Gzip(data));
  for (const char* name : {"a.csv", "a.gz"}) {
    auto s = Open(dir.File(name));
    Position last;
    auto recs = Drain(s.get(), 10, &last);
    ASSERT_EQ(recs.size(), 5u) << name;
    EXPECT_EQ(recs[0].error, "");
    EXPECT_THAT(recs[1].error, StartsWith("oversize_line: line of 204"));
    EXPECT_EQ(recs[1].raw.size(), kMaxRawBytes);
    EXPECT_EQ(recs[1].origin.line, 3u);
    EXPECT_EQ(recs[2].error, "");
    EXPECT_EQ(recs[2].origin.line, 4u);
    EXPECT_EQ(recs[2].origin.offset, static_cast<int64_t>(kHeader.size() + good.size() + huge.size()));
    EXPECT_THAT(recs[3].error, StartsWith("oversize_line"));
    EXPECT_THAT(recs[4].error, StartsWith("oversize_line"));  // the last one has no newline
    EXPECT_EQ(last.next_offset, static_cast<int64_t>(data.size()));
  }
}

TEST(FileSource, Jsonl) {
  TempDir dir;
  InvoiceEvent e;
  e.invoice = "536365";
  e.stock_code = "85123A";
  e.description = "caf\xC3\xA9";
  e.quantity = 6;
  e.unit_price_milli = 2550;
  e.invoice_ts = 1291191960;
  e.customer_id = "17850";
  e.country = "United Kingdom";
  const std::string data = "\n" + EncodeEventJson(e) + "\n{\"invoice\":\n" + EncodeEventJson(e) + "\n";
  WriteFile(dir.File("a.jsonl.gz"), Gzip(data));
  auto s = Open(dir.File("a.jsonl.gz"));
  EXPECT_EQ(s->format(), FileSource::Format::kJsonl);
  auto recs = Drain(s.get());
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].error, "");
  EXPECT_EQ(EncodeEventJson(recs[0].event), EncodeEventJson(e));
  EXPECT_EQ(recs[0].origin.line, 2u);
  EXPECT_EQ(recs[0].origin.offset, 1);
  EXPECT_THAT(recs[1].error, StartsWith("bad_json"));
  EXPECT_EQ(recs[2].error, "");
}

TEST(FileSource, Errors) {
  TempDir dir;
  auto missing = OpenFileSource(dir.File("nope.csv"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr(dir.File("nope.csv")));
  WriteFile(dir.File("bad.csv"), "a,b,c\n1,2,3\n");
  auto bad = OpenFileSource(dir.File("bad.csv"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("InvoiceNo,StockCode"));
  // A truncated gzip delivers what it decoded, then a Corruption status.
  const std::string gz = Gzip(std::string(kHeader) + Body(20000));
  WriteFile(dir.File("trunc.gz"), gz.substr(0, gz.size() / 2));
  auto trunc = Open(dir.File("trunc.gz"));
  SourceBatch batch;
  Status st;
  size_t n = 0;
  for (int i = 0; i < 1000 && st.ok(); ++i) {
    batch.Clear();
    st = trunc->Poll(500, 1000, &batch);
    n += batch.records.size();
    ASSERT_FALSE(batch.end_of_input);
  }
  EXPECT_EQ(st.code(), Status::Code::kCorruption);
  EXPECT_GT(n, 1000u);
}

TEST(FileSource, LivePipeDeliversPromptlyAndClosesWhileBlocked) {
  // A FIFO stands in for stdin fed by a live producer that keeps the pipe
  // open: records must arrive without waiting for a full block or EOF, and
  // destroying the source must not hang in a blocked read.
  TempDir dir;
  const std::string fifo = dir.File("pipe");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string data(kHeader);
  int lines = 0;
  while (data.size() < 70 * 1024) {  // past the 64 KiB the id needs
    data += std::to_string(536365 + lines++) + ",85123A,A,6,12/1/2010 8:26,2.55,17850,United Kingdom\n";
  }
  std::promise<void> release;
  std::thread writer([&] {
    const int fd = ::open(fifo.c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
    release.get_future().wait();
    ::close(fd);
  });
  {
    auto s = Open(fifo);
    ASSERT_TRUE(s);
    size_t n = 0;
    SourceBatch batch;
    for (int i = 0; i < 200 && n < static_cast<size_t>(lines); ++i) {
      batch.Clear();
      ASSERT_TRUE(s->Poll(100000, 100, &batch).ok());
      EXPECT_FALSE(batch.end_of_input);
      n += batch.records.size();
    }
    EXPECT_EQ(n, static_cast<size_t>(lines));
    // The reader thread is now blocked on the open pipe; the source closes anyway.
  }
  release.set_value();
  writer.join();
}

TEST(FileSource, EmptyFileIsEndOfInput) {
  TempDir dir;
  WriteFile(dir.File("empty"), "");
  auto s = Open(dir.File("empty"));
  EXPECT_TRUE(Drain(s.get()).empty());
  WriteFile(dir.File("header_only.csv"), kHeader);
  auto h = Open(dir.File("header_only.csv"));
  EXPECT_TRUE(Drain(h.get()).empty());
}

}  // namespace
}  // namespace segstream

namespace segstream {
namespace {

using ::testing::StartsWith;
using testing_util::TempDir;
using testing_util::WriteFile;

// --input-format debezium: an update line gives two records (retract the
// before row, apply the after row) that are never split between batches, so
// a commit, and a resume, is always at a line boundary; a tombstone gives one
// skipped record (counted, never applied); a blank line none.
TEST(FileSource, DebeziumLinesStayWholeInABatch) {
  TempDir dir;
  const auto row = cdc_rows::Row;
  const std::string line1 = "{\"op\":\"c\",\"before\":null,\"after\":" + row(2) + "}\n";
  const std::string line2 =
      "{\"schema\":{},\"payload\":{\"op\":\"u\",\"before\":" + row(2) + ",\"after\":" + row(3) + "}}\n";
  const std::string data =
      line1 + line2 + "\nnull\n{\"op\":\"d\",\"before\":" + row(3) + ",\"after\":null}\n{\"op\":\"x\"}\n";
  WriteFile(dir.File("cdc.jsonl"), data);
  const decode::InputFormat format = cdc_rows::Format();
  auto opened = OpenFileSource(dir.File("cdc.jsonl"), format, nullptr);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto s = std::move(opened).value();
  std::vector<SourceBatch> batches;
  for (int i = 0; i < 20; ++i) {
    SourceBatch b;
    ASSERT_TRUE(s->Poll(1, 1000, &b).ok());
    if (!b.records.empty()) batches.push_back(std::move(b));
    if (batches.size() == 5) break;
  }
  ASSERT_EQ(batches.size(), 5u);
  ASSERT_EQ(batches[0].records.size(), 1u);
  EXPECT_FALSE(batches[0].records[0].retract);
  EXPECT_EQ(batches[0].records[0].event.quantity, 2);
  cdc_rows::ExpectUpdate(batches[1].records);
  ASSERT_EQ(batches[1].next.size(), 1u);
  EXPECT_EQ(batches[1].next[0].next_offset, static_cast<int64_t>(line1.size() + line2.size()));
  ASSERT_EQ(batches[2].records.size(), 1u) << "the tombstone (null) is one skipped record";
  EXPECT_EQ(batches[2].records[0].skip, "tombstone");
  EXPECT_TRUE(batches[2].records[0].error.empty());
  ASSERT_EQ(batches[3].records.size(), 1u);
  EXPECT_TRUE(batches[3].records[0].retract);
  EXPECT_EQ(batches[3].records[0].event.quantity, 3);
  ASSERT_EQ(batches[4].records.size(), 1u);
  EXPECT_THAT(batches[4].records[0].error, StartsWith("unsupported_op"));
}

}  // namespace
}  // namespace segstream
