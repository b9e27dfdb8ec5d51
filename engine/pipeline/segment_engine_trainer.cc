// SegmentEngine, the trainer's decisions: whether the centres really
// moved (drift measured on polished centres), whether k should move (the k
// review at each version), and which centres are degenerate.
#include <algorithm>

#include "engine/model/degenerate.h"
#include "engine/model/k_selection.h"
#include "engine/model/kmeans.h"
#include "engine/model/rng.h"
#include "engine/pipeline/segment_engine.h"

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

double SegmentEngine::TrainingDrift() const {
  if (!has_training_ || serving_.empty() || training_.k() != serving_.k()) return 0;
  // Training centres expressed in the serving model's space, row by row
  // (training row i became serving row i at the last version).
  return MaxRowShift(model::Rescale(training_.centers(), training_scaler_, serving_.scaler), serving_.centers);
}

double SegmentEngine::PolishedDrift() {
  // The mini-batch centres move with the noise of each step's sample; what
  // a version would publish are those centres polished by Lloyd iterations
  // on the population sample. Measure the movement of those, and when it is
  // below the threshold keep the polished centres for training, so the same
  // noise does not ask again at the next step.
  const uint64_t seed = model::MixSeed(options_.seed ^ 0xd71f, step_count_);
  const model::Points x = ActivePoints(scaler_, options_.quality_sample, seed);
  if (x.rows() <= training_.k()) return TrainingDrift();
  model::KMeansOptions km;
  km.k = training_.k();
  km.max_iter = 100;
  km.seed = seed;
  const model::KMeansFit polished = model::RefineKMeans(x, training_.centers(), km);
  const double max_shift =
      MaxRowShift(polished.centers, model::Rescale(serving_.centers, serving_.scaler, scaler_));
  if (max_shift <= options_.drift_threshold) training_.Reset(polished.centers, training_.counts());
  return max_shift;
}

void SegmentEngine::ReviewK(const model::Points& x, uint64_t version, std::string* trigger,
                            std::vector<model::LineageEntry>* lineage) {
  const int current = training_.k();
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
      k_candidate_ = 0;
    } else if (target != k_candidate_ && !model::ClearKWin(sel, current, target)) {
      k_candidate_ = target;  // first sighting: confirm at the next review
      target = current;
    } else {
      k_candidate_ = 0;
    }
  }
  if (target == current || x.rows() == 0) return;
  km.k = target;
  const model::KMeansFit fit = model::FitKMeans(x, km);
  if (!serving_.empty()) {
    *lineage = model::Lineage(x, model::Rescale(serving_.centers, serving_.scaler, scaler_), fit.centers);
  }
  std::vector<double> counts(static_cast<size_t>(fit.centers.rows()), 0.0);
  for (int label : fit.labels) counts[static_cast<size_t>(label)] += 1.0;
  training_.Reset(fit.centers, counts);
  reseeded_since_publish_.clear();  // rows of the old k
  *trigger = "k_change";
}

void SegmentEngine::PruneDegenerate(const model::Points& x) {
  std::vector<int> kept;
  const model::Centers pruned = model::PruneDegenerateCenters(x, training_.centers(), &kept);
  if (static_cast<int>(kept.size()) == training_.k() || kept.empty()) return;
  std::vector<double> counts;
  for (int row : kept) counts.push_back(training_.counts()[static_cast<size_t>(row)]);
  training_.Reset(pruned, counts);
  reseeded_since_publish_.clear();
}

}  // namespace segstream
