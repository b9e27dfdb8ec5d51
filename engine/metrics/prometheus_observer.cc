// PrometheusObserver: metric definitions and the per-batch update. The names,
// types and labels here are the contract that docs/metrics.md, the Grafana
// dashboard and the alert rules in deploy/prometheus/ rely on.
#include "engine/metrics/prometheus_observer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace segstream {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

// A micro-batch takes milliseconds; a stalled one (RocksDB write stall,
// k-means bootstrap) can take seconds.
const prometheus::Histogram::BucketBoundaries kProcessingBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

// Ingest -> segment change includes batching delay and Kafka fetch time.
const prometheus::Histogram::BucketBoundaries kEndToEndBuckets = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

// Known outcomes are created at start with value 0, so that rate() and the
// alert rules see a series (a missing series is not the same as zero).
const std::pair<const char*, const char*> kKnownEvents[] = {
    {"accepted", "purchase"},         {"accepted", "return"},
    {"skipped", "no_customer"},       {"skipped", "zero_quantity"},
    {"skipped", "non_positive_price"}, {"skipped", "non_product_code"},
    {"skipped", "adjustment_invoice"}, {"duplicate", "duplicate"},
};
const char* const kKnownChangeReasons[] = {"purchase", "return", "recency", "model"};

double NowUnixSeconds() {
  using std::chrono::duration;
  using std::chrono::system_clock;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

// Increment of a cumulative statistic; a smaller value means the source was
// reset (store reopened), so everything it reports now is new.
double Delta(uint64_t now, uint64_t before) {
  return now >= before ? static_cast<double>(now - before) : static_cast<double>(now);
}

}  // namespace

PrometheusObserver::PrometheusObserver(const BuildInfo& build)
    : registry_(std::make_shared<prometheus::Registry>()) {
  auto& r = *registry_;
  events_ = &BuildCounter()
                 .Name("segstream_events_total")
                 .Help("Input events by result (accepted, skipped, duplicate, dead_letter) and reason.")
                 .Register(r);
  changes_ = &BuildCounter()
                  .Name("segstream_segment_changes_total")
                  .Help("Segment changes emitted, by reason (purchase, return, recency, model).")
                  .Register(r);
  lag_ = &BuildGauge()
              .Name("segstream_consumer_lag")
              .Help("Kafka messages behind the partition's high watermark.")
              .Register(r);
  segment_customers_ = &BuildGauge()
                            .Name("segstream_segment_customers")
                            .Help("Customers currently in each segment of the current model.")
                            .Register(r);
  segment_shift_ = &BuildGauge()
                        .Name("segstream_segment_centroid_shift")
                        .Help("Shift of each centre since the previous model version (scaled units).")
                        .Register(r);

  batches_ = &BuildCounter()
                  .Name("segstream_batches_total")
                  .Help("Committed micro-batches.")
                  .Register(r)
                  .Add({});
  processing_ = &BuildHistogram()
                     .Name("segstream_batch_processing_seconds")
                     .Help("Wall time of one micro-batch: decode, apply, model update, commit.")
                     .Register(r)
                     .Add({}, kProcessingBuckets);
  end_to_end_ = &BuildHistogram()
                     .Name("segstream_end_to_end_latency_seconds")
                     .Help("Time from an event's ingest to the segment change it caused.")
                     .Register(r)
                     .Add({}, kEndToEndBuckets);
  auto gauge = [&r](const char* name, const char* help) {
    return &BuildGauge().Name(name).Help(help).Register(r).Add({});
  };
  auto counter = [&r](const char* name, const char* help) {
    return &BuildCounter().Name(name).Help(help).Register(r).Add({});
  };
  customers_ = gauge("segstream_customers", "Customers in state.");
  customers_active_ =
      gauge("segstream_customers_active", "Customers with at least one purchase (frequency > 0).");
  // Gauges with no value yet (no event, no batch, no model) are absent from
  // the exposition, never 0: a 0 would read as a real value to every rule.
  auto optional_gauge = [&r](const char* name, const char* help) {
    return OptionalGauge{&BuildGauge().Name(name).Help(help).Register(r), nullptr};
  };
  watermark_ = optional_gauge("segstream_watermark_timestamp_seconds",
                              "Event-time watermark (largest event time seen), unix seconds; absent before the "
                              "first event.");
  last_batch_ = optional_gauge("segstream_last_batch_timestamp_seconds",
                               "Wall-clock time of the last committed micro-batch, unix seconds; absent before "
                               "the first batch.");
  model_version_ = optional_gauge("segstream_model_version",
                                  "Version of the current model; absent before the first fit.");
  model_k_ = optional_gauge("segstream_model_k", "Number of segments (k) of the current model; absent before the "
                                                 "first fit.");
  inertia_ = optional_gauge("segstream_model_inertia",
                            "k-means inertia of the current model on active customers (scaled space); absent "
                            "before the first fit.");
  silhouette_ = optional_gauge("segstream_model_silhouette",
                               "Sampled silhouette score of the current model; absent before the first fit and "
                               "when undefined (fewer than 2 segments).");
  max_shift_ = optional_gauge("segstream_model_max_centroid_shift",
                              "Largest centre shift since the previous model version (scaled units); absent "
                              "before the first fit.");
  publications_ = counter("segstream_model_publications_total", "Model versions published.");
  sst_bytes_ = gauge("segstream_rocksdb_live_sst_bytes", "RocksDB rocksdb.live-sst-files-size.");
  memtable_bytes_ = gauge("segstream_rocksdb_memtable_bytes", "RocksDB rocksdb.cur-size-all-mem-tables.");
  pending_compaction_ = gauge("segstream_rocksdb_pending_compaction_bytes",
                              "RocksDB rocksdb.estimate-pending-compaction-bytes.");
  cache_hit_ratio_ = optional_gauge("segstream_rocksdb_block_cache_hit_ratio",
                                    "Block cache hits / (hits + misses) since the store was opened; absent before "
                                    "the first lookup.");
  cache_hits_ = counter("segstream_rocksdb_block_cache_hits_total", "RocksDB block cache hits.");
  cache_misses_ = counter("segstream_rocksdb_block_cache_misses_total", "RocksDB block cache misses.");
  stall_seconds_ = counter("segstream_rocksdb_write_stall_seconds_total",
                           "Time RocksDB delayed or stopped writes.");
  gauge("segstream_start_timestamp_seconds", "Wall-clock time this process started its pipeline, unix seconds.")
      ->Set(NowUnixSeconds());
  ready_ = gauge("segstream_ready", "1 when the engine is ready (state open, partitions assigned).");
  restoring_ = gauge("segstream_changelog_restoring",
                     "1 while the state is being restored from its changelog topic (before the engine loads).");
  restore_remaining_ = gauge("segstream_changelog_restore_remaining_records",
                             "At most this many changelog records are left to restore (0 when none runs).");
  restore_records_ = counter("segstream_changelog_restore_records_total",
                             "Changelog records applied to the state by restores (full and tail).");
  BuildGauge()
      .Name("segstream_build_info")
      .Help("Build information; the value is always 1.")
      .Register(r)
      .Add({{"version", build.version}, {"commit", build.git_commit}})
      .Set(1);

  for (const auto& [result, reason] : kKnownEvents) EventCounter(result, reason);
  for (const char* reason : kKnownChangeReasons) ChangeCounter(reason);
}

PrometheusObserver::~PrometheusObserver() = default;

void PrometheusObserver::OptionalGauge::Set(double v) {
  if (gauge == nullptr) gauge = &family->Add({});
  gauge->Set(v);
}

void PrometheusObserver::OptionalGauge::Clear() {
  if (gauge != nullptr) family->Remove(gauge);
  gauge = nullptr;
}

prometheus::Counter& PrometheusObserver::EventCounter(const std::string& result,
                                                      const std::string& reason) {
  for (const auto& s : event_series_) {
    if (s.reason == reason && s.result == result) return *s.counter;
  }
  auto* c = &events_->Add({{"result", result}, {"reason", reason}});
  event_series_.push_back({result, reason, c});
  return *c;
}

prometheus::Counter& PrometheusObserver::ChangeCounter(const std::string& reason) {
  for (const auto& [r, c] : change_series_) {
    if (r == reason) return *c;
  }
  auto* c = &changes_->Add({{"reason", reason}});
  change_series_.emplace_back(reason, c);
  return *c;
}

void PrometheusObserver::OnBatch(const BatchReport& report) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!report.initial) batches_->Increment();
  for (const auto& e : report.events) {
    if (e.count > 0) EventCounter(e.result, e.reason).Increment(static_cast<double>(e.count));
  }
  for (const auto& [reason, count] : report.changes_by_reason) {
    if (count > 0) ChangeCounter(reason).Increment(static_cast<double>(count));
  }
  if (!report.initial) processing_->Observe(report.processing_seconds);
  ObserveAll(report.end_to_end_seconds);
  if (report.watermark > 0) watermark_.Set(static_cast<double>(report.watermark));
  if (!report.initial) last_batch_.Set(NowUnixSeconds());
  customers_->Set(static_cast<double>(report.customers_total));
  customers_active_->Set(static_cast<double>(report.customers_active));
  if (report.model_published) publications_->Increment();
  UpdateModel(report);
  UpdateLag(report);
  UpdateStore(report.store);
}

void PrometheusObserver::ObserveAll(const std::vector<double>& values) {
  // One locked update for the whole batch instead of one per segment change
  // (a model version can change thousands of segments at once).
  if (values.empty()) return;
  const auto& bounds = kEndToEndBuckets;
  std::vector<double> increments(bounds.size() + 1, 0.0);
  double sum = 0;
  for (double v : values) {
    // Bucket i counts values <= bounds[i]; the last one is +Inf.
    const size_t i = static_cast<size_t>(std::lower_bound(bounds.begin(), bounds.end(), v) - bounds.begin());
    increments[i] += 1;
    sum += v;
  }
  end_to_end_->ObserveMultiple(increments, sum);
}

void PrometheusObserver::UpdateModel(const BatchReport& report) {
  const ModelGauge* model = report.model ? &*report.model : nullptr;
  if (model != nullptr) {
    model_version_.Set(static_cast<double>(model->version));
    model_k_.Set(model->k);
    inertia_.Set(model->inertia);
    if (model->k >= 2 && std::isfinite(model->silhouette)) {
      silhouette_.Set(model->silhouette);
    } else {
      silhouette_.Clear();  // undefined for one segment
    }
    max_shift_.Set(model->max_centroid_shift);
  }
  UpdateSegments(model);
}

void PrometheusObserver::UpdateSegments(const ModelGauge* model) {
  // Mark-and-sweep: series of segments that are no longer in the model are
  // removed, so a dashboard summing over segments stays correct after k shrinks.
  std::map<int, SegmentSeries> next;
  if (model != nullptr) {
    for (const auto& seg : model->segments) {
      auto it = segments_.find(seg.segment_id);
      SegmentSeries series;
      if (it != segments_.end() && it->second.name == seg.name) {
        series = it->second;
        segments_.erase(it);
      } else {
        if (it != segments_.end()) {  // renamed: the old label set is stale
          segment_customers_->Remove(it->second.customers);
          segment_shift_->Remove(it->second.shift);
          segments_.erase(it);
        }
        const prometheus::Labels labels = {{"segment_id", std::to_string(seg.segment_id)},
                                           {"segment_name", seg.name}};
        series.name = seg.name;
        series.customers = &segment_customers_->Add(labels);
        series.shift = &segment_shift_->Add(labels);
      }
      series.customers->Set(static_cast<double>(seg.customers));
      series.shift->Set(seg.centroid_shift);
      next[seg.segment_id] = series;
    }
  }
  for (auto& [id, series] : segments_) {
    segment_customers_->Remove(series.customers);
    segment_shift_->Remove(series.shift);
  }
  segments_ = std::move(next);
}

void PrometheusObserver::UpdateLag(const BatchReport& report) {
  std::map<int32_t, prometheus::Gauge*> next;
  for (const auto& p : report.lag) {
    auto it = partitions_.find(p.partition);
    prometheus::Gauge* g;
    if (it != partitions_.end()) {
      g = it->second;
      partitions_.erase(it);
    } else {
      g = &lag_->Add({{"partition", std::to_string(p.partition)}});
    }
    g->Set(static_cast<double>(p.lag));
    next[p.partition] = g;
  }
  // Partitions revoked in a rebalance are no longer ours to report.
  for (auto& [partition, gauge] : partitions_) lag_->Remove(gauge);
  partitions_ = std::move(next);
}

void PrometheusObserver::UpdateStore(const StoreGauge& store) {
  sst_bytes_->Set(static_cast<double>(store.live_sst_bytes));
  memtable_bytes_->Set(static_cast<double>(store.memtable_bytes));
  pending_compaction_->Set(static_cast<double>(store.pending_compaction_bytes));
  const uint64_t lookups = store.block_cache_hits + store.block_cache_misses;
  if (lookups > 0) {
    cache_hit_ratio_.Set(static_cast<double>(store.block_cache_hits) / static_cast<double>(lookups));
  }
  cache_hits_->Increment(Delta(store.block_cache_hits, last_store_.block_cache_hits));
  cache_misses_->Increment(Delta(store.block_cache_misses, last_store_.block_cache_misses));
  stall_seconds_->Increment(Delta(store.write_stall_micros, last_store_.write_stall_micros) / 1e6);
  last_store_ = store;
}

void PrometheusObserver::OnReady(bool ready) { ready_->Set(ready ? 1 : 0); }

void PrometheusObserver::OnRestore(const RestoreProgress& progress) {
  std::lock_guard<std::mutex> lock(mu_);
  // `records` counts from 0 for each restore (a tail restore that finds the
  // log moved is followed by a full one).
  if (progress.records < restore_records_seen_) restore_records_seen_ = 0;
  restore_records_->Increment(static_cast<double>(progress.records - restore_records_seen_));
  restore_records_seen_ = progress.done ? 0 : progress.records;
  restoring_->Set(progress.done ? 0 : 1);
  restore_remaining_->Set(progress.done ? 0 : static_cast<double>(progress.remaining));
}

std::string PrometheusObserver::Scrape() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace segstream
