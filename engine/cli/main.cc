// The segstream binary: `segstream run` (the engine) and `segstream version`.
#include <CLI/CLI.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>

#include "engine/util/stdout_check.h"
#include "engine/cli/run_command.h"
#include "engine/cli/run_config.h"
#include "engine/cli/table_options.h"
#include "engine/http/token_auth.h"
#include "engine/util/log.h"

namespace {

// The only process-wide state: what a signal handler may touch.
std::atomic<bool> g_stop{false};

extern "C" void OnSignal(int) { g_stop.store(true); }

// SIGHUP: the HTTP token file is re-read before the next request.
extern "C" void OnHangup(int) { segstream::TokenAuth::RequestReload(); }

constexpr const char* kFooter = R"(
Examples:
  segstream run --input ../shared/data/online_retail.csv.gz            # replay a file (CSV or JSONL, .gz or not)
  zcat data.csv.gz | segstream run --input - --state st --out out       # stdin
  segstream run --brokers 127.0.0.1:9092 --topic segstream.invoices    # Kafka in, Kafka out
  segstream run --config segstream.toml                                 # production config; flags override it

Rerunning on the same --state continues where it stopped; a file already consumed changes nothing.
SIGINT/SIGTERM finish the current micro-batch, commit it and exit 0.

Exit codes: 0 success; 1 runtime error (I/O, corrupt state, Kafka gave up);
2 usage error (flags, config, unreadable or unrecognised input);
3 state directory in use by another process, or written by a newer segstream.)";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"segstream: streaming, incremental RFM customer segmentation (k-means over RocksDB state)"};
  app.require_subcommand(1);
  app.footer(kFooter);
  int exit_code = 0;

  segstream::cli::RunFlags flags;
  CLI::App* run = app.add_subcommand("run", "replay a file or consume Kafka into the RFM state and segment customers");
  run->footer(segstream::cli::TomlOnlyHelp() + kFooter);
  segstream::cli::AddRunFlags(run, &flags);
  run->callback([&] {
    auto config = segstream::cli::ResolveRunConfig(flags);
    if (!config.ok()) {
      segstream::log::Error("config_invalid", config.status().message());
      exit_code = segstream::cli::kExitUsage;
      return;
    }
    std::signal(SIGINT, OnSignal);
    std::signal(SIGTERM, OnSignal);
    std::signal(SIGHUP, OnHangup);
    if (auto s = segstream::log::Init(config->log_format, config->log_level); !s.ok()) {
      segstream::log::Error("config_invalid", s.message());
      exit_code = segstream::cli::kExitUsage;
      return;
    }
    exit_code = segstream::cli::RunSegstream(config.value(), g_stop);
  });
  app.add_subcommand("version", "print the version")->callback([] {
    std::printf("segstream %s (%s)\n", SEGSTREAM_VERSION, SEGSTREAM_GIT_COMMIT);
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : segstream::cli::kExitUsage;
  }
  return segstream::FinishStdout("segstream", exit_code);
}
