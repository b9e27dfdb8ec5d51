// The analyst's report as data: one JSON document with every section the
// batch notebooks draw (the data, RFM, the model, history), built from a
// committed state. `segctl report` inlines it into a self-contained HTML page
// (report_html.h); GET /analytics serves it to the live page at /.
//
// Sources: the incremental aggregates of engine/analytics (months,
// countries, basket sizes, cleaning outcomes, versions and transitions,
// population histograms, RFM boundaries), the serving model, and one scan of
// the customers column (per-segment quantiles, the R x F score grid). The
// elbow and silhouette per k are fitted on the current population
// (ModelSelection; a seeded uniform sample of at most `selection_sample`
// customers), which is the expensive part: callers that refresh often cache
// it per model version.
//
// Units in the document: money in currency units (from exact thousandths),
// recency in days, centroids in z units (log1p features, population z-score).
// Thread-safe: free functions over a StateStore, which allows concurrent reads.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/analytics/aggregates.h"
#include "engine/rfm/customer_record.h"
#include "engine/segment/serving_model.h"
#include "state/state_store.h"

namespace segstream::report {

struct ReportOptions {
  size_t selection_sample = 3000;  // customers the elbow/silhouette per k are fitted on
  int k_min = 2;
  int k_max = 10;
  int n_init = 3;                  // k-means++ restarts per k
  uint64_t seed = 42;
  size_t top_countries = 10;
};

// Everything the document is computed from, read from one state.
struct ReportInputs {
  analytics::Analytics analytics;
  ServingModel model;
  int64_t watermark = kNoTime;
  uint64_t customers_total = 0;
  std::vector<CustomerRecord> active;  // customers with purchases, in key order
};

Result<ReportInputs> LoadReportInputs(StateStore* store);

// {"sample":n,"table":[{"k","inertia","silhouette"}],"chosen_k":k,"rule":"..."}
// (empty table when there are too few customers).
nlohmann::json ModelSelection(const ReportInputs& in, const ReportOptions& options);

// The whole document; `selection` is ModelSelection's result.
nlohmann::json BuildReportDocument(const ReportInputs& in, const nlohmann::json& selection,
                                   const ReportOptions& options);

}  // namespace segstream::report
