// The tunables of the segmentation engine, with the defaults `segstream run`
// uses. Every field has a command-line flag and a segstream.toml key
// ([engine] table); see README.md.
#pragma once

#include <cstdint>
#include <cstddef>
#include <functional>

#include "engine/rfm/cleaning.h"

namespace segstream {

// What one cached customer costs in memory, roughly (the record, its id,
// line-time history of a few invoices, and two hash-map entries): turns
// --cache-mb into EngineOptions::cache_customers.
inline constexpr uint64_t kCacheBytesPerCustomer = 600;

struct EngineOptions {
  bool model_enabled = true;         // false: RFM state only (no k-means, no segments)
  int k = 0;                         // 0 = auto: chosen by silhouette over [k_min, k_max]
  int k_min = 2;
  int k_max = 10;
  uint64_t min_customers = 500;      // active customers needed before the first fit
  uint64_t min_customers_at_end = 20;  // a finished replay below min_customers still fits from this many
  double half_life_days = 30;        // forgetting of mini-batch counts, in event time
  double hysteresis = 0.1;           // z units a new centre must be closer by before a customer switches
  uint64_t step_events = 1024;       // accepted events per mini-batch step
  // Accepted events between model versions (cadence): this, or the active
  // population when it is larger (a version rescores everyone), and early
  // versions (drift, re-seed) after a fifth of it.
  uint64_t publish_every = 50000;
  double min_version_interval_days = 1.0 / 24;  // event time between versions (bootstrap and final excepted)
  double drift_threshold = 0.5;      // a centre moving this far (z units) forces a version
  double refit_tolerance = 0.01;     // streaming inertia worse than a fresh fit by more -> refit
  uint64_t seed = 42;
  size_t sample_min = 256;           // uniform population sample per step: clamp(touched, min, max)
  size_t sample_max = 4096;
  size_t quality_sample = 10000;     // customers sampled for the per-version polish and refit check
  size_t silhouette_sample = 1000;   // customers in the sampled silhouette of each version
  size_t k_review_sample = 2000;     // k=auto: customers the k rule is re-applied on at each version
  // Customers a model version's rescoring pass visits per mini-batch step
  // (step_events accepted events). A version's pass over N customers ends
  // within ceil(N / rescore_per_step) steps of its publication; no new
  // version is published before it ends. Populations up to this size are
  // rescored at the publication itself.
  size_t rescore_per_step = 1024;
  size_t changes_kept = 8;           // recent changes kept per customer for GET /customers/{id}
  size_t invoice_cache_entries = 200000;
  // Customers the engine keeps in memory (a cache over the store; clean
  // entries are evicted least recently used). The default is what
  // --cache-mb 256 gives.
  size_t cache_customers = 335544;
  // Event-time guard: an accepted line dated more than this many seconds
  // after the wall clock is a dead letter (`future_event_time`), so one bad
  // date cannot move the watermark (and every customer's recency) for good.
  // Historical replays are unaffected; -1 turns the guard off.
  int64_t max_future_seconds = 86400;
  // Exact-duplicate detection window, in seconds of watermark advance: an
  // invoice's line fingerprints (and whether it already counted as a
  // purchase) are kept until the watermark has moved this far past the
  // invoice's last accepted line. After that the invoice is forgotten: a
  // line of it arriving later is accepted as new, and counts its invoice
  // again. Bounds the invoices column family to the lines of one window.
  // -1 keeps everything (the state then grows with the stream).
  int64_t dedup_window_seconds = 30 * 86400;
  // The wall clock the guard reads, in seconds since the epoch (tests inject
  // one; empty = the system clock).
  std::function<int64_t()> wall_clock;
  CleaningRules rules;
};

}  // namespace segstream
