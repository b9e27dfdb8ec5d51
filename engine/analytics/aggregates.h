// Analytics: the incremental aggregates behind the analyst's report and the
// live page (`segctl report`, GET / and GET /analytics), kept by the engine
// as records are applied and written into the same RocksDB WriteBatch as the
// rest of the micro-batch, so they are exactly-once and survive kill -9.
//
// What is kept, its precision and its memory bound:
// - per calendar month (UTC) of the event time: purchases and returns in
//   thousandths of the currency unit (exact), orders (new purchase invoices)
//   and accepted lines. At most kMaxMonths months (the oldest are dropped).
// - per country: the same sums and orders. At most kMaxCountries names;
//   later new names are summed under "(other)".
// - basket sizes: an exact histogram of accepted lines per purchase invoice
//   (one entry per distinct line count).
// - cleaning outcomes: counts by (result, reason), as in the metrics.
// - per model version: its statistics, each segment's size, centre (z units)
//   and shift, and the transition counts of the segment changes emitted
//   under that version ((previous id or -1 for none) -> new id). At most
//   kMaxVersions versions (the oldest are dropped).
// - population histograms of customers with purchases: value -> count of
//   last-purchase time (seconds), frequency and monetary (thousandths),
//   exact up to 65,536 distinct values each and bucketed past that
//   (ValueHistogram: memory bounded whatever the population, counts exact
//   to within a bucket). They give the R/F/M distributions and the RFM
//   quintile boundaries (rfm_scores.h), recomputed at each model version
//   without visiting customers; the boundaries are stored. The histograms
//   are stored too, as one meta key per bucket, written for the buckets a
//   micro-batch changed (the engine no longer reads every customer at
//   start). The last-purchase histogram is also what keeps the scaler's
//   recency statistics exact (recency_sums.h).
//
// Not thread-safe: the engine thread owns an instance. Readers (segctl, the
// HTTP server) Load() their own instance from the store.
#pragma once

#include <array>
#include <functional>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/analytics/histogram_log.h"
#include "engine/analytics/rfm_scores.h"
#include "engine/event/invoice_event.h"
#include "engine/rfm/customer_record.h"
#include "engine/segment/serving_model.h"
#include "state/state_store.h"

namespace segstream::analytics {

inline constexpr size_t kMaxMonths = 240;
inline constexpr size_t kMaxCountries = 512;
inline constexpr size_t kMaxVersions = 256;
inline constexpr std::string_view kOtherCountry = "(other)";

// Money sums over many customers: each line is bounded (engine guards), a
// month of all customers is not. They saturate at INT64_MAX thousandths
// (9.2e15 currency units) instead of wrapping around, so hostile input can
// make a total "at least this much", never negative.
struct Totals {
  int64_t purchases_milli = 0;
  int64_t returns_milli = 0;
  uint64_t orders = 0;  // new purchase invoices
  uint64_t lines = 0;   // accepted lines
  int64_t revenue_milli() const { return purchases_milli - returns_milli; }
  bool operator==(const Totals&) const = default;
};

struct OutcomeCount {
  std::string result, reason;
  uint64_t count = 0;
  bool operator==(const OutcomeCount&) const = default;
};

struct VersionSegment {
  int id = 0;
  std::string name;
  uint64_t customers = 0;
  double shift = 0;                  // z units, since the previous version
  std::array<double, 3> centroid{};  // z units: log1p recency, frequency, monetary
  bool operator==(const VersionSegment&) const = default;
};

struct VersionRecord {
  uint64_t version = 0;
  int64_t event_time = 0;
  std::string trigger;
  uint64_t customers = 0;
  double inertia = 0, silhouette = 0, max_shift = 0;
  std::vector<VersionSegment> segments;
  std::map<std::pair<int, int>, uint64_t> transitions;  // (previous id, -1 = none; new id) -> changes
  bool operator==(const VersionRecord&) const = default;
};

class Analytics {
 public:
  // --- hooks, called by the engine in record order ---
  // Every record's outcome except accepted ones (see OnAccepted).
  void OnOutcome(std::string_view result, std::string_view reason);
  // An accepted line. `invoice_counted`: its invoice counts as a purchase
  // (after this line); `new_purchase_invoice`: this line made it count;
  // `invoice_lines`: accepted lines of the invoice including this one.
  void OnAccepted(const InvoiceEvent& e, bool is_purchase, bool invoice_counted, bool new_purchase_invoice,
                  size_t invoice_lines);
  // A retracted line (CDC), the inverse of its OnAccepted: the month and
  // country totals lose it (a month already evicted stays evicted), the basket
  // sizes move. `counted_before`/`counted_after`: its invoice counted as a
  // purchase before/after; `invoice_lines`: lines left in the invoice.
  void OnRetracted(const InvoiceEvent& e, bool is_purchase, bool counted_before, bool counted_after,
                   size_t invoice_lines);
  // A customer's record before and after an accepted or retracted line
  // ({} before: a new customer).
  void OnCustomerChanged(const CustomerRecord& before, const CustomerRecord& after);
  // A segment change emitted under `model_version` (previous_id -1 = none).
  void OnChange(uint64_t model_version, int previous_id, int segment_id);
  // A model version was published (after its rescoring): records it and
  // recomputes the RFM boundaries.
  void OnPublish(const ServingModel& m);

  // --- durability (keys under "analytics/" in the meta column, FORMAT.md) ---
  // Loads everything, the histograms included.
  Status Load(StateStore* store);
  // Puts what changed since the last commit into `w`.
  void BuildCommit(StateWrite* w);
  void OnCommitted();

  // --- reading ---
  const std::map<int, Totals>& months() const { return months_; }  // key yyyymm
  const std::map<std::string, Totals>& countries() const { return countries_; }
  const std::map<uint64_t, uint64_t>& basket_lines() const { return basket_; }  // lines -> invoices
  const std::vector<OutcomeCount>& outcomes() const { return outcomes_; }
  const std::map<uint64_t, VersionRecord>& versions() const { return versions_; }
  const ValueHistogram& last_purchase() const { return FlushPending(), last_purchase_; }
  const ValueHistogram& frequency() const { return FlushPending(), frequency_; }
  const ValueHistogram& monetary_milli() const { return FlushPending(), monetary_; }
  // The boundaries of the last model version (empty before the first).
  const RfmBoundaries& boundaries() const { return boundaries_; }
  // Boundaries of the current histograms (one pass over their distinct
  // values), tagged with `model_version`. Readers use them when there is no
  // version yet (or with --no-model).
  RfmBoundaries ComputeBoundaries(uint64_t model_version) const;

 private:
  // Applies the coalesced change of the last customer to the histograms.
  void FlushPending() const;
  // The three histograms with their key letters (l, f, m).
  std::vector<NamedHistogram> Histograms() const;
  std::string EncodeAggregates() const;
  Status DecodeAggregates(std::string_view data);

  std::map<int, Totals> months_;
  std::map<std::string, Totals> countries_;
  std::map<uint64_t, uint64_t> basket_;
  std::vector<OutcomeCount> outcomes_;
  std::map<uint64_t, VersionRecord> versions_;
  // Consecutive changes of one customer (the lines of an invoice) are
  // coalesced: first `before`, last `after` (same CustomerRecord::index),
  // applied when another customer changes or the histograms are read.
  // Mutable: reading flushes.
  mutable ValueHistogram last_purchase_, frequency_, monetary_;
  HistogramLog histogram_log_;
  mutable bool pending_ = false;
  mutable CustomerRecord pending_before_, pending_after_;
  RfmBoundaries boundaries_;

  // The month of the previous event: [month_start_, month_end_) -> month_key_.
  int64_t month_start_ = 1, month_end_ = 0;
  int month_key_ = 0;

  bool aggregates_dirty_ = false;
  std::vector<uint64_t> dirty_versions_;              // may repeat
  std::vector<uint64_t> dropped_versions_;
};

// The RFM boundaries of the last model version, read from a store ("empty"
// when none were computed yet). One Get; for GET /customers/{id}.
Result<RfmBoundaries> ReadRfmBoundaries(StateStore* store);

// Appends `,"r_score":5,"f_score":4,"m_score":5,"rfm_score":"545","rfm_segment":"champions"`
// (nulls when the customer has no purchases or there are no boundaries).
void AppendRfmScoreJson(std::string* out, const RfmBoundaries& b, const CustomerRecord& r);

}  // namespace segstream::analytics
