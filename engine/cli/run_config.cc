// `segstream run` flags and segstream.toml; see run_config.h.
#include "engine/cli/run_config.h"

#include "engine/cli/table_options.h"

#include <toml++/toml.h>

#include <cstdlib>

namespace segstream::cli {

Result<double> ParseDays(const std::string& text) {
  if (text.empty()) return Status::InvalidArgument("empty duration");
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  const std::string unit(end);
  double days = 0;
  if (unit.empty() || unit == "d") {
    days = v;
  } else if (unit == "h") {
    days = v / 24;
  } else if (unit == "m") {
    days = v / 1440;
  } else if (unit == "s") {
    days = v / 86400;
  } else {
    return Status::InvalidArgument("duration '" + text + "' wants a unit d, h, m or s (e.g. 30d)");
  }
  if (!(days >= 0) || days > 36500) return Status::InvalidArgument("duration '" + text + "' is out of range");
  return days;
}

void AddRunFlags(CLI::App* cmd, RunFlags* f) {
  cmd->add_option("--config", f->config_path,
                  "segstream.toml: the [toml: ...] keys below, in [engine], [kafka], [input] or at the top "
                  "(flags override it)");
  AddTableFlags(cmd, f);
}

Result<RunConfig> ResolveRunConfig(const RunFlags& f) {
  RunConfig c;
  SEGSTREAM_RETURN_IF_ERROR(ApplyDefaults(&c));
  if (!f.config_path.empty()) {
    toml::table root;
    try {
      root = toml::parse_file(f.config_path);
    } catch (const toml::parse_error& e) {
      return Status::InvalidArgument("cannot read config " + f.config_path + ": " + std::string(e.description()));
    }
    SEGSTREAM_RETURN_IF_ERROR(ApplyToml(f.config_path, root, &c));
  }
  SEGSTREAM_RETURN_IF_ERROR(ApplyFlags(f, &c));
  if (c.http_tls_cert.empty() != c.http_tls_key.empty()) {
    return Status::InvalidArgument("--http-tls-cert and --http-tls-key go together");
  }
  if (!c.input_format.mapped() &&
      (c.input_format.delimiter || c.input_format.time_format || c.input_format.decimal_comma)) {
    return Status::InvalidArgument(
        "--delimiter, --time-format and --decimal-comma describe a foreign layout and need --columns");
  }
  if (c.input_format.debezium && (!c.input_format.mapped() || !c.input_format.time_format)) {
    return Status::InvalidArgument(
        "--input-format debezium needs --columns (the row's field names) and --time-format (e.g. epoch_us)");
  }
  if (c.input_format.debezium && !c.schema_registry.empty()) {
    return Status::InvalidArgument(
        "--input-format debezium reads JSON change events (Debezium's JsonConverter), not Avro: drop --schema-registry");
  }
  if (c.use_kafka && !c.input.empty()) {
    return Status::InvalidArgument("give either --input (file replay) or --brokers (Kafka), not both");
  }
  if (!c.use_kafka && c.input.empty()) {
    return Status::InvalidArgument("nothing to read: give --input FILE|- or --brokers HOST:PORT (see --help)");
  }
  if (!c.use_kafka && !c.schema_registry.empty()) {
    return Status::InvalidArgument("--schema-registry is for Avro messages on Kafka (--brokers)");
  }
  if (c.schema_registry.empty() && c.avro_outputs) {
    return Status::InvalidArgument("--avro-outputs needs --schema-registry (and Kafka, --brokers)");
  }
  if (c.schema_registry.empty() && !c.schema_registry_auth_file.empty()) {
    return Status::InvalidArgument("--schema-registry-auth-file needs --schema-registry");
  }
  if (!c.use_kafka && c.kafka.exactly_once) {
    return Status::InvalidArgument(
        "--exactly-once is for Kafka outputs (--brokers); file outputs are exactly-once already");
  }
  if (!c.use_kafka && c.kafka.changelog) {
    return Status::InvalidArgument("--changelog is for Kafka (--brokers): it keeps the state in a Kafka topic");
  }
  if (c.kafka.changelog && !c.kafka.exactly_once) {
    // Without a transaction a crash can leave part of a batch in the topic,
    // and a restore would then build a state no run ever committed.
    return Status::InvalidArgument(
        "--changelog needs --exactly-once (a batch's state changes must reach the changelog all or nothing)");
  }
  if (!c.kafka.changelog && !c.kafka.changelog_topic.empty()) {
    return Status::InvalidArgument("--changelog-topic needs --changelog");
  }
  if (c.kafka.changelog && c.kafka.changelog_topic.empty()) c.kafka.changelog_topic = c.kafka.group_id + "-state-changelog";
  if (c.kafka.changelog) {
    for (const std::string* other : {&c.kafka.input_topic, &c.kafka.changes_topic, &c.kafka.segments_topic,
                                     &c.kafka.models_topic, &c.kafka.dead_letters_topic}) {
      if (*other == c.kafka.changelog_topic) {
        return Status::InvalidArgument("--changelog-topic " + c.kafka.changelog_topic +
                                       " is also the input or an output topic; the changelog needs a topic of its "
                                       "own (its records are state, not events)");
      }
    }
  }
  return c;
}

}  // namespace segstream::cli
