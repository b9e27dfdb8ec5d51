// ModelTrainer; see model_trainer.h.
#include "engine/trainer/model_trainer.h"

#include <algorithm>

#include "engine/model/degenerate.h"
#include "engine/model/rng.h"

namespace segstream {
namespace {

// The largest distance between row i of `a` and row i of `b` (z units).
// REQUIRES: the same number of rows.
double MaxRowShift(const model::Centers& a, const model::Centers& b) {
  double max_shift = 0;
  for (Eigen::Index i = 0; i < a.rows(); ++i) max_shift = std::max(max_shift, (a.row(i) - b.row(i)).norm());
  return max_shift;
}

}  // namespace

void ModelTrainer::ResetFromFit(const model::KMeansFit& fit) {
  std::vector<double> counts(static_cast<size_t>(fit.centers.rows()), 0.0);
  for (int label : fit.labels) counts[static_cast<size_t>(label)] += 1.0;
  state_.training.Reset(fit.centers, counts);
}

void ModelTrainer::Bootstrap(const model::Points& x, const model::PopulationScaler& scaler) {
  model::KMeansOptions km;
  km.seed = options_.seed;
  model::KMeansFit fit;
  if (options_.k > 0) {
    // Never more centres than distinct customer profiles (degenerate.h).
    km.k = std::max(1, model::CountDistinctRows(x, options_.k));
    fit = model::FitKMeans(x, km);
  } else {
    const int k_max = std::max(1, std::min<int>(options_.k_max, static_cast<int>(x.rows()) - 1));
    const int k_min = std::min(options_.k_min, k_max);
    model::KSelection sel = model::SelectK(x, k_min, k_max, km);
    pending_k_table_ = sel.table;
    pending_k_table_sample_ = static_cast<uint64_t>(x.rows());
    fit = std::move(sel.fit);
  }
  std::vector<double> counts(static_cast<size_t>(fit.centers.rows()), 0.0);
  for (int label : fit.labels) counts[static_cast<size_t>(label)] += 1.0;
  state_.training = model::MiniBatchKMeans(fit.centers, counts);
  state_.scaler = scaler;
  state_.has_training = true;
}

void ModelTrainer::Rescale(const model::PopulationScaler& scaler) {
  state_.training.Reset(model::Rescale(state_.training.centers(), state_.scaler, scaler), state_.training.counts());
  state_.scaler = scaler;
}

void ModelTrainer::Step(const model::Points& x, double decay, uint64_t seed) {
  const model::StepResult res = state_.training.Step(x, decay, seed);
  for (int r : res.reseeded) {
    if (std::find(state_.reseeded.begin(), state_.reseeded.end(), r) == state_.reseeded.end()) {
      state_.reseeded.push_back(r);
    }
  }
}

double ModelTrainer::Drift(const ServingModel& serving) const {
  if (!state_.has_training || serving.empty() || state_.training.k() != serving.k()) return 0;
  // Training centres expressed in the serving model's space, row by row
  // (training row i became serving row i at the last version).
  return MaxRowShift(model::Rescale(state_.training.centers(), state_.scaler, serving.scaler), serving.centers);
}

double ModelTrainer::PolishedDrift(const model::Points& x, const ServingModel& serving,
                                   const model::PopulationScaler& scaler, uint64_t seed) {
  // The mini-batch centres move with the noise of each step's sample; what
  // a version would publish are those centres polished by Lloyd iterations
  // on the population sample. Measure the movement of those.
  if (x.rows() <= state_.training.k()) return Drift(serving);
  model::KMeansOptions km;
  km.k = state_.training.k();
  km.max_iter = 100;
  km.seed = seed;
  const model::KMeansFit polished = model::RefineKMeans(x, state_.training.centers(), km);
  const double max_shift = MaxRowShift(polished.centers, model::Rescale(serving.centers, serving.scaler, scaler));
  if (max_shift <= options_.drift_threshold) state_.training.Reset(polished.centers, state_.training.counts());
  return max_shift;
}

ModelTrainer::Version ModelTrainer::PrepareVersion(const model::Points& x, uint64_t version,
                                                   const ServingModel& serving,
                                                   const model::PopulationScaler& scaler, std::string trigger) {
  Version out;
  // Each version polishes the streaming centres with Lloyd iterations on the
  // (sampled) population, so a published model sits at a local optimum of
  // the population's k-means. Quality check: the polished centres against a
  // fresh k-means++ fit; worse by more than refit_tolerance -> take the fit.
  const bool bootstrap = trigger == "bootstrap";
  if (!bootstrap && x.rows() > state_.training.k()) {
    model::KMeansOptions km;
    km.k = state_.training.k();
    km.n_init = 2;
    km.max_iter = 100;
    km.seed = model::MixSeed(options_.seed, version);
    const model::KMeansFit polished = model::RefineKMeans(x, state_.training.centers(), km);
    const model::KMeansFit fresh = model::FitKMeans(x, km);
    if (polished.inertia > (1.0 + options_.refit_tolerance) * fresh.inertia) {
      ResetFromFit(fresh);
      ++state_.refits;
      trigger = "refit";
    } else {
      state_.training.Reset(polished.centers, state_.training.counts());
    }
  }
  out.trigger = std::move(trigger);
  if (!bootstrap) ReviewK(x, version, serving, scaler, &out);
  PruneDegenerate(x);
  out.centers = state_.training.centers();
  out.k_table = std::move(pending_k_table_);
  out.k_table_sample = pending_k_table_sample_;
  pending_k_table_.clear();
  pending_k_table_sample_ = 0;
  out.reseeded = std::move(state_.reseeded);
  state_.reseeded.clear();
  return out;
}

void ModelTrainer::ReviewK(const model::Points& x, uint64_t version, const ServingModel& serving,
                           const model::PopulationScaler& scaler, Version* out) {
  const int current = state_.training.k();
  model::KMeansOptions km;
  km.seed = model::MixSeed(options_.seed ^ 0x4b, version);
  km.n_init = 3;
  km.max_iter = 100;
  int target = current;
  if (options_.k > 0) {
    // Fixed k: only the cap by distinct profiles can move it (both ways).
    target = std::max(1, model::CountDistinctRows(x, options_.k));
  } else {
    // k = auto: the documented rule on a fresh sample of the population.
    model::Points xs = x;
    if (static_cast<size_t>(xs.rows()) > options_.k_review_sample) {
      const std::vector<size_t> rows =
          model::Rng(km.seed).SampleIndices(static_cast<size_t>(x.rows()), options_.k_review_sample);
      xs.resize(static_cast<Eigen::Index>(rows.size()), 3);
      for (size_t i = 0; i < rows.size(); ++i) {
        xs.row(static_cast<Eigen::Index>(i)) = x.row(static_cast<Eigen::Index>(rows[i]));
      }
    }
    model::KMeansOptions sk = km;
    sk.n_init = 1;
    const int k_max = std::max(1, std::min<int>(options_.k_max, static_cast<int>(xs.rows()) - 1));
    // One k-means++ init per k: the review only needs the table's shape, and
    // a move refits with 3 inits. Silhouettes on the whole sample: on half of
    // it the noise let k=2 win the rule on UCI (the batch reference is k=3).
    model::KSelection sel = model::SelectK(xs, std::min(options_.k_min, k_max), k_max, sk);
    pending_k_table_ = sel.table;
    pending_k_table_sample_ = static_cast<uint64_t>(xs.rows());
    // A move needs the rule to pick the same k at two reviews in a row, each
    // on its own sample: on a population without clear clusters the
    // silhouettes of several k are within sampling noise of each other, and
    // following every sample's pick made k (and every customer's segment)
    // flap from version to version.
    // A clear win (kKConfirmMargin) moves at once.
    if (!model::ShouldSwitchK(sel, current, &target)) {
      target = current;
      state_.k_candidate = 0;
    } else if (target != state_.k_candidate && !model::ClearKWin(sel, current, target)) {
      state_.k_candidate = target;  // first sighting: confirm at the next review
      target = current;
    } else {
      state_.k_candidate = 0;
    }
  }
  if (target == current || x.rows() == 0) return;
  km.k = target;
  const model::KMeansFit fit = model::FitKMeans(x, km);
  if (!serving.empty()) {
    out->lineage = model::Lineage(x, model::Rescale(serving.centers, serving.scaler, scaler), fit.centers);
  }
  ResetFromFit(fit);
  state_.reseeded.clear();  // rows of the old k
  out->trigger = "k_change";
}

void ModelTrainer::PruneDegenerate(const model::Points& x) {
  std::vector<int> kept;
  const model::Centers pruned = model::PruneDegenerateCenters(x, state_.training.centers(), &kept);
  if (static_cast<int>(kept.size()) == state_.training.k() || kept.empty()) return;
  std::vector<double> counts;
  for (int row : kept) counts.push_back(state_.training.counts()[static_cast<size_t>(row)]);
  state_.training.Reset(pruned, counts);
  state_.reseeded.clear();
}

}  // namespace segstream
