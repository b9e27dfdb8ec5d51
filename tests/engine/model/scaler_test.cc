// PopulationScaler: against a two-pass mean/std over the multiset the test
// keeps itself, after random add/remove sequences; exactness over millions of
// cycles; order independence; serialization.
#include "engine/model/scaler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "engine/model/features.h"
#include "engine/model/rng.h"

namespace segstream::model {
namespace {

// Two-pass population mean and std (ddof 0) in long double.
void TwoPass(const std::vector<Vec3>& xs, Vec3* mean, Vec3* sd) {
  for (int j = 0; j < 3; ++j) {
    long double s = 0;
    for (const Vec3& x : xs) s += x[j];
    const long double m = s / xs.size();
    long double ss = 0;
    for (const Vec3& x : xs) ss += (x[j] - m) * (x[j] - m);
    (*mean)[j] = static_cast<double>(m);
    (*sd)[j] = static_cast<double>(std::sqrt(ss / xs.size()));
  }
}

Vec3 RandomLogFeatures(Rng& rng) {
  // Shaped like RFM: recency 0..373 days, frequency 1..200, monetary 0..280k.
  return LogFeatures(rng.Uniform() * 373, 1 + std::floor(rng.Uniform() * rng.Uniform() * 200),
                     std::exp(rng.Uniform() * 12.5) - 1);
}

TEST(PopulationScaler, MatchesTwoPassAfterRandomAddRemove) {
  Rng rng(7);
  PopulationScaler scaler;
  std::vector<Vec3> present;
  for (int step = 0; step < 20000; ++step) {
    if (!present.empty() && rng.Uniform() < 0.45) {
      const size_t i = rng.Below(present.size());
      scaler.Remove(present[i]);
      present[i] = present.back();
      present.pop_back();
    } else {
      const Vec3 x = RandomLogFeatures(rng);
      scaler.Add(x);
      present.push_back(x);
    }
    if (step % 997 == 0 || step == 19999) {
      ASSERT_EQ(scaler.count(), static_cast<int64_t>(present.size()));
      if (present.empty()) continue;
      Vec3 mean, sd;
      TwoPass(present, &mean, &sd);
      for (int j = 0; j < 3; ++j) {
        EXPECT_NEAR(scaler.Mean()[j], mean[j], 1e-9) << "step " << step << " coord " << j;
        if (sd[j] > 0) {
          EXPECT_NEAR(scaler.Std()[j], sd[j], 1e-9) << "step " << step << " coord " << j;
        }
      }
    }
  }
  EXPECT_GT(present.size(), 1000u);
}

TEST(PopulationScaler, MillionsOfCyclesLeaveNoDrift) {
  Rng rng(11);
  PopulationScaler base;
  std::vector<Vec3> population;
  for (int i = 0; i < 1000; ++i) {
    population.push_back(RandomLogFeatures(rng));
    base.Add(population.back());
  }
  PopulationScaler churned = base;
  // 2 million operations: a customer changes (remove old, add new), and at
  // the end every customer is put back to its original vector.
  std::vector<Vec3> current = population;
  for (int cycle = 0; cycle < 1000000; ++cycle) {
    const size_t i = rng.Below(current.size());
    churned.Remove(current[i]);
    current[i] = RandomLogFeatures(rng);
    churned.Add(current[i]);
  }
  for (size_t i = 0; i < current.size(); ++i) {
    churned.Remove(current[i]);
    churned.Add(population[i]);
  }
  EXPECT_TRUE(churned == base);
  EXPECT_EQ(churned.Serialize(), base.Serialize());
  const Vec3 m1 = churned.Mean(), m2 = base.Mean(), s1 = churned.Std(), s2 = base.Std();
  for (int j = 0; j < 3; ++j) {
    EXPECT_EQ(m1[j], m2[j]);
    EXPECT_EQ(s1[j], s2[j]);
  }
}

TEST(PopulationScaler, OrderIndependent) {
  Rng rng(3);
  std::vector<Vec3> xs;
  for (int i = 0; i < 500; ++i) xs.push_back(RandomLogFeatures(rng));
  PopulationScaler forward, backward;
  for (const Vec3& x : xs) forward.Add(x);
  for (auto it = xs.rbegin(); it != xs.rend(); ++it) backward.Add(*it);
  EXPECT_TRUE(forward == backward);
  EXPECT_EQ(forward.Std()[2], backward.Std()[2]);
}

TEST(PopulationScaler, EmptyAndConstant) {
  PopulationScaler s;
  EXPECT_EQ(s.count(), 0);
  EXPECT_EQ(s.Mean(), Vec3::Zero());
  EXPECT_EQ(s.Std(), Vec3::Ones());
  for (int i = 0; i < 10; ++i) s.Add(Vec3(2.5, 0.1, 7.0));
  EXPECT_EQ(s.Std(), Vec3::Ones());  // zero std reports 1
  EXPECT_NEAR(s.Mean()[0], 2.5, 1e-12);
  EXPECT_NEAR(s.Mean()[2], 7.0, 1e-12);
  s.Add(Vec3(3.5, 0.1, 7.0));
  EXPECT_GT(s.Std()[0], 0.2);
  EXPECT_EQ(s.Std()[1], 1.0);
}

TEST(PopulationScaler, ExactAtTheFixedPointResolution) {
  // Two values one quantum (2^-32) apart: std is exactly half a quantum.
  // This needs the r^2/n correction in the variance to come out exact.
  PopulationScaler s;
  s.Add(Vec3(0, 5, 1));
  s.Add(Vec3(0x1.0p-32, 5, 3));
  EXPECT_EQ(s.Std()[0], 0x1.0p-33);
  EXPECT_EQ(s.Mean()[0], 0x1.0p-33);
  EXPECT_EQ(s.Std()[2], 1.0);  // values 1 and 3: std 1
  EXPECT_EQ(s.Mean()[2], 2.0);
}

TEST(PopulationScaler, TransformInverse) {
  PopulationScaler s;
  s.Add(Vec3(1, 2, 3));
  s.Add(Vec3(3, 6, 5));
  // mean (2, 4, 4), std (1, 2, 1)
  const Vec3 z = s.Transform(Vec3(4, 0, 4));
  EXPECT_NEAR(z[0], 2.0, 1e-12);
  EXPECT_NEAR(z[1], -2.0, 1e-12);
  EXPECT_NEAR(z[2], 0.0, 1e-12);
  const Vec3 back = s.InverseTransform(z);
  EXPECT_NEAR(back[0], 4, 1e-12);
  EXPECT_NEAR(back[1], 0, 1e-12);
  Points table(2, 3);
  table << 4, 0, 4, 2, 4, 4;
  const Points zt = s.TransformAll(table);
  EXPECT_EQ(zt(0, 0), z[0]);
  EXPECT_EQ(zt(1, 1), 0.0);
}

TEST(PopulationScaler, SerializeRoundTripAndCorruption) {
  Rng rng(5);
  PopulationScaler s;
  for (int i = 0; i < 300; ++i) s.Add(RandomLogFeatures(rng));
  const std::string bytes = s.Serialize();
  auto back = PopulationScaler::Deserialize(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(*back == s);
  EXPECT_EQ(back->Serialize(), bytes);
  EXPECT_EQ(back->Mean()[1], s.Mean()[1]);

  EXPECT_EQ(PopulationScaler::Deserialize("").status().code(), Status::Code::kCorruption);
  EXPECT_EQ(PopulationScaler::Deserialize(bytes.substr(0, bytes.size() - 1)).status().code(),
            Status::Code::kCorruption);
  EXPECT_EQ(PopulationScaler::Deserialize(bytes + "x").status().code(), Status::Code::kCorruption);
  std::string bad_version = bytes;
  bad_version[0] = 9;
  EXPECT_EQ(PopulationScaler::Deserialize(bad_version).status().code(), Status::Code::kCorruption);
  std::string negative = bytes;
  negative[8] = static_cast<char>(0xFF);  // top byte of the count
  EXPECT_EQ(PopulationScaler::Deserialize(negative).status().code(), Status::Code::kCorruption);
  std::string zero_count = bytes;
  for (int i = 1; i <= 8; ++i) zero_count[i] = 0;
  EXPECT_EQ(PopulationScaler::Deserialize(zero_count).status().code(), Status::Code::kCorruption);
  std::string wrong_squares = bytes;
  for (int i = 1 + 8 + 48; i < 1 + 8 + 64; ++i) wrong_squares[i] = 0;  // sum(q^2) of coord 0 = 0
  EXPECT_EQ(PopulationScaler::Deserialize(wrong_squares).status().code(), Status::Code::kCorruption);

  PopulationScaler empty;
  auto empty_back = PopulationScaler::Deserialize(empty.Serialize());
  ASSERT_TRUE(empty_back.ok());
  EXPECT_EQ(empty_back->count(), 0);
}

TEST(LogFeatures, ClampsAndLogs) {
  const Vec3 f = LogFeatures(-3, 0, std::expm1(2.0));
  EXPECT_EQ(f[0], 0.0);
  EXPECT_EQ(f[1], 0.0);
  EXPECT_NEAR(f[2], 2.0, 1e-15);
  EXPECT_EQ(LogFeatures(std::nan(""), 1, 1)[0], 0.0);
  const Vec3 back = FromLogFeatures(LogFeatures(10, 3, 250));
  EXPECT_NEAR(back[0], 10, 1e-12);
  EXPECT_NEAR(back[1], 3, 1e-12);
  EXPECT_NEAR(back[2], 250, 1e-10);
}

}  // namespace
}  // namespace segstream::model
