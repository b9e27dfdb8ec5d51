// RecordReader: the synchronous core of FileSource. Reads a ByteStream,
// splits it into lines (bounded memory for oversize lines), tracks byte
// offsets and line numbers, detects the format from the first line, and
// decodes lines into record blocks. FileSource runs it on its reader thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/decode/csv_decoder.h"
#include "connectors/decode/debezium.h"
#include "connectors/decode/input_format.h"
#include "connectors/decode/json_decoder.h"
#include "connectors/file/byte_stream.h"
#include "engine/event/invoice_event.h"
#include "engine/util/status.h"

namespace segstream {

inline constexpr size_t kMaxLineBytes = 64 * 1024;
inline constexpr size_t kIdPrefixBytes = 64 * 1024;

// FNV-1a, 64 bit: a fixed, documented hash (std::hash is not stable across
// builds) for source ids.
uint64_t Fnv1a64(std::string_view data);

// Records decoded from consecutive lines and the position after each.
struct RecordBlock {
  std::vector<DecodedRecord> records;
  std::vector<int64_t> next_offsets;  // byte offset after each record's line
  Position end;                       // after everything read, blank lines included
  bool eof = false;                   // no more records follow
  Status status;                      // a fatal read error after `records`
};

class RecordReader {
 public:
  // kDebezium: --input-format debezium; a line is one change event and gives
  // 1 record (a tombstone: a skipped one) or 2 (an update: retract before,
  // apply after), always in the same block.
  enum class Format { kCsv, kJsonl, kDebezium };

  // Opens the stream, hashes its first 64 KiB and reads the CSV header.
  // A mapped `format` with no delimiter or time format is sniffed from the
  // header and the lines in the first buffer (decode/sniff.h).
  static Result<std::unique_ptr<RecordReader>> Open(const std::string& path_or_dash,
                                                    const decode::InputFormat& format = {});

  uint64_t id_hash() const { return id_hash_; }  // 0 when streamed()
  // True when the input is a pipe (or FIFO, socket, terminal): it has no
  // identity to resume by (see FileSource).
  bool streamed() const { return streamed_; }
  const std::string& name() const { return stream_->name(); }
  Format format() const { return format_; }
  // What sniffing chose ("" when nothing was sniffed), for the user.
  const std::string& layout_note() const { return layout_note_; }
  Position position() const { return Position{0, offset_, line_no_}; }

  // Reads and discards up to `offset`, which must be the start of a line at
  // or after the current position; `line` becomes the next line number.
  Status SkipTo(int64_t offset, uint64_t line);

  // Appends up to `max_records` records to block->records (blank lines are
  // skipped) and sets block->end, and block->eof at the end of the stream.
  // Returns early, with at least one record, rather than wait for more input
  // (a slow pipe's records are not held back until a block is full).
  Status ReadBlock(size_t max_records, RecordBlock* block);

  // See ByteStream::SetCancelFlag.
  void SetCancelFlag(const std::atomic<bool>* cancel) { stream_->SetCancelFlag(cancel); }

 private:
  explicit RecordReader(std::unique_ptr<ByteStream> stream);
  Status Fill();  // compacts the buffer and reads more; sets eof_
  // The next line without its '\n' (nullopt at the end). `*oversize` is set
  // for lines longer than kMaxLineBytes, whose view holds only a prefix.
  // With `may_block` false it returns nullopt and sets *would_block instead
  // of reading more input.
  Result<std::optional<std::string_view>> NextLine(int64_t* offset, uint64_t* line_no, bool* oversize,
                                                   int64_t* length, bool may_block = true,
                                                   bool* would_block = nullptr);
  Status DetectFormat();
  // The complete lines in the buffer after the current position, at most n.
  std::vector<std::string_view> PeekLines(size_t n) const;

  std::unique_ptr<ByteStream> stream_;
  std::vector<char> buf_;
  size_t begin_ = 0;  // first unconsumed byte in buf_
  size_t end_ = 0;    // end of valid bytes in buf_
  bool eof_ = false;
  int64_t offset_ = 0;    // stream offset of buf_[begin_]
  uint64_t line_no_ = 1;  // number of the line starting at offset_
  uint64_t id_hash_ = 0;
  bool streamed_ = false;
  Format format_ = Format::kCsv;
  std::optional<CsvDecoder> csv_;
  std::optional<JsonEventDecoder> json_;
  std::unique_ptr<DebeziumDecoder> cdc_;
  decode::InputFormat input_format_;
  std::string layout_note_;
  std::string oversize_prefix_;
  uint64_t fills_ = 0;  // Fill calls so far: a new fill means new ingest time
};

}  // namespace segstream
