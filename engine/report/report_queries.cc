// ReportQueries; see report_queries.h.
#include "engine/report/report_queries.h"

#include "engine/report/report_html.h"

namespace segstream::report {

ReportQueries::ReportQueries(EngineQueries* inner, StateStore* store, const std::string& chart_js,
                             ReportOptions options, int min_rebuild_ms)
    : inner_(inner),
      store_(store),
      page_(chart_js.empty() ? std::string() : RenderLivePage(chart_js)),
      options_(options),
      min_rebuild_(min_rebuild_ms) {}

std::optional<std::string> ReportQueries::PageHtml() {
  if (page_.empty()) return std::nullopt;
  return page_;
}

std::optional<std::string> ReportQueries::AnalyticsJson() {
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  if (!cached_.empty() && now - built_at_ < min_rebuild_) return cached_;
  auto in = LoadReportInputs(store_);
  if (!in.ok()) return std::nullopt;
  // The elbow per k is the expensive part: once per model version (and while
  // there is no model, once the population has grown by a tenth).
  const uint64_t version = in->model.version;
  const uint64_t n = in->active.size();
  if (version != selection_version_ || (version == 0 && n > selection_customers_ + selection_customers_ / 10)) {
    selection_ = ModelSelection(*in, options_);
    selection_version_ = version;
    selection_customers_ = n;
  }
  cached_ = BuildReportDocument(*in, selection_, options_).dump();
  built_at_ = now;
  return cached_;
}

}  // namespace segstream::report
