// The `segstream run` options added by issue 13, driven by one table each:
// the input layout ([input] in TOML: columns, delimiter, time_format,
// decimal_comma) and the service options (top-level TOML keys http_tls_cert,
// http_tls_key, http_token_file, http_open_metrics, log_format, log_level).
// One row gives the flag (--key with '_' -> '-'), the TOML key, the --help
// text and the function that applies a value, so flags, TOML and help cannot
// drift apart. (The older options in run_config.cc predate the tables.)
#pragma once

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include <string>

#include "engine/cli/run_config.h"
#include "engine/util/status.h"

namespace segstream::cli {

// Registers every table flag on `cmd`; given values land in flags->input_layout
// and flags->top_options in command-line order.
void AddTableFlags(CLI::App* cmd, RunFlags* flags);

// Applies the table flags given on the command line over `c`.
Status ApplyTableFlags(const RunFlags& flags, RunConfig* c);

// TOML: the [input] table, and one top-level service key.
Status LoadInputTable(const std::string& path, const toml::table& t, decode::InputFormat* f);
bool IsServiceKey(const std::string& key);
Status LoadServiceKey(const std::string& path, const std::string& key, const toml::node& node, RunConfig* c);

}  // namespace segstream::cli
