// `segctl segments`: the segment table of the current model (text, CSV or
// the GET /segments JSON), with median R/F/M and revenue share per segment.
#include <cstdio>

#include "engine/pipeline/queries.h"
#include "engine/segment/segment_table.h"
#include "tools/segctl/commands.h"
#include "tools/segctl/state_reader.h"

namespace segstream::segctl {
namespace {

struct SegmentsArgs {
  std::string state = "segstream-state";
  std::string format = "text";
};

int RunSegments(const SegmentsArgs& a) {
  int error = 0;
  const auto view = LoadView(a.state, &error);
  if (!view) return error;
  const ServingModel& model = view->model;
  if (model.empty()) {
    std::fprintf(stderr, "segctl: no model yet in %s (too few customers so far)\n", a.state.c_str());
    return 1;
  }
  if (a.format == "json") {
    std::printf("%s\n", SegmentTableJson(model).c_str());
    return 0;
  }
  std::vector<CustomerRecord> records;
  records.reserve(view->customers.size());
  for (const auto& r : view->customers) records.push_back(r.rec);
  const auto table = BuildSegmentTable(model, records, view->watermark);
  if (a.format == "csv") {
    std::fputs(SegmentTableCsv(table).c_str(), stdout);
  } else {
    std::printf("model version %llu, k=%d, %llu customers with purchases\n",
                static_cast<unsigned long long>(model.version), model.k(),
                static_cast<unsigned long long>(model.customers));
    std::fputs(FormatSegmentTable(table).c_str(), stdout);
  }
  return 0;
}

}  // namespace

void AddSegmentsCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<SegmentsArgs>();
  CLI::App* cmd = app.add_subcommand("segments", "the segment table of the current model");
  cmd->add_option("--state", args->state, "state directory (default ./segstream-state)");
  cmd->add_option("--format", args->format, "text, csv or json (default text)")
      ->check(CLI::IsMember({"text", "csv", "json"}));
  cmd->callback([args, exit_code] { *exit_code = RunSegments(*args); });
}

}  // namespace segstream::segctl
