// Segment naming: a marketer's name and suggested action for each centre,
// from the centre's R/F/M standing in z-space (z-scores of the log1p
// features relative to the whole population). Low recency z is GOOD: it
// means the segment bought recently.
//
// Rule: each name has a prototype point (R, F, M) in z-space (table below and
// in README.md). Names are given by a minimum-cost assignment between centres
// and prototypes, cost = squared Euclidean distance, so every centre gets the
// closest name it can have while names stay unique within a model version.
// Ties are broken deterministically by the assignment (lower index first).
// With more centres than prototypes (k > 9) the extra centres take the name
// of their nearest prototype with a numeric suffix ("loyal_2").
//
//   name                R z    F z    M z   action
//   champions          -1.0   +1.3   +1.3   reward: VIP tier, loyalty programme, early access
//   loyal              -0.5   +0.8   +0.8   upsell: higher-value products, ask for reviews and referrals
//   potential_loyalist -0.8   +0.2   +0.2   nurture: membership offer, personalised recommendations
//   new_customers      -1.0   -0.9   -0.8   onboard: welcome series, second-purchase incentive
//   needs_attention     0.0    0.0    0.0   re-engage: limited-time offers based on past purchases
//   at_risk            +0.7   +0.5   +0.5   win back: personalised reminders, renewal offers
//   cant_lose_them     +0.9   +1.3   +1.3   win back now: personal outreach, strong incentives, ask why
//   hibernating        +0.6   -0.6   -0.6   reactivate: reminders and relevant low-cost offers
//   lost               +1.3   -1.0   -1.0   low-cost win-back campaign, else stop spending on them
//
// The prototypes sit where a segment of that kind lands on RFM data (e.g. a
// champion is about one standard deviation more recent and more than one
// above average in frequency and spend); k = 4 on UCI Online Retail gives
// champions, new_customers, at_risk and hibernating (README.md).
#pragma once

#include <string>
#include <vector>

#include "engine/model/types.h"

namespace segstream::model {

struct SegmentName {
  std::string name;
  std::string action;
};

struct SegmentPrototype {
  const char* name;
  double recency_z;
  double frequency_z;
  double monetary_z;
  const char* action;
};

// The vocabulary above, in table order.
const std::vector<SegmentPrototype>& SegmentPrototypes();

// One name per row of z_centers; names are unique.
std::vector<SegmentName> NameSegments(const Centers& z_centers);

}  // namespace segstream::model
