// segctl's subcommands. Each Add*Command registers one CLI11 subcommand and
// the callback that runs it; the callback stores the process exit code in
// *exit_code (0 ok, 1 runtime error, 2 usage error).
#pragma once

#include <CLI/CLI.hpp>

namespace segstream::segctl {

void AddCustomersCommand(CLI::App& app, int* exit_code);   // customers.cc
void AddSegmentsCommand(CLI::App& app, int* exit_code);    // segments.cc
void AddStatsCommand(CLI::App& app, int* exit_code);       // stats.cc
void AddCheckpointCommand(CLI::App& app, int* exit_code);  // checkpoint.cc
void AddReportCommand(CLI::App& app, int* exit_code);      // report.cc
void AddProduceCommand(CLI::App& app, int* exit_code);     // produce_command.cc (Kafka)

}  // namespace segstream::segctl
