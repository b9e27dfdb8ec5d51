// `segctl report`: the analyst's report as one self-contained HTML file
// (Chart.js, the data and the glue inlined; engine/report) from a state
// directory. Opens the state read-only, so it may run beside a live engine.
#include <cstdio>
#include <fstream>

#include "engine/report/report_data.h"
#include "engine/report/report_html.h"
#include "tools/segctl/commands.h"
#include "tools/segctl/state_reader.h"

namespace segstream::segctl {
namespace {

struct ReportArgs {
  std::string state = "segstream-state";
  std::string out = "report.html";
  std::string chart_js;  // empty: report::kDefaultChartJsPath (or $SEGSTREAM_CHARTJS)
  std::string json_out;  // optional: the document alone
  size_t sample = report::ReportOptions{}.selection_sample;
};

int RunReport(const ReportArgs& a) {
  auto js = report::ReadChartJs(a.chart_js);
  if (!js.ok()) return ReportError("no Chart.js", js.status());
  auto reader = StateReader::Open(a.state);
  if (!reader.ok()) return ReportError("cannot open state " + a.state, reader.status());
  auto in = report::LoadReportInputs((*reader)->store());
  if (!in.ok()) return ReportError("cannot read state " + a.state, in.status());
  report::ReportOptions options;
  options.selection_sample = a.sample;
  const nlohmann::json doc = report::BuildReportDocument(*in, report::ModelSelection(*in, options), options);
  const std::string html = report::RenderReportHtml(js.value(), doc);
  std::ofstream f(a.out, std::ios::binary | std::ios::trunc);
  f.write(html.data(), static_cast<std::streamsize>(html.size()));
  f.close();
  if (!f) {
    std::fprintf(stderr, "segctl: cannot write %s\n", a.out.c_str());
    return 1;
  }
  if (!a.json_out.empty()) {
    std::ofstream j(a.json_out, std::ios::binary | std::ios::trunc);
    j << doc.dump(1) << '\n';
    if (!j) {
      std::fprintf(stderr, "segctl: cannot write %s\n", a.json_out.c_str());
      return 1;
    }
  }
  std::fprintf(stderr, "segctl: wrote %s (%zu bytes): %zu customers with purchases, model version %llu, k=%d\n",
               a.out.c_str(), html.size(), in->active.size(), static_cast<unsigned long long>(in->model.version),
               in->model.k());
  return 0;
}

}  // namespace

void AddReportCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand("report", "the analyst's report: one self-contained HTML file with plots");
  cmd->add_option("--state", args->state, "state directory (default ./segstream-state)");
  cmd->add_option("--out", args->out, "the HTML file to write (default report.html)");
  cmd->add_option("--json", args->json_out, "also write the report document (JSON) here");
  cmd->add_option("--chartjs", args->chart_js,
                  std::string("Chart.js bundle to inline (default ") + report::kDefaultChartJsPath + ")");
  cmd->add_option("--sample", args->sample, "customers the elbow and silhouette per k are fitted on (default 3000)")
      ->check(CLI::Range(size_t{10}, size_t{1} << 30));
  cmd->callback([args, exit_code] { *exit_code = RunReport(*args); });
}

}  // namespace segstream::segctl
