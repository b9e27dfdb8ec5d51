// segctl: inspect and operate a segstream state (customers, segments, stats,
// report, checkpoint) and replay files into Kafka (produce).
#include <CLI/CLI.hpp>

#include "engine/util/stdout_check.h"
#include "tools/segctl/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"segctl: inspect segstream state and feed Kafka"};
  app.require_subcommand(1);
  app.footer(
      "Reading commands open the state read-only and may run beside a live engine.\n"
      "Exit codes: 0 ok; 1 runtime error; 2 usage error or no state; 3 state written by a newer segstream.");
  int exit_code = 0;
  segstream::segctl::AddCustomersCommand(app, &exit_code);
  segstream::segctl::AddSegmentsCommand(app, &exit_code);
  segstream::segctl::AddStatsCommand(app, &exit_code);
  segstream::segctl::AddCheckpointCommand(app, &exit_code);
  segstream::segctl::AddReportCommand(app, &exit_code);
  segstream::segctl::AddProduceCommand(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return segstream::FinishStdout("segctl", exit_code);
}
