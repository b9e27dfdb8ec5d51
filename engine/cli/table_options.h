// The options of `segstream run`, one table row each: the flag, the
// segstream.toml key, the --help text and group, the default, and ONE apply
// function that parses and validates a value and stores it in a RunConfig.
// Flags, TOML and defaults all reach the config through that function, so
// `--k-range 2..x` and `k_range = "2..x"` fail with the same text (TOML adds
// the file and key in front), and a default is written once, in its row.
//
// Precedence: the row defaults, then the TOML file, then the flags given on
// the command line (ResolveRunConfig in run_config.h).
//
// Values reach `apply` as text: a flag's as typed, a TOML value converted
// after its TOML type is checked (`until_idle = "5"` is an error naming the
// key, never a silent default), switches as "true"/"false", arrays of
// strings joined with '\n'.
//
// Thread safety: the table is immutable; the functions below touch only
// their arguments.
#pragma once

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include <span>
#include <string>

#include "engine/cli/run_config.h"
#include "engine/util/status.h"

namespace segstream::cli {

// What a TOML value of an option may be.
enum class TomlType {
  kText,           // a string
  kInteger,        // an integer
  kNumber,         // an integer or a float
  kBool,           // true or false
  kIntegerOrText,  // engine.k: 5 or "auto"
  kNumberOrText,   // engine.half_life: 30 (days) or "30d"
  kTextList,       // an array of strings
};

// What a flag takes on the command line.
enum class FlagArg {
  kValue,     // --k 5
  kSwitch,    // --quiet (the value "true")
  kRepeated,  // -X a=b -X c=d (each one applied in turn)
};

struct RunOption {
  const char* flag;           // "--k-range", or "--input,-i" with aliases; nullptr: TOML only
  FlagArg flag_arg;
  const char* toml;           // "engine.k_range" ("table.key" or a top-level key); nullptr: flag only
  TomlType toml_type;
  const char* group;          // --help section
  const char* help;
  const char* default_value;  // applied first and shown by --help; nullptr: none (or a derived one)
  // Parses and validates `value` into `c`. Error messages name the flag (or
  // the TOML key of a TOML-only option).
  Status (*apply)(const std::string& value, RunConfig* c);
};

// Every row, in --help order (run_options.cc).
std::span<const RunOption> RunOptions();

// Registers a flag for every row that has one; given values are appended to
// flags->given in command-line order.
void AddTableFlags(CLI::App* cmd, RunFlags* flags);

// The rows without a flag (and the [kafka] keys LoadKafkaOptions reads), for
// the --help footer.
std::string TomlOnlyHelp();

// Applies every row's default to `c`.
Status ApplyDefaults(RunConfig* c);

// Applies a parsed segstream.toml. Unknown keys are errors; [kafka] keys
// without a row (properties, consumer, producer, replication,
// create_topics) go to LoadKafkaOptions. `path` prefixes every message.
Status ApplyToml(const std::string& path, const toml::table& root, RunConfig* c);

// Applies the flags given on the command line, in order.
Status ApplyFlags(const RunFlags& flags, RunConfig* c);

}  // namespace segstream::cli
