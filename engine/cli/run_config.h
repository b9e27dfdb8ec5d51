// RunConfig: everything `segstream run` needs, merged from the defaults, an
// optional segstream.toml (--config) and the command-line flags, in that
// order of precedence (flags win). Registering the flags and loading the
// TOML live here so the two stay in step.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "connectors/decode/input_format.h"
#include "connectors/kafka/kafka_options.h"
#include "engine/pipeline/engine_options.h"
#include "engine/pipeline/pipeline.h"
#include "engine/util/status.h"

namespace segstream::cli {

struct RunConfig {
  std::string input;                      // CSV/JSONL path or "-"; empty with Kafka
  std::string state_dir = "segstream-state";
  std::string out_dir = "segstream-out";
  std::string http = "127.0.0.1:9464";    // "none" disables
  std::string http_tls_cert, http_tls_key;  // HTTPS on --http (engine/http/tls.h)
  std::string http_token_file;              // bearer tokens (engine/http/token_auth.h)
  bool http_open_metrics = false;           // /metrics without a token
  std::string schema_registry;              // Avro input: registry base URL (connectors/schema_registry)
  std::string schema_registry_auth_file;    // first line user:password (HTTP basic auth)
  bool avro_outputs = false;                // segment changes and customer segments as Avro (connectors/avro_sink)
  std::string log_format = "text";          // text | json (engine/util/log.h)
  std::string log_level = "info";
  std::string progress = "auto";          // auto | always | never
  bool quiet = false;
  bool use_kafka = false;
  KafkaOptions kafka;
  decode::InputFormat input_format;       // [input]: --columns, --delimiter, --time-format, --decimal-comma
  EngineOptions engine;
  PipelineOptions pipeline;
};

// Raw flag values; unset flags do not override the config file.
struct RunFlags {
  std::string config_path;
  std::string input, state_dir, out_dir, http, progress;
  std::string brokers, topic, group, changes_topic, segments_topic, models_topic, dead_letters_topic;
  std::vector<std::string> kafka_properties;   // -X key=value
  int partitions = 0;
  bool exactly_once = false;
  std::string transactional_id;
  std::string k, k_range, half_life, version_interval;
  std::string max_future;
  uint64_t min_customers = 0, step_events = 0, publish_every = 0, seed = 0;
  double hysteresis = 0, drift_threshold = 0, until_idle = 0, max_rate = 0;
  size_t batch_size = 0;
  bool quiet = false;
  bool no_model = false;
  // [input] options by key ("columns", "delimiter", "time_format",
  // "decimal_comma"), as given; kInputOptions in run_config.cc drives them.
  std::vector<std::pair<std::string, std::string>> input_layout;
  std::vector<std::pair<std::string, std::string>> top_options;  // http_tls_cert, ... (kHttpSecurityOptions)
};

// Adds every `run` flag to `cmd`, bound to `flags`.
void AddRunFlags(CLI::App* cmd, RunFlags* flags);

// Defaults <- TOML file <- flags that were given on the command line.
Result<RunConfig> ResolveRunConfig(const CLI::App& cmd, const RunFlags& flags);

// "30d", "12h", "90m", "45s" or a bare number of days -> days.
Result<double> ParseDays(const std::string& text);

}  // namespace segstream::cli
