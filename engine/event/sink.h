// Sink: where the engine's outputs go (JSONL files in --out, or Kafka topics).
// The pipeline appends a micro-batch's outputs, calls Flush, and only then
// commits the batch's state and source positions, so outputs are
// at-least-once and a crash replays the batch (deterministically).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/event/invoice_event.h"

#include "engine/util/status.h"

namespace segstream {

// The output streams of the engine (file names / default topic names).
enum class OutputStream {
  kSegmentChanges,    // segment-changes.jsonl / segstream.segment-changes
  kCustomerSegments,  // Kafka only: compacted latest segment per customer
  kModels,            // models.jsonl / segstream.models
  kDeadLetters,       // dead-letters.jsonl / segstream.dead-letters
};

// One output record: its stream, key (the customer id, or empty) and value.
struct OutputRecord {
  OutputStream stream;
  std::string key;
  std::string value;
};

// What the engine produced since the last commit, for the sinks.
struct EngineOutputs {
  std::vector<OutputRecord> records;
  std::vector<double> end_to_end_seconds;
  void Clear() {
    records.clear();
    end_to_end_seconds.clear();
  }
};

// Sink-defined resume offsets (file sinks: byte size of each file), stored in
// the state's WriteBatch so a restart can truncate away un-committed output.
using SinkOffsets = std::map<std::string, int64_t>;

class Sink {
 public:
  virtual ~Sink() = default;
  Sink() = default;
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  // Prepares the sink. `committed` holds the offsets stored with the last
  // durable state (empty on a fresh state): a file sink truncates to them.
  virtual Status Open(const SinkOffsets& committed) = 0;

  // Buffers one record; `key` is the customer id (or empty).
  virtual Status Append(OutputStream stream, std::string_view key, std::string_view value) = 0;

  // Makes every appended record durable (file: written and fsynced; Kafka:
  // every delivery report succeeded). Retries transient failures itself and
  // returns an error only when it gives up.
  virtual Status Flush() = 0;

  // Offsets to store with the state after a successful Flush.
  virtual SinkOffsets Offsets() const { return {}; }

  // Exactly-once sinks: the source positions the outputs appended since the
  // last Flush cover, committed by the next Flush together with them (Kafka:
  // in the same transaction). Called before each Flush; others ignore it.
  virtual void SetBatchPositions(const std::vector<Position>& positions) { (void)positions; }

  // Exactly-once sinks: the source positions through which outputs were
  // already committed downstream when the sink opened. They can be ahead of
  // the state when a run died between the sink's commit and the state's: the
  // pipeline then re-applies those records without handing their outputs to
  // the sink again. Empty for other sinks. Valid after Open.
  virtual std::vector<Position> PublishedPositions() const { return {}; }

  // Changelog sinks (Kafka with --changelog): buffers one record of the
  // state's changelog (state/changelog.h) for `partition`, `value` null for
  // a tombstone, committed by the next Flush with the outputs. Others:
  // NotSupported.
  virtual Status AppendStateChange(int32_t partition, std::string_view record_key, const std::string* value) {
    (void)partition, (void)record_key, (void)value;
    return Status::NotSupported("this sink keeps no changelog");
  }
};

}  // namespace segstream
