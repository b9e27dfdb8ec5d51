// FileSource: a reader thread runs RecordReader ahead of Poll; see file_source.h.
#include "connectors/file/file_source.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "connectors/file/record_reader.h"

namespace segstream {
namespace {
constexpr size_t kBlockRecords = 1024;
constexpr size_t kQueueBlocks = 64;  // up to 64k records (~20 MB) decoded ahead
}  // namespace

struct FileSource::Impl {
  std::unique_ptr<RecordReader> reader;  // owned by the reader thread once it runs
  std::string id;
  bool streamed = false;  // a pipe: no identity, never resumed
  Format format = Format::kCsv;

  std::thread thread;
  std::mutex mu;
  std::condition_variable not_empty;  // consumer waits
  std::condition_variable not_full;   // reader waits
  std::deque<RecordBlock> queue;      // guarded by mu
  bool stop = false;                  // guarded by mu
  std::atomic<bool> cancel{false};    // also stops a read blocked on a pipe

  // Consumer side (Poll's thread only).
  bool started = false;
  RecordBlock current;
  size_t current_index = 0;
  bool have_current = false;
  bool finished = false;  // end of input delivered
  Status deferred;        // a reader error to return on the next Poll

  void Run();
  void Start();
};

void FileSource::Impl::Run() {
  while (true) {
    RecordBlock block;
    block.records.reserve(kBlockRecords);
    block.next_offsets.reserve(kBlockRecords);
    Status st = reader->ReadBlock(kBlockRecords, &block);
    const bool last = block.eof || !st.ok();
    block.status = std::move(st);
    std::unique_lock<std::mutex> lock(mu);
    not_full.wait(lock, [&] { return stop || queue.size() < kQueueBlocks; });
    if (stop) return;
    queue.push_back(std::move(block));
    lock.unlock();
    not_empty.notify_one();
    if (last) return;
  }
}

void FileSource::Impl::Start() {
  if (started) return;
  started = true;
  reader->SetCancelFlag(&cancel);
  thread = std::thread([this] { Run(); });
}

FileSource::FileSource(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FileSource::~FileSource() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stop = true;
  }
  impl_->cancel.store(true);
  impl_->not_full.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::string FileSource::Id() const { return impl_->id; }

FileSource::Format FileSource::format() const { return impl_->format; }

Status FileSource::Seek(const std::vector<Position>& positions) {
  if (impl_->started) return Status::InvalidArgument("FileSource::Seek must come before the first Poll");
  if (impl_->streamed) {
    // A pipe cannot be rewound or identified, so a stored position says
    // nothing about what this pipe carries: read it from its first line.
    if (!positions.empty()) {
      std::fprintf(stderr,
                   "segstream: %s is a pipe: it cannot resume, so it is read from its first line; lines that "
                   "were already applied count once (exact duplicates)\n",
                   impl_->id.c_str());
    }
    return Status::OK();
  }
  for (const Position& p : positions) {
    if (p.partition != 0) {
      return Status::InvalidArgument(fmt::format("a file source has only partition 0, got position for {}", p.partition));
    }
    SEGSTREAM_RETURN_IF_ERROR(impl_->reader->SkipTo(p.next_offset, p.next_line));
  }
  return Status::OK();
}

Status FileSource::Poll(size_t max_records, int timeout_ms, SourceBatch* batch) {
  Impl& s = *impl_;
  if (!s.deferred.ok()) return s.deferred;
  if (s.finished) {
    batch->end_of_input = true;
    return Status::OK();
  }
  s.Start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(timeout_ms, 0));
  bool advanced = false;
  Position last{};
  while (batch->records.size() < max_records) {
    if (!s.have_current || s.current_index == s.current.records.size()) {
      if (s.have_current) {
        // The block is used up: its end covers trailing blank lines.
        last = s.current.end;
        advanced = true;
        const bool eof = s.current.eof;
        Status st = std::move(s.current.status);
        s.have_current = false;
        if (!st.ok()) {
          // Hand out what we have first; the error comes on the next call.
          s.deferred = std::move(st);
          if (batch->records.empty()) return s.deferred;
          break;
        }
        if (eof) {
          s.finished = true;
          batch->end_of_input = true;
          break;
        }
      }
      std::unique_lock<std::mutex> lock(s.mu);
      if (batch->records.empty()) {
        s.not_empty.wait_until(lock, deadline, [&] { return !s.queue.empty(); });
      }
      if (s.queue.empty()) break;
      s.current = std::move(s.queue.front());
      s.queue.pop_front();
      lock.unlock();
      s.not_full.notify_one();
      s.have_current = true;
      s.current_index = 0;
      continue;
    }
    size_t take = std::min(max_records - batch->records.size(), s.current.records.size() - s.current_index);
    // The records of one line (a Debezium update: retract, apply) stay in
    // one batch: a commit between them would resume after the line.
    while (take > 0 && s.current_index + take < s.current.records.size() &&
           s.current.records[s.current_index + take].origin.offset ==
               s.current.records[s.current_index + take - 1].origin.offset) {
      ++take;
    }
    for (size_t i = 0; i < take; ++i) batch->records.push_back(std::move(s.current.records[s.current_index + i]));
    s.current_index += take;
    const DecodedRecord& tail = batch->records.back();
    last = Position{0, s.current.next_offsets[s.current_index - 1], tail.origin.line + 1};
    advanced = true;
  }
  if (advanced) batch->next.push_back(last);
  return Status::OK();
}

Result<std::unique_ptr<FileSource>> OpenFileSource(const std::string& path_or_dash,
                                                   const decode::InputFormat& format, std::string* note) {
  auto reader = RecordReader::Open(path_or_dash, format);
  if (!reader.ok()) return reader.status();
  auto impl = std::make_unique<FileSource::Impl>();
  impl->reader = std::move(reader).value();
  if (note != nullptr) *note = impl->reader->layout_note();
  impl->streamed = impl->reader->streamed();
  impl->id = impl->streamed ? "pipe:" + impl->reader->name() : fmt::format("file:{:016x}", impl->reader->id_hash());
  impl->format =
      impl->reader->format() == RecordReader::Format::kCsv ? FileSource::Format::kCsv : FileSource::Format::kJsonl;
  return std::unique_ptr<FileSource>(new FileSource(std::move(impl)));
}

}  // namespace segstream
