// The report document; see report_data.h.
#include "engine/report/report_data.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "engine/model/k_selection.h"
#include "engine/model/rng.h"
#include "engine/util/coding.h"
#include "engine/util/time.h"
#include "state/record_codec.h"

namespace segstream::report {
namespace {

using nlohmann::json;

double Money(int64_t milli) { return static_cast<double>(milli) / 1000.0; }

// Rounded for a compact document (cents; 4 decimals for ratios and z units).
double Round(double v, double scale) { return std::round(v * scale) / scale; }

std::string MonthLabel(int key) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", key / 100, key % 100);
  return buf;
}

// Bins [edges[i], edges[i+1]) with a last open bin [edges.back(), inf).
struct Bins {
  std::vector<double> edges;
  std::vector<std::string> labels;
  std::vector<uint64_t> counts;
  explicit Bins(std::vector<double> e, const char* unit = "") : edges(std::move(e)), counts(edges.size(), 0) {
    for (size_t i = 0; i < edges.size(); ++i) {
      char buf[64];
      if (i + 1 < edges.size()) {
        std::snprintf(buf, sizeof buf, "%g-%g%s", edges[i], edges[i + 1], unit);
      } else {
        std::snprintf(buf, sizeof buf, "%g+%s", edges[i], unit);
      }
      labels.push_back(buf);
    }
  }
  void Add(double v, uint64_t n) {
    size_t i = static_cast<size_t>(std::upper_bound(edges.begin(), edges.end(), v) - edges.begin());
    counts[i == 0 ? 0 : i - 1] += n;
  }
  json Json() const {
    json a = json::array();
    for (size_t i = 0; i < edges.size(); ++i) a.push_back({{"bin", labels[i]}, {"count", counts[i]}});
    return a;
  }
};

// 1, 2, 5, 10, 20, 50, ... up to `max`.
std::vector<double> LogEdges(double first, double max) {
  std::vector<double> e;
  for (double decade = first; decade <= max; decade *= 10) {
    for (double m : {1.0, 2.0, 5.0}) {
      if (decade * m <= max) e.push_back(decade * m);
    }
  }
  return e;
}

// Linear-interpolated quantile of sorted values (numpy's default).
double Quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

json Summary(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  json q = json::array();
  for (double p : {0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0}) q.push_back(Round(Quantile(v, p), 100));
  return q;  // min, p10, q1, median, q3, p90, max
}

json DataSection(const analytics::Analytics& a, const ReportOptions& o) {
  json d;
  json monthly = json::array();
  for (const auto& [key, t] : a.months()) {
    monthly.push_back({{"month", MonthLabel(key)},
                       {"revenue", Money(t.revenue_milli())},
                       {"purchases", Money(t.purchases_milli)},
                       {"returns", Money(t.returns_milli)},
                       {"orders", t.orders},
                       {"lines", t.lines}});
  }
  d["monthly"] = std::move(monthly);
  std::vector<std::pair<std::string, analytics::Totals>> countries(a.countries().begin(), a.countries().end());
  std::sort(countries.begin(), countries.end(), [](const auto& x, const auto& y) {
    return x.second.revenue_milli() != y.second.revenue_milli() ? x.second.revenue_milli() > y.second.revenue_milli()
                                                                : x.first < y.first;
  });
  json top = json::array();
  for (size_t i = 0; i < countries.size() && i < o.top_countries; ++i) {
    top.push_back({{"country", countries[i].first},
                   {"revenue", Money(countries[i].second.revenue_milli())},
                   {"orders", countries[i].second.orders}});
  }
  d["top_countries"] = std::move(top);
  d["countries"] = countries.size();
  Bins basket({1, 2, 3, 4, 5, 6, 11, 21, 51, 101, 201, 501});
  for (const auto& [lines, n] : a.basket_lines()) basket.Add(static_cast<double>(lines), n);
  d["basket_lines"] = basket.Json();
  Bins revenue({-1e300, 0, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000});
  revenue.labels[0] = "<0";
  for (const auto& [milli, n] : a.monetary_milli().counts()) revenue.Add(Money(milli), n);
  d["revenue_per_customer"] = revenue.Json();
  json cleaning = json::array();
  for (const auto& c : a.outcomes()) cleaning.push_back({{"result", c.result}, {"reason", c.reason}, {"count", c.count}});
  d["cleaning"] = std::move(cleaning);
  return d;
}

json RfmSection(const ReportInputs& in) {
  const analytics::Analytics& a = in.analytics;
  json r;
  Bins recency({0, 15, 30, 45, 60, 90, 120, 150, 180, 210, 240, 270, 300, 330, 360});
  for (const auto& [ts, n] : a.last_purchase().counts()) {
    recency.Add(static_cast<double>(in.watermark - ts) / 86400.0, n);
  }
  r["recency_days"] = recency.Json();
  Bins frequency({1, 2, 3, 4, 5, 6, 8, 11, 16, 21, 31, 51, 101, 201});
  for (const auto& [f, n] : a.frequency().counts()) frequency.Add(static_cast<double>(f), n);
  r["frequency"] = frequency.Json();
  std::vector<double> medges = LogEdges(10, 1e6);
  medges.insert(medges.begin(), 0);
  medges.insert(medges.begin(), -1e300);
  Bins monetary(medges);
  monetary.labels[0] = "<0";
  for (const auto& [milli, n] : a.monetary_milli().counts()) monetary.Add(Money(milli), n);
  r["monetary"] = monetary.Json();

  // The last version's boundaries; before the first, the population's.
  const analytics::RfmBoundaries b = a.boundaries().empty() ? a.ComputeBoundaries(0) : a.boundaries();
  json th;
  th["model_version"] = b.model_version;
  th["customers"] = b.customers;
  json rt = json::array(), ft = json::array(), mt = json::array();
  for (size_t i = 0; i < 4; ++i) {
    const int64_t none = analytics::QuintileThresholds::kNone;
    rt.push_back(b.last_purchase.t[i] == none ? json(nullptr)
                                              : json(Round((in.watermark - b.last_purchase.t[i]) / 86400.0, 100)));
    ft.push_back(b.frequency.t[i] == none ? json(nullptr) : json(b.frequency.t[i]));
    mt.push_back(b.monetary_milli.t[i] == none ? json(nullptr) : json(Money(b.monetary_milli.t[i])));
  }
  th["recency_days_at_most"] = std::move(rt);  // score s+2 needs recency <= value s
  th["frequency_at_least"] = std::move(ft);
  th["monetary_at_least"] = std::move(mt);
  r["boundaries"] = std::move(th);

  uint64_t cells[5][5] = {};
  int64_t revenue[5][5] = {};
  for (const CustomerRecord& c : in.active) {
    const analytics::RfmScore s = analytics::ScoreOf(b, c.last_purchase_ts, c.frequency, c.monetary_milli());
    if (!s.valid()) continue;
    ++cells[s.r - 1][s.f - 1];
    revenue[s.r - 1][s.f - 1] += c.monetary_milli();
  }
  json grid = json::array();
  std::map<std::string, std::pair<uint64_t, int64_t>> by_name;
  for (int ri = 5; ri >= 1; --ri) {
    for (int fi = 1; fi <= 5; ++fi) {
      const std::string name(analytics::RfmSegmentName(ri, fi));
      grid.push_back({{"r", ri}, {"f", fi}, {"name", name}, {"customers", cells[ri - 1][fi - 1]},
                      {"revenue", Money(revenue[ri - 1][fi - 1])}});
      by_name[name].first += cells[ri - 1][fi - 1];
      by_name[name].second += revenue[ri - 1][fi - 1];
    }
  }
  r["grid"] = std::move(grid);
  json segs = json::array();
  for (const auto& [name, cr] : by_name) {
    segs.push_back({{"name", name}, {"customers", cr.first}, {"revenue", Money(cr.second)}});
  }
  r["segments"] = std::move(segs);
  return r;
}

json ModelSection(const ReportInputs& in, const json& selection) {
  const ServingModel& m = in.model;
  json out;
  out["model_version"] = m.version;
  out["k"] = m.k();
  out["trigger"] = m.trigger;
  out["event_time"] = m.empty() ? "" : FormatIso8601(m.event_time);
  out["inertia"] = Round(m.inertia, 10000);
  out["silhouette"] = Round(m.silhouette, 10000);
  out["selection"] = selection;
  std::string why = "k = " + std::to_string(m.k()) + " was chosen when the model was bootstrapped: the " +
                    model::KSelectionRule() + " (engine/model/k_selection.h).";
  if (selection.contains("chosen_k") && selection["chosen_k"].get<int>() > 0) {
    const int now = selection["chosen_k"].get<int>();
    why += now == m.k() ? " The same rule on the current population still picks k = " + std::to_string(now) + "."
                        : " On the current population the rule would pick k = " + std::to_string(now) +
                              "; the serving model keeps its k until it is re-bootstrapped.";
  }
  out["why"] = why;
  // Per segment: current members' R/F/M quantiles, size and revenue.
  const int k = m.k();
  std::vector<std::vector<double>> rec(k), freq(k), mon(k);
  std::vector<int64_t> rev(k, 0);
  int64_t total_rev = 0;
  for (const CustomerRecord& c : in.active) {
    total_rev += c.monetary_milli();
    const int row = m.RowOf(c.segment_id);
    if (row < 0) continue;
    rec[row].push_back(c.recency_days(in.watermark));
    freq[row].push_back(static_cast<double>(c.frequency));
    mon[row].push_back(c.monetary());
    rev[row] += c.monetary_milli();
  }
  uint64_t members = 0;
  for (int i = 0; i < k; ++i) members += rec[i].size();
  json segs = json::array();
  for (int i = 0; i < k; ++i) {
    const SegmentInfo& s = m.segments[static_cast<size_t>(i)];
    const model::Vec3 logs = m.scaler.InverseTransform(m.centers.row(i).transpose());
    segs.push_back({{"segment_id", s.id},
                    {"name", s.name},
                    {"action", s.action},
                    {"customers", rec[i].size()},
                    {"share", members ? Round(static_cast<double>(rec[i].size()) / members, 10000) : 0.0},
                    {"revenue", Money(rev[i])},
                    {"revenue_share", total_rev ? Round(static_cast<double>(rev[i]) / total_rev, 10000) : 0.0},
                    {"centroid_z", {Round(m.centers(i, 0), 10000), Round(m.centers(i, 1), 10000),
                                    Round(m.centers(i, 2), 10000)}},
                    {"centre", {{"recency_days", Round(std::expm1(logs[0]), 100)},
                                {"frequency", Round(std::expm1(logs[1]), 100)},
                                {"monetary", Round(std::expm1(logs[2]), 100)}}},
                    {"recency_days", Summary(rec[i])},
                    {"frequency", Summary(freq[i])},
                    {"monetary", Summary(mon[i])}});
  }
  out["segments"] = std::move(segs);
  return out;
}

json HistorySection(const analytics::Analytics& a) {
  json versions = json::array();
  for (const auto& [version, v] : a.versions()) {
    json segs = json::array();
    for (const auto& s : v.segments) {
      segs.push_back({{"segment_id", s.id}, {"name", s.name}, {"customers", s.customers},
                      {"shift", Round(s.shift, 10000)}});
    }
    json trans = json::array();
    for (const auto& [from_to, n] : v.transitions) {
      trans.push_back({{"from", from_to.first}, {"to", from_to.second}, {"count", n}});
    }
    versions.push_back({{"model_version", version},
                        {"event_time", FormatIso8601(v.event_time)},
                        {"trigger", v.trigger},
                        {"customers", v.customers},
                        {"inertia", Round(v.inertia, 10000)},
                        {"silhouette", Round(v.silhouette, 10000)},
                        {"max_shift", Round(v.max_shift, 10000)},
                        {"segments", std::move(segs)},
                        {"transitions", std::move(trans)}});
  }
  return {{"versions", std::move(versions)}};
}

}  // namespace

Result<ReportInputs> LoadReportInputs(StateStore* store) {
  ReportInputs in;
  SEGSTREAM_RETURN_IF_ERROR(in.analytics.Load(store));
  std::string value;
  Status s = store->Get(Column::kMeta, "model/serving", &value);
  if (s.ok()) {
    SEGSTREAM_RETURN_IF_ERROR(DecodeServingModel(value, &in.model));
  } else if (s.code() != Status::Code::kNotFound) {
    return s;
  }
  s = store->Get(Column::kMeta, "engine", &value);
  if (s.ok()) {
    // The engine meta starts with its format byte, then the watermark (FORMAT.md).
    Decoder d(value);
    uint8_t format;
    if (!d.GetByte(&format) || !d.GetSignedVarint(&in.watermark)) return Status::Corruption("bad engine meta");
  } else if (s.code() != Status::Code::kNotFound) {
    return s;
  }
  Status bad;
  SEGSTREAM_RETURN_IF_ERROR(store->Scan(Column::kCustomers, "", [&](std::string_view, std::string_view v) {
    CustomerRecord r;
    bad = DecodeCustomer(v, &r);
    if (!bad.ok()) return false;
    ++in.customers_total;
    if (r.active()) in.active.push_back(r);
    return true;
  }));
  SEGSTREAM_RETURN_IF_ERROR(bad);
  return in;
}

json ModelSelection(const ReportInputs& in, const ReportOptions& o) {
  json out = {{"sample", 0}, {"table", json::array()}, {"chosen_k", 0}};
  out["rule"] = model::KSelectionRule() + " (engine/model/k_selection.h)";
  const int k_max = std::min<int>(o.k_max, static_cast<int>(in.active.size()) - 1);
  if (in.active.empty() || k_max < o.k_min || in.watermark == kNoTime) return out;
  // A seeded uniform sample (partial Fisher-Yates), standardised with the
  // statistics of the whole current population.
  std::vector<size_t> idx(in.active.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  const size_t n = std::min(o.selection_sample, idx.size());
  model::Rng rng(o.seed);
  for (size_t i = 0; i < n; ++i) std::swap(idx[i], idx[i + rng.Below(idx.size() - i)]);
  idx.resize(n);
  std::sort(idx.begin(), idx.end());
  model::PopulationScaler scaler;
  for (const CustomerRecord& c : in.active) scaler.Add(CustomerLogFeatures(c, in.watermark));
  const ZTransform z = ZTransform::Of(scaler);
  model::Points x(static_cast<Eigen::Index>(n), 3);
  for (size_t i = 0; i < n; ++i) {
    x.row(static_cast<Eigen::Index>(i)) = CustomerZ(z, in.active[idx[i]], in.watermark).transpose();
  }
  model::KMeansOptions km;
  km.n_init = o.n_init;
  km.seed = o.seed;
  const model::KSelection sel = model::SelectK(x, o.k_min, k_max, km);
  json table = json::array();
  for (const auto& row : sel.table) {
    table.push_back({{"k", row.k}, {"inertia", Round(row.inertia, 10000)}, {"silhouette", Round(row.silhouette, 10000)}});
  }
  out["sample"] = n;
  out["table"] = std::move(table);
  out["chosen_k"] = sel.chosen_k;
  return out;
}

json BuildReportDocument(const ReportInputs& in, const json& selection, const ReportOptions& options) {
  json doc;
  doc["meta"] = {{"watermark", in.watermark == kNoTime ? "" : FormatIso8601(in.watermark)},
                 {"model_version", in.model.version},
                 {"customers", in.customers_total},
                 {"customers_with_purchases", in.active.size()}};
  doc["data"] = DataSection(in.analytics, options);
  doc["rfm"] = RfmSection(in);
  doc["model"] = ModelSection(in, selection);
  doc["history"] = HistorySection(in.analytics);
  return doc;
}

}  // namespace segstream::report
