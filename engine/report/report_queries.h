// ReportQueries: adds the live page (GET /) and its document
// (GET /analytics) to another EngineQueries, which answers everything else.
//
// The document is rebuilt from the committed state at most once per
// `min_rebuild_ms` (requests in between share the cached answer), and the
// elbow/silhouette per k only when the model version changes, so a page
// refresh stays cheap while a replay or the Kafka pipeline runs.
//
// Thread-safe: the HTTP server's threads call it concurrently; a mutex
// serialises rebuilds.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "engine/observe/observer.h"
#include "engine/report/report_data.h"
#include "state/state_store.h"

namespace segstream::report {

class ReportQueries final : public EngineQueries {
 public:
  // `inner` and `store` are not owned and outlive this object. An empty
  // `chart_js` disables the page (GET / answers 503).
  ReportQueries(EngineQueries* inner, StateStore* store, const std::string& chart_js, ReportOptions options = {},
                int min_rebuild_ms = 1000);

  Result<std::string> CustomerJson(std::string_view customer_id) override {
    return inner_->CustomerJson(customer_id);
  }
  std::string SegmentsJson() override { return inner_->SegmentsJson(); }
  std::optional<std::string> ModelJson() override { return inner_->ModelJson(); }
  bool Ready() override { return inner_->Ready(); }
  std::optional<std::string> UnavailableReason() override { return inner_->UnavailableReason(); }
  std::optional<std::string> AnalyticsJson() override;
  std::optional<std::string> PageHtml() override;

 private:
  EngineQueries* inner_;
  StateStore* store_;
  std::string page_;
  ReportOptions options_;
  std::chrono::milliseconds min_rebuild_;

  std::mutex mu_;
  std::chrono::steady_clock::time_point built_at_;  // guarded by mu_
  std::string cached_;                              // guarded by mu_
  uint64_t selection_version_ = UINT64_MAX;         // guarded by mu_
  uint64_t selection_customers_ = 0;                // guarded by mu_
  nlohmann::json selection_;                        // guarded by mu_
};

}  // namespace segstream::report
