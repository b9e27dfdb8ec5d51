// bench_model: the model's hot paths on RFM-shaped synthetic data.
//
//   BM_FitKMeans/n         FitKMeans(k=4, n_init=10) on n customers (4,338 = UCI size; 100k)
//   BM_SelectK             SelectK 2..10 on 4,338 customers (the engine's k=auto bootstrap)
//   BM_MiniBatchStep/b     MiniBatchKMeans::Step on batches of b points (items = points)
//   BM_Nearest             Nearest over k=4 centres (items = points)
//   BM_SilhouetteExact     exact silhouette at 4,338 points
//
// Data: z-scored log features of a synthetic population with the UCI shape
// (recency uniform-ish over a year, frequency heavy-tailed, monetary
// log-normal), drawn with the model's deterministic RNG.
#include <benchmark/benchmark.h>

#include <cmath>

#include "engine/model/features.h"
#include "engine/model/k_selection.h"
#include "engine/model/kmeans.h"
#include "engine/model/minibatch.h"
#include "engine/model/rng.h"
#include "engine/model/scaler.h"
#include "engine/model/silhouette.h"

namespace segstream::model {
namespace {

constexpr int kUciCustomers = 4338;

Points Population(Eigen::Index n, uint64_t seed) {
  Rng rng(seed);
  std::vector<Vec3> logs(n);
  PopulationScaler scaler;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double activity = rng.Uniform();
    const double recency = 373 * std::pow(rng.Uniform(), 1 + 2 * activity);
    const double frequency = 1 + std::floor(std::pow(rng.Uniform(), 3) * 60 * activity);
    const double monetary = frequency * std::exp(5 + 1.2 * (rng.Uniform() + rng.Uniform() - 1));
    logs[i] = LogFeatures(recency, frequency, monetary);
    scaler.Add(logs[i]);
  }
  Points x(n, 3);
  for (Eigen::Index i = 0; i < n; ++i) x.row(i) = scaler.Transform(logs[i]).transpose();
  return x;
}

void BM_FitKMeans(benchmark::State& state) {
  const Points x = Population(state.range(0), 1);
  KMeansOptions options;
  options.k = 4;
  for (auto _ : state) {
    KMeansFit fit = FitKMeans(x, options);
    benchmark::DoNotOptimize(fit.inertia);
  }
  state.SetItemsProcessed(state.iterations() * x.rows());
}
BENCHMARK(BM_FitKMeans)->Arg(kUciCustomers)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_SelectK(benchmark::State& state) {
  const Points x = Population(kUciCustomers, 2);
  for (auto _ : state) {
    KSelection sel = SelectK(x, 2, 10, KMeansOptions{});
    benchmark::DoNotOptimize(sel.chosen_k);
  }
}
BENCHMARK(BM_SelectK)->Unit(benchmark::kMillisecond);

void BM_MiniBatchStep(benchmark::State& state) {
  const Points population = Population(100000, 3);
  KMeansOptions options;
  options.k = 4;
  options.n_init = 1;
  const KMeansFit fit = FitKMeans(population.topRows(5000), options);
  MiniBatchKMeans model(fit.centers, std::vector<double>(4, 1000.0));
  const Eigen::Index b = state.range(0);
  Eigen::Index offset = 0;
  uint64_t step = 0;
  for (auto _ : state) {
    if (offset + b > population.rows()) offset = 0;
    StepResult r = model.Step(population.middleRows(offset, b), 0.999, step++);
    benchmark::DoNotOptimize(r.batch_inertia);
    offset += b;
  }
  state.SetItemsProcessed(state.iterations() * b);
}
BENCHMARK(BM_MiniBatchStep)->Arg(256)->Arg(1024)->Arg(4096);

void BM_Nearest(benchmark::State& state) {
  const Points x = Population(kUciCustomers, 4);
  KMeansOptions options;
  options.k = 4;
  options.n_init = 1;
  const Centers centres = FitKMeans(x, options).centers;
  Eigen::Index i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(Nearest(centres, x.data() + 3 * i));
    if (++i == x.rows()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Nearest);

void BM_SilhouetteExact(benchmark::State& state) {
  const Points x = Population(kUciCustomers, 5);
  KMeansOptions options;
  options.k = 4;
  const KMeansFit fit = FitKMeans(x, options);
  for (auto _ : state) benchmark::DoNotOptimize(Silhouette(x, fit.labels, 4));
}
BENCHMARK(BM_SilhouetteExact)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace segstream::model

BENCHMARK_MAIN();
