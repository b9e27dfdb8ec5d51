// Recency timers; see recency_timer.h.
#include "engine/segment/recency_timer.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/model/features.h"

namespace segstream {
namespace {

// Distance from a customer at recency coordinate z (other coordinates fixed)
// to centre j: sqrt((z - a_j)^2 + b_j).
struct Axis {
  double a, b;
  double Distance(double z) const { return std::sqrt((z - a) * (z - a) + b); }
};

// The first z > z0 where d_s(z) - d_j(z) > margin, or +inf. Every root of
// f(z) = d_s - d_j - margin is a root of the quadratic obtained by squaring
// twice, so the crossing is the first such root after which f is positive.
double FirstCrossing(const Axis& s, const Axis& j, double margin, double z0) {
  auto f = [&](double z) { return s.Distance(z) - j.Distance(z) - margin; };
  // d_s^2 - d_j^2 - m^2 = L(z) = p z + q must equal 2 m d_j(z).
  const double p = 2 * (j.a - s.a);
  const double q = s.a * s.a - j.a * j.a + s.b - j.b - margin * margin;
  const double m2 = 4 * margin * margin;
  const double A = p * p - m2;
  const double B = 2 * p * q + 2 * m2 * j.a;
  const double C = q * q - m2 * (j.a * j.a + j.b);
  double roots[2];
  int n = 0;
  if (std::abs(A) < 1e-12) {
    if (std::abs(B) > 1e-15) roots[n++] = -C / B;
  } else {
    const double disc = B * B - 4 * A * C;
    if (disc >= 0) {
      const double sq = std::sqrt(disc);
      roots[n++] = (-B - sq) / (2 * A);
      roots[n++] = (-B + sq) / (2 * A);
    }
  }
  if (n == 2 && roots[1] < roots[0]) std::swap(roots[0], roots[1]);
  for (int i = 0; i < n; ++i) {
    const double r = roots[i];
    if (!(r > z0)) continue;
    const double eps = 1e-9 * std::max(1.0, std::abs(r));
    if (f(r + eps) > 0) return r;
  }
  return std::numeric_limits<double>::infinity();
}

}  // namespace

int64_t NextRecencyCrossing(const ServingModel& m, const CustomerRecord& r, int64_t watermark, double margin,
                            double horizon_days) {
  if (m.empty() || !r.active() || r.segment_id < 0) return kNoTime;
  const int current = m.RowOf(r.segment_id);
  if (current < 0) return kNoTime;
  const model::Vec3 z_now = CustomerZ(m.z, r, watermark);
  const double z0 = z_now[0];
  // Only the recency coordinate moves: split each centre's squared distance
  // into (z - a)^2 + b with b from the frequency and monetary coordinates.
  auto axis = [&](int row) {
    const double df = z_now[1] - m.centers(row, 1), dm = z_now[2] - m.centers(row, 2);
    return Axis{m.centers(row, 0), df * df + dm * dm};
  };
  const Axis s = axis(current);
  double z_star = std::numeric_limits<double>::infinity();
  for (int j = 0; j < m.k(); ++j) {
    if (j != current) z_star = std::min(z_star, FirstCrossing(s, axis(j), margin, z0));
  }
  if (!std::isfinite(z_star)) return kNoTime;
  // Back from the z-score to days of recency, then to a watermark.
  const double days = std::expm1(z_star * m.z.std[0] + m.z.mean[0]);
  if (!(days <= std::max(0.0, r.recency_days(watermark)) + horizon_days)) return kNoTime;
  const int64_t due = r.last_purchase_ts + static_cast<int64_t>(std::ceil(days * 86400.0));
  return std::max(due, watermark + 1);
}

}  // namespace segstream
