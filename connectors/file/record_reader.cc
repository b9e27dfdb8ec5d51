// RecordReader; see record_reader.h.
#include "connectors/file/record_reader.h"

#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "connectors/decode/field_parse.h"
#include "connectors/decode/reasons.h"
#include "connectors/decode/sniff.h"
#include "connectors/decode/text.h"

namespace segstream {
namespace {

constexpr size_t kBufferBytes = 1024 * 1024;
static_assert(kBufferBytes > 2 * kMaxLineBytes, "a maximal line must fit with room to spare");

bool IsBlank(std::string_view line) {
  for (const char c : line) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

int64_t WallMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

uint64_t Fnv1a64(std::string_view data) {
  uint64_t h = 14695981039346656037ULL;
  for (const char c : data) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

RecordReader::RecordReader(std::unique_ptr<ByteStream> stream) : stream_(std::move(stream)), buf_(kBufferBytes) {}

Result<std::unique_ptr<RecordReader>> RecordReader::Open(const std::string& path_or_dash,
                                                        const decode::InputFormat& format) {
  auto stream = ByteStream::Open(path_or_dash);
  if (!stream.ok()) return stream.status();
  std::unique_ptr<RecordReader> r(new RecordReader(std::move(stream).value()));
  r->input_format_ = format;
  if (r->stream_->regular_file()) {
    // A file's bytes are all there: its identity is a hash of its start.
    while (r->end_ < kIdPrefixBytes && !r->eof_) SEGSTREAM_RETURN_IF_ERROR(r->Fill());
    r->id_hash_ = Fnv1a64(std::string_view(r->buf_.data(), std::min(r->end_, kIdPrefixBytes)));
  } else {
    // A pipe's bytes arrive when its writer sends them: reading ahead for an
    // identity would hold every record back until 64 KiB or EOF arrived.
    r->streamed_ = true;
  }
  if (r->end_ >= 3 && std::memcmp(r->buf_.data(), "\xEF\xBB\xBF", 3) == 0) {
    r->begin_ = 3;  // the BOM stays part of line 1 for offsets
    r->offset_ = 3;
  }
  SEGSTREAM_RETURN_IF_ERROR(r->DetectFormat());
  return r;
}

Status RecordReader::Fill() {
  ++fills_;
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buf_.size()) return Status::OK();
  auto r = stream_->Read(buf_.data() + end_, buf_.size() - end_);
  if (!r.ok()) return r.status();
  if (*r == 0) eof_ = true;
  end_ += *r;
  return Status::OK();
}

Result<std::optional<std::string_view>> RecordReader::NextLine(int64_t* offset, uint64_t* line_no, bool* oversize,
                                                               int64_t* length, bool may_block, bool* would_block) {
  *oversize = false;
  if (would_block != nullptr) *would_block = false;
  while (true) {
    const char* base = buf_.data() + begin_;
    const size_t pending = end_ - begin_;
    const void* nl = pending > 0 ? std::memchr(base, '\n', pending) : nullptr;
    if (nl != nullptr || (eof_ && pending > 0)) {
      const size_t len = nl != nullptr ? static_cast<size_t>(static_cast<const char*>(nl) - base) : pending;
      const size_t consumed = nl != nullptr ? len + 1 : len;
      *offset = offset_;
      *line_no = line_no_;
      *length = static_cast<int64_t>(len);
      offset_ += static_cast<int64_t>(consumed);
      ++line_no_;
      begin_ += consumed;
      if (len > kMaxLineBytes) {
        *oversize = true;
        return std::optional<std::string_view>(std::string_view(base, kMaxRawBytes));
      }
      return std::optional<std::string_view>(std::string_view(base, len));
    }
    if (eof_) return std::optional<std::string_view>();
    if (!may_block) {
      *would_block = true;
      return std::optional<std::string_view>();
    }
    if (pending > kMaxLineBytes) {
      // Oversize line without its end in the buffer: keep a prefix for the
      // dead letter and stream past the rest without holding it.
      oversize_prefix_.assign(base, kMaxRawBytes);
      *offset = offset_;
      *line_no = line_no_;
      int64_t skipped = static_cast<int64_t>(pending);
      begin_ = end_;
      while (true) {
        SEGSTREAM_RETURN_IF_ERROR(Fill());
        if (begin_ == end_) {
          if (eof_) break;
          continue;
        }
        const char* b = buf_.data() + begin_;
        const void* p = std::memchr(b, '\n', end_ - begin_);
        if (p != nullptr) {
          const size_t k = static_cast<size_t>(static_cast<const char*>(p) - b) + 1;
          skipped += static_cast<int64_t>(k);
          begin_ += k;
          break;
        }
        skipped += static_cast<int64_t>(end_ - begin_);
        begin_ = end_;
      }
      offset_ += skipped;
      ++line_no_;
      *length = skipped;
      *oversize = true;
      return std::optional<std::string_view>(std::string_view(oversize_prefix_));
    }
    SEGSTREAM_RETURN_IF_ERROR(Fill());
  }
}

Status RecordReader::DetectFormat() {
  while (true) {
    int64_t off = 0, len = 0;
    uint64_t ln = 0;
    bool oversize = false;
    auto line = NextLine(&off, &ln, &oversize, &len);
    if (!line.ok()) return line.status();
    if (!line->has_value()) {
      // Empty input: nothing to decode; treat it as JSONL (no header needed).
      format_ = Format::kJsonl;
      json_.emplace();
      return Status::OK();
    }
    if (oversize) {
      return Status::InvalidArgument(
          fmt::format("\"{}\": the first line is longer than {} bytes; expected a CSV header or a JSON object",
                      stream_->name(), kMaxLineBytes));
    }
    const std::string_view text = **line;
    if (IsBlank(text)) continue;
    if (input_format_.debezium) {
      // Every line is data; un-read it (see below).
      begin_ = static_cast<size_t>(text.data() - buf_.data());
      offset_ = off;
      line_no_ = ln;
      format_ = Format::kDebezium;
      cdc_ = std::make_unique<DebeziumDecoder>(input_format_);
      return Status::OK();
    }
    if (decode::TrimSpaces(text).front() == '{') {
      // JSONL: the line is data; un-read it. It is still in the buffer (not
      // oversize, and NextLine only refills before returning a line).
      begin_ = static_cast<size_t>(text.data() - buf_.data());
      offset_ = off;
      line_no_ = ln;
      format_ = Format::kJsonl;
      if (!input_format_.mapped()) {
        json_.emplace();
        return Status::OK();
      }
      // Mapped JSON: sniff the time format from the first documents.
      JsonEventDecoder probe(input_format_);
      std::vector<std::string> times;
      for (std::string_view doc : PeekLines(decode::kSniffLines)) {
        if (auto t = probe.MappedFieldText(doc, decode::EventField::kInvoiceTs)) times.push_back(*t);
      }
      auto f = decode::SniffJsonTimes(times, input_format_, &layout_note_);
      if (!f.ok()) {
        return Status::InvalidArgument(fmt::format("\"{}\": {}", stream_->name(), f.status().message()));
      }
      json_.emplace(f.value());
      return Status::OK();
    }
    decode::InputFormat csv_format = input_format_;
    if (csv_format.mapped()) {
      auto f = decode::SniffCsv(text, PeekLines(decode::kSniffLines), input_format_, &layout_note_);
      if (!f.ok()) {
        return Status::InvalidArgument(fmt::format("\"{}\": {}", stream_->name(), f.status().message()));
      }
      csv_format = f.value();
    }
    auto csv = CsvDecoder::FromHeader(text, csv_format);
    if (!csv.ok()) {
      return Status::InvalidArgument(fmt::format("\"{}\" line {}: {}", stream_->name(), ln, csv.status().message()));
    }
    format_ = Format::kCsv;
    csv_.emplace(std::move(csv).value());
    return Status::OK();
  }
}

std::vector<std::string_view> RecordReader::PeekLines(size_t n) const {
  std::vector<std::string_view> lines;
  std::string_view rest(buf_.data() + begin_, end_ - begin_);
  while (lines.size() < n) {
    const size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) {
      if (eof_ && !rest.empty()) lines.push_back(rest);
      break;
    }
    lines.push_back(rest.substr(0, nl));
    rest.remove_prefix(nl + 1);
  }
  return lines;
}

Status RecordReader::SkipTo(int64_t offset, uint64_t line) {
  if (offset < offset_) {
    return Status::InvalidArgument(fmt::format("stored position {} of \"{}\" lies before its first record (offset {})",
                                               offset, stream_->name(), offset_));
  }
  char last = '\n';  // the current position is always a line start
  while (offset_ < offset) {
    if (begin_ == end_) {
      if (eof_) {
        return Status::InvalidArgument(fmt::format(
            "input is shorter than the stored position: \"{}\" ends at byte {}, the stored position is byte {}",
            stream_->name(), offset_, offset));
      }
      SEGSTREAM_RETURN_IF_ERROR(Fill());
      continue;
    }
    const size_t k = static_cast<size_t>(std::min<int64_t>(offset - offset_, static_cast<int64_t>(end_ - begin_)));
    begin_ += k;
    offset_ += static_cast<int64_t>(k);
    last = buf_[begin_ - 1];
  }
  if (last != '\n') {
    return Status::InvalidArgument(fmt::format(
        "stored position byte {} of \"{}\" is not the start of a line (the input changed?)", offset, stream_->name()));
  }
  line_no_ = line;
  return Status::OK();
}

Status RecordReader::ReadBlock(size_t max_records, RecordBlock* block) {
  // Ingest time is taken when new input arrived, not per record (a clock
  // read per line would cost more than decoding it).
  uint64_t stamped_fills = ~fills_;
  int64_t now_us = 0;
  while (block->records.size() < max_records) {
    int64_t off = 0, len = 0;
    uint64_t ln = 0;
    bool oversize = false;
    bool would_block = false;
    auto line = NextLine(&off, &ln, &oversize, &len, block->records.empty(), &would_block);
    if (!line.ok()) {
      block->end = position();
      return line.status();
    }
    if (would_block) break;  // hand out what we have before waiting for input
    if (!line->has_value()) {
      block->eof = true;
      break;
    }
    if (stamped_fills != fills_) {
      stamped_fills = fills_;
      now_us = WallMicros();
    }
    const std::string_view text = **line;
    if (!oversize && IsBlank(text)) continue;
    DecodedRecord& rec = block->records.emplace_back();
    rec.origin.partition = 0;
    rec.origin.offset = off;
    rec.origin.line = ln;
    rec.origin.ingest_us = now_us;
    if (oversize) {
      decode::FormatReasonText(decode::kOversizeLine,
                               fmt::format("line of {} bytes exceeds the limit of {} bytes", len, kMaxLineBytes),
                               &rec.error);
      decode::AssignValidUtf8Prefix(text, kMaxRawBytes, &rec.raw);
    } else if (format_ == Format::kCsv) {
      csv_->Decode(text, &rec);
    } else if (format_ == Format::kDebezium) {
      // One record per change (a tombstone: one skipped record), all with
      // this line's origin and end: FileSource never cuts a batch between
      // them (a resume re-reads whole lines).
      const Origin origin = rec.origin;
      block->records.pop_back();
      const size_t first = block->records.size();
      cdc_->DecodeRecords(text, &block->records);
      for (size_t i = first; i < block->records.size(); ++i) {
        block->records[i].origin = origin;
        if (i + 1 < block->records.size()) block->next_offsets.push_back(offset_);
      }
    } else {
      json_->Decode(text, &rec);
    }
    block->next_offsets.push_back(offset_);
  }
  block->end = position();
  return Status::OK();
}

}  // namespace segstream
