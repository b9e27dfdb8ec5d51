// Analytics: the incremental aggregates; see aggregates.h.
#include "engine/analytics/aggregates.h"

#include <algorithm>
#include <cstdio>

#include "engine/util/json.h"
#include "engine/util/time.h"

namespace segstream::analytics {
namespace {

int MonthKey(int64_t ts) {
  const std::string iso = FormatIso8601(ts);  // "2010-12-01T..."
  return std::stoi(iso.substr(0, 4)) * 100 + std::stoi(iso.substr(5, 2));
}

int64_t MonthStart(int key) {
  return DaysFromCivil(key / 100, static_cast<unsigned>(key % 100), 1) * 86400;
}

int64_t NextMonthStart(int key) {
  const int y = key / 100, m = key % 100;
  return m == 12 ? MonthStart((y + 1) * 100 + 1) : MonthStart(y * 100 + m + 1);
}

}  // namespace

void Analytics::OnOutcome(std::string_view result, std::string_view reason) {
  aggregates_dirty_ = true;
  for (auto& o : outcomes_) {
    if (o.reason == reason && o.result == result) {
      ++o.count;
      return;
    }
  }
  outcomes_.push_back({std::string(result), std::string(reason), 1});
}

void Analytics::OnAccepted(const InvoiceEvent& e, bool is_purchase, bool invoice_counted, bool new_purchase_invoice,
                           size_t invoice_lines) {
  OnOutcome("accepted", is_purchase ? "purchase" : "return");
  const int64_t amount = (e.quantity < 0 ? -e.quantity : e.quantity) * e.unit_price_milli;
  if (e.invoice_ts < month_start_ || e.invoice_ts >= month_end_) {
    month_key_ = MonthKey(e.invoice_ts);
    month_start_ = MonthStart(month_key_);
    month_end_ = NextMonthStart(month_key_);
  }
  Totals& month = months_[month_key_];
  auto country = countries_.find(e.country);
  if (country == countries_.end()) {
    const bool full = countries_.size() >= kMaxCountries;
    country = countries_.try_emplace(full ? std::string(kOtherCountry) : e.country).first;
  }
  for (Totals* t : {&month, &country->second}) {
    int64_t& sum = is_purchase ? t->purchases_milli : t->returns_milli;
    if (__builtin_add_overflow(sum, amount, &sum)) sum = INT64_MAX;  // saturate (see Totals)
    ++t->lines;
    if (new_purchase_invoice) ++t->orders;
  }
  if (invoice_counted && invoice_lines > 0) {
    if (!new_purchase_invoice) {
      auto it = basket_.find(invoice_lines - 1);
      if (it != basket_.end() && --it->second == 0) basket_.erase(it);
    }
    ++basket_[invoice_lines];
  }
  aggregates_dirty_ = true;
  // Bounded: the oldest months go (after the update, so `month` stayed valid).
  while (months_.size() > kMaxMonths) months_.erase(months_.begin());
}

void Analytics::OnRetracted(const InvoiceEvent& e, bool is_purchase, bool counted_before, bool counted_after,
                            size_t invoice_lines) {
  OnOutcome("retracted", is_purchase ? "purchase" : "return");
  const int64_t amount = (e.quantity < 0 ? -e.quantity : e.quantity) * e.unit_price_milli;
  auto country = countries_.find(e.country);
  if (country == countries_.end()) country = countries_.find(std::string(kOtherCountry));
  auto month = months_.find(MonthKey(e.invoice_ts));
  for (Totals* t : {month == months_.end() ? nullptr : &month->second,
                    country == countries_.end() ? nullptr : &country->second}) {
    if (t == nullptr) continue;
    int64_t& sum = is_purchase ? t->purchases_milli : t->returns_milli;
    if (sum != INT64_MAX) sum -= amount;  // a saturated sum stays saturated
    if (t->lines > 0) --t->lines;
    if (counted_before && !counted_after && t->orders > 0) --t->orders;
  }
  if (counted_before) {
    auto it = basket_.find(invoice_lines + 1);
    if (it != basket_.end() && --it->second == 0) basket_.erase(it);
  }
  if (counted_after && invoice_lines > 0) ++basket_[invoice_lines];
  aggregates_dirty_ = true;
}

void Analytics::OnCustomerChanged(const CustomerRecord& before, const CustomerRecord& after) {
  if (pending_ && pending_after_.index == after.index) {
    pending_after_ = after;
    return;
  }
  FlushPending();
  pending_before_ = before;
  pending_after_ = after;
  pending_ = true;
}

void Analytics::FlushPending() const {
  if (!pending_) return;
  pending_ = false;
  const CustomerRecord& before = pending_before_;
  const CustomerRecord& after = pending_after_;
  const bool a = before.active(), b = after.active();
  // Only the values that changed move (most lines change monetary alone).
  auto move = [a, b](ValueHistogram* h, int64_t from, int64_t to) {
    if (a && b && from == to) return;
    if (a) h->Remove(from);
    if (b) h->Add(to);
  };
  move(&last_purchase_, before.last_purchase_ts, after.last_purchase_ts);
  move(&frequency_, before.frequency, after.frequency);
  move(&monetary_, before.monetary_milli(), after.monetary_milli());
}

void Analytics::OnChange(uint64_t model_version, int previous_id, int segment_id) {
  VersionRecord& v = versions_[model_version];
  v.version = model_version;
  ++v.transitions[{previous_id, segment_id}];
  dirty_versions_.push_back(model_version);
}

void Analytics::OnPublish(const ServingModel& m) {
  VersionRecord& v = versions_[m.version];
  v.version = m.version;
  v.event_time = m.event_time;
  v.trigger = m.trigger;
  v.customers = m.customers;
  v.inertia = m.inertia;
  v.silhouette = m.silhouette;
  v.max_shift = m.max_shift;
  v.segments.clear();
  for (int i = 0; i < m.k(); ++i) {
    const SegmentInfo& s = m.segments[static_cast<size_t>(i)];
    VersionSegment seg{s.id, s.name, s.customers, s.shift, {}};
    for (int j = 0; j < 3; ++j) seg.centroid[static_cast<size_t>(j)] = m.centers(i, j);
    v.segments.push_back(std::move(seg));
  }
  dirty_versions_.push_back(m.version);
  while (versions_.size() > kMaxVersions) {
    dropped_versions_.push_back(versions_.begin()->first);
    versions_.erase(versions_.begin());
  }
  boundaries_ = ComputeBoundaries(m.version);
  aggregates_dirty_ = true;
}

RfmBoundaries Analytics::ComputeBoundaries(uint64_t model_version) const {
  FlushPending();
  RfmBoundaries b;
  b.model_version = model_version;
  b.customers = last_purchase_.total();
  b.last_purchase = QuintileThresholds::Of(last_purchase_);
  b.frequency = QuintileThresholds::Of(frequency_);
  b.monetary_milli = QuintileThresholds::Of(monetary_);
  return b;
}

void AppendRfmScoreJson(std::string* out, const RfmBoundaries& b, const CustomerRecord& r) {
  const RfmScore s = ScoreOf(b, r.last_purchase_ts, r.frequency, r.monetary_milli());
  if (!s.valid()) {
    *out += ",\"r_score\":null,\"f_score\":null,\"m_score\":null,\"rfm_score\":null,\"rfm_segment\":null";
    return;
  }
  *out += ",\"r_score\":" + std::to_string(s.r) + ",\"f_score\":" + std::to_string(s.f) +
          ",\"m_score\":" + std::to_string(s.m) + ",\"rfm_score\":";
  AppendJsonString(out, s.Code());
  *out += ",\"rfm_segment\":";
  AppendJsonString(out, RfmSegmentName(s.r, s.f));
}

}  // namespace segstream::analytics
