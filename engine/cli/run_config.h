// RunConfig: everything `segstream run` needs, merged from the defaults, an
// optional segstream.toml (--config) and the command-line flags, in that
// order of precedence (flags win). Every option is one row of the table in
// table_options.h, which gives its flag, TOML key, help, default and the one
// function that parses it from either source.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "connectors/decode/input_format.h"
#include "connectors/kafka/kafka_options.h"
#include "engine/pipeline/engine_options.h"
#include "engine/pipeline/pipeline.h"
#include "engine/util/status.h"

namespace segstream::cli {

// The defaults of `segstream run` are the table's (ApplyDefaults); the
// engine, pipeline and Kafka structs keep their own for other callers.
struct RunConfig {
  std::string input;                      // CSV/JSONL path or "-"; empty with Kafka
  std::string state_dir;
  // Memory for state (--cache-mb): three quarters for the engine's customer
  // cache (about kCacheBytesPerCustomer each), a quarter for RocksDB's block cache.
  uint64_t cache_mb = 256;
  std::string out_dir;
  std::string http;                       // "none" disables
  std::string http_tls_cert, http_tls_key;  // HTTPS on --http (engine/http/tls.h)
  std::string http_token_file;              // bearer tokens (engine/http/token_auth.h)
  bool http_open_metrics = false;           // /metrics without a token
  std::string schema_registry;              // Avro input: registry base URL (connectors/schema_registry)
  std::string schema_registry_auth_file;    // first line user:password (HTTP basic auth)
  bool avro_outputs = false;                // segment changes and customer segments as Avro (connectors/avro_sink)
  std::string log_format;                   // text | json (engine/util/log.h)
  std::string log_level;
  std::string progress;                   // auto | always | never
  bool quiet = false;
  bool use_kafka = false;
  KafkaOptions kafka;
  decode::InputFormat input_format;       // [input]: --columns, --delimiter, --time-format, --decimal-comma
  EngineOptions engine;
  PipelineOptions pipeline;
};

struct RunOption;  // table_options.h

// The flags given on the command line; unset flags do not override the
// config file.
struct RunFlags {
  std::string config_path;
  std::vector<std::pair<const RunOption*, std::string>> given;  // (row, value) in command-line order
};

// Adds every `run` flag to `cmd`, bound to `flags`.
void AddRunFlags(CLI::App* cmd, RunFlags* flags);

// Defaults <- TOML file <- flags that were given on the command line, then
// the checks that involve several options.
Result<RunConfig> ResolveRunConfig(const RunFlags& flags);

// "30d", "12h", "90m", "45s" or a bare number of days -> days.
Result<double> ParseDays(const std::string& text);

}  // namespace segstream::cli
