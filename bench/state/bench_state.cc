// Google Benchmark for the state apply path: SegmentEngine::Process over
// pre-decoded invoice events (cleaning, duplicate check, RFM, scaler,
// scoring), with and without the model, and the durable RocksDB commit.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <random>

#include "engine/pipeline/segment_engine.h"
#include "state/state_store.h"

namespace segstream {
namespace {

// Invoices of 1..20 lines for `customers` customers, one minute apart.
SourceBatch MakeBatch(size_t events, int customers, uint64_t seed) {
  std::mt19937_64 rng(seed);
  SourceBatch batch;
  int64_t t = 1291190400;  // 2010-12-01
  int invoice = 500000;
  while (batch.records.size() < events) {
    const std::string customer = std::to_string(12000 + static_cast<int>(rng() % static_cast<uint64_t>(customers)));
    const int lines = 1 + static_cast<int>(rng() % 20);
    ++invoice;
    t += 60;
    for (int l = 0; l < lines && batch.records.size() < events; ++l) {
      DecodedRecord r;
      r.event.invoice = std::to_string(invoice);
      r.event.stock_code = std::to_string(20000 + rng() % 3000);
      r.event.description = "WHITE HANGING HEART T-LIGHT HOLDER";
      r.event.customer_id = customer;
      r.event.country = "United Kingdom";
      r.event.quantity = 1 + static_cast<int64_t>(rng() % 24);
      r.event.unit_price_milli = 100 + static_cast<int64_t>(rng() % 10000);
      r.event.invoice_ts = t;
      r.origin.offset = static_cast<int64_t>(batch.records.size());
      batch.records.push_back(std::move(r));
    }
  }
  return batch;
}

void RunApply(benchmark::State& state, bool model, bool commit) {
  const size_t events = static_cast<size_t>(state.range(0));
  const SourceBatch batch = MakeBatch(events, 5000, 7);
  const std::string dir = std::filesystem::temp_directory_path() / "segstream_bench_state";
  for (auto _ : state) {
    state.PauseTiming();
    std::filesystem::remove_all(dir);
    auto store = OpenRocksDbStore(dir, StoreOptions{});
    EngineOptions options;
    options.model_enabled = model;
    SegmentEngine engine(options, store->get());
    (void)engine.Load();
    EngineOutputs out;
    state.ResumeTiming();
    (void)engine.Process("bench", batch, &out);
    if (commit) {
      StateWrite w;
      engine.BuildCommit("bench", {Position{0, static_cast<int64_t>(events), 0}}, {}, &w);
      (void)(*store)->Commit(w);
      engine.OnCommitted();
    }
    benchmark::DoNotOptimize(out.records.size());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(events));
  std::filesystem::remove_all(dir);
}

void BM_ApplyStateOnly(benchmark::State& s) { RunApply(s, false, false); }
void BM_ApplyWithModel(benchmark::State& s) { RunApply(s, true, false); }
void BM_ApplyAndCommit(benchmark::State& s) { RunApply(s, false, true); }
void BM_ApplyModelAndCommit(benchmark::State& s) { RunApply(s, true, true); }

BENCHMARK(BM_ApplyStateOnly)->Arg(65536)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ApplyWithModel)->Arg(65536)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ApplyAndCommit)->Arg(65536)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ApplyModelAndCommit)->Arg(65536)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace segstream

BENCHMARK_MAIN();
