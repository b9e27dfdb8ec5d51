// The report page: the HTML template with its glue script (page/report.html,
// embedded at build time) and Chart.js from Debian's libjs-chart.js, read at
// run time and inlined, so the page needs no network to be viewed.
//
// Thread-safe: pure functions (ReadChartJs reads a file).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "engine/util/status.h"

namespace segstream::report {

// Where Debian's libjs-chart.js installs the minified bundle.
inline constexpr const char* kDefaultChartJsPath = "/usr/share/javascript/chart.js/chart.min.js";

// The contents of the Chart.js bundle at `path` (kDefaultChartJsPath when
// empty; the SEGSTREAM_CHARTJS environment variable overrides the default).
// NotFound, naming the package to install, when it is absent.
Result<std::string> ReadChartJs(const std::string& path = "");

// The self-contained report: Chart.js, the document and the glue inlined.
std::string RenderReportHtml(const std::string& chart_js, const nlohmann::json& doc);

// The live page for GET /: the same template without data; its glue fetches
// /analytics, /model and /segments and refreshes every 2 s.
std::string RenderLivePage(const std::string& chart_js);

// The template itself (for tests).
std::string_view PageTemplate();

}  // namespace segstream::report
