// PrometheusObserver costs: OnBatch runs on the pipeline thread once per
// micro-batch and must stay in the microseconds; Scrape runs per /metrics.
#include <benchmark/benchmark.h>

#include "engine/metrics/prometheus_observer.h"

namespace segstream {
namespace {

BatchReport TypicalBatch(int changes) {
  BatchReport r;
  r.events = {{"accepted", "purchase", 9000}, {"accepted", "return", 200},
              {"skipped", "no_customer", 3000}, {"skipped", "non_product_code", 80},
              {"skipped", "zero_quantity", 1}, {"duplicate", "duplicate", 40},
              {"dead_letter", "bad_number", 2}, {"dead_letter", "bad_date", 1}};
  r.changes_by_reason = {{"purchase", 300}, {"return", 20}, {"recency", 50}, {"model", 5}};
  r.end_to_end_seconds.assign(static_cast<size_t>(changes), 0.02);
  r.processing_seconds = 0.004;
  r.watermark = 1323431400;
  r.customers_total = 4372;
  r.customers_active = 4338;
  ModelGauge m;
  m.version = 7;
  m.k = 5;
  m.inertia = 2345.6;
  m.silhouette = 0.41;
  m.max_centroid_shift = 0.03;
  const char* names[] = {"champions", "loyal", "promising", "at_risk", "hibernating"};
  for (int i = 0; i < 5; ++i) m.segments.push_back({i, names[i], 800, 0.01 * i});
  r.model = m;
  r.lag = {{0, 10}, {1, 20}, {2, 0}, {3, 5}};
  r.store = {1 << 20, 1 << 16, 0, 1000, 10, 0};
  return r;
}

void BM_OnBatch(benchmark::State& state) {
  PrometheusObserver obs({"bench", "none"});
  const BatchReport r = TypicalBatch(static_cast<int>(state.range(0)));
  for (auto _ : state) obs.OnBatch(r);
}
BENCHMARK(BM_OnBatch)->Arg(0)->Arg(375)->Arg(5000);

void BM_Scrape(benchmark::State& state) {
  PrometheusObserver obs({"bench", "none"});
  obs.OnBatch(TypicalBatch(100));
  size_t bytes = 0;
  for (auto _ : state) {
    auto text = obs.Scrape();
    bytes = text.size();
    benchmark::DoNotOptimize(text);
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_Scrape);

}  // namespace
}  // namespace segstream
