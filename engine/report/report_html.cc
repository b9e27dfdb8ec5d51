// The report page; see report_html.h.
#include "engine/report/report_html.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace segstream::report {
namespace {

constexpr std::string_view kChartJsMarker = "<!--SEGSTREAM_CHARTJS-->";
constexpr std::string_view kDataMarker = "<!--SEGSTREAM_DATA-->";

// "</" may not appear inside an inline <script>; "<\/" means the same in
// JavaScript strings and JSON.
std::string ScriptSafe(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '<' && i + 1 < s.size() && s[i + 1] == '/') {
      out += "<\\/";
      ++i;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string Render(const std::string& chart_js, const std::string& data_block) {
  std::string page(PageTemplate());
  const std::string chart = "<script>\n" + ScriptSafe(chart_js) + "\n</script>";
  page.replace(page.find(kChartJsMarker), kChartJsMarker.size(), chart);
  page.replace(page.find(kDataMarker), kDataMarker.size(), data_block);
  return page;
}

}  // namespace

Result<std::string> ReadChartJs(const std::string& path_in) {
  std::string path = path_in;
  if (path.empty()) {
    const char* env = std::getenv("SEGSTREAM_CHARTJS");
    path = env && *env ? env : kDefaultChartJsPath;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::NotFound("cannot read Chart.js at " + path + " (install Debian's libjs-chart.js: tools/setup.sh)");
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string RenderReportHtml(const std::string& chart_js, const nlohmann::json& doc) {
  return Render(chart_js, "<script type=\"application/json\" id=\"report-data\">" + ScriptSafe(doc.dump()) +
                              "</script>");
}

std::string RenderLivePage(const std::string& chart_js) { return Render(chart_js, ""); }

}  // namespace segstream::report
