// MiniBatchKMeans: converges to fixed blobs, follows moving blobs with
// forgetting, re-seeds starved centres, round-trips, is deterministic; and
// Rescale keeps centres at the same log-space points.
#include "engine/model/minibatch.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "engine/model/kmeans.h"
#include "engine/model/rng.h"
#include "tests/engine/model/test_data.h"

namespace segstream::model {
namespace {

using testing::Gaussian;

// A batch of points drawn from the given blob centres (random blob per point).
Points Batch(const Centers& blobs, Eigen::Index n, double sigma, Gaussian& g) {
  Points x(n, 3);
  for (Eigen::Index i = 0; i < n; ++i) {
    const Eigen::Index b = static_cast<Eigen::Index>(g.rng().Below(blobs.rows()));
    for (int j = 0; j < 3; ++j) x(i, j) = blobs(b, j) + sigma * g.Next();
  }
  return x;
}

double MaxCentreError(const Centers& fitted, const Centers& truth) {
  double worst = 0;
  for (Eigen::Index b = 0; b < truth.rows(); ++b) {
    double d;
    Nearest(fitted, Vec3(truth.row(b).transpose()), &d);
    worst = std::max(worst, std::sqrt(d));
  }
  return worst;
}

Centers ThreeBlobs() {
  Centers c(3, 3);
  c << 0, 0, 0, 4, 0, 0, 0, 4, 0;
  return c;
}

TEST(MiniBatchKMeans, ConvergesToFixedBlobs) {
  const Centers truth = ThreeBlobs();
  Centers init = truth;
  init.array() += 1.2;  // start well off
  init(0, 0) -= 2.0;
  MiniBatchKMeans model(init, {0, 0, 0});
  Gaussian g(1);
  double inertia_first = 0, inertia_last = 0;
  for (int step = 0; step < 200; ++step) {
    const StepResult r = model.Step(Batch(truth, 256, 0.5, g), 1.0, step);
    if (step == 0) inertia_first = r.batch_inertia;
    inertia_last = r.batch_inertia;
    EXPECT_TRUE(r.reseeded.empty());
  }
  EXPECT_LT(MaxCentreError(model.centers(), truth), 0.05);
  EXPECT_LT(inertia_last, inertia_first);
  double total = 0;
  for (double c : model.counts()) total += c;
  EXPECT_DOUBLE_EQ(total, 200.0 * 256);  // no decay: every point counted once
}

TEST(MiniBatchKMeans, ForgettingFollowsMovingBlobs) {
  // Blobs drift by 0.02 per batch along (1, 1, 0): 6 units over 300 batches.
  const Centers start = ThreeBlobs();
  const Vec3 velocity(0.02, 0.02, 0.0);
  MiniBatchKMeans forgetting(start, {1000, 1000, 1000});
  MiniBatchKMeans remembering(start, {1000, 1000, 1000});
  const double decay = std::pow(0.5, 1.0 / 5.0);  // half-life 5 batches
  Gaussian g1(2), g2(2);
  Centers now = start;
  for (int step = 1; step <= 300; ++step) {
    now = start.rowwise() + (velocity * step).transpose();
    forgetting.Step(Batch(now, 256, 0.3, g1), decay, step);
    remembering.Step(Batch(now, 256, 0.3, g2), 1.0, step);
  }
  const double err_forget = MaxCentreError(forgetting.centers(), now);
  const double err_remember = MaxCentreError(remembering.centers(), now);
  EXPECT_LT(err_forget, 0.25);
  EXPECT_GT(err_remember, 4 * err_forget);
  // With decay the total weight settles near batch / (1 - decay).
  double total = 0;
  for (double c : forgetting.counts()) total += c;
  EXPECT_NEAR(total, 256 / (1 - decay), 256 * 0.01);
}

TEST(MiniBatchKMeans, ReseedsStarvedCentre) {
  // Two blobs, three centres; centre 2 sits far away and has almost no weight.
  Centers blobs(2, 3);
  blobs << 0, 0, 0, 5, 5, 5;
  Centers init(3, 3);
  init << 0, 0, 0, 5, 5, 5, 100, 100, 100;
  MiniBatchKMeans model(init, {500, 400, 1});
  Gaussian g(3);
  const Points batch = Batch(blobs, 128, 1.0, g);
  const StepResult r = model.Step(batch, 1.0, 77);
  ASSERT_EQ(r.reseeded, std::vector<int>{2});
  // The new centre is one of the batch points, and its count was reset to the
  // smallest live count.
  bool on_point = false;
  for (Eigen::Index i = 0; i < batch.rows(); ++i) on_point |= (batch.row(i) == model.centers().row(2));
  EXPECT_TRUE(on_point);
  EXPECT_EQ(model.counts()[2], std::min(model.counts()[0], model.counts()[1]));
  EXPECT_LT(model.centers().row(2).norm(), 20.0);
  // Same input, same seed: same re-seed.
  MiniBatchKMeans again(init, {500, 400, 1});
  again.Step(batch, 1.0, 77);
  EXPECT_EQ(again.centers(), model.centers());
  // A healthy model is left alone.
  const StepResult next = model.Step(Batch(blobs, 128, 1.0, g), 1.0, 78);
  EXPECT_TRUE(next.reseeded.empty());
}

TEST(MiniBatchKMeans, AbandonedCentreStarvesAndIsReseededOnce) {
  // Blob C, far from the others, stops producing points: with forgetting its
  // centre's count decays until it is starved, and it is re-seeded onto the
  // live data exactly once (the count reset keeps it from flapping).
  Centers before(3, 3);
  before << 0, 0, 0, 4, 0, 0, 0, 20, 0;
  const Centers after = before.topRows(2);
  MiniBatchKMeans model(before, {500, 500, 500});
  Gaussian g(4);
  std::vector<int> reseeded;
  int reseed_step = -1;
  for (int step = 0; step < 150; ++step) {
    const Centers& blobs = step < 20 ? before : after;
    const StepResult r = model.Step(Batch(blobs, 256, 0.4, g), std::pow(0.5, 1.0 / 5), 500 + step);
    if (!r.reseeded.empty()) reseed_step = step;
    reseeded.insert(reseeded.end(), r.reseeded.begin(), r.reseeded.end());
  }
  EXPECT_EQ(reseeded, std::vector<int>{2});
  // Half-life 5 steps, threshold 1 % of the largest count: about 7 half-lives.
  EXPECT_GT(reseed_step, 40);
  EXPECT_LT(reseed_step, 70);
  // Two blobs, three centres: one blob is shared by two centres, each off by
  // about 0.3 (sigma 0.4), so "covered" means within 0.5.
  EXPECT_LT(MaxCentreError(model.centers(), after), 0.5);
  EXPECT_LT(model.centers().row(2).norm(), 6.0);
}

TEST(MiniBatchKMeans, StreamingInertiaNearBatchKMeans) {
  // The DESIGN quality bar: bootstrap on early customers, then mini-batches
  // sampled from the whole population end within a few percent of a batch
  // fit on the whole population.
  Centers c(6, 3);
  c << 0, 0, 0, 1.5, 0.5, 0, 0, 2, 1, 3, 3, 0, -1, 2.5, -2, 2, -1, 1.5;
  const Points population = testing::Blobs(c, 3000, 0.8, 8);
  KMeansOptions options;
  options.k = 5;
  const double batch_inertia = FitKMeans(population, options).inertia;
  const KMeansFit bootstrap = FitKMeans(population.topRows(300), options);
  for (double decay : {1.0, std::pow(0.5, 1.0 / 20)}) {
    MiniBatchKMeans model(bootstrap.centers, ClusterSizes(bootstrap.labels, 5));
    Rng rng(6);
    for (int step = 0; step < 300; ++step) {
      Points batch(256, 3);
      for (Eigen::Index i = 0; i < 256; ++i) batch.row(i) = population.row(rng.Below(population.rows()));
      model.Step(batch, decay, step);
    }
    const double streaming = Inertia(population, model.centers());
    EXPECT_LT(streaming, batch_inertia * 1.02) << "decay " << decay << " batch " << batch_inertia;
  }
}

TEST(MiniBatchKMeans, SculleyUpdateByHand) {
  Centers init(2, 3);
  init << 0, 0, 0, 10, 0, 0;
  MiniBatchKMeans model(init, {1, 3});
  Points batch(2, 3);
  batch << 2, 0, 0, 9, 0, 0;
  const StepResult r = model.Step(batch, 0.5, 0, 0.0);
  // counts -> (0.5, 1.5); point 1: c0 count 1.5, centre 0 + 2/1.5;
  // point 2: c1 count 2.5, centre 10 + (9-10)/2.5.
  EXPECT_DOUBLE_EQ(model.counts()[0], 1.5);
  EXPECT_DOUBLE_EQ(model.counts()[1], 2.5);
  EXPECT_DOUBLE_EQ(model.centers()(0, 0), 2.0 / 1.5);
  EXPECT_DOUBLE_EQ(model.centers()(1, 0), 10 - 1 / 2.5);
  EXPECT_DOUBLE_EQ(r.batch_inertia, 4.0 + 1.0);
}

TEST(MiniBatchKMeans, SerializeRoundTripAndCorruption) {
  Centers init = ThreeBlobs();
  init(1, 2) = 1.0 / 3.0;
  MiniBatchKMeans model(init, {0.1, 2.5, 1e9});
  const std::string bytes = model.Serialize();
  EXPECT_EQ(bytes.size(), 1u + 4 + 3 * 32);
  auto back = MiniBatchKMeans::Deserialize(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(std::memcmp(back->centers().data(), model.centers().data(), 9 * sizeof(double)), 0);
  EXPECT_EQ(back->counts(), model.counts());
  EXPECT_EQ(back->Serialize(), bytes);

  auto code = [](std::string_view s) { return MiniBatchKMeans::Deserialize(s).status().code(); };
  EXPECT_EQ(code(""), Status::Code::kCorruption);
  EXPECT_EQ(code(bytes.substr(0, bytes.size() - 3)), Status::Code::kCorruption);
  EXPECT_EQ(code(bytes + "\x01"), Status::Code::kCorruption);
  std::string v = bytes;
  v[0] = 2;
  EXPECT_EQ(code(v), Status::Code::kCorruption);
  std::string huge_k = bytes;
  huge_k[4] = 0x7F;
  EXPECT_EQ(code(huge_k), Status::Code::kCorruption);
  std::string nan_centre = bytes;
  const double nan = std::nan("");
  std::memcpy(&nan_centre[5], &nan, 8);
  EXPECT_EQ(code(nan_centre), Status::Code::kCorruption);
  std::string negative_count = bytes;
  const double neg = -1;
  std::memcpy(&negative_count[5 + 72], &neg, 8);
  EXPECT_EQ(code(negative_count), Status::Code::kCorruption);

  auto empty = MiniBatchKMeans::Deserialize(MiniBatchKMeans().Serialize());
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->k(), 0);
}

TEST(MiniBatchKMeans, DeterministicAcrossRuns) {
  auto run = [] {
    MiniBatchKMeans model(ThreeBlobs(), {0, 0, 0});
    Gaussian g(9);
    Centers blobs = ThreeBlobs();
    blobs(2, 2) = 7;
    for (int step = 0; step < 50; ++step) model.Step(Batch(blobs, 300, 1.0, g), 0.97, 1000 + step, 0.05);
    return model.Serialize();
  };
  EXPECT_EQ(run(), run());
}

TEST(Rescale, KeepsLogSpacePoints) {
  PopulationScaler from, to;
  from.Add(Vec3(1, 1, 1));
  from.Add(Vec3(3, 2, 5));
  to.Add(Vec3(0, 0, 0));
  to.Add(Vec3(10, 1, 2));
  to.Add(Vec3(4, 7, 3));
  Centers z(2, 3);
  z << 0.5, -1, 2, -0.3, 0.1, 0;
  const Centers moved = Rescale(z, from, to);
  for (Eigen::Index i = 0; i < 2; ++i) {
    const Vec3 a = from.InverseTransform(Vec3(z.row(i).transpose()));
    const Vec3 b = to.InverseTransform(Vec3(moved.row(i).transpose()));
    EXPECT_LT((a - b).norm(), 1e-12);
  }
}

}  // namespace
}  // namespace segstream::model
