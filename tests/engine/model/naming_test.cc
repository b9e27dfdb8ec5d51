// Segment naming: sensible names for typical centres, uniqueness for any k,
// determinism.
#include "engine/model/naming.h"

#include <gtest/gtest.h>

#include <set>

#include "engine/model/rng.h"

namespace segstream::model {
namespace {

TEST(NameSegments, TypicalRfmCentres) {
  // Shaped like UCI Online Retail at k = 4 (R, F, M z-scores).
  Centers c(4, 3);
  c << -1.1, 1.4, 1.4,   // recent, frequent, big spenders
      0.9, -0.8, -0.9,   // long gone, one-off, small
      -0.9, -0.5, -0.6,  // recent first-timers
      0.1, 0.3, 0.3;     // middle
  const auto names = NameSegments(c);
  ASSERT_EQ(names.size(), 4u);
  EXPECT_EQ(names[0].name, "champions");
  EXPECT_TRUE(names[1].name == "lost" || names[1].name == "hibernating") << names[1].name;
  EXPECT_EQ(names[2].name, "new_customers");
  EXPECT_NE(names[0].action.find("loyalty"), std::string::npos);
  EXPECT_NE(names[2].action.find("onboard"), std::string::npos);
  for (const auto& n : names) EXPECT_FALSE(n.action.empty());
}

TEST(NameSegments, TwoSegments) {
  Centers c(2, 3);
  c << 0.8, -0.7, -0.7, -0.7, 0.8, 0.8;
  const auto names = NameSegments(c);
  EXPECT_TRUE(names[0].name == "lost" || names[0].name == "hibernating") << names[0].name;
  EXPECT_TRUE(names[1].name == "champions" || names[1].name == "loyal") << names[1].name;
}

TEST(NameSegments, AtRiskAndCantLose) {
  Centers c(3, 3);
  c << 1.0, 1.3, 1.4,   // used to buy a lot, not lately
      -1.0, 1.3, 1.3,   // champions
      1.3, -1.0, -1.0;  // lost
  const auto names = NameSegments(c);
  EXPECT_EQ(names[0].name, "cant_lose_them");
  EXPECT_EQ(names[1].name, "champions");
  EXPECT_EQ(names[2].name, "lost");
  EXPECT_NE(names[0].action.find("win back"), std::string::npos);
}

TEST(NameSegments, UniqueAndDeterministicForAnyK) {
  Rng rng(4);
  for (int k = 1; k <= 14; ++k) {
    Centers c(k, 3);
    for (Eigen::Index i = 0; i < c.size(); ++i) c.data()[i] = rng.Uniform() * 3 - 1.5;
    const auto names = NameSegments(c);
    ASSERT_EQ(names.size(), static_cast<size_t>(k));
    std::set<std::string> seen;
    for (const auto& n : names) EXPECT_TRUE(seen.insert(n.name).second) << "k=" << k << " dup " << n.name;
    const auto again = NameSegments(c);
    for (int i = 0; i < k; ++i) EXPECT_EQ(again[i].name, names[i].name);
  }
  // Identical centres still get distinct names.
  const auto same = NameSegments(Centers::Zero(3, 3));
  EXPECT_EQ(same[0].name, "needs_attention");
  EXPECT_NE(same[1].name, same[2].name);
}

}  // namespace
}  // namespace segstream::model
