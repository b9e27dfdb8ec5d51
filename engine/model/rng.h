// A small deterministic random generator for the model code.
//
// Why not <random>: std::uniform_real_distribution and friends are
// implementation-defined, so the same seed may give different centres on
// another standard library. Here the whole chain is specified: splitmix64
// expands the seed into xoshiro256** state, and a uniform double is the top
// 53 bits of one draw times 2^-53. Same seed, same bits, everywhere.
#pragma once

#include <cstdint>
#include <vector>
#include <utility>

namespace segstream::model {

// splitmix64 (Steele, Lea, Flood 2014): a good 64-bit mixer, used for seeding
// and for deriving independent sub-seeds (one per k-means init, per step...).
inline uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Mixes two values into one seed (e.g. base seed and init number).
inline uint64_t MixSeed(uint64_t seed, uint64_t stream) {
  uint64_t s = seed ^ (0xD1B54A32D192ED03ULL * (stream + 1));
  return SplitMix64(&s);
}

// xoshiro256** (Blackman, Vigna 2018).
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t sm = seed;
    for (uint64_t& word : s_) word = SplitMix64(&sm);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1): exactly representable multiples of 2^-53.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

  // Uniform integer in [0, n), n > 0. Lemire's multiply-shift with rejection,
  // so there is no modulo bias.
  uint64_t Below(uint64_t n) {
    unsigned __int128 m = static_cast<unsigned __int128>(Next()) * n;
    uint64_t low = static_cast<uint64_t>(m);
    if (low < n) {
      const uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<unsigned __int128>(Next()) * n;
        low = static_cast<uint64_t>(m);
      }
    }
    return static_cast<uint64_t>(m >> 64);
  }

  // A uniform sample of min(m, n) of the indices 0..n-1 without replacement,
  // in draw order: the first m slots of a partial Fisher-Yates shuffle.
  std::vector<size_t> SampleIndices(size_t n, size_t m) {
    std::vector<size_t> index(n);
    for (size_t i = 0; i < n; ++i) index[i] = i;
    m = m < n ? m : n;
    for (size_t i = 0; i < m; ++i) std::swap(index[i], index[i + static_cast<size_t>(Below(n - i))]);
    index.resize(m);
    return index;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace segstream::model
