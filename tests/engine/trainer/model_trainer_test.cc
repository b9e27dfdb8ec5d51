// Tests for engine/trainer: ModelTrainer on synthetic blobs in z units
// (tests/engine/model/test_data.h), where the right answer is known: the
// bootstrap finds the blobs, a published model has zero drift until the
// data moves, moved data is measured as drift and polished drift, k follows
// the data (fixed k capped by distinct profiles; k = auto moving with
// lineage), and a restored State continues exactly like the original.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/trainer/model_trainer.h"
#include "tests/engine/model/test_data.h"

namespace segstream {
namespace {

using model::Centers;
using model::Points;
using model::testing::Blobs;

Centers Truth(int k, double offset = 0) {
  Centers c(k, 3);
  for (int i = 0; i < k; ++i) c.row(i) << 4.0 * i + offset, (i % 2 ? -3.0 : 3.0), 0.5 * i;
  return c;
}

// The largest distance from a truth centre to its nearest centre in `c`.
double WorstMatch(const Centers& truth, const Centers& c) {
  double worst = 0;
  for (Eigen::Index i = 0; i < truth.rows(); ++i) {
    double best = 1e18;
    for (Eigen::Index j = 0; j < c.rows(); ++j) best = std::min(best, (truth.row(i) - c.row(j)).norm());
    worst = std::max(worst, best);
  }
  return worst;
}

// The model a version publishes, as the engine builds it (scaler: identity).
ServingModel Serving(const Centers& centers, uint64_t version) {
  ServingModel m;
  m.version = version;
  m.centers = centers;
  m.segments.resize(static_cast<size_t>(centers.rows()));
  return m;
}

TEST(ModelTrainerTest, BootstrapFindsTheBlobsAndKeepsThemAtTheNextVersion) {
  const Points x = Blobs(Truth(3), 900, 0.4, 5);
  ModelTrainer trainer(TrainerOptions{});
  ASSERT_FALSE(trainer.has_training());
  trainer.Bootstrap(x, model::PopulationScaler());
  ASSERT_TRUE(trainer.has_training());
  ModelTrainer::Version v1 = trainer.PrepareVersion(x, 1, ServingModel(), model::PopulationScaler(), "bootstrap");
  EXPECT_EQ(v1.trigger, "bootstrap");
  ASSERT_EQ(v1.centers.rows(), 3) << "k = auto picks the three blobs";
  EXPECT_LT(WorstMatch(Truth(3), v1.centers), 0.2);
  EXPECT_FALSE(v1.k_table.empty()) << "the bootstrap's k table goes with its version";
  EXPECT_EQ(v1.k_table_sample, 900u);

  const ServingModel serving = Serving(v1.centers, 1);
  EXPECT_NEAR(trainer.Drift(serving), 0.0, 1e-12);
  ModelTrainer::Version v2 =
      trainer.PrepareVersion(Blobs(Truth(3), 900, 0.4, 6), 2, serving, model::PopulationScaler(), "cadence");
  EXPECT_EQ(v2.trigger, "cadence");
  EXPECT_EQ(v2.centers.rows(), 3);
  EXPECT_LT(WorstMatch(Truth(3), v2.centers), 0.2);
  EXPECT_TRUE(v2.lineage.empty());
  EXPECT_FALSE(v2.k_table.empty()) << "k = auto reviews k at every version";
}

TEST(ModelTrainerTest, MovedDataIsDriftAndSmallDriftIsAbsorbed) {
  const Points x = Blobs(Truth(3), 900, 0.4, 7);
  TrainerOptions options;
  options.k = 3;
  ModelTrainer trainer(options);
  trainer.Bootstrap(x, model::PopulationScaler());
  const ModelTrainer::Version v1 = trainer.PrepareVersion(x, 1, ServingModel(), model::PopulationScaler(), "bootstrap");
  const ServingModel serving = Serving(v1.centers, 1);
  // Every blob moves by 2 z units along the first axis.
  const Points moved = Blobs(Truth(3, 2.0), 900, 0.4, 8);
  for (uint64_t step = 0; step < 60; ++step) {
    const Points batch = moved.middleRows(static_cast<Eigen::Index>((step * 64) % 800), 64);
    trainer.Step(batch, 0.9, step);
  }
  EXPECT_GT(trainer.Drift(serving), options.drift_threshold);
  EXPECT_GT(trainer.PolishedDrift(moved, serving, model::PopulationScaler(), 3), 1.5);
  // Unmoved data: polished drift below the threshold replaces the training
  // centres with the polished ones, whose drift is then what was measured.
  ModelTrainer calm(options);
  calm.Bootstrap(x, model::PopulationScaler());
  const ModelTrainer::Version c1 = calm.PrepareVersion(x, 1, ServingModel(), model::PopulationScaler(), "bootstrap");
  const ServingModel calm_serving = Serving(c1.centers, 1);
  calm.Step(Blobs(Truth(3), 64, 0.4, 9), 0.9, 1);
  const double polished = calm.PolishedDrift(Blobs(Truth(3), 900, 0.4, 10), calm_serving, model::PopulationScaler(), 4);
  EXPECT_LT(polished, options.drift_threshold);
  EXPECT_NEAR(calm.Drift(calm_serving), polished, 1e-9);
}

TEST(ModelTrainerTest, FixedKIsCappedByDistinctProfiles) {
  Points x(40, 3);
  for (Eigen::Index i = 0; i < x.rows(); ++i) x.row(i) << (i % 2 ? 1.0 : -1.0), 0.0, 0.0;  // two profiles
  TrainerOptions options;
  options.k = 5;
  ModelTrainer trainer(options);
  trainer.Bootstrap(x, model::PopulationScaler());
  const ModelTrainer::Version v = trainer.PrepareVersion(x, 1, ServingModel(), model::PopulationScaler(), "bootstrap");
  EXPECT_EQ(v.centers.rows(), 2);
}

TEST(ModelTrainerTest, AutoKFollowsTheDataWithLineage) {
  ModelTrainer trainer(TrainerOptions{});
  const Points two = Blobs(Truth(2), 800, 0.3, 11);
  trainer.Bootstrap(two, model::PopulationScaler());
  ModelTrainer::Version v = trainer.PrepareVersion(two, 1, ServingModel(), model::PopulationScaler(), "bootstrap");
  ASSERT_EQ(v.centers.rows(), 2);
  ServingModel serving = Serving(v.centers, 1);
  // The population now has five blobs: k moves within two reviews (a clear
  // win at once, otherwise confirmed at the second), with lineage.
  bool moved = false;
  for (uint64_t version = 2; version <= 3 && !moved; ++version) {
    v = trainer.PrepareVersion(Blobs(Truth(5), 1500, 0.3, 20 + version), version, serving, model::PopulationScaler(),
                               "cadence");
    moved = v.trigger == "k_change";
    serving = Serving(v.centers, version);
  }
  ASSERT_TRUE(moved);
  EXPECT_EQ(v.centers.rows(), 5);
  EXPECT_LT(WorstMatch(Truth(5), v.centers), 0.3);
  EXPECT_FALSE(v.lineage.empty());
}

TEST(ModelTrainerTest, RestoredStateContinuesExactly) {
  const Points x = Blobs(Truth(3), 600, 0.5, 12);
  ModelTrainer a(TrainerOptions{});
  a.Bootstrap(x, model::PopulationScaler());
  const ServingModel serving = Serving(a.PrepareVersion(x, 1, ServingModel(), model::PopulationScaler(), "bootstrap").centers, 1);
  for (uint64_t step = 0; step < 5; ++step) a.Step(Blobs(Truth(3, 0.3), 64, 0.5, 100 + step), 0.95, step);
  ModelTrainer b(TrainerOptions{});
  b.Restore(a.state());
  const Points y = Blobs(Truth(3, 0.3), 600, 0.5, 13);
  const ModelTrainer::Version va = a.PrepareVersion(y, 2, serving, model::PopulationScaler(), "cadence");
  const ModelTrainer::Version vb = b.PrepareVersion(y, 2, serving, model::PopulationScaler(), "cadence");
  EXPECT_EQ(va.centers, vb.centers);
  EXPECT_EQ(va.trigger, vb.trigger);
  EXPECT_EQ(a.state().refits, b.state().refits);
  EXPECT_EQ(a.state().k_candidate, b.state().k_candidate);
}

}  // namespace
}  // namespace segstream
