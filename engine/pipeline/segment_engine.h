// SegmentEngine: the deterministic core of segstream, and the coordinator of
// its components along the data path. It applies decoded records, in order,
// to the per-customer RFM state (cleaning: engine/rfm; customers in the
// store behind engine/cache; exact duplicates: engine/dedup; state
// partitions: engine/partitions); keeps the population scaler exact
// (engine/statistics); steps the mini-batch k-means every `step_events`
// accepted events and publishes model versions (engine/trainer decides the
// centres, the engine draws the samples, matches ids and names segments);
// scores customers (engine/segment), fires recency timers (engine/timers)
// and emits segment changes (engine/changes); and builds the RocksDB
// WriteBatch that makes a micro-batch durable together with its source
// positions and sink offsets.
//
// Everything it computes is a function of the sequence of records (never of
// how they were cut into micro-batches or of the wall clock), so a crash that
// replays a batch reproduces the same outputs, and a Kafka replay of a file
// equals the file replay.
//
// Retraction (CDC, DecodedRecord::retract): undoing a line is the exact
// inverse of its apply, so the RFM state equals that of a replay without the
// line: money sums lose its amount; its fingerprint leaves its invoice (an
// invoice with no line left is deleted); frequency drops when the invoice's
// last purchase line goes (InvoiceRecord::purchase_lines); first/last
// purchase and last event times are recomputed from the customer's line-time
// multiset (CustomerHistory). The scaler, the recency histogram, the active
// count, segment sizes and the analytics hooks see it as they see an apply; a
// customer left without purchases becomes inactive and leaves its segment (a
// change to -1, reason "retraction"); an active one is rescored (reason
// "retraction"). The watermark never moves back (nor forward) on a
// retraction, and the dedup window keeps running on the partition's. A retraction of a
// line the state does not hold is a dead letter that changes nothing:
// `retraction_unknown_line`, `retraction_beyond_window` (the line's time is
// past the dedup window: its invoice may be forgotten; decided by the line's
// time, not by whether the store dropped the record), `retraction_no_history`
// (applied by a build without retraction history). Retractions count as
// "retracted" outcomes and towards the step cadence.
//
// Customers live in the store (state format 6, keyed by input partition:
// engine/rfm/customer_key.h): the engine keeps a bounded
// cache of them (CustomerCache, engine/cache; EngineOptions::cache_customers;
// clean entries are evicted least recently used, at commits and between
// chunks of a rescoring pass), reads the customers a micro-batch touches with
// one MultiGet, finds customers by their creation index (sampling, timers)
// through the customer_index column family, and the rescoring pass reads
// them in key order with range scans. Entries with uncommitted changes are
// never evicted, so the cache over the store is always the engine's exact
// state. Recency timers are keys of the timers column family ordered by due
// time (see RescheduleTimer); a step reads only the due ones.
//
// Not thread-safe: one pipeline thread drives it. Queries from other threads
// go through ServingSnapshot() and the StateStore.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "engine/event/sink.h"
#include "engine/analytics/aggregates.h"
#include "engine/cache/customer_cache.h"
#include "engine/changes/change_emitter.h"
#include "engine/dedup/invoice_ledger.h"
#include "engine/event/invoice_event.h"
#include "engine/model/scaler.h"
#include "engine/partitions/partition_directory.h"
#include "engine/pipeline/engine_options.h"
#include "engine/observe/observer.h"
#include "engine/rfm/customer_record.h"
#include "engine/segment/recency_timer.h"
#include "engine/segment/serving_model.h"
#include "engine/statistics/population_statistics.h"
#include "engine/timers/recency_timer_store.h"
#include "engine/trainer/model_trainer.h"
#include "state/state_store.h"

namespace segstream {

// Counts by (result, reason) for the summary and the metrics.
class OutcomeCounts {
 public:
  void Add(const std::string& result, const std::string& reason, uint64_t n = 1);
  const std::vector<ReasonCount>& counts() const { return counts_; }
  uint64_t Total(const std::string& result) const;
  void Clear() { counts_.clear(); }
  void Merge(const OutcomeCounts& other);

 private:
  std::vector<ReasonCount> counts_;  // few distinct keys: a linear scan beats hashing
};

class SegmentEngine {
 public:
  SegmentEngine(EngineOptions options, StateStore* store);
  SegmentEngine(const SegmentEngine&) = delete;
  SegmentEngine& operator=(const SegmentEngine&) = delete;

  // Loads customers and engine state from the store (call once).
  Status Load();

  // Positions stored for `source_id` (empty when new) and the sink offsets.
  Result<std::vector<Position>> StoredPositions(const std::string& source_id);
  Result<SinkOffsets> StoredSinkOffsets();

  // Applies the records of `batch` in order. Store read errors are returned
  // (the batch must then not be committed);
  // bad records are dead letters in `out`, never errors.
  Status Process(const std::string& source_id, const SourceBatch& batch, EngineOutputs* out);

  // End of a finite input (or --until-idle): the last step and a final
  // version if anything changed since the last one. Idempotent.
  //
  // FinishSome does it in bounded work: it rescores at most
  // EngineOptions::rescore_per_step x 4 customers of a rescoring pass per
  // call and sets *more while a pass is still under way. Commit `out` after
  // each call (its outputs and pinned customers are then released) and call
  // again with the same positions: at 10M customers a final pass in one
  // micro-batch held every customer it moved and took minutes. The sequence
  // of calls gives the same outputs as one call, and a restart between them
  // resumes (the pass is in the committed engine meta). Finish loops over
  // FinishSome without committing (tests, small populations).
  Status FinishSome(EngineOutputs* out, bool* more);
  Status Finish(EngineOutputs* out);

  // Everything changed since the last commit, plus positions and offsets.
  void BuildCommit(const std::string& source_id, const std::vector<Position>& positions,
                   const SinkOffsets& sink_offsets, StateWrite* write);
  // Adds `sink_offsets` to `write` (BuildCommit does; a changelog commit adds
  // the offsets its Flush produced after building the write before it).
  static void PutSinkOffsets(const SinkOffsets& sink_offsets, StateWrite* write);
  // Call after the store committed BuildCommit's write.
  void OnCommitted();

  // This run's counts since the last TakeBatchCounts (for metrics).
  OutcomeCounts TakeBatchCounts();
  std::vector<std::pair<std::string, uint64_t>> TakeBatchChanges();
  bool TakePublished();
  const OutcomeCounts& run_counts() const { return run_counts_; }

  int64_t watermark() const { return watermark_; }
  double hysteresis() const { return options_.hysteresis; }  // z units (EngineOptions::hysteresis)
  // Invoice records written before this watermark are past the dedup window
  // (kNoTime: keep everything); see StateStore::SetInvoiceRetentionFloor.
  // The window runs on each partition's watermark, so the floor is the
  // slowest partition's: no partition's remembered invoices are dropped.
  int64_t InvoiceRetentionFloor() const { return invoices_.RetentionFloor(partitions_.MinWatermark()); }
  // The same for one state partition: its records written before this are
  // past the window (InvoiceSweep).
  int64_t InvoiceRetentionFloor(int32_t partition) const {
    return invoices_.RetentionFloor(partitions_.watermark(partition));
  }
  // Invoice records the micro-batch being built creates (InvoiceLedger::created).
  size_t InvoicesCreated() const { return invoices_.created(); }
  uint64_t customers_total() const { return partitions_.total(); }
  // Customers held in the cache now (a gauge for tests and metrics).
  size_t customers_cached() const { return cache_.size(); }
  // For tests: CustomerCache::Inconsistency. O(cache).
  std::string CacheInconsistency() const { return cache_.Inconsistency(); }
  uint64_t customers_active() const { return active_; }
  const ServingModel& serving() const { return serving_; }
  std::shared_ptr<const ServingModel> ServingSnapshot() const;
  ModelGauge Gauge() const;
  // Customers per segment id under the serving model (current assignments).
  std::vector<std::pair<int, uint64_t>> SegmentSizes() const;
  // Every customer's record, in creation order (for the end-of-run table
  // and tests): the store's, with the uncommitted ones from the cache. Reads
  // the whole customers column family.
  std::vector<CustomerRecord> CustomerRecords() const;
  // CustomerRecords() when there are at most `max` customers, otherwise the
  // records of a seeded uniform sample of `max` of them (by index), so the
  // end-of-run table of a large population does not hold it all in memory.
  std::vector<CustomerRecord> CustomerRecordsSample(size_t max);

 private:
  // segment_engine.cc: the per-record path.
  // `amount_milli`: the line's |quantity| x unit price, from CheckAccumulate.
  void ApplyAccepted(const InvoiceEvent& e, bool is_purchase, bool new_purchase_invoice, int64_t amount_milli,
                     const Origin& origin, EngineOutputs* out);
  // Undoes the line `r.event` (a CDC retraction): the exact inverse of its
  // apply, or a dead letter (`retraction_unknown_line`,
  // `retraction_beyond_window`, `retraction_no_history`) that changes nothing.
  // `inv`: the line's invoice, already past the dedup-window rule.
  // Returns true when the line was retracted.
  bool Retract(const std::string& source_id, const DecodedRecord& r, bool is_purchase, const std::string& class_name,
               InvoiceLedger::Entry* inv, EngineOutputs* out);

  // segment_engine_cache.cc: reading customers from the store into cache_
  // (by id, by index, batched). Lookups never fail: a store read error is
  // kept in read_error_ (Process and Finish return it) and the customer
  // counts as absent.
  // By customer key (CustomerKey: the state partition, then the id).
  // FindOrCreate answers UINT32_MAX only when the partition cannot number
  // another customer (read_error_ says so).
  uint32_t FindOrCreate(const std::string& customer_key);
  uint32_t FindExisting(const std::string& customer_key);  // UINT32_MAX when unknown
  uint32_t SlotOfIndex(uint64_t index);                   // UINT32_MAX when unknown
  // One MultiGet for the customers of `batch` not cached (keys absent from
  // the store are remembered until the batch ends).
  void PrefetchCustomers(const SourceBatch& batch);
  // The same for customers by index.
  void PrefetchIndexList(const std::vector<uint64_t>& indices);
  // cache_.Insert, with the vector the scaler holds for a newly cached customer.
  uint32_t InsertSlot(std::string id, const CustomerRecord& rec, CustomerHistory history);
  // Evicts the least recently used clean entries when the cache holds more
  // than cache_customers (down to three quarters of it). Call only where no
  // slot number is held across (commits, between pass chunks).
  void EvictIfOver();
  void KeepReadError(const Status& s) {
    if (read_error_.ok() && !s.ok()) read_error_ = s;
  }
  // record_key_ = the customer key of `r` (its partition and customer id).
  void SetRecordKey(const DecodedRecord& r) {
    record_key_.assign(PartitionKeyPrefix(r.origin.partition));
    record_key_.append(r.event.customer_id);
  }
  // Why applying `e` (of the customer record_key_) would overflow a money sum ("" when it would not); the
  // line's amount in thousandths goes to *amount_milli when it would not.
  std::string CheckAccumulate(const InvoiceEvent& e, bool is_purchase, int64_t* amount_milli);
  // Emits `r` as a dead letter with `error` (the decoder's, or an engine-side reason), counted like every outcome.
  void DeadLetter(const std::string& source_id, const DecodedRecord& r, std::string error, EngineOutputs* out);
  void MarkDirty(uint32_t slot) {
    if (!cache_.at(slot).dirty) {
      cache_.at(slot).dirty = true;
      dirty_slots_.push_back(slot);
    }
  }
  // A line changed the customer (applied or retracted): write it at the
  // next commit, recompute its timer and feed it to the next step.
  void MarkTouched(uint32_t slot);
  // `version_visit`: the rescoring pass of a version (its scored watermark
  // is the version's event time, so the record's is left as it was).
  void Rescore(uint32_t slot, const char* reason, int64_t event_time, EngineOutputs* out, int64_t ingest_us,
               std::string_view invoice = {}, bool version_visit = false);
  // `before`: the segment left, as named by the model that assigned it
  // (null: retired, or the customer had none).
  void EmitChange(uint32_t slot, int previous_id, const SegmentInfo* before, const char* reason, int64_t event_time,
                  std::string_view invoice, EngineOutputs* out);
  // The compacted customer-segments record (latest segment of a customer).
  void EmitLatestSegment(uint32_t slot, int64_t event_time, EngineOutputs* out);

  // segment_engine_model.cc: steps, versions, bootstrap.
  void Step(EngineOutputs* out);
  // Rescoring pass of the serving version: visits up to `budget` customers
  // from the cursor (rescore, reason by ChangeReasonAtVersion, new timer,
  // inertia); at the end, CompletePass.
  void AdvancePass(size_t budget, EngineOutputs* out);
  // The version's statistics from its pass (inertia, sizes, customers) and
  // its models-topic record.
  void CompletePass(EngineOutputs* out);
  // True while `slot` has not been scored under the serving version at all:
  // its pass has not reached it and no event or timer has scored it since
  // the publication. Its segment id is then the previous version's.
  bool AwaitsPass(uint32_t slot) const {
    return pass_.active && cache_.at(slot).rec.scored_version != serving_.version && cache_.at(slot).key >= pass_.cursor;
  }
  // The model whose names `slot`'s current segment id goes by.
  const ServingModel& ModelOfCurrentSegment(uint32_t slot) const {
    return AwaitsPass(slot) ? pass_.previous : serving_;
  }
  void CountSegment(int segment_id, int delta);
  void Bootstrap(EngineOutputs* out);
  void Publish(const std::string& trigger, EngineOutputs* out);
  // The reason of a change found by rescoring at a new version.
  const char* ChangeReasonAtVersion(const CustomerRecord& r, int64_t previous_version_time) const;
  // The scaler's recency coordinate recomputed for everyone at the current
  // watermark from the last-purchase histogram (analytics/recency_sums.h).
  void SyncRecencyStatistics();
  // A seeded uniform sample of at most `max_points` active customers (z
  // units under `scaler`), in index order; reads them through the cache.
  model::Points ActivePoints(const model::PopulationScaler& scaler, size_t max_points, uint64_t seed);
  Status FinishModel(EngineOutputs* out, bool* more);
  // Timers are computed (and fired) at steps only, so a timer is the first
  // crossing after the watermark of the step that last computed it.
  // `from_pass`: a version's rescoring pass, which does not rewrite the
  // record for it (the timer key says the version; see .cc).
  void RescheduleTimer(uint32_t slot, int64_t at_watermark, bool from_pass = false);
  // Removes the timers due at or before the watermark and returns the
  // indices of those still live, earliest first (ties by index).
  std::vector<uint64_t> PopDueTimers();
  // ModelTrainer::PolishedDrift on a fresh population sample.
  double PolishedDrift();

  // segment_engine_state.cc: meta encoding.
  std::string EncodeEngineMeta() const;
  Status DecodeEngineMeta(std::string_view data);

  EngineOptions options_;
  StateStore* store_;  // not owned

  CustomerCache cache_;  // customers by slot number (engine/cache)
  std::unordered_set<std::string> absent_keys_;  // customer keys of this batch the store does not hold
  std::string record_key_;  // the customer key of the record Process is applying (SetRecordKey)
  bool evict_blocked_ = false;    // EvictIfOver found too few clean entries since the last commit
  PartitionDirectory partitions_;  // state partitions, their customer counts, population positions
  Status read_error_;             // the first store read error of this batch
  InvoiceLedger invoices_;  // over store_
  std::vector<uint32_t> dirty_slots_;              // customers to write at the next commit
  uint64_t active_ = 0;

  int64_t watermark_ = kNoTime;
  // The live population scaler (engine/statistics): an active customer
  // leaves it before its record changes and enters it again after. (The
  // last-purchase histogram behind its recency coordinate follows the
  // analytics hook OnCustomerChanged.)
  PopulationStatistics statistics_;
  ModelTrainer trainer_;  // the mini-batch centres and what each version publishes (engine/trainer)
  ServingModel serving_;
  // The rescoring pass of the serving version (bounded work per step; see
  // EngineOptions::rescore_per_step). Persisted in the engine meta, and
  // `previous` under its own meta key, so a restart resumes it exactly.
  struct RescorePass {
    bool active = false;
    std::string cursor;        // the pass visits customer keys >= cursor next, in key (bytewise) order
    double inertia = 0;        // squared z distances of the active customers visited
    uint64_t visited = 0;      // active customers visited
    std::vector<int> renamed;  // segment ids whose name changed at this version
    ServingModel previous;     // the version before (names of the segments customers leave)
  };
  RescorePass pass_;
  bool pass_previous_dirty_ = false;  // write pass_.previous at the next commit
  std::vector<std::pair<int, uint64_t>> segment_sizes_;  // live customers per segment id (few ids)
  std::vector<uint32_t> step_buffer_;  // slots touched since the last step, first-touch order (pinned in the cache)
  std::vector<uint64_t> loaded_step_indices_;  // the step buffer as the engine meta holds it (indices), for Load
  uint64_t accepted_since_step_ = 0;
  uint64_t accepted_since_publish_ = 0;
  uint64_t steps_since_publish_ = 0;
  uint64_t step_count_ = 0;
  int64_t last_step_watermark_ = kNoTime;
  int next_segment_id_ = 0;
  RecencyTimerStore timers_;  // over store_
  ChangeEmitter changes_;     // segment changes as records and the store's recent-changes history
  // The report's aggregates (engine/analytics): fed by hooks marked
  // "analytics hook", committed with the rest of the batch.
  analytics::Analytics analytics_;

  OutcomeCounts batch_counts_, run_counts_;
  bool published_in_batch_ = false;     // for the observer
  bool published_since_commit_ = false;  // write the serving model at the next commit

  mutable std::mutex snapshot_mu_;
  std::shared_ptr<const ServingModel> serving_snapshot_;  // guarded by snapshot_mu_
};

}  // namespace segstream
