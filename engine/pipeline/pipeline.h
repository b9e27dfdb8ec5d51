// Pipeline: the micro-batch loop. Poll a batch from the Source, let the
// SegmentEngine apply it, hand its outputs to the Sink and wait until they
// are durable, then commit state + source positions + sink offsets in one
// synced RocksDB WriteBatch, and only then tell the source (Kafka offsets)
// and the observer (metrics). A crash anywhere replays at most the current
// batch, deterministically.
//
// Records a source hands out again (a Kafka partition re-assigned while
// records read ahead of the durable state were still in flight seeks back
// to the stored position) are recognised by their offsets and skipped, so
// a record is applied once per state, whatever the source does.
//
// With an exactly-once sink, outputs and positions commit in the sink first
// (one Kafka transaction), then the state. A run that dies between the two
// leaves the sink ahead of the state: on restart the records in between are
// re-applied to rebuild the state, and their outputs, already published,
// are dropped instead of being published twice.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/event/sink.h"
#include "engine/event/source.h"
#include "engine/dedup/invoice_sweep.h"
#include "engine/observe/observer.h"
#include "engine/pipeline/segment_engine.h"
#include "state/state_store.h"

namespace segstream {

struct PipelineOptions {
  size_t batch_records = 65536;    // most records per micro-batch
  // Size batches so that one takes about this long (BatchSizer); 0: always
  // batch_records.
  double target_batch_seconds = 0.1;
  int poll_timeout_ms = 100;       // longest wait for the first record of a batch
  double until_idle_seconds = -1;  // > 0: finish after this long without a record (streams)
  double max_rate = 0;             // records per second, 0 = as fast as possible
  bool progress = false;           // a progress line on stderr (a terminal)
  // Each batch's state changes also go to the sink's changelog
  // (Sink::AppendStateChange, state/changelog.h), committed with its outputs.
  bool changelog = false;
  uint64_t test_crash_after_flushes = 0;  // tests only: _exit(137) after this many sink flushes
};

struct RunStats {
  uint64_t records = 0;       // records read this run (events + dead letters)
  uint64_t redelivered = 0;   // records at or behind a position already applied, skipped
  uint64_t reapplied = 0;     // records whose outputs an exactly-once sink had published already
  uint64_t batches = 0;
  double seconds = 0;
  bool finished = false;      // input ended (or idle timeout), final version done
  std::vector<double> batch_seconds;  // processing + commit time of each micro-batch
};

class Pipeline {
 public:
  // Nothing is owned; `observer` may be null.
  Pipeline(PipelineOptions options, SegmentEngine* engine, Source* source, Sink* sink, StateStore* store,
           PipelineObserver* observer);

  // Runs until the input ends, the idle timeout passes, or `stop` is set
  // (then the current batch is finished and committed first).
  Status Run(const std::atomic<bool>& stop);

  const RunStats& stats() const { return stats_; }

 private:
  // Drops records this run has already applied and returns the positions to
  // store: per partition never behind what the state already reflects.
  std::vector<Position> SkipRedelivered(SourceBatch* batch);
  // Exactly-once sinks: applies and commits the records of `batch` below the
  // sink's published positions with their outputs dropped, leaves the rest
  // in `batch`. Returns how many it re-applied.
  Result<size_t> ReapplyPublished(SourceBatch* batch);
  Status Commit(const std::vector<Position>& positions, EngineOutputs* outputs, double batch_seconds);
  // The state part of a report: watermark, customers, model, lag, store.
  void FillStateReport(BatchReport* report);
  void PrintProgress(bool final_line);

  PipelineOptions options_;
  SegmentEngine* engine_;
  Source* source_;
  Sink* sink_;
  StateStore* store_;
  PipelineObserver* observer_;
  std::string source_id_;
  std::map<int32_t, Position> applied_;  // per partition: the position after the last applied record
  std::map<int32_t, int64_t> published_;  // per partition: outputs below this offset are already published
  RunStats stats_;
  // With the changelog: the expired invoices' deletions, as writes (the
  // compaction filter's drops never reach the topic).
  InvoiceSweep invoice_sweep_;
  double last_progress_ = 0;
  uint64_t flushes_ = 0;
};

}  // namespace segstream
