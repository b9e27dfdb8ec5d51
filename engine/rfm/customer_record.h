// The per-customer RFM record and the invoice bookkeeping behind frequency
// and duplicate detection: plain value types, plus the rules that apply one
// cleaned event to them. Encoding lives in state/record_codec.h.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace segstream {

inline constexpr int64_t kNoTime = std::numeric_limits<int64_t>::min();

// Money bounds (thousandths of the currency unit). A line's amount is
// |quantity| x unit price; the decoders bound |quantity| <= 1e8 and
// |unit price| <= 1e10 thousandths, so a line is at most 1e18. A customer's
// purchases and returns are each kept <= kMaxCustomerMoneyMilli (2^62, about
// 4.6e15 currency units): a line that would carry either sum past it is a
// dead letter (`money_overflow`), so the sums, and monetary = purchases -
// returns, can never wrap around in int64.
inline constexpr int64_t kMaxLineMoneyMilli = 1'000'000'000'000'000'000;
inline constexpr int64_t kMaxCustomerMoneyMilli = int64_t{1} << 62;

// |quantity| x unit price in thousandths into *amount; false when the product
// overflows or exceeds kMaxLineMoneyMilli (or the price is negative).
inline bool CheckedLineAmountMilli(int64_t quantity, int64_t unit_price_milli, int64_t* amount) {
  if (quantity == std::numeric_limits<int64_t>::min() || unit_price_milli < 0) return false;
  const int64_t q = quantity < 0 ? -quantity : quantity;
  int64_t product = 0;
  if (__builtin_mul_overflow(q, unit_price_milli, &product) || product > kMaxLineMoneyMilli) return false;
  *amount = product;
  return true;
}

// sum + amount into *next; false when the result would leave
// [0, kMaxCustomerMoneyMilli]. REQUIRES: 0 <= sum, amount.
inline bool CheckedAddMoneyMilli(int64_t sum, int64_t amount, int64_t* next) {
  if (amount < 0 || sum < 0 || amount > kMaxCustomerMoneyMilli - sum) return false;
  *next = sum + amount;
  return true;
}

struct CustomerRecord {
  uint64_t index = 0;               // dense creation order: 0, 1, 2 ... (deterministic sampling)
  int64_t frequency = 0;            // distinct purchase invoices
  int64_t purchases_milli = 0;      // sum of quantity * unit price over purchase lines
  int64_t returns_milli = 0;        // sum of |quantity| * unit price over return lines
  int64_t first_purchase_ts = kNoTime;
  int64_t last_purchase_ts = kNoTime;
  int64_t last_event_ts = kNoTime;
  int64_t vector_watermark = kNoTime;  // watermark of the feature vector held in the scaler; kNoTime = none
  int64_t scored_watermark = kNoTime;  // watermark when the segment was last evaluated
  int32_t segment_id = -1;             // current segment, -1 = none yet
  uint64_t seq = 0;                    // segment changes so far (the next change has seq + 1)
  // The model version of the last scoring by an event or a timer (0 = none
  // yet; like scored_watermark, a version's rescoring pass does not record
  // it, so the pass rewrites no record it does not move). While a version's
  // pass has not reached the customer, this says whether segment_id is
  // already the new version's doing.
  uint64_t scored_version = 0;
  // The customer's recency timer, when an event or a timer set it: the due
  // watermark (kNoTime = none) under model version timer_version. A
  // version's rescoring pass sets timers without rewriting the record, so
  // a timer of the serving version with no record of it here is the pass's
  // (see SegmentEngine, "Recency timers").
  int64_t timer_due = kNoTime;
  uint64_t timer_version = 0;

  bool active() const { return frequency > 0; }
  // Net revenue: purchases minus returns (may be negative).
  int64_t monetary_milli() const { return purchases_milli - returns_milli; }
  double monetary() const { return static_cast<double>(monetary_milli()) / 1000.0; }
  // Fractional days from the last purchase to `watermark`; requires active().
  double recency_days(int64_t watermark) const {
    return static_cast<double>(watermark - last_purchase_ts) / 86400.0;
  }
  bool operator==(const CustomerRecord&) const = default;
};

// One (customer, invoice): whether it already counted as a purchase, and the
// fingerprints of its lines so exact duplicates count once.
struct InvoiceRecord {
  bool purchase_counted = false;
  // The watermark after the invoice's last accepted line (kNoTime: written
  // by a build without it; never expires). Past the dedup window
  // (EngineOptions::dedup_window_seconds) the record counts as absent and
  // the store may drop it (state/FORMAT.md "Retention").
  int64_t written_watermark = kNoTime;
  std::vector<uint64_t> line_fingerprints;
  // Purchase lines among line_fingerprints (frequency counts the invoice
  // while this is > 0); -1 = unknown (a record written before retraction
  // existed: its lines cannot be retracted).
  int64_t purchase_lines = 0;
  bool operator==(const InvoiceRecord&) const = default;
};

// What a customer needs to undo a line (CDC retraction): the multiset of its
// accepted lines' event times, as (time, purchase lines, return lines) sorted
// by time. first/last_purchase_ts and last_event_ts are functions of it, so a
// retraction recomputes them exactly. One entry per distinct line time (about
// one per invoice); never expires (unlike invoice records). `known` is false
// for a customer loaded from a record written before it existed (format <= 2):
// its lines cannot be retracted (`retraction_no_history`).
struct LineTimes {
  int64_t ts = 0;           // event time, Unix seconds
  uint32_t purchases = 0;   // purchase lines at ts
  uint32_t returns = 0;     // return lines at ts
  bool operator==(const LineTimes&) const = default;
};

struct CustomerHistory {
  bool known = true;
  std::vector<LineTimes> times;  // strictly increasing ts, every entry has a line

  void Add(int64_t ts, bool purchase) {
    auto it = Find(ts);
    if (it == times.end() || it->ts != ts) it = times.insert(it, LineTimes{ts, 0, 0});
    ++(purchase ? it->purchases : it->returns);
  }
  // True when a line of that kind is held at ts.
  bool Has(int64_t ts, bool purchase) const {
    auto it = std::lower_bound(times.begin(), times.end(), ts, [](const LineTimes& l, int64_t t) { return l.ts < t; });
    return it != times.end() && it->ts == ts && (purchase ? it->purchases : it->returns) > 0;
  }
  // REQUIRES: Has(ts, purchase).
  void Remove(int64_t ts, bool purchase) {
    auto it = Find(ts);
    --(purchase ? it->purchases : it->returns);
    if (it->purchases == 0 && it->returns == 0) times.erase(it);
  }
  int64_t FirstPurchase() const {
    for (const auto& l : times) {
      if (l.purchases > 0) return l.ts;
    }
    return kNoTime;
  }
  int64_t LastPurchase() const {
    for (auto it = times.rbegin(); it != times.rend(); ++it) {
      if (it->purchases > 0) return it->ts;
    }
    return kNoTime;
  }
  int64_t LastEvent() const { return times.empty() ? kNoTime : times.back().ts; }
  bool operator==(const CustomerHistory&) const = default;

 private:
  std::vector<LineTimes>::iterator Find(int64_t ts) {
    return std::lower_bound(times.begin(), times.end(), ts, [](const LineTimes& l, int64_t t) { return l.ts < t; });
  }
};

}  // namespace segstream
