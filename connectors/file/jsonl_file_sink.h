// JsonlFileSink: the engine's outputs as JSON Lines files in one directory:
//   segment-changes.jsonl (kSegmentChanges), models.jsonl (kModels),
//   dead-letters.jsonl (kDeadLetters); kCustomerSegments is Kafka-only and
//   ignored here.
//
// Exactly-once with the state: Append buffers in memory, Flush writes and
// fdatasyncs, Offsets() are the file sizes after the last Flush, which the
// pipeline stores in the same WriteBatch as the state. Open(committed)
// truncates each file back to its committed size (a missing key means 0, so
// a fresh state starts fresh files) and reports Corruption when a file is
// shorter than its committed size (someone truncated or replaced it).
//
// Thread safety: none; one pipeline thread uses it.
#pragma once

#include <array>
#include <memory>
#include <string>

#include "engine/event/sink.h"

namespace segstream {

class JsonlFileSink : public Sink {
 public:
  ~JsonlFileSink() override;

  Status Open(const SinkOffsets& committed) override;
  Status Append(OutputStream stream, std::string_view key, std::string_view value) override;
  Status Flush() override;
  SinkOffsets Offsets() const override;

  const std::string& dir() const { return dir_; }

 private:
  friend Result<std::unique_ptr<JsonlFileSink>> OpenJsonlFileSink(const std::string& dir);
  explicit JsonlFileSink(std::string dir);

  struct File {
    std::string name;
    int fd = -1;
    int64_t size = 0;     // durable size after the last Flush (or Open)
    std::string pending;  // appended, not yet written
  };
  static constexpr size_t kFiles = 3;

  File* FileFor(OutputStream stream);
  void CloseAll();

  std::string dir_;
  std::array<File, kFiles> files_;
  bool open_ = false;
};

// Creates the sink object for `dir` (nothing touches the disk until Open).
Result<std::unique_ptr<JsonlFileSink>> OpenJsonlFileSink(const std::string& dir);

}  // namespace segstream
