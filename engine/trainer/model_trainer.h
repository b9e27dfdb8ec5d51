// ModelTrainer: the training side of segstream's model. It holds the
// mini-batch k-means centres (Sculley, "Web-scale k-means clustering",
// WWW 2010, with forgetting: engine/model/minibatch.h) and the population
// scaler they are expressed in, and decides, at each model version, which
// centres the version publishes:
// - polished by Lloyd iterations on a population sample, or a fresh
//   k-means++ fit (Arthur & Vassilvitskii, SODA 2007) when the polished
//   centres are worse than it by more than `refit_tolerance`;
// - k reviewed (k = auto: the silhouette rule of engine/model/k_selection.h,
//   confirmed at two reviews in a row unless clearly better; fixed k: capped
//   by the distinct customer profiles);
// - degenerate centres (owning no point, or duplicating another) dropped.
// Between versions it measures drift: how far (z units) the centres moved
// from the published ones.
//
// It reads nothing and samples nothing itself: the caller (SegmentEngine)
// draws the population samples, in z units under the current population
// scaler, and hands them in, so the trainer is a pure function of its inputs
// and its state, and a restart restores it exactly (State, persisted in the
// engine meta).
//
// Not thread-safe: the pipeline thread owns it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/model/degenerate.h"
#include "engine/model/k_selection.h"
#include "engine/model/kmeans.h"
#include "engine/model/minibatch.h"
#include "engine/model/scaler.h"
#include "engine/segment/serving_model.h"

namespace segstream {

struct TrainerOptions {
  int k = 0;  // 0 = auto: chosen by silhouette over [k_min, k_max]
  int k_min = 2;
  int k_max = 10;
  size_t k_review_sample = 2000;  // k = auto: customers the k rule is re-applied on at each version
  double refit_tolerance = 0.01;  // polished inertia worse than a fresh fit by more -> refit
  double drift_threshold = 0.5;   // z units (see PolishedDrift)
  uint64_t seed = 42;
};

class ModelTrainer {
 public:
  // What the engine meta persists of the trainer (state/FORMAT.md, `engine`).
  struct State {
    model::PopulationScaler scaler;  // the scaler `training` centres are expressed in
    bool has_training = false;       // false until the bootstrap
    model::MiniBatchKMeans training;
    std::vector<int> reseeded;  // rows re-seeded since the last version (new segments at the next)
    int k_candidate = 0;        // k = auto: the k the last review picked over the current one (0 = none)
    uint64_t refits = 0;        // versions that took a fresh fit over the polished centres
  };

  // The centres a version publishes and what the version record says of them.
  struct Version {
    model::Centers centers;  // z units under the scaler passed to PrepareVersion, one row per segment
    std::string trigger;     // the caller's, or "refit" / "k_change" when the trainer made one
    std::vector<model::LineageEntry> lineage;  // rows of the new centres from the old ones (k moved)
    std::vector<model::KScore> k_table;        // the k rule's table, when it was evaluated
    uint64_t k_table_sample = 0;               // customers behind k_table
    std::vector<int> reseeded;  // rows re-seeded since the last version: new segment ids
  };

  explicit ModelTrainer(TrainerOptions options) : options_(options) {}

  bool has_training() const { return state_.has_training; }
  const State& state() const { return state_; }
  void Restore(State state) { state_ = std::move(state); }

  // The first model: k-means++ and Lloyd on `x` (z units under `scaler`),
  // k fixed or chosen by the silhouette rule. Call PrepareVersion next with
  // trigger "bootstrap".
  void Bootstrap(const model::Points& x, const model::PopulationScaler& scaler);

  // Expresses the centres in `scaler` (the population's statistics moved
  // since they were last expressed). Call before sampling for a step or a
  // version, so the sample and the centres share one space.
  void Rescale(const model::PopulationScaler& scaler);

  // One mini-batch step on `x` (z units under the scaler of the last
  // Rescale) with forgetting `decay` in (0, 1]; `seed` drives re-seeding of
  // empty centres, whose rows are remembered until the next version.
  void Step(const model::Points& x, double decay, uint64_t seed);

  // The largest distance, row by row, between the training centres and
  // `serving`'s (z units, in `serving`'s space); 0 before the bootstrap or
  // when k differs.
  double Drift(const ServingModel& serving) const;

  // Drift of the training centres once polished by Lloyd on the population
  // sample `x` (z units under the current scaler): what a version would
  // publish, measured in the current scaler's space. When the polished
  // centres moved at most drift_threshold, they replace the training ones,
  // so the same noise does not ask again at the next step. `seed`: Lloyd's.
  double PolishedDrift(const model::Points& x, const ServingModel& serving, const model::PopulationScaler& scaler,
                       uint64_t seed);

  // The centres of version `version`: polished (or refit) on `x` (z units
  // under the scaler of the last Rescale), k reviewed, degenerate centres
  // dropped (all but the polish for trigger "bootstrap", whose fit is
  // fresh). `serving` is the version before it (empty at the bootstrap).
  // Clears the re-seeded rows and the pending k table.
  Version PrepareVersion(const model::Points& x, uint64_t version, const ServingModel& serving,
                         const model::PopulationScaler& scaler, std::string trigger);

 private:
  void ReviewK(const model::Points& x, uint64_t version, const ServingModel& serving,
               const model::PopulationScaler& scaler, Version* out);
  void PruneDegenerate(const model::Points& x);
  void ResetFromFit(const model::KMeansFit& fit);

  TrainerOptions options_;
  State state_;
  std::vector<model::KScore> pending_k_table_;  // the bootstrap's k table, until its version
  uint64_t pending_k_table_sample_ = 0;
};

}  // namespace segstream
