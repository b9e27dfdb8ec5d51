// Deterministic random numbers for loadgen: a SplitMix64 generator (same
// stream on every platform, unlike std:: distributions) and a Zipf sampler
// over 1..n that needs O(1) memory, so 10 M customers cost nothing.
#pragma once

#include <cstdint>

namespace segstream::loadgen {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Uniform integer in [0, n).
  uint64_t Below(uint64_t n) { return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64); }
  bool Chance(double p) { return Uniform() < p; }

 private:
  uint64_t state_;
};

// P(k) proportional to k^-s for k in 1..n, by rejection-inversion
// (Hörmann & Derflinger, "Rejection-inversion to generate variates from
// monotone discrete distributions", 1996): constant time and memory per draw.
class ZipfSampler {
 public:
  ZipfSampler(uint64_t n, double s);
  uint64_t Sample(Rng& rng) const;

 private:
  double H(double x) const;      // antiderivative of x^-s (shifted so H(1)=0)
  double HInv(double x) const;
  double h(double x) const;      // x^-s
  uint64_t n_;
  double s_;
  double h_integral_x1_;
  double h_integral_n_;
  double squeeze_;
};

}  // namespace segstream::loadgen
