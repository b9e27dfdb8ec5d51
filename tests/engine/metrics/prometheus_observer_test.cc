// PrometheusObserver: feeds BatchReports and checks the parsed exposition:
// counters accumulate, gauges follow the last batch, segment and partition
// series disappear with their segments/partitions, histograms count right.
#include "engine/metrics/prometheus_observer.h"

#include <cstdlib>
#include <thread>

#include <gtest/gtest.h>

#include "tests/engine/metrics/exposition_parser.h"

namespace segstream {
namespace {

using testing::Exposition;

Exposition Scrape(const PrometheusObserver& obs) {
  Exposition e(obs.Scrape());
  EXPECT_TRUE(e.ok());
  return e;
}

// Cumulative count of the bucket whose upper bound is `le`.
// (`bucket_name` is the full `..._bucket` name: GCC 12 -O3 warns falsely on
// std::string concatenation, -Wrestrict.)
double Bucket(const Exposition& e, const std::string& bucket_name, double le) {
  for (const auto& [labels, v] : e.Samples(bucket_name)) {
    auto it = labels.find("le");
    if (it != labels.end() && it->second != "+Inf" && std::strtod(it->second.c_str(), nullptr) == le) {
      return v;
    }
  }
  ADD_FAILURE() << "no bucket le=" << le << " for " << bucket_name;
  return -1;
}

ModelGauge Model(uint64_t version, std::vector<SegmentGauge> segs) {
  ModelGauge m;
  m.version = version;
  m.k = static_cast<int>(segs.size());
  m.inertia = 1234.5;
  m.silhouette = 0.41;
  m.max_centroid_shift = 0.03;
  m.segments = std::move(segs);
  return m;
}

TEST(PrometheusObserver, BuildInfoReadyAndZeroSeriesAtStart) {
  PrometheusObserver obs({"1.2.3", "abc123"});
  auto e = Scrape(obs);
  EXPECT_EQ(e.Value("segstream_build_info", {{"version", "1.2.3"}, {"commit", "abc123"}}), 1.0);
  EXPECT_EQ(e.Value("segstream_ready"), 0.0);
  // Known outcomes exist before the first batch so rate() sees zero, not nothing.
  EXPECT_EQ(e.Value("segstream_events_total", {{"result", "accepted"}, {"reason", "purchase"}}), 0.0);
  EXPECT_EQ(e.Value("segstream_segment_changes_total", {{"reason", "recency"}}), 0.0);
  EXPECT_EQ(e.Type("segstream_events_total"), "counter");
  EXPECT_EQ(e.Type("segstream_batch_processing_seconds"), "histogram");
  EXPECT_EQ(e.Type("segstream_customers"), "gauge");
  EXPECT_EQ(e.Count("segstream_consumer_lag"), 0u);  // no partitions reported yet
  EXPECT_EQ(e.Count("segstream_segment_customers"), 0u);
  obs.OnReady(true);
  EXPECT_EQ(Scrape(obs).Value("segstream_ready"), 1.0);
  obs.OnReady(false);
  EXPECT_EQ(Scrape(obs).Value("segstream_ready"), 0.0);
}

// "No value yet" is an absent series, never 0 (a fresh instance exported
// silhouette 0 and fired SilhouetteLow).
TEST(PrometheusObserver, GaugesWithoutValueAreAbsentUntilTheyHaveOne) {
  PrometheusObserver obs({"1.2.3", "abc123"});
  const char* kNoValueYet[] = {"segstream_model_version", "segstream_model_k", "segstream_model_inertia",
                               "segstream_model_silhouette", "segstream_model_max_centroid_shift",
                               "segstream_watermark_timestamp_seconds", "segstream_last_batch_timestamp_seconds",
                               "segstream_rocksdb_block_cache_hit_ratio"};
  auto e = Scrape(obs);
  for (const char* name : kNoValueYet) EXPECT_EQ(e.Count(name), 0u) << name;
  EXPECT_GT(e.Value("segstream_start_timestamp_seconds"), 1.7e9);

  // The report made at start by a restarted engine: its model is known, but
  // no batch ran, so the batch time and batch count stay absent / zero.
  BatchReport initial;
  initial.initial = true;
  initial.watermark = 1323435000;
  initial.model = Model(7, {{0, "champions", 10, 0.0}, {1, "lost", 20, 0.0}});
  obs.OnBatch(initial);
  e = Scrape(obs);
  EXPECT_EQ(e.Value("segstream_model_version"), 7.0);
  EXPECT_EQ(e.Value("segstream_model_silhouette"), 0.41);
  EXPECT_EQ(e.Value("segstream_watermark_timestamp_seconds"), 1323435000.0);
  EXPECT_EQ(e.Count("segstream_last_batch_timestamp_seconds"), 0u);
  EXPECT_EQ(e.Value("segstream_batches_total"), 0.0);

  // A one-segment model has no silhouette: the series is withdrawn.
  BatchReport one;
  one.model = Model(8, {{0, "everyone", 30, 0.0}});
  one.model->silhouette = 0;
  obs.OnBatch(one);
  e = Scrape(obs);
  EXPECT_EQ(e.Value("segstream_model_version"), 8.0);
  EXPECT_EQ(e.Count("segstream_model_silhouette"), 0u);
  EXPECT_EQ(e.Count("segstream_last_batch_timestamp_seconds"), 1u);
}

TEST(PrometheusObserver, CountersAccumulateAcrossBatches) {
  PrometheusObserver obs({"v", "c"});
  BatchReport r;
  r.events = {{"accepted", "purchase", 10}, {"accepted", "return", 2},
              {"dead_letter", "bad_number", 3}, {"skipped", "no_customer", 5}};
  r.changes_by_reason = {{"purchase", 4}, {"model", 1}};
  r.model_published = true;
  obs.OnBatch(r);
  r.events = {{"accepted", "purchase", 7}, {"dead_letter", "bad_number", 1},
              {"dead_letter", "bad_date", 2}};
  r.changes_by_reason = {{"purchase", 1}, {"recency", 6}};
  r.model_published = false;
  obs.OnBatch(r);
  auto e = Scrape(obs);
  auto ev = [&](const char* result, const char* reason) {
    return e.Value("segstream_events_total", {{"result", result}, {"reason", reason}});
  };
  EXPECT_EQ(ev("accepted", "purchase"), 17.0);
  EXPECT_EQ(ev("accepted", "return"), 2.0);
  EXPECT_EQ(ev("dead_letter", "bad_number"), 4.0);
  EXPECT_EQ(ev("dead_letter", "bad_date"), 2.0);
  EXPECT_EQ(ev("skipped", "no_customer"), 5.0);
  EXPECT_EQ(ev("skipped", "zero_quantity"), 0.0);
  EXPECT_EQ(e.Value("segstream_segment_changes_total", {{"reason", "purchase"}}), 5.0);
  EXPECT_EQ(e.Value("segstream_segment_changes_total", {{"reason", "recency"}}), 6.0);
  EXPECT_EQ(e.Value("segstream_segment_changes_total", {{"reason", "model"}}), 1.0);
  EXPECT_EQ(e.Value("segstream_batches_total"), 2.0);
  EXPECT_EQ(e.Value("segstream_model_publications_total"), 1.0);
}

TEST(PrometheusObserver, HistogramsCountObservationsIntoBuckets) {
  PrometheusObserver obs({"v", "c"});
  BatchReport r;
  r.processing_seconds = 0.003;
  r.end_to_end_seconds = {0.002, 0.02, 0.2, 2.0, 100.0};
  obs.OnBatch(r);
  r.processing_seconds = 0.3;
  r.end_to_end_seconds = {};
  obs.OnBatch(r);
  auto e = Scrape(obs);
  const std::string pb = "segstream_batch_processing_seconds_bucket";
  EXPECT_EQ(e.Value("segstream_batch_processing_seconds_count"), 2.0);
  EXPECT_NEAR(*e.Value("segstream_batch_processing_seconds_sum"), 0.303, 1e-9);
  EXPECT_EQ(Bucket(e, pb, 0.0025), 0.0);
  EXPECT_EQ(Bucket(e, pb, 0.005), 1.0);
  EXPECT_EQ(Bucket(e, pb, 0.25), 1.0);
  EXPECT_EQ(Bucket(e, pb, 0.5), 2.0);
  EXPECT_EQ(e.Value(pb, {{"le", "+Inf"}}), 2.0);
  const std::string xb = "segstream_end_to_end_latency_seconds_bucket";
  EXPECT_EQ(e.Value("segstream_end_to_end_latency_seconds_count"), 5.0);
  EXPECT_NEAR(*e.Value("segstream_end_to_end_latency_seconds_sum"), 102.222, 1e-9);
  EXPECT_EQ(Bucket(e, xb, 0.0025), 1.0);
  EXPECT_EQ(Bucket(e, xb, 0.025), 2.0);
  EXPECT_EQ(Bucket(e, xb, 0.25), 3.0);
  EXPECT_EQ(Bucket(e, xb, 2.5), 4.0);
  EXPECT_EQ(Bucket(e, xb, 60), 4.0);  // 100 s only lands in +Inf
  EXPECT_EQ(e.Value(xb, {{"le", "+Inf"}}), 5.0);
}

TEST(PrometheusObserver, ValueOnABucketBoundaryCountsInThatBucket) {
  // Prometheus buckets are "less than or equal": 0.01 belongs to le="0.01".
  PrometheusObserver obs({"v", "c"});
  BatchReport r;
  r.end_to_end_seconds = {0.01, 0.01, 60};
  obs.OnBatch(r);
  auto e = Scrape(obs);
  const std::string xb = "segstream_end_to_end_latency_seconds_bucket";
  EXPECT_EQ(Bucket(e, xb, 0.005), 0.0);
  EXPECT_EQ(Bucket(e, xb, 0.01), 2.0);
  EXPECT_EQ(Bucket(e, xb, 30), 2.0);
  EXPECT_EQ(Bucket(e, xb, 60), 3.0);
}

TEST(PrometheusObserver, GaugesFollowTheLastBatch) {
  PrometheusObserver obs({"v", "c"});
  BatchReport r;
  r.watermark = 1323431400;  // 2011-12-09T11:50:00Z
  r.customers_total = 4372;
  r.customers_active = 4338;
  r.model = Model(7, {{0, "champions", 800, 0.01}, {1, "at_risk", 1200, 0.05}});
  obs.OnBatch(r);
  auto e = Scrape(obs);
  EXPECT_EQ(e.Value("segstream_watermark_timestamp_seconds"), 1323431400.0);
  EXPECT_EQ(e.Value("segstream_customers"), 4372.0);
  EXPECT_EQ(e.Value("segstream_customers_active"), 4338.0);
  EXPECT_EQ(e.Value("segstream_model_version"), 7.0);
  EXPECT_EQ(e.Value("segstream_model_k"), 2.0);
  EXPECT_EQ(e.Value("segstream_model_inertia"), 1234.5);
  EXPECT_EQ(e.Value("segstream_model_silhouette"), 0.41);
  EXPECT_EQ(e.Value("segstream_model_max_centroid_shift"), 0.03);
  EXPECT_EQ(e.Value("segstream_segment_customers", {{"segment_id", "1"}, {"segment_name", "at_risk"}}),
            1200.0);
  EXPECT_EQ(e.Value("segstream_segment_centroid_shift", {{"segment_id", "1"}, {"segment_name", "at_risk"}}),
            0.05);
  EXPECT_GT(*e.Value("segstream_last_batch_timestamp_seconds"), 1.6e9);  // wall clock, not event time
}

TEST(PrometheusObserver, SegmentSeriesOfVanishedOrRenamedSegmentsAreRemoved) {
  PrometheusObserver obs({"v", "c"});
  BatchReport r;
  r.model = Model(1, {{0, "champions", 10, 0}, {1, "loyal", 20, 0}, {2, "lost", 30, 0}});
  obs.OnBatch(r);
  EXPECT_EQ(Scrape(obs).Count("segstream_segment_customers"), 3u);
  // k shrinks to 2 and segment 0 is renamed.
  r.model = Model(2, {{0, "loyal", 15, 0.2}, {2, "lost", 35, 0.1}});
  obs.OnBatch(r);
  auto e = Scrape(obs);
  EXPECT_EQ(e.Count("segstream_segment_customers"), 2u);
  EXPECT_EQ(e.Count("segstream_segment_centroid_shift"), 2u);
  EXPECT_FALSE(e.Value("segstream_segment_customers", {{"segment_id", "0"}, {"segment_name", "champions"}}));
  EXPECT_FALSE(e.Value("segstream_segment_customers", {{"segment_id", "1"}, {"segment_name", "loyal"}}));
  EXPECT_EQ(e.Value("segstream_segment_customers", {{"segment_id", "0"}, {"segment_name", "loyal"}}), 15.0);
  EXPECT_EQ(e.Value("segstream_segment_customers", {{"segment_id", "2"}, {"segment_name", "lost"}}), 35.0);
  // No model any more (state reset): no segment series at all.
  r.model.reset();
  obs.OnBatch(r);
  EXPECT_EQ(Scrape(obs).Count("segstream_segment_customers"), 0u);
}

TEST(PrometheusObserver, LagPerPartitionAndRevokedPartitionsRemoved) {
  PrometheusObserver obs({"v", "c"});
  BatchReport r;
  r.lag = {{0, 100}, {1, 5}, {3, 0}};
  obs.OnBatch(r);
  auto e = Scrape(obs);
  EXPECT_EQ(e.Value("segstream_consumer_lag", {{"partition", "0"}}), 100.0);
  EXPECT_EQ(e.Value("segstream_consumer_lag", {{"partition", "1"}}), 5.0);
  EXPECT_EQ(e.Value("segstream_consumer_lag", {{"partition", "3"}}), 0.0);
  r.lag = {{1, 7}};
  obs.OnBatch(r);
  e = Scrape(obs);
  EXPECT_EQ(e.Count("segstream_consumer_lag"), 1u);
  EXPECT_EQ(e.Value("segstream_consumer_lag", {{"partition", "1"}}), 7.0);
}

TEST(PrometheusObserver, RocksDbCumulativeStatisticsBecomeCounters) {
  PrometheusObserver obs({"v", "c"});
  BatchReport r;
  r.store = {1000, 200, 30, 90, 10, 1500000};
  obs.OnBatch(r);
  r.store = {2000, 100, 0, 150, 50, 2000000};
  obs.OnBatch(r);
  auto e = Scrape(obs);
  EXPECT_EQ(e.Value("segstream_rocksdb_live_sst_bytes"), 2000.0);
  EXPECT_EQ(e.Value("segstream_rocksdb_memtable_bytes"), 100.0);
  EXPECT_EQ(e.Value("segstream_rocksdb_pending_compaction_bytes"), 0.0);
  EXPECT_EQ(e.Value("segstream_rocksdb_block_cache_hits_total"), 150.0);
  EXPECT_EQ(e.Value("segstream_rocksdb_block_cache_misses_total"), 50.0);
  EXPECT_DOUBLE_EQ(*e.Value("segstream_rocksdb_block_cache_hit_ratio"), 0.75);
  EXPECT_DOUBLE_EQ(*e.Value("segstream_rocksdb_write_stall_seconds_total"), 2.0);
  // The store was reopened: its statistics restart from zero; counters must not go down.
  r.store = {2000, 100, 0, 4, 1, 0};
  obs.OnBatch(r);
  e = Scrape(obs);
  EXPECT_EQ(e.Value("segstream_rocksdb_block_cache_hits_total"), 154.0);
  EXPECT_EQ(e.Value("segstream_rocksdb_block_cache_misses_total"), 51.0);
  EXPECT_DOUBLE_EQ(*e.Value("segstream_rocksdb_write_stall_seconds_total"), 2.0);
}

TEST(PrometheusObserver, ScrapeWhileBatchesRunConcurrently) {
  PrometheusObserver obs({"v", "c"});
  std::thread writer([&] {
    BatchReport r;
    r.events = {{"accepted", "purchase", 1}};
    for (int i = 0; i < 2000; ++i) {
      r.model = Model(i, {{i % 5, std::to_string(i % 3), 1, 0}});
      obs.OnBatch(r);
    }
  });
  for (int i = 0; i < 200; ++i) EXPECT_TRUE(Exposition(obs.Scrape()).ok());
  writer.join();
  EXPECT_EQ(Scrape(obs).Value("segstream_events_total", {{"result", "accepted"}, {"reason", "purchase"}}),
            2000.0);
}

// A restore's reports: the counter adds what each report applied since the
// previous one, across a tail restore followed by a full one; the gauges
// follow the running restore and drop to 0 when it is done.
TEST(PrometheusObserver, ChangelogRestoreProgress) {
  PrometheusObserver obs({"1", "c"});
  auto e = Scrape(obs);
  EXPECT_EQ(e.Value("segstream_changelog_restoring"), 0.0);
  EXPECT_EQ(e.Value("segstream_changelog_restore_records_total"), 0.0);
  EXPECT_EQ(e.Type("segstream_changelog_restore_records_total"), "counter");
  RestoreProgress p;
  p.topic = "cl";
  p.records = 0;
  p.remaining = 100;
  obs.OnRestore(p);
  e = Scrape(obs);
  EXPECT_EQ(e.Value("segstream_changelog_restoring"), 1.0);
  EXPECT_EQ(e.Value("segstream_changelog_restore_remaining_records"), 100.0);
  p.records = 40;
  p.remaining = 60;
  obs.OnRestore(p);
  p.records = 70;
  p.remaining = 30;
  p.done = true;  // a tail restore that found the log moved
  obs.OnRestore(p);
  e = Scrape(obs);
  EXPECT_EQ(e.Value("segstream_changelog_restore_records_total"), 70.0);
  EXPECT_EQ(e.Value("segstream_changelog_restoring"), 0.0);
  EXPECT_EQ(e.Value("segstream_changelog_restore_remaining_records"), 0.0);
  p = RestoreProgress{"cl", /*full=*/true, /*done=*/false, /*records=*/25, /*remaining=*/500};
  obs.OnRestore(p);
  p.records = 10;  // a third restore that starts over (records count from 0 again)
  obs.OnRestore(p);
  e = Scrape(obs);
  EXPECT_EQ(e.Value("segstream_changelog_restore_records_total"), 105.0);
  EXPECT_EQ(e.Value("segstream_changelog_restoring"), 1.0);
  EXPECT_EQ(e.Value("segstream_changelog_restore_remaining_records"), 500.0);
}

}  // namespace
}  // namespace segstream
