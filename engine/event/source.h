// Source: where invoice records come from (a CSV/JSONL file or stdin, a Kafka
// consumer group). The pipeline pulls micro-batches of decoded records from
// it; positions are stored by the pipeline in the same RocksDB WriteBatch as
// the state they produced and handed back on restart.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/event/invoice_event.h"
#include "engine/util/status.h"

namespace segstream {

class Source {
 public:
  virtual ~Source() = default;
  Source() = default;
  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;

  // The identity under which this source's positions are stored, e.g.
  // "file:3f2a9c0d11e4b7a2" (a hash of the stream's first bytes, so the same
  // data resumes whether read from a path or stdin) or "kafka:segstream.invoices".
  virtual std::string Id() const = 0;

  // Resume from stored positions. Called once, after construction and before
  // the first Poll; an empty vector means "from the beginning".
  virtual Status Seek(const std::vector<Position>& positions) = 0;

  // Appends up to `max_records` records to `batch` (which the caller cleared),
  // waiting at most `timeout_ms` for the first one. Sets batch->next to the
  // positions after the returned records and batch->end_of_input when a finite
  // source is exhausted. An empty batch without end_of_input means "idle".
  // A non-OK Status is an error the run cannot continue past (I/O error,
  // unknown CSV header); malformed records are DecodedRecords with `error`.
  virtual Status Poll(size_t max_records, int timeout_ms, SourceBatch* batch) = 0;

  // Tells the source that state up to `positions` is durable (Kafka commits
  // offsets to the broker for lag tools). Never called ahead of durability.
  virtual Status CommitDurable(const std::vector<Position>& positions) {
    (void)positions;
    return Status::OK();
  }

  // Messages behind the end of each assigned partition (Kafka); empty for files.
  virtual std::vector<std::pair<int32_t, int64_t>> Lag() const { return {}; }

  // False while a consumer has no partitions assigned yet (for /readyz).
  virtual bool Ready() const { return true; }
};

}  // namespace segstream
