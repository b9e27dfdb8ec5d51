// Synthetic data for the model tests: Gaussian blobs drawn with the model's
// own deterministic RNG (Box-Muller), so every test sees the same points.
#pragma once

#include <cmath>
#include <vector>

#include "engine/model/rng.h"
#include "engine/model/types.h"

namespace segstream::model::testing {

class Gaussian {
 public:
  explicit Gaussian(uint64_t seed) : rng_(seed) {}
  double Next() {
    double u1 = rng_.Uniform();
    while (u1 <= 0) u1 = rng_.Uniform();
    const double u2 = rng_.Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  Rng& rng() { return rng_; }

 private:
  Rng rng_;
};

// n points; point i belongs to blob i % centres.rows(), with isotropic noise sigma.
inline Points Blobs(const Centers& centres, Eigen::Index n, double sigma, uint64_t seed,
                    std::vector<int>* truth = nullptr) {
  Gaussian g(seed);
  Points x(n, 3);
  if (truth != nullptr) truth->assign(n, 0);
  for (Eigen::Index i = 0; i < n; ++i) {
    const Eigen::Index b = i % centres.rows();
    for (int j = 0; j < 3; ++j) x(i, j) = centres(b, j) + sigma * g.Next();
    if (truth != nullptr) (*truth)[i] = static_cast<int>(b);
  }
  return x;
}

}  // namespace segstream::model::testing
