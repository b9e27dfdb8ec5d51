// The pipeline's narrow outward interfaces: what it reports after each
// committed micro-batch (PipelineObserver, implemented by the Prometheus
// metrics), and the read-only queries the HTTP server answers (EngineQueries,
// implemented by the pipeline over RocksDB snapshots).
//
// Header-only and below state/ in the layers (docs/layers.md): the store
// fills StoreGauge, and metrics/, http/ and report/ use these types without
// linking the pipeline. The gauge structs are plain values; the thread-safety
// of each interface is stated on it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/util/status.h"

namespace segstream {

// Counts of one micro-batch, keyed by outcome.
struct ReasonCount {
  std::string result;   // "accepted", "skipped", "duplicate", "dead_letter"
  std::string reason;   // accepted: "purchase"|"return"; skipped: "no_customer",
                        // "zero_quantity", "non_positive_price", "non_product_code",
                        // "adjustment_invoice"; duplicate: "duplicate";
                        // dead_letter: the decoder's reason class (e.g. "bad_number")
  uint64_t count = 0;
};

struct SegmentGauge {
  int segment_id = 0;
  std::string name;
  uint64_t customers = 0;
  double centroid_shift = 0;   // shift of this centre since the previous version (scaled units)
};

struct ModelGauge {
  uint64_t version = 0;
  int k = 0;
  double inertia = 0;          // on all customers with frequency > 0, scaled space
  double silhouette = 0;       // sampled
  double max_centroid_shift = 0;
  std::vector<SegmentGauge> segments;
};

// RocksDB health, read from its properties and statistics after each batch.
struct StoreGauge {
  uint64_t live_sst_bytes = 0;            // rocksdb.live-sst-files-size
  uint64_t memtable_bytes = 0;            // rocksdb.cur-size-all-mem-tables
  uint64_t pending_compaction_bytes = 0;  // rocksdb.estimate-pending-compaction-bytes
  uint64_t block_cache_hits = 0;          // cumulative
  uint64_t block_cache_misses = 0;        // cumulative
  uint64_t write_stall_micros = 0;        // cumulative
};

struct PartitionLag {
  int32_t partition = 0;
  int64_t lag = 0;             // messages behind the high watermark
};

// Everything the observer learns from one committed micro-batch.
struct BatchReport {
  std::vector<ReasonCount> events;                                  // this batch only
  std::vector<std::pair<std::string, uint64_t>> changes_by_reason;  // this batch only
  std::vector<double> end_to_end_seconds;  // per segment change: ingest -> change emitted
  double processing_seconds = 0;           // wall time of the micro-batch
  int64_t watermark = 0;                   // event time, epoch seconds; kNoTime before the first event
  uint64_t customers_total = 0;
  uint64_t customers_active = 0;           // frequency > 0
  std::optional<ModelGauge> model;         // set when a model exists (every batch)
  bool model_published = false;            // a new version was published in this batch
  std::vector<PartitionLag> lag;           // Kafka only
  StoreGauge store;
  // The report made at start, before any batch (a restarted engine's model
  // and state): counts no batch and sets no batch time.
  bool initial = false;
};

// How far a restore of the state from its changelog topic has got
// (connectors/kafka/changelog_restore.h). Reported when it starts, about
// once a second while it reads, and when it ends (done).
struct RestoreProgress {
  std::string topic;       // the changelog topic
  bool full = false;       // from the beginning (an empty state), not a tail
  bool done = false;       // the last report of this restore
  uint64_t records = 0;    // records applied so far by this restore
  uint64_t remaining = 0;  // at most this many left: the offsets between each partition's position and
                           // its end at the start (compaction gaps and transaction markers hold no record)
};

// Called by the pipeline thread only, after each commit; an implementation
// read from other threads (Prometheus scrapes) synchronises itself.
class PipelineObserver {
 public:
  virtual ~PipelineObserver() = default;
  virtual void OnBatch(const BatchReport& report) = 0;
  virtual void OnReady(bool ready) = 0;    // state open (and partitions assigned on Kafka)
  // A changelog restore, before the engine loads (the thread that starts
  // the run calls it). Most observers ignore it.
  virtual void OnRestore(const RestoreProgress& progress) { (void)progress; }
};

// Read-only queries for the HTTP API. Implementations are thread-safe and
// read from consistent snapshots; JSON bodies are complete documents.
class EngineQueries {
 public:
  virtual ~EngineQueries() = default;
  // RFM, segment id/name and recent changes. NotFound for an unknown id;
  // any other error (a store read failed, a record did not decode) is
  // returned as it is, never reported as "unknown".
  virtual Result<std::string> CustomerJson(std::string_view customer_id) = 0;
  // The segment table of the current model ({"model_version":..,"segments":[..]}).
  virtual std::string SegmentsJson() = 0;
  // The current model version as in models.jsonl; nullopt before the first fit.
  virtual std::optional<std::string> ModelJson() = 0;
  virtual bool Ready() = 0;
  // Set while no query can be answered yet (the state is being restored
  // from its changelog, or loaded): every query route then answers 503 with
  // this text. /healthz, /readyz and /metrics answer regardless.
  virtual std::optional<std::string> UnavailableReason() { return std::nullopt; }
  // The report document for the live page (engine/report); nullopt when
  // this implementation does not serve it.
  virtual std::optional<std::string> AnalyticsJson() { return std::nullopt; }
  // The live page's HTML; nullopt when not served.
  virtual std::optional<std::string> PageHtml() { return std::nullopt; }
};

}  // namespace segstream
