// FileSource: invoice records from a CSV or JSONL file, a .gz of one, or
// stdin ("-").
//
// - Gzip is detected by its magic bytes (multi-member files are fine); a
//   UTF-8 BOM is skipped. The first non-blank line decides the format: "{"
//   means JSONL (every line one JSON event, JsonEventDecoder), anything else
//   is a CSV header (CsvDecoder; an unknown header fails OpenFileSource).
// - Blank lines are skipped (they still advance the position). A line longer
//   than 64 KiB is one `oversize_line` dead letter; only its first 4 KiB are
//   kept, so memory stays bounded whatever the input.
// - Id() is "file:" + 16 hex digits of FNV-1a-64 over the first 64 KiB of
//   the decompressed stream: the same data resumes under the same id from a
//   path, a .gz or stdin redirected from a file.
// - A pipe (stdin from a pipe, a FIFO, a terminal) is a stream: nothing is
//   read ahead for an identity (that would hold every record back until
//   64 KiB or EOF arrived), its id is "pipe:" + its name, and it cannot
//   resume: Seek ignores stored positions and the pipe is read from its
//   first line. Lines an earlier run applied are exact duplicates then and
//   count once, so feeding the same data again changes no state.
// - Positions: partition 0, next_offset = byte offset (decompressed, BOM
//   included) of the next line, next_line its 1-based number (header = 1).
//   Seek reads and discards up to the stored offset and checks that it is a
//   line start.
//
// Threading: after Seek (or the first Poll) one reader thread reads,
// inflates, splits and decodes ahead of Poll into a bounded queue of record
// blocks (64 x 1024 records), so decompression and decoding overlap
// with the pipeline's work. Poll/Seek/Id are called from one thread.
#pragma once

#include "connectors/decode/input_format.h"

#include <memory>
#include <string>
#include <vector>

#include "engine/event/source.h"

namespace segstream {

class FileSource : public Source {
 public:
  enum class Format { kCsv, kJsonl };

  ~FileSource() override;

  std::string Id() const override;
  Status Seek(const std::vector<Position>& positions) override;
  Status Poll(size_t max_records, int timeout_ms, SourceBatch* batch) override;

  Format format() const;

 private:
  friend Result<std::unique_ptr<FileSource>> OpenFileSource(const std::string& path_or_dash,
                                                            const decode::InputFormat& format, std::string* note);
  struct Impl;
  explicit FileSource(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Opens `path_or_dash` ("-" = stdin), reads its first 64 KiB for the id and
// the header. NotFound names the path; an unknown CSV header is
// InvalidArgument listing the expected columns. `format` maps a foreign
// layout (input_format.h); what was sniffed for it goes to *note.
Result<std::unique_ptr<FileSource>> OpenFileSource(const std::string& path_or_dash,
                                                   const decode::InputFormat& format = {},
                                                   std::string* note = nullptr);

}  // namespace segstream
