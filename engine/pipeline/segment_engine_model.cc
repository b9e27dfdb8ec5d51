// SegmentEngine, the model side: when to step and when to publish, the
// samples the trainer (engine/trainer, ModelTrainer: centres, drift, k)
// works on, model versions (stable ids, names, statistics) and recency
// timers. The rescoring pass is in segment_engine_pass.cc.
#include <algorithm>
#include <cmath>

#include "engine/analytics/recency_sums.h"
#include "engine/model/assignment.h"
#include "engine/model/naming.h"
#include "engine/model/rng.h"
#include "engine/model/silhouette.h"
#include "engine/pipeline/segment_engine.h"

namespace segstream {

void SegmentEngine::SyncRecencyStatistics() {
  // Every active customer's recency coordinate at the current watermark, as
  // a sweep over customers would leave it (the same fixed-point sums), from
  // the histogram of last-purchase times. Frequency and monetary do not age.
  // (PopulationStatistics::SyncRecency.) Unreachable failure while the
  // histogram and the scaler see the same customers; the old sums are then
  // kept rather than mix populations.
  (void)statistics_.SyncRecency(analytics::RecencySumsAt(analytics_.last_purchase(), watermark_), watermark_);
}

model::Points SegmentEngine::ActivePoints(const model::PopulationScaler& scaler, size_t max_points,
                                          uint64_t seed) {
  const uint64_t total = partitions_.total();
  std::vector<uint64_t> chosen;
  if (active_ <= max_points) {
    chosen.reserve(active_);
    for (uint64_t i = 0; i < total; ++i) chosen.push_back(partitions_.IndexAt(i));
  } else {
    // A seeded uniform sample of the customers (population positions,
    // PartitionDirectory::IndexAt) without
    // replacement, drawn by rejection: O(max_points) expected work when most
    // customers are active, never a scan of the population. (At most 64 x
    // max_points draws: a population of mostly inactive customers ends with
    // a smaller sample rather than a long loop.) Each draw reads the
    // customer (the cache, or the store).
    model::Rng rng(seed);
    std::vector<bool> taken;
    const bool dense = total <= 64 * max_points;  // a bitmap is cheaper than sorting
    if (dense) taken.assign(total, false);
    std::vector<uint64_t> drawn;
    drawn.reserve(max_points);
    for (size_t draws = 0; drawn.size() < max_points && draws < 64 * max_points; ++draws) {
      const uint64_t position = rng.Below(total);
      const uint64_t index = partitions_.IndexAt(position);
      const uint32_t slot = SlotOfIndex(index);
      if (slot == UINT32_MAX || !cache_.at(slot).rec.active()) continue;
      if (dense) {
        if (taken[position]) continue;
        taken[position] = true;
      }
      drawn.push_back(index);
    }
    chosen = std::move(drawn);
    std::sort(chosen.begin(), chosen.end());
    chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());  // sparse: repeats are dropped
  }
  if (active_ <= max_points) PrefetchIndexList(chosen);
  const ZTransform z = ZTransform::Of(scaler);
  model::Points x(static_cast<Eigen::Index>(std::min<size_t>(chosen.size(), active_)), 3);
  Eigen::Index row = 0;
  for (uint64_t index : chosen) {
    const uint32_t slot = SlotOfIndex(index);
    if (slot == UINT32_MAX || !cache_.at(slot).rec.active() || row >= x.rows()) continue;
    x.row(row++) = CustomerZ(z, cache_.at(slot).rec, watermark_).transpose();
  }
  x.conservativeResize(row, 3);
  return x;
}

void SegmentEngine::Step(EngineOutputs* out) {
  ++step_count_;
  accepted_since_step_ = 0;
  if (!options_.model_enabled) {
    // RFM only: nothing to train; the step buffer only bounds itself.
  } else if (serving_.empty()) {
    if (active_ >= options_.min_customers) Bootstrap(out);
  } else {
    ++steps_since_publish_;
    // 1. Mini-batch update: the customers touched since the last step, mixed
    // with a uniform sample of the population so the centres track the
    // population's k-means, not a purchase-weighted one.
    const double half_life_s = options_.half_life_days * 86400.0;
    const double dt = last_step_watermark_ == kNoTime ? 0.0 : static_cast<double>(watermark_ - last_step_watermark_);
    const double decay = half_life_s > 0 ? std::pow(0.5, dt / half_life_s) : 1.0;
    trainer_.Rescale(statistics_.scaler());
    std::vector<uint32_t> batch_slots;
    for (uint32_t slot : step_buffer_) {
      if (cache_.at(slot).rec.active()) batch_slots.push_back(slot);
    }
    const size_t sample = std::clamp(batch_slots.size(), options_.sample_min, options_.sample_max);
    model::Rng rng(model::MixSeed(options_.seed, step_count_));
    if (active_ > 0) {
      // The draws are made first (the rejection needs each customer's
      // record), read with one MultiGet, then taken in draw order.
      std::vector<uint64_t> draws;
      {
        model::Rng ahead = rng;
        const uint64_t total = partitions_.total();
        for (size_t i = 0; i < 4 * sample; ++i) draws.push_back(partitions_.IndexAt(ahead.Below(total)));
      }
      // Most draws are taken (most customers are active): read those at once.
      PrefetchIndexList(std::vector<uint64_t>(draws.begin(), draws.begin() + static_cast<std::ptrdiff_t>(
                                                                               std::min(draws.size(), sample + sample / 4))));
      for (size_t tries = 0, taken = 0; taken < sample && tries < 4 * sample; ++tries) {
        const uint32_t slot = SlotOfIndex(draws[tries]);
        if (slot == UINT32_MAX || !cache_.at(slot).rec.active()) continue;
        batch_slots.push_back(slot);
        ++taken;
      }
    }
    const ZTransform z = ZTransform::Of(statistics_.scaler());
    model::Points x(static_cast<Eigen::Index>(batch_slots.size()), 3);
    for (size_t i = 0; i < batch_slots.size(); ++i) {
      x.row(static_cast<Eigen::Index>(i)) = CustomerZ(z, cache_.at(batch_slots[i]).rec, watermark_).transpose();
    }
    trainer_.Step(x, decay, model::MixSeed(options_.seed ^ 0x5eed, step_count_));
    // 2. Recency: refresh the timers of touched customers, then fire the due ones.
    for (uint32_t slot : step_buffer_) {
      if (cache_.at(slot).timer_dirty) {
        cache_.at(slot).timer_dirty = false;
        RescheduleTimer(slot, watermark_);
      }
    }
    // 2b. The serving version's rescoring pass, a bounded share per step.
    if (pass_.active) AdvancePass(options_.rescore_per_step, out);
    for (uint64_t index : PopDueTimers()) {
      const uint32_t slot = SlotOfIndex(index);
      if (slot == UINT32_MAX) continue;
      // (Customers awaiting the pass have no timer: see Publish.)
      Rescore(slot, "recency", watermark_, out, 0);
      RescheduleTimer(slot, watermark_);
    }
    // 3. A new version at the cadence, on drift, or when a centre was re-seeded.
    // Early versions (re-seed, drift) wait for a fifth of the cadence, so a
    // noisy small cluster cannot make every step a version.
    // And no version comes sooner than min_version_interval of event time
    // after the last: a live feed at 50k events/s gets hourly versions, not
    // one a second (a version rescores the whole population).
    // And never while the previous version's rescoring pass is under way.
    const bool interval_passed = !pass_.active && static_cast<double>(watermark_ - serving_.event_time) >=
                                                      options_.min_version_interval_days * 86400.0;
    // The cadence is at least the active population: a version's pass
    // rescores every customer, so versions at a fixed event count would
    // make the cost per event grow with the population. This bounds the
    // amortised rescoring work to about one visit per accepted event.
    const uint64_t cadence = std::max<uint64_t>(options_.publish_every, active_);
    const bool early_allowed = interval_passed && accepted_since_publish_ >= cadence / 5;
    if (interval_passed && accepted_since_publish_ >= cadence) {
      Publish("cadence", out);
    } else if (early_allowed && !trainer_.state().reseeded.empty()) {
      Publish("reseed", out);
    } else if (early_allowed && trainer_.Drift(serving_) > options_.drift_threshold &&
               PolishedDrift() > options_.drift_threshold) {
      Publish("drift", out);
    }
  }
  for (uint32_t slot : step_buffer_) cache_.at(slot).in_step = false;
  step_buffer_.clear();
  last_step_watermark_ = watermark_;
}

void SegmentEngine::Bootstrap(EngineOutputs* out) {
  SyncRecencyStatistics();
  trainer_.Bootstrap(ActivePoints(statistics_.scaler(), options_.quality_sample, options_.seed), statistics_.scaler());
  Publish("bootstrap", out);
}

double SegmentEngine::PolishedDrift() {
  const uint64_t seed = model::MixSeed(options_.seed ^ 0xd71f, step_count_);
  return trainer_.PolishedDrift(ActivePoints(statistics_.scaler(), options_.quality_sample, seed), serving_, statistics_.scaler(), seed);
}

const char* SegmentEngine::ChangeReasonAtVersion(const CustomerRecord& r, int64_t previous_version_time) const {
  // Had the new version scored this customer when it was last scored (by an
  // event, a timer, or the previous version), would it have kept the
  // customer's segment? Then a move now is time passing ("recency"), not the
  // new boundaries ("model").
  const int current = serving_.RowOf(r.segment_id);
  const int64_t scored = std::max(r.scored_watermark, previous_version_time);
  if (current < 0 || scored == kNoTime || scored >= watermark_) return "model";
  const model::Vec3 then = serving_.z.Apply(CustomerLogFeatures(r, scored));
  return ScoreRow(serving_, then, r.segment_id, options_.hysteresis) == current ? "recency" : "model";
}

void SegmentEngine::Publish(const std::string& trigger, EngineOutputs* out) {
  SyncRecencyStatistics();
  trainer_.Rescale(statistics_.scaler());
  const uint64_t version = serving_.version + 1;

  // The centres to publish (ModelTrainer: polished or refit on the
  // population sample, k reviewed, degenerate centres dropped).
  const model::Points x = ActivePoints(statistics_.scaler(), options_.quality_sample, model::MixSeed(options_.seed, version));
  ModelTrainer::Version trained = trainer_.PrepareVersion(x, version, serving_, statistics_.scaler(), trigger);

  ServingModel next;
  next.version = version;
  next.previous_version = serving_.version;
  next.event_time = watermark_;
  next.scaler = statistics_.scaler();
  next.z = ZTransform::Of(statistics_.scaler());
  next.centers = std::move(trained.centers);
  next.trigger = std::move(trained.trigger);
  next.k_requested = options_.k;
  next.k_table = std::move(trained.k_table);
  next.k_table_sample = trained.k_table_sample;
  if (options_.k > 0 && next.k() < options_.k) {
    next.k_note = "k=" + std::to_string(options_.k) + " requested; the population has only " +
                  std::to_string(next.k()) + " distinct customer profile(s), so k is capped at " +
                  std::to_string(next.k());
  } else if (!serving_.empty() && next.k() != serving_.k()) {
    next.k_note = "k moved from " + std::to_string(serving_.k()) + " to " + std::to_string(next.k()) +
                  (options_.k > 0 ? "" : " by the k-selection rule on the current population");
  }
  const int k = next.k();
  next.segments.resize(static_cast<size_t>(k));

  // Stable ids: match the new centres to the previous version's by minimum
  // total distance (in the new space). Re-seeded centres are new segments.
  std::vector<int> match(static_cast<size_t>(k), -1);
  if (!serving_.empty()) {
    const model::Centers old = model::Rescale(serving_.centers, serving_.scaler, statistics_.scaler());
    Eigen::MatrixXd cost(k, old.rows());
    for (int i = 0; i < k; ++i) {
      for (Eigen::Index j = 0; j < old.rows(); ++j) cost(i, j) = (next.centers.row(i) - old.row(j)).norm();
    }
    match = model::MinCostAssignment(cost);
    for (int r : trained.reseeded) {
      if (r >= 0 && r < k) match[static_cast<size_t>(r)] = -1;
    }
    for (int i = 0; i < k; ++i) {
      auto& seg = next.segments[static_cast<size_t>(i)];
      if (match[static_cast<size_t>(i)] >= 0) {
        const int j = match[static_cast<size_t>(i)];
        seg.id = serving_.segments[static_cast<size_t>(j)].id;
        seg.shift = cost(i, j);
        next.max_shift = std::max(next.max_shift, seg.shift);
      } else {
        seg.id = next_segment_id_++;
      }
    }
  } else {
    for (int i = 0; i < k; ++i) next.segments[static_cast<size_t>(i)].id = next_segment_id_++;
  }
  // Lineage rows -> segment ids (new ids are final only now).
  for (const auto& entry : trained.lineage) {
    SegmentLineage l;
    l.segment_id = next.segments[static_cast<size_t>(entry.new_row)].id;
    for (const auto& [old_row, share] : entry.from) {
      l.from.emplace_back(serving_.segments[static_cast<size_t>(old_row)].id, share);
    }
    next.lineage.push_back(std::move(l));
  }
  const std::vector<model::SegmentName> names = model::NameSegments(next.centers);
  for (int i = 0; i < k; ++i) {
    next.segments[static_cast<size_t>(i)].name = names[static_cast<size_t>(i)].name;
    next.segments[static_cast<size_t>(i)].action = names[static_cast<size_t>(i)].action;
  }
  ServingModel previous = std::move(serving_);
  serving_ = std::move(next);
  accepted_since_publish_ = 0;
  steps_since_publish_ = 0;

  // Ids whose name changed: their customers' latest-segment records are
  // re-emitted so the compacted topic never carries a stale name.
  std::vector<int> renamed;
  for (const auto& seg : serving_.segments) {
    const SegmentInfo* before = previous.Find(seg.id);
    if (before && before->name != seg.name) renamed.push_back(seg.id);
  }
  // Until the rescoring pass ends, the version's statistics are those of the
  // quality sample `x` scaled to the population; the pass replaces them.
  {
    double d2_sum = 0;
    std::vector<uint64_t> sample_sizes(static_cast<size_t>(k), 0);
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      double d2 = 0;
      ++sample_sizes[static_cast<size_t>(model::Nearest(serving_.centers, model::Vec3(x.row(i).transpose()), &d2))];
      d2_sum += d2;
    }
    const double scale = x.rows() > 0 ? static_cast<double>(active_) / static_cast<double>(x.rows()) : 0.0;
    serving_.customers = active_;
    serving_.inertia = d2_sum * scale;
    for (int i = 0; i < k; ++i) {
      serving_.segments[static_cast<size_t>(i)].customers =
          static_cast<uint64_t>(std::llround(static_cast<double>(sample_sizes[static_cast<size_t>(i)]) * scale));
    }
  }
  {
    const uint64_t seed = model::MixSeed(options_.seed ^ 0x511, version);
    const model::Points sx = ActivePoints(serving_.scaler, options_.silhouette_sample, seed);
    std::vector<int> labels(static_cast<size_t>(sx.rows()));
    for (Eigen::Index i = 0; i < sx.rows(); ++i) {
      labels[static_cast<size_t>(i)] = model::Nearest(serving_.centers, model::Vec3(sx.row(i).transpose()));
    }
    // Undefined (NaN, null in JSON, absent in metrics) for one segment or
    // too few points.
    serving_.silhouette = k >= 2 && sx.rows() > k
                              ? model::Silhouette(sx, labels, k, options_.silhouette_sample, seed)
                              : std::nan("");
  }
  // Rescore everyone against the new version (reason "model" or "recency",
  // see ChangeReasonAtVersion) and rebuild the recency timers: at once for a
  // population within one step's budget, otherwise a share per step.
  pass_.active = true;
  pass_.cursor.clear();
  pass_.inertia = 0;
  pass_.visited = 0;
  pass_.renamed = std::move(renamed);
  pass_.previous = std::move(previous);
  pass_previous_dirty_ = true;
  published_since_commit_ = true;
  // Timers were computed under the previous version: each customer gets a
  // new one when the pass (or an event) scores it under this version. Until
  // then it has none, so a restart, which rebuilds timers from records,
  // reproduces exactly the same set.
  timers_.EraseAll();
  {
    std::lock_guard<std::mutex> lock(snapshot_mu_);
    serving_snapshot_ = std::make_shared<ServingModel>(serving_);
  }
  AdvancePass(options_.rescore_per_step, out);
}

ModelGauge SegmentEngine::Gauge() const {
  ModelGauge g;
  g.version = serving_.version;
  g.k = serving_.k();
  g.inertia = serving_.inertia;
  g.silhouette = serving_.silhouette;
  g.max_centroid_shift = serving_.max_shift;
  for (const auto& s : serving_.segments) g.segments.push_back({s.id, s.name, s.customers, s.shift});
  return g;
}

}  // namespace segstream
