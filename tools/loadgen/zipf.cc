// ZipfSampler: rejection-inversion. H and its inverse are written with
// expm1/log1p helpers so s = 1 (where H is log x) needs no special case.
#include "tools/loadgen/zipf.h"

#include <algorithm>
#include <cmath>

namespace segstream::loadgen {
namespace {

// (e^t - 1) / t, continuous at t = 0.
double ExpM1OverX(double t) { return std::abs(t) > 1e-8 ? std::expm1(t) / t : 1.0 + t / 2.0 * (1.0 + t / 3.0); }
// log(1 + t) / t, continuous at t = 0.
double Log1pOverX(double t) { return std::abs(t) > 1e-8 ? std::log1p(t) / t : 1.0 - t * (0.5 - t / 3.0); }

}  // namespace

ZipfSampler::ZipfSampler(uint64_t n, double s) : n_(std::max<uint64_t>(n, 1)), s_(s) {
  h_integral_x1_ = H(1.5) - 1.0;
  h_integral_n_ = H(static_cast<double>(n_) + 0.5);
  squeeze_ = 2.0 - HInv(H(2.5) - h(2.0));
}

double ZipfSampler::h(double x) const { return std::exp(-s_ * std::log(x)); }

double ZipfSampler::H(double x) const {
  const double log_x = std::log(x);
  return ExpM1OverX((1.0 - s_) * log_x) * log_x;
}

double ZipfSampler::HInv(double x) const {
  double t = x * (1.0 - s_);
  if (t < -1.0) t = -1.0;  // rounding at the edge of the domain
  return std::exp(Log1pOverX(t) * x);
}

uint64_t ZipfSampler::Sample(Rng& rng) const {
  while (true) {
    const double u = h_integral_n_ + rng.Uniform() * (h_integral_x1_ - h_integral_n_);
    const double x = HInv(u);
    double k = std::floor(x + 0.5);
    k = std::clamp(k, 1.0, static_cast<double>(n_));
    // Accept at once inside the squeeze, else test against the exact bound.
    if (k - x <= squeeze_ || u >= H(k + 0.5) - h(k)) return static_cast<uint64_t>(k);
  }
}

}  // namespace segstream::loadgen
