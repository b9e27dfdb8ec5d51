// `segctl stats`: counts, watermark, model version, source positions and
// sink offsets of a state directory, one "key: value" per line.
#include <cstdio>

#include "engine/util/time.h"
#include "state/record_codec.h"
#include "tools/segctl/commands.h"
#include "tools/segctl/state_reader.h"

namespace segstream::segctl {
namespace {

int RunStats(const std::string& state) {
  auto reader = StateReader::Open(state);
  if (!reader.ok()) return ReportError("cannot open state " + state, reader.status());
  auto view = (*reader)->ReadView();
  if (!view.ok()) return ReportError("cannot read state " + state, view.status());
  uint64_t active = 0, with_segment = 0;
  for (const auto& r : view->customers) {
    active += r.rec.active();
    with_segment += r.rec.segment_id >= 0;
  }
  std::printf("customers: %zu\n", view->customers.size());
  std::printf("customers_with_purchases: %llu\n", static_cast<unsigned long long>(active));
  std::printf("customers_with_segment: %llu\n", static_cast<unsigned long long>(with_segment));
  std::printf("watermark: %s\n", view->watermark == kNoTime ? "none" : FormatIso8601(view->watermark).c_str());
  std::printf("model_version: %llu\n", static_cast<unsigned long long>(view->model.version));
  std::printf("k: %d\n", view->model.k());
  auto positions = (*reader)->Meta("pos/");
  if (!positions.ok()) return ReportError("cannot read positions", positions.status());
  for (const auto& [key, value] : positions.value()) {
    Decoder d(value);
    uint64_t offset = 0, line = 0;
    d.GetVarint(&offset);
    d.GetVarint(&line);
    std::printf("position %s: offset %llu line %llu\n", key.substr(4).c_str(), static_cast<unsigned long long>(offset),
                static_cast<unsigned long long>(line));
  }
  auto sinks = (*reader)->Meta("sink/");
  if (!sinks.ok()) return ReportError("cannot read sink offsets", sinks.status());
  for (const auto& [key, value] : sinks.value()) {
    Decoder d(value);
    uint64_t offset = 0;
    d.GetVarint(&offset);
    std::printf("sink %s: %llu bytes\n", key.substr(5).c_str(), static_cast<unsigned long long>(offset));
  }
  return 0;
}

}  // namespace

void AddStatsCommand(CLI::App& app, int* exit_code) {
  auto state = std::make_shared<std::string>("segstream-state");
  CLI::App* cmd = app.add_subcommand("stats", "counts, watermark, model version, positions");
  cmd->add_option("--state", *state, "state directory (default ./segstream-state)");
  cmd->callback([state, exit_code] { *exit_code = RunStats(*state); });
}

}  // namespace segstream::segctl
