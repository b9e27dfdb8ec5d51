// Feature map: see features.h.
#include "engine/model/features.h"

#include <cmath>

namespace segstream::model {

namespace {
// max(v, 0) that also sends NaN to 0 (std::max would keep a leading NaN).
double ClampNonNegative(double v) { return v > 0 ? v : 0.0; }
}  // namespace

Vec3 LogFeatures(double recency_days, double frequency, double monetary) {
  return Vec3(std::log1p(ClampNonNegative(recency_days)), std::log1p(ClampNonNegative(frequency)),
              std::log1p(ClampNonNegative(monetary)));
}

Vec3 FromLogFeatures(const Vec3& log_features) {
  return Vec3(std::expm1(log_features[0]), std::expm1(log_features[1]), std::expm1(log_features[2]));
}

}  // namespace segstream::model
