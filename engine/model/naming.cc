// Segment naming by minimum-cost assignment to prototypes; see naming.h.
#include "engine/model/naming.h"

#include <cmath>
#include <string>

#include "engine/model/assignment.h"

namespace segstream::model {

const std::vector<SegmentPrototype>& SegmentPrototypes() {
  static const std::vector<SegmentPrototype> kPrototypes = {
      {"champions", -1.0, 1.3, 1.3, "reward: VIP tier, loyalty programme, early access"},
      {"loyal", -0.5, 0.8, 0.8, "upsell: higher-value products, ask for reviews and referrals"},
      {"potential_loyalist", -0.8, 0.2, 0.2, "nurture: membership offer, personalised recommendations"},
      {"new_customers", -1.0, -0.9, -0.8, "onboard: welcome series, second-purchase incentive"},
      {"needs_attention", 0.0, 0.0, 0.0, "re-engage: limited-time offers based on past purchases"},
      {"at_risk", 0.7, 0.5, 0.5, "win back: personalised reminders, renewal offers"},
      {"cant_lose_them", 0.9, 1.3, 1.3, "win back now: personal outreach, strong incentives, ask why"},
      {"hibernating", 0.6, -0.6, -0.6, "reactivate: reminders and relevant low-cost offers"},
      {"lost", 1.3, -1.0, -1.0, "low-cost win-back campaign, else stop spending on them"},
  };
  return kPrototypes;
}

std::vector<SegmentName> NameSegments(const Centers& z_centers) {
  const auto& protos = SegmentPrototypes();
  const Eigen::Index k = z_centers.rows();
  const Eigen::Index p = static_cast<Eigen::Index>(protos.size());
  Eigen::MatrixXd cost(k, p);
  for (Eigen::Index i = 0; i < k; ++i) {
    for (Eigen::Index j = 0; j < p; ++j) {
      const double dr = z_centers(i, 0) - protos[j].recency_z;
      const double df = z_centers(i, 1) - protos[j].frequency_z;
      const double dm = z_centers(i, 2) - protos[j].monetary_z;
      cost(i, j) = dr * dr + df * df + dm * dm;  // NaN becomes a huge cost in the solver
    }
  }
  const std::vector<int> assigned = MinCostAssignment(cost);
  std::vector<SegmentName> names(k);
  std::vector<int> uses(p, 0);
  for (Eigen::Index i = 0; i < k; ++i) {
    if (assigned[i] >= 0) {
      names[i] = {protos[assigned[i]].name, protos[assigned[i]].action};
      uses[assigned[i]] = 1;
    }
  }
  // k > prototypes: the leftover centres share their nearest prototype's
  // name, numbered in centre order (every prototype is used once already).
  for (Eigen::Index i = 0; i < k; ++i) {
    if (assigned[i] >= 0) continue;
    Eigen::Index best = 0;
    for (Eigen::Index j = 1; j < p; ++j) {
      if (cost(i, j) < cost(i, best) || std::isnan(cost(i, best))) best = j;
    }
    names[i] = {std::string(protos[best].name) + "_" + std::to_string(++uses[best]),
                protos[best].action};
  }
  return names;
}

}  // namespace segstream::model
