// The segment table; see segment_table.h.
#include "engine/segment/segment_table.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace segstream {
namespace {

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<long>(mid), v.end());
  double m = v[mid];
  if (v.size() % 2 == 0) {
    const double lower = *std::max_element(v.begin(), v.begin() + static_cast<long>(mid));
    m = (m + lower) / 2;
  }
  return m;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

}  // namespace

std::vector<SegmentRow> BuildSegmentTable(const ServingModel& model, const std::vector<CustomerRecord>& customers,
                                          int64_t watermark) {
  struct Acc {
    std::vector<double> r, f, m;
    double revenue = 0;
  };
  std::map<int, Acc> acc;
  double total_revenue = 0;
  uint64_t active = 0;
  for (const auto& c : customers) {
    if (!c.active()) continue;
    ++active;
    const double monetary = std::max(0.0, c.monetary());
    total_revenue += monetary;
    if (!model.Find(c.segment_id)) continue;
    Acc& a = acc[c.segment_id];
    a.r.push_back(c.recency_days(watermark));
    a.f.push_back(static_cast<double>(c.frequency));
    a.m.push_back(c.monetary());
    a.revenue += monetary;
  }
  std::vector<SegmentRow> rows;
  for (const auto& seg : model.segments) {
    SegmentRow row;
    row.segment_id = seg.id;
    row.name = seg.name;
    row.action = seg.action;
    auto it = acc.find(seg.id);
    if (it != acc.end()) {
      row.customers = it->second.r.size();
      row.median_recency_days = Median(it->second.r);
      row.median_frequency = Median(it->second.f);
      row.median_monetary = Median(it->second.m);
      row.revenue_share = total_revenue > 0 ? it->second.revenue / total_revenue : 0;
    }
    row.share = active ? static_cast<double>(row.customers) / static_cast<double>(active) : 0;
    rows.push_back(row);
  }
  std::sort(rows.begin(), rows.end(), [](const SegmentRow& a, const SegmentRow& b) { return a.segment_id < b.segment_id; });
  return rows;
}

std::string FormatSegmentTable(const std::vector<SegmentRow>& rows) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%4s  %-20s %9s %6s %10s %9s %11s %8s  %s\n", "id", "segment", "customers", "share",
                "recency_d", "frequency", "monetary", "revenue", "action");
  out += line;
  for (const auto& r : rows) {
    std::snprintf(line, sizeof line, "%4d  %-20s %9llu %5.1f%% %10.1f %9.1f %11.2f %7.1f%%  %s\n", r.segment_id,
                  r.name.c_str(), static_cast<unsigned long long>(r.customers), 100 * r.share,
                  r.median_recency_days, r.median_frequency, r.median_monetary, 100 * r.revenue_share,
                  r.action.c_str());
    out += line;
  }
  return out;
}

std::string SegmentTableCsv(const std::vector<SegmentRow>& rows) {
  std::string out =
      "segment_id,name,customers,share,median_recency_days,median_frequency,median_monetary,revenue_share,action\n";
  char buf[256];
  for (const auto& r : rows) {
    std::snprintf(buf, sizeof buf, "%d,%s,%llu,%.4f,%.2f,%.1f,%.2f,%.4f,", r.segment_id, CsvField(r.name).c_str(),
                  static_cast<unsigned long long>(r.customers), r.share, r.median_recency_days, r.median_frequency,
                  r.median_monetary, r.revenue_share);
    out += buf;
    out += CsvField(r.action);
    out += '\n';
  }
  return out;
}

}  // namespace segstream
