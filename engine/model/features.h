// Feature map from a customer's RFM record to the model's input space.
//
// log1p compresses the heavy right tails of frequency and monetary (a few
// wholesale buyers spend 1000x the median) so k-means, which is driven by
// squared distances, does not spend all its centres on outliers. Negative
// inputs (net refunds, clock skew) are clamped at 0 first.
#pragma once

#include "engine/model/types.h"

namespace segstream::model {

// (log1p(max(r,0)), log1p(max(f,0)), log1p(max(m,0))). NaN inputs map to 0.
Vec3 LogFeatures(double recency_days, double frequency, double monetary);

// The inverse of LogFeatures on its image: expm1 of each coordinate, i.e.
// (recency_days, frequency, monetary); used to report centres in RFM units.
Vec3 FromLogFeatures(const Vec3& log_features);

}  // namespace segstream::model
