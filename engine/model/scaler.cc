// PopulationScaler: exact fixed-point population statistics; see scaler.h.
#include "engine/model/scaler.h"

#include <cmath>

#include "engine/util/coding.h"

namespace segstream::model {

namespace {
constexpr double kScale = 0x1.0p32;       // fixed-point: 32 fractional bits
constexpr double kInvScale = 0x1.0p-32;
constexpr uint8_t kFormatVersion = 1;
// Largest |q| that Quantize can produce: kMaxAbs * 2^32 = 2^42.
constexpr int64_t kMaxQ = int64_t{1} << 42;
}  // namespace

int64_t PopulationScaler::Quantize(double v) {
  if (!(v == v)) v = 0.0;  // NaN
  if (v > kMaxAbs) v = kMaxAbs;
  if (v < -kMaxAbs) v = -kMaxAbs;
  // v * 2^32 is exact (power-of-two scaling); llround is deterministic.
  return std::llround(v * kScale);
}

void PopulationScaler::Add(const Vec3& x) {
  ++count_;
  for (int j = 0; j < 3; ++j) {
    const int64_t q = Quantize(x[j]);
    sum_[j] += q;
    sum_sq_[j] += static_cast<unsigned __int128>(static_cast<__int128>(q) * q);
  }
}

void PopulationScaler::Remove(const Vec3& x) {
  --count_;
  for (int j = 0; j < 3; ++j) {
    const int64_t q = Quantize(x[j]);
    sum_[j] -= q;
    sum_sq_[j] -= static_cast<unsigned __int128>(static_cast<__int128>(q) * q);
  }
}

void CoordinateSums::Add(double value, int64_t copies) {
  const int64_t q = PopulationScaler::Quantize(value);
  count_ += copies;
  sum_ += static_cast<__int128>(q) * copies;
  sum_sq_ += static_cast<unsigned __int128>(static_cast<__int128>(q) * q) * static_cast<uint64_t>(copies);
}

bool PopulationScaler::SetCoordinate(int j, const CoordinateSums& sums) {
  if (j < 0 || j > 2 || sums.count_ != count_) return false;
  sum_[j] = sums.sum_;
  sum_sq_[j] = sums.sum_sq_;
  return true;
}

Vec3 PopulationScaler::Mean() const {
  Vec3 mean = Vec3::Zero();
  if (count_ <= 0) return mean;
  for (int j = 0; j < 3; ++j) {
    // Split into an exact integer part and a remainder so the double result
    // is correctly rounded even for huge sums.
    const __int128 m0 = sum_[j] / count_;
    const __int128 r = sum_[j] - m0 * count_;
    const long double mean_q =
        static_cast<long double>(m0) + static_cast<long double>(r) / static_cast<long double>(count_);
    mean[j] = static_cast<double>(mean_q * static_cast<long double>(kInvScale));
  }
  return mean;
}

// n * var = sum (q - mean)^2. With m0 = trunc(S1 / n) and r = S1 - m0 n:
//   sum (q - m0)^2 = S2 - m0 (S1 + r)          (exact, in integers)
//   sum (q - mean)^2 = sum (q - m0)^2 - r^2 / n
// so the only rounding happens after the large terms have cancelled exactly.
// All-equal inputs give exactly 0.
double PopulationScaler::Variance(int j) const {
  if (count_ <= 0) return 0.0;
  const __int128 n = count_;
  const __int128 m0 = sum_[j] / n;
  const __int128 r = sum_[j] - m0 * n;
  const __int128 centered = static_cast<__int128>(sum_sq_[j]) - m0 * (sum_[j] + r);
  const long double ss = static_cast<long double>(centered) -
                         static_cast<long double>(r * r) / static_cast<long double>(n);
  if (ss <= 0) return 0.0;
  return static_cast<double>(ss / static_cast<long double>(n));
}

Vec3 PopulationScaler::Std() const {
  Vec3 std_dev;
  for (int j = 0; j < 3; ++j) {
    const double var = Variance(j);
    std_dev[j] = var > 0 ? std::sqrt(var) * kInvScale : 1.0;
  }
  return std_dev;
}

Vec3 PopulationScaler::Transform(const Vec3& log_features) const {
  const Vec3 mean = Mean();
  const Vec3 sd = Std();
  return ((log_features - mean).array() / sd.array()).matrix();
}

Vec3 PopulationScaler::InverseTransform(const Vec3& z) const {
  const Vec3 mean = Mean();
  const Vec3 sd = Std();
  return (z.array() * sd.array() + mean.array()).matrix();
}

Points PopulationScaler::TransformAll(const Points& log_features) const {
  const Vec3 mean = Mean();
  const Vec3 sd = Std();
  Points out(log_features.rows(), 3);
  for (Eigen::Index i = 0; i < log_features.rows(); ++i) {
    for (int j = 0; j < 3; ++j) out(i, j) = (log_features(i, j) - mean[j]) / sd[j];
  }
  return out;
}

std::string PopulationScaler::Serialize() const {
  std::string out;
  out.reserve(1 + 8 + 6 * 16);
  out.push_back(static_cast<char>(kFormatVersion));
  PutFixed64(&out, static_cast<uint64_t>(count_));
  for (int j = 0; j < 3; ++j) {
    const auto u = static_cast<unsigned __int128>(sum_[j]);
    PutFixed64(&out, static_cast<uint64_t>(u));
    PutFixed64(&out, static_cast<uint64_t>(u >> 64));
  }
  for (int j = 0; j < 3; ++j) {
    PutFixed64(&out, static_cast<uint64_t>(sum_sq_[j]));
    PutFixed64(&out, static_cast<uint64_t>(sum_sq_[j] >> 64));
  }
  return out;
}

Result<PopulationScaler> PopulationScaler::Deserialize(std::string_view data) {
  Decoder in(data);
  uint8_t version = 0;
  if (!in.GetByte(&version)) return Status::Corruption("scaler: empty input");
  if (version != kFormatVersion) {
    return Status::Corruption("scaler: unknown format version " + std::to_string(version));
  }
  PopulationScaler s;
  uint64_t count = 0;
  if (!in.GetFixed64(&count)) return Status::Corruption("scaler: truncated count");
  s.count_ = static_cast<int64_t>(count);
  for (int j = 0; j < 3; ++j) {
    uint64_t lo, hi;
    if (!in.GetFixed64(&lo) || !in.GetFixed64(&hi)) return Status::Corruption("scaler: truncated sums");
    s.sum_[j] = static_cast<__int128>((static_cast<unsigned __int128>(hi) << 64) | lo);
  }
  for (int j = 0; j < 3; ++j) {
    uint64_t lo, hi;
    if (!in.GetFixed64(&lo) || !in.GetFixed64(&hi)) return Status::Corruption("scaler: truncated squares");
    s.sum_sq_[j] = (static_cast<unsigned __int128>(hi) << 64) | lo;
  }
  if (in.remaining() != 0) return Status::Corruption("scaler: trailing bytes");
  if (s.count_ < 0) return Status::Corruption("scaler: negative count");
  // 2^40 customers is far beyond any real population and keeps every
  // product below in range of a signed 128-bit integer.
  if (s.count_ > (int64_t{1} << 40)) return Status::Corruption("scaler: implausible count");
  for (int j = 0; j < 3; ++j) {
    const __int128 bound = static_cast<__int128>(s.count_) * kMaxQ;
    if (s.sum_[j] > bound || s.sum_[j] < -bound) return Status::Corruption("scaler: sum out of range");
    if (s.count_ == 0 && s.sum_sq_[j] != 0) return Status::Corruption("scaler: squares without count");
    // Cauchy-Schwarz: S1^2 <= n S2. Checked as (S1/n)*S1 <= S2 to stay in range.
    if (s.count_ > 0) {
      const __int128 m0 = s.sum_[j] / s.count_;
      const __int128 lower = m0 * s.sum_[j];  // <= S1^2 / n; |m0| <= 2^42, |S1| <= 2^82
      if (s.sum_sq_[j] >> 127 || static_cast<__int128>(s.sum_sq_[j]) < lower) {
        return Status::Corruption("scaler: inconsistent sums");
      }
    }
  }
  return s;
}

}  // namespace segstream::model
