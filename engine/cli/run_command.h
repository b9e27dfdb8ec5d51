// `segstream run`: wires a source (file/stdin or Kafka), the RocksDB state,
// the engine, a sink (JSONL files or Kafka), metrics and the HTTP API, runs
// the pipeline until the input ends or a signal arrives, and prints the
// summary. Returns the process exit code (see kExit* in main.cc's help).
#pragma once

#include <atomic>

#include "engine/cli/run_config.h"

namespace segstream::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntime = 1;   // I/O error, corrupt state, broker gave up
inline constexpr int kExitUsage = 2;     // bad flags, bad config, unreadable or unknown input
inline constexpr int kExitState = 3;     // state dir held by another process, or newer format

int RunSegstream(const RunConfig& config, const std::atomic<bool>& stop);

}  // namespace segstream::cli
