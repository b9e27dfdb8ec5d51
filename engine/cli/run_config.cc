// `segstream run` flags and segstream.toml; see run_config.h.
#include "engine/cli/run_config.h"

#include "engine/cli/table_options.h"

#include <toml++/toml.h>

#include <cmath>
#include <cstdlib>

namespace segstream::cli {
namespace {

Result<std::pair<int, int>> ParseRange(const std::string& text) {
  const auto dots = text.find("..");
  if (dots == std::string::npos) return Status::InvalidArgument("--k-range wants MIN..MAX, e.g. 2..10, got " + text);
  const std::string lo_text = text.substr(0, dots), hi_text = text.substr(dots + 2);
  char* lo_end = nullptr;
  char* hi_end = nullptr;
  const long lo = std::strtol(lo_text.c_str(), &lo_end, 10);
  const long hi = std::strtol(hi_text.c_str(), &hi_end, 10);
  // "2x..10" must not read as 2..10.
  if (lo_text.empty() || hi_text.empty() || *lo_end != '\0' || *hi_end != '\0') {
    return Status::InvalidArgument("--k-range wants MIN..MAX with whole numbers, e.g. 2..10, got " + text);
  }
  if (lo < 1 || hi < lo || hi > 50) {
    return Status::InvalidArgument("--k-range must satisfy 1 <= MIN <= MAX <= 50, got " + text);
  }
  return std::pair<int, int>(static_cast<int>(lo), static_cast<int>(hi));
}

Status ApplyK(const std::string& text, EngineOptions* e) {
  if (text == "auto") {
    e->k = 0;
    return Status::OK();
  }
  char* end = nullptr;
  const long k = std::strtol(text.c_str(), &end, 10);
  if (end == text.c_str() || *end != '\0' || k < 1 || k > 50) {
    return Status::InvalidArgument("--k wants a number of segments (1..50) or 'auto', got '" + text + "'");
  }
  e->k = static_cast<int>(k);
  return Status::OK();
}

// "1d", "36h", "off" (no guard).
Status ApplyMaxFuture(const std::string& text, EngineOptions* e) {
  if (text == "off" || text == "none") {
    e->max_future_seconds = -1;
    return Status::OK();
  }
  auto d = ParseDays(text);
  if (!d.ok()) return Status::InvalidArgument("--max-future: " + d.status().message());
  e->max_future_seconds = static_cast<int64_t>(d.value() * 86400.0);
  return Status::OK();
}

// Typed TOML reads: a value of the wrong type is an error naming the key,
// never silently the default (value_or would hide `until_idle = "5"`).
Status TomlString(const toml::node& n, const std::string& key, std::string* out) {
  auto v = n.value<std::string>();
  if (!v) return Status::InvalidArgument(key + " must be a string");
  *out = *v;
  return Status::OK();
}
Status TomlNumber(const toml::node& n, const std::string& key, double* out) {
  auto v = n.value<double>();  // integers convert
  if (!v || !std::isfinite(*v)) return Status::InvalidArgument(key + " must be a number");
  *out = *v;
  return Status::OK();
}
template <typename T>
Status TomlCount(const toml::node& n, const std::string& key, int64_t min, T* out) {
  auto v = n.value<int64_t>();
  if (!n.is_integer() || !v || *v < min) {
    return Status::InvalidArgument(key + " must be an integer >= " + std::to_string(min));
  }
  *out = static_cast<T>(*v);
  return Status::OK();
}

// Reads the TOML file into `c`. Unknown keys are errors (a typo must not
// silently fall back to a default).
Status LoadToml(const std::string& path, RunConfig* c) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument("cannot read config " + path + ": " + std::string(e.description()));
  }
  for (const auto& [key, node] : root) {
    const std::string k(key.str());
    if (k == "input" && node.is_table()) {  // [input]: the layout (input = "path" is the file)
      SEGSTREAM_RETURN_IF_ERROR(LoadInputTable(path, *node.as_table(), &c->input_format));
    } else if (k == "input") {
      SEGSTREAM_RETURN_IF_ERROR(TomlString(node, path + ": input", &c->input));
    } else if (IsServiceKey(k)) {
      SEGSTREAM_RETURN_IF_ERROR(LoadServiceKey(path, k, node, c));
    } else if (k == "state") {
      SEGSTREAM_RETURN_IF_ERROR(TomlString(node, path + ": state", &c->state_dir));
    } else if (k == "out") {
      SEGSTREAM_RETURN_IF_ERROR(TomlString(node, path + ": out", &c->out_dir));
    } else if (k == "http") {
      SEGSTREAM_RETURN_IF_ERROR(TomlString(node, path + ": http", &c->http));
    } else if (k == "until_idle") {
      SEGSTREAM_RETURN_IF_ERROR(TomlNumber(node, path + ": until_idle", &c->pipeline.until_idle_seconds));
    } else if (k == "max_rate") {
      SEGSTREAM_RETURN_IF_ERROR(TomlNumber(node, path + ": max_rate", &c->pipeline.max_rate));
    } else if (k == "batch_size") {
      SEGSTREAM_RETURN_IF_ERROR(TomlCount(node, path + ": batch_size", 1, &c->pipeline.batch_records));
    } else if (k == "kafka") {
      if (!node.is_table()) return Status::InvalidArgument(path + ": [kafka] must be a table");
      SEGSTREAM_RETURN_IF_ERROR(LoadKafkaOptions(*node.as_table(), &c->kafka));
      c->use_kafka = !c->kafka.brokers.empty();
    } else if (k == "engine") {
      if (!node.is_table()) return Status::InvalidArgument(path + ": [engine] must be a table");
      EngineOptions& e = c->engine;
      for (const auto& [ekey, enode] : *node.as_table()) {
        const std::string ek(ekey.str());
        if (ek == "k") {
          std::string v;
          if (enode.is_integer()) {
            v = std::to_string(*enode.value<int64_t>());
          } else {
            SEGSTREAM_RETURN_IF_ERROR(TomlString(enode, path + ": engine.k", &v));
          }
          SEGSTREAM_RETURN_IF_ERROR(ApplyK(v, &e));
        } else if (ek == "k_range") {
          std::string text;
          SEGSTREAM_RETURN_IF_ERROR(TomlString(enode, path + ": engine.k_range", &text));
          auto r = ParseRange(text);
          if (!r.ok()) return r.status();
          e.k_min = r->first;
          e.k_max = r->second;
        } else if (ek == "min_customers") {
          SEGSTREAM_RETURN_IF_ERROR(TomlCount(enode, path + ": engine.min_customers", 1, &e.min_customers));
        } else if (ek == "half_life") {
          std::string text;
          if (enode.is_string()) {
            text = *enode.value<std::string>();
          } else {
            double days = 0;
            SEGSTREAM_RETURN_IF_ERROR(TomlNumber(enode, path + ": engine.half_life", &days));
            text = std::to_string(days);
          }
          auto d = ParseDays(text);
          if (!d.ok()) return d.status();
          e.half_life_days = d.value();
        } else if (ek == "version_interval") {
          std::string text;
          SEGSTREAM_RETURN_IF_ERROR(TomlString(enode, path + ": engine.version_interval", &text));
          auto d = ParseDays(text);
          if (!d.ok()) return d.status();
          e.min_version_interval_days = d.value();
        } else if (ek == "max_future") {
          std::string text;
          SEGSTREAM_RETURN_IF_ERROR(TomlString(enode, path + ": engine.max_future", &text));
          SEGSTREAM_RETURN_IF_ERROR(ApplyMaxFuture(text, &e));
        } else if (ek == "hysteresis") {
          SEGSTREAM_RETURN_IF_ERROR(TomlNumber(enode, path + ": engine.hysteresis", &e.hysteresis));
        } else if (ek == "step_events") {
          SEGSTREAM_RETURN_IF_ERROR(TomlCount(enode, path + ": engine.step_events", 1, &e.step_events));
        } else if (ek == "publish_every") {
          SEGSTREAM_RETURN_IF_ERROR(TomlCount(enode, path + ": engine.publish_every", 1, &e.publish_every));
        } else if (ek == "drift_threshold") {
          SEGSTREAM_RETURN_IF_ERROR(TomlNumber(enode, path + ": engine.drift_threshold", &e.drift_threshold));
        } else if (ek == "refit_tolerance") {
          SEGSTREAM_RETURN_IF_ERROR(TomlNumber(enode, path + ": engine.refit_tolerance", &e.refit_tolerance));
        } else if (ek == "seed") {
          SEGSTREAM_RETURN_IF_ERROR(TomlCount(enode, path + ": engine.seed", 0, &e.seed));
        } else if (ek == "non_product_codes" || ek == "non_product_prefixes") {
          const auto* arr = enode.as_array();
          if (!arr) return Status::InvalidArgument(path + ": engine." + ek + " must be an array of strings");
          std::vector<std::string> values;
          for (const auto& item : *arr) {
            std::string v;
            SEGSTREAM_RETURN_IF_ERROR(TomlString(item, path + ": engine." + ek + " items", &v));
            values.push_back(std::move(v));
          }
          (ek == "non_product_codes" ? e.rules.non_product_codes : e.rules.non_product_prefixes) = values;
        } else {
          return Status::InvalidArgument(path + ": unknown key engine." + ek);
        }
      }
    } else {
      return Status::InvalidArgument(path + ": unknown key '" + k + "'");
    }
  }
  return Status::OK();
}

}  // namespace

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
  cmd->add_option("--config", f->config_path, "segstream.toml with [engine] and [kafka] tables (flags override it)");
  cmd->add_option("--input,-i", f->input, "CSV (any UCI layout, .gz or plain) or JSONL file to replay; '-' = stdin");
  cmd->add_option("--state", f->state_dir, "RocksDB state directory (default ./segstream-state)");
  cmd->add_option("--out", f->out_dir,
                  "output directory for segment-changes.jsonl, models.jsonl, dead-letters.jsonl "
                  "(file mode; default ./segstream-out)");
  cmd->add_option("--brokers", f->brokers, "Kafka bootstrap servers: consume from Kafka and publish to Kafka");
  cmd->add_option("--topic", f->topic, "input topic (default segstream.invoices)");
  cmd->add_option("--group", f->group, "consumer group id (default segstream)");
  cmd->add_option("--changes-topic", f->changes_topic, "segment-change topic (default segstream.segment-changes)");
  cmd->add_option("--segments-topic", f->segments_topic,
                  "compacted latest-segment topic (default segstream.customer-segments)");
  cmd->add_option("--models-topic", f->models_topic, "model-version topic (default segstream.models)");
  cmd->add_option("--dead-letters-topic", f->dead_letters_topic, "dead-letter topic (default segstream.dead-letters)");
  cmd->add_option("--partitions", f->partitions, "partitions of output topics created at start (default 1)");
  cmd->add_flag("--exactly-once", f->exactly_once,
                "Kafka: each batch's outputs and input offsets commit in one transaction; read_committed "
                "consumers see every output once (default: at-least-once, dedupe on customer_id+seq)");
  cmd->add_option("--transactional-id", f->transactional_id,
                  "with --exactly-once: the producer's transactional.id, one per running instance "
                  "(default segstream-GROUP-TOPIC)");
  cmd->add_option("-X", f->kafka_properties, "librdkafka property key=value for both clients (repeatable)");
  cmd->add_option("--until-idle", f->until_idle,
                  "streams: finish (final model version, exit 0) after this many seconds without a message");
  cmd->add_option("--k", f->k, "number of segments, or 'auto' (chosen by silhouette over --k-range; default auto)");
  cmd->add_option("--k-range", f->k_range, "k range for --k auto (default 2..10)");
  cmd->add_option("--min-customers", f->min_customers, "customers with purchases before the first fit (default 500)");
  cmd->add_option("--half-life", f->half_life, "forgetting half-life of the streaming model in event time (default 30d)");
  cmd->add_option("--hysteresis", f->hysteresis,
                  "a customer switches segment only when the new centre is closer by this much (z units; default 0.1)");
  cmd->add_option("--step-events", f->step_events, "accepted events per mini-batch model step (default 1024)");
  cmd->add_option("--publish-every", f->publish_every, "accepted events between model versions (default 50000)");
  cmd->add_option("--version-interval", f->version_interval,
                  "least event time between model versions, bootstrap and final excepted (default 1h)");
  cmd->add_option("--drift-threshold", f->drift_threshold,
                  "centre shift (z units) that publishes a version early (default 0.5)");
  cmd->add_option("--max-future", f->max_future,
                  "an event dated more than this after the wall clock is a dead letter (future_event_time), so one "
                  "bad date cannot move the watermark; historical replays are unaffected (default 1d; 'off')");
  cmd->add_option("--seed", f->seed, "seed of every random choice (default 42; runs are deterministic)");
  cmd->add_option("--batch-size", f->batch_size, "most records per micro-batch commit (default 65536)");
  cmd->add_option("--max-rate", f->max_rate, "pace the input to this many records per second (demos, load tests)");
  cmd->add_option("--http", f->http, "live page, metrics and query API address (default 127.0.0.1:9464; 'none' disables)");
  cmd->add_option("--progress", f->progress, "progress line on stderr: auto (on a terminal), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_flag("--quiet,-q", f->quiet, "no progress line and no summary");
  cmd->add_flag("--no-model", f->no_model, "keep the RFM state only: no k-means, no segments (benchmarks, backfills)");
  AddTableFlags(cmd, f);
}

Result<RunConfig> ResolveRunConfig(const CLI::App& cmd, const RunFlags& f) {
  RunConfig c;
  if (!f.config_path.empty()) SEGSTREAM_RETURN_IF_ERROR(LoadToml(f.config_path, &c));
  auto given = [&](const char* name) { return cmd.count(name) > 0; };
  if (given("--input")) c.input = f.input;
  if (given("--state")) c.state_dir = f.state_dir;
  if (given("--out")) c.out_dir = f.out_dir;
  if (given("--http")) c.http = f.http;
  if (given("--progress")) c.progress = f.progress;
  if (given("--quiet")) c.quiet = f.quiet;
  if (given("--brokers")) {
    c.kafka.brokers = f.brokers;
    c.use_kafka = true;
  }
  if (given("--topic")) c.kafka.input_topic = f.topic;
  if (given("--group")) c.kafka.group_id = f.group;
  if (given("--changes-topic")) c.kafka.changes_topic = f.changes_topic;
  if (given("--segments-topic")) c.kafka.segments_topic = f.segments_topic;
  if (given("--models-topic")) c.kafka.models_topic = f.models_topic;
  if (given("--dead-letters-topic")) c.kafka.dead_letters_topic = f.dead_letters_topic;
  if (given("--partitions")) c.kafka.topic_partitions = f.partitions;
  if (given("--exactly-once")) c.kafka.exactly_once = f.exactly_once;
  if (given("--transactional-id")) c.kafka.transactional_id = f.transactional_id;
  for (const auto& kv : f.kafka_properties) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) return Status::InvalidArgument("-X wants key=value, got '" + kv + "'");
    c.kafka.properties[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  if (given("--until-idle")) c.pipeline.until_idle_seconds = f.until_idle;
  if (given("--k")) SEGSTREAM_RETURN_IF_ERROR(ApplyK(f.k, &c.engine));
  if (given("--k-range")) {
    auto r = ParseRange(f.k_range);
    if (!r.ok()) return r.status();
    c.engine.k_min = r->first;
    c.engine.k_max = r->second;
  }
  if (given("--min-customers")) c.engine.min_customers = f.min_customers;
  if (given("--half-life")) {
    auto d = ParseDays(f.half_life);
    if (!d.ok()) return d.status();
    c.engine.half_life_days = d.value();
  }
  if (given("--version-interval")) {
    auto d = ParseDays(f.version_interval);
    if (!d.ok()) return d.status();
    c.engine.min_version_interval_days = d.value();
  }
  if (given("--max-future")) SEGSTREAM_RETURN_IF_ERROR(ApplyMaxFuture(f.max_future, &c.engine));
  if (given("--hysteresis")) c.engine.hysteresis = f.hysteresis;
  if (given("--step-events")) c.engine.step_events = std::max<uint64_t>(1, f.step_events);
  if (given("--publish-every")) c.engine.publish_every = std::max<uint64_t>(1, f.publish_every);
  if (given("--drift-threshold")) c.engine.drift_threshold = f.drift_threshold;
  if (given("--seed")) c.engine.seed = f.seed;
  if (given("--batch-size")) c.pipeline.batch_records = std::max<size_t>(1, f.batch_size);
  if (given("--max-rate")) c.pipeline.max_rate = f.max_rate;
  if (given("--no-model")) c.engine.model_enabled = !f.no_model;
  SEGSTREAM_RETURN_IF_ERROR(ApplyTableFlags(f, &c));
  if (c.http_tls_cert.empty() != c.http_tls_key.empty()) {
    return Status::InvalidArgument("--http-tls-cert and --http-tls-key go together");
  }
  if (!c.input_format.mapped() &&
      (c.input_format.delimiter || c.input_format.time_format || c.input_format.decimal_comma)) {
    return Status::InvalidArgument(
        "--delimiter, --time-format and --decimal-comma describe a foreign layout and need --columns");
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
  if (c.engine.hysteresis < 0) return Status::InvalidArgument("--hysteresis must be >= 0");
  return c;
}

}  // namespace segstream::cli
