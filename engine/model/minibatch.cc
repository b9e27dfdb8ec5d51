// Mini-batch k-means with forgetting and re-seeding; see minibatch.h.
#include "engine/model/minibatch.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "engine/util/coding.h"
#include "engine/model/kmeans.h"
#include "engine/model/rng.h"

namespace segstream::model {

namespace {
constexpr uint8_t kFormatVersion = 1;
constexpr uint32_t kMaxK = 4096;
}  // namespace

MiniBatchKMeans::MiniBatchKMeans(Centers initial, std::vector<double> counts) {
  Reset(std::move(initial), std::move(counts));
}

void MiniBatchKMeans::Reset(Centers centers, std::vector<double> counts) {
  centers_ = std::move(centers);
  counts_ = std::move(counts);
  counts_.resize(static_cast<size_t>(centers_.rows()), 0.0);
}

StepResult MiniBatchKMeans::Step(const Points& batch, double decay, uint64_t seed,
                                 double reassign_ratio) {
  StepResult result;
  const int k = this->k();
  if (k == 0) return result;
  if (!(decay > 0)) decay = std::numeric_limits<double>::min();
  if (decay > 1) decay = 1;
  for (double& c : counts_) c *= decay;

  const Eigen::Index n = batch.rows();
  for (Eigen::Index i = 0; i < n; ++i) {
    const double* x = batch.data() + 3 * i;
    double d2;
    const int c = Nearest(centers_, x, &d2);
    result.batch_inertia += d2;
    counts_[c] += 1.0;
    const double eta = 1.0 / counts_[c];
    double* centre = centers_.data() + 3 * c;
    centre[0] += (x[0] - centre[0]) * eta;
    centre[1] += (x[1] - centre[1]) * eta;
    centre[2] += (x[2] - centre[2]) * eta;
  }

  // Re-seeding of starved centres.
  if (n == 0 || k < 2 || !(reassign_ratio > 0)) return result;
  const double max_count = *std::max_element(counts_.begin(), counts_.end());
  const double threshold = reassign_ratio * max_count;
  std::vector<int> starved;
  for (int c = 0; c < k; ++c) {
    if (counts_[c] < threshold) starved.push_back(c);
  }
  if (starved.empty()) return result;
  // Lowest count first (lower index on ties); at most half the batch.
  std::stable_sort(starved.begin(), starved.end(),
                   [&](int a, int b) { return counts_[a] < counts_[b]; });
  starved.resize(std::min(starved.size(), static_cast<size_t>(n / 2)));
  if (starved.empty()) return result;

  std::vector<char> is_starved(k, 0);
  for (int c : starved) is_starved[c] = 1;
  double reset_count = std::numeric_limits<double>::infinity();
  Centers live(k - static_cast<Eigen::Index>(starved.size()), 3);
  for (int c = 0, row = 0; c < k; ++c) {
    if (is_starved[c]) continue;
    reset_count = std::min(reset_count, counts_[c]);
    live.row(row++) = centers_.row(c);
  }
  std::vector<double> d2(n);
  for (Eigen::Index i = 0; i < n; ++i) Nearest(live, batch.data() + 3 * i, &d2[i]);

  Rng rng(seed);
  std::vector<double> cumulative(n);
  std::sort(starved.begin(), starved.end());  // re-seed in index order
  for (int c : starved) {
    double running = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      running += d2[i];
      cumulative[i] = running;
    }
    if (!(running > 0)) break;  // every batch point sits on a live centre
    const double target = rng.Uniform() * running;
    auto it = std::upper_bound(cumulative.begin(), cumulative.end(), target);
    if (it == cumulative.end()) --it;
    Eigen::Index pick = it - cumulative.begin();
    // Only when rounding put target at the very end can pick have zero weight.
    while (d2[pick] == 0 && pick > 0) --pick;
    centers_.row(c) = batch.row(pick);
    counts_[c] = reset_count;
    result.reseeded.push_back(c);
    const double* cp = centers_.data() + 3 * c;
    for (Eigen::Index i = 0; i < n; ++i) {
      const double* x = batch.data() + 3 * i;
      const double a = x[0] - cp[0], b = x[1] - cp[1], e = x[2] - cp[2];
      d2[i] = std::min(d2[i], a * a + b * b + e * e);
    }
  }
  return result;
}

std::string MiniBatchKMeans::Serialize() const {
  std::string out;
  const int k = this->k();
  out.reserve(5 + static_cast<size_t>(k) * 32);
  out.push_back(static_cast<char>(kFormatVersion));
  PutFixed32(&out, static_cast<uint32_t>(k));
  for (Eigen::Index i = 0; i < centers_.size(); ++i) PutDouble(&out, centers_.data()[i]);
  for (double c : counts_) PutDouble(&out, c);
  return out;
}

Result<MiniBatchKMeans> MiniBatchKMeans::Deserialize(std::string_view data) {
  Decoder in(data);
  uint8_t version = 0;
  if (!in.GetByte(&version)) return Status::Corruption("minibatch: empty input");
  if (version != kFormatVersion) {
    return Status::Corruption("minibatch: unknown format version " + std::to_string(version));
  }
  uint32_t k = 0;
  if (!in.GetFixed32(&k)) return Status::Corruption("minibatch: truncated header");
  if (k > kMaxK) return Status::Corruption("minibatch: implausible k " + std::to_string(k));
  if (in.remaining() != static_cast<size_t>(k) * 32) {
    return Status::Corruption("minibatch: expected " + std::to_string(k * 32) + " bytes of centres and counts, got " +
                              std::to_string(in.remaining()));
  }
  Centers centers(k, 3);
  for (Eigen::Index i = 0; i < centers.size(); ++i) {
    double v = 0;
    if (!in.GetDouble(&v)) return Status::Corruption("minibatch: truncated centres");
    if (!std::isfinite(v)) return Status::Corruption("minibatch: non-finite centre coordinate");
    centers.data()[i] = v;
  }
  std::vector<double> counts(k);
  for (double& c : counts) {
    if (!in.GetDouble(&c)) return Status::Corruption("minibatch: truncated counts");
    if (!std::isfinite(c) || c < 0) return Status::Corruption("minibatch: bad count");
  }
  return MiniBatchKMeans(std::move(centers), std::move(counts));
}

Centers Rescale(const Centers& z_centers, const PopulationScaler& from, const PopulationScaler& to) {
  const Vec3 from_mean = from.Mean(), from_std = from.Std();
  const Vec3 to_mean = to.Mean(), to_std = to.Std();
  Centers out(z_centers.rows(), 3);
  for (Eigen::Index i = 0; i < z_centers.rows(); ++i) {
    for (int j = 0; j < 3; ++j) {
      const double log_value = z_centers(i, j) * from_std[j] + from_mean[j];
      out(i, j) = (log_value - to_mean[j]) / to_std[j];
    }
  }
  return out;
}

}  // namespace segstream::model
