// The rows of the `segstream run` option table (table_options.h): one per
// option, with the parsers they share. How rows become flags, TOML reads and
// --help is in table_options.cc.
#include "engine/cli/table_options.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <utility>
#include <vector>

namespace segstream::cli {
namespace {

// --- value parsers shared by the rows (messages name the flag or key) -----

Status ParseNumber(const std::string& text, const char* name, double* out) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(v)) {
    return Status::InvalidArgument(std::string(name) + " wants a number, got '" + text + "'");
  }
  *out = v;
  return Status::OK();
}

template <typename T>
Status ParseCount(const std::string& text, const char* name, long long min, long long max, T* out) {
  long long v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < min || v > max) {
    const std::string range = max >= (1LL << 40) ? ">= " + std::to_string(min)
                                                 : "in " + std::to_string(min) + ".." + std::to_string(max);
    return Status::InvalidArgument(std::string(name) + " wants a whole number " + range + ", got '" + text + "'");
  }
  *out = static_cast<T>(v);
  return Status::OK();
}

Status ParseSwitch(const std::string& text, const char* name, bool* out) {
  if (text != "true" && text != "false") {
    return Status::InvalidArgument(std::string(name) + " must be true or false, got '" + text + "'");
  }
  *out = text == "true";
  return Status::OK();
}

// A Kafka setting: "${NAME}" is replaced from the environment (secrets kept
// out of files), on the command line as in TOML.
Status KafkaText(const std::string& text, std::string* out) {
  auto v = ExpandEnv(text);
  if (!v.ok()) return v.status();
  *out = std::move(v).value();
  return Status::OK();
}

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

Status ParseDaysInto(const std::string& text, const char* name, double* days) {
  auto d = ParseDays(text);
  if (!d.ok()) return Status::InvalidArgument(std::string(name) + ": " + d.status().message());
  *days = d.value();
  return Status::OK();
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    const size_t nl = text.find('\n', start);
    out.push_back(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}

// --- the table ---------------------------------------------------------------

constexpr const char* kRun = "Input and output";
constexpr const char* kModel = "Model";
constexpr const char* kKafka = "Kafka";
constexpr const char* kLayout = "Input layout";
constexpr const char* kSecurity = "HTTP security";
constexpr const char* kLogs = "Logs";
constexpr auto V = FlagArg::kValue;
constexpr auto S = FlagArg::kSwitch;

using T = TomlType;
using C = RunConfig;
using Str = const std::string&;

const RunOption kOptions[] = {
    // Input and output.
    {"--input,-i", V, "input", T::kText, kRun,
     "CSV (any UCI layout, .gz or plain) or JSONL file to replay; '-' = stdin", nullptr,
     [](Str v, C* c) { c->input = v; return Status::OK(); }},
    {"--state", V, "state", T::kText, kRun, "RocksDB state directory", "segstream-state",
     [](Str v, C* c) { c->state_dir = v; return Status::OK(); }},
    {"--cache-mb", V, "cache_mb", T::kInteger, kRun,
     "memory for state in MiB: three quarters cache customers (about 600 bytes each; the rest stay in RocksDB "
     "and are read when an event, a timer or a model pass needs them), a quarter is RocksDB's block cache",
     "256", [](Str v, C* c) { return ParseCount(v, "--cache-mb", 8, 1LL << 30, &c->cache_mb); }},
    {"--out", V, "out", T::kText, kRun,
     "output directory for segment-changes.jsonl, models.jsonl, dead-letters.jsonl (file mode)", "segstream-out",
     [](Str v, C* c) { c->out_dir = v; return Status::OK(); }},
    {"--until-idle", V, "until_idle", T::kNumber, kRun,
     "streams: finish (final model version, exit 0) after this many seconds without a message", nullptr,
     [](Str v, C* c) { return ParseNumber(v, "--until-idle", &c->pipeline.until_idle_seconds); }},
    {"--batch-size", V, "batch_size", T::kInteger, kRun, "most records per micro-batch commit", "65536",
     [](Str v, C* c) { return ParseCount(v, "--batch-size", 1, 1 << 30, &c->pipeline.batch_records); }},
    {"--batch-target-ms", V, "batch_target_ms", T::kNumber, kRun,
     "size micro-batches so that one takes about this long to process and commit (the latency a record waits "
     "behind its batch), at most --batch-size records; 0 = always --batch-size",
     "100", [](Str v, C* c) {
       double ms = 0;
       SEGSTREAM_RETURN_IF_ERROR(ParseNumber(v, "--batch-target-ms", &ms));
       if (ms < 0) return Status::InvalidArgument("--batch-target-ms must be >= 0, got '" + v + "'");
       c->pipeline.target_batch_seconds = ms / 1000;
       return Status::OK();
     }},
    {"--max-rate", V, "max_rate", T::kNumber, kRun,
     "pace the input to this many records per second (demos, load tests; 0 = as fast as possible)", "0",
     [](Str v, C* c) { return ParseNumber(v, "--max-rate", &c->pipeline.max_rate); }},
    {"--http", V, "http", T::kText, kRun, "live page, metrics and query API address ('none' disables)",
     "127.0.0.1:9464", [](Str v, C* c) { c->http = v; return Status::OK(); }},
    {"--progress", V, nullptr, T::kText, kRun, "progress line on stderr: auto (on a terminal), always, never", "auto",
     [](Str v, C* c) {
       if (v != "auto" && v != "always" && v != "never") {
         return Status::InvalidArgument("--progress must be auto, always or never, got '" + v + "'");
       }
       c->progress = v;
       return Status::OK();
     }},
    {"--quiet,-q", S, nullptr, T::kBool, kRun, "no progress line and no summary", nullptr,
     [](Str v, C* c) { return ParseSwitch(v, "--quiet", &c->quiet); }},

    // Model ([engine]).
    {"--k", V, "engine.k", T::kIntegerOrText, kModel,
     "number of segments, or 'auto' (chosen by silhouette over --k-range)", "auto",
     [](Str v, C* c) {
       if (v == "auto") {
         c->engine.k = 0;
         return Status::OK();
       }
       char* end = nullptr;
       const long k = std::strtol(v.c_str(), &end, 10);
       if (end == v.c_str() || *end != '\0' || k < 1 || k > 50) {
         return Status::InvalidArgument("--k wants a number of segments (1..50) or 'auto', got '" + v + "'");
       }
       c->engine.k = static_cast<int>(k);
       return Status::OK();
     }},
    {"--k-range", V, "engine.k_range", T::kText, kModel, "k range for --k auto", "2..10",
     [](Str v, C* c) {
       auto r = ParseRange(v);
       if (!r.ok()) return r.status();
       c->engine.k_min = r->first;
       c->engine.k_max = r->second;
       return Status::OK();
     }},
    {"--min-customers", V, "engine.min_customers", T::kInteger, kModel, "customers with purchases before the first fit",
     "500", [](Str v, C* c) { return ParseCount(v, "--min-customers", 1, 1LL << 40, &c->engine.min_customers); }},
    {"--half-life", V, "engine.half_life", T::kNumberOrText, kModel,
     "forgetting half-life of the streaming model in event time (30d, 12h, 90m, 45s or days)", "30d",
     [](Str v, C* c) { return ParseDaysInto(v, "--half-life", &c->engine.half_life_days); }},
    {"--hysteresis", V, "engine.hysteresis", T::kNumber, kModel,
     "a customer switches segment only when the new centre is closer by this much (z units, >= 0)", "0.1",
     [](Str v, C* c) {
       SEGSTREAM_RETURN_IF_ERROR(ParseNumber(v, "--hysteresis", &c->engine.hysteresis));
       if (c->engine.hysteresis < 0) return Status::InvalidArgument("--hysteresis must be >= 0");
       return Status::OK();
     }},
    {"--step-events", V, "engine.step_events", T::kInteger, kModel, "accepted events per mini-batch model step",
     "1024", [](Str v, C* c) { return ParseCount(v, "--step-events", 1, 1LL << 40, &c->engine.step_events); }},
    {"--publish-every", V, "engine.publish_every", T::kInteger, kModel, "accepted events between model versions (or the active population, when larger: a version rescores "
     "everyone)",
     "50000", [](Str v, C* c) { return ParseCount(v, "--publish-every", 1, 1LL << 40, &c->engine.publish_every); }},
    {"--rescore-per-step", V, "engine.rescore_per_step", T::kInteger, kModel,
     "customers a model version's rescoring pass visits per step; a pass over N customers ends within "
     "ceil(N / this) steps and the next version waits for it",
     "1024", [](Str v, C* c) { return ParseCount(v, "--rescore-per-step", 1, 1LL << 40, &c->engine.rescore_per_step); }},
    {"--version-interval", V, "engine.version_interval", T::kText, kModel,
     "least event time between model versions, bootstrap and final excepted", "1h",
     [](Str v, C* c) { return ParseDaysInto(v, "--version-interval", &c->engine.min_version_interval_days); }},
    {"--drift-threshold", V, "engine.drift_threshold", T::kNumber, kModel,
     "centre shift (z units) that publishes a version early", "0.5",
     [](Str v, C* c) { return ParseNumber(v, "--drift-threshold", &c->engine.drift_threshold); }},
    {nullptr, V, "engine.refit_tolerance", T::kNumber, kModel,
     "streaming inertia worse than a fresh fit by more than this fraction -> refit", "0.01",
     [](Str v, C* c) { return ParseNumber(v, "engine.refit_tolerance", &c->engine.refit_tolerance); }},
    {"--max-future", V, "engine.max_future", T::kText, kModel,
     "an event dated more than this after the wall clock is a dead letter (future_event_time), so one bad date "
     "cannot move the watermark; historical replays are unaffected ('off' disables)",
     "1d",
     [](Str v, C* c) {
       if (v == "off" || v == "none") {
         c->engine.max_future_seconds = -1;
         return Status::OK();
       }
       double days = 0;
       SEGSTREAM_RETURN_IF_ERROR(ParseDaysInto(v, "--max-future", &days));
       c->engine.max_future_seconds = static_cast<int64_t>(days * 86400.0);
       return Status::OK();
     }},
    {"--dedup-window", V, "engine.dedup_window", T::kText, kModel,
     "exact-duplicate lines are recognised until the watermark is this far past their invoice's last line; after "
     "that the invoice is forgotten (a later line of it counts as new) and its bookkeeping leaves the state "
     "('off' keeps everything, and the state grows with the stream)",
     "30d",
     [](Str v, C* c) {
       if (v == "off") {
         c->engine.dedup_window_seconds = -1;
         return Status::OK();
       }
       double days = 0;
       SEGSTREAM_RETURN_IF_ERROR(ParseDaysInto(v, "--dedup-window", &days));
       c->engine.dedup_window_seconds = static_cast<int64_t>(days * 86400.0);
       return Status::OK();
     }},
    {"--seed", V, "engine.seed", T::kInteger, kModel, "seed of every random choice (runs are deterministic)", "42",
     [](Str v, C* c) { return ParseCount(v, "--seed", 0, INT64_MAX, &c->engine.seed); }},
    {"--no-model", S, nullptr, T::kBool, kModel, "keep the RFM state only: no k-means, no segments (benchmarks, backfills)",
     nullptr, [](Str v, C* c) {
       bool no_model = false;
       SEGSTREAM_RETURN_IF_ERROR(ParseSwitch(v, "--no-model", &no_model));
       c->engine.model_enabled = !no_model;
       return Status::OK();
     }},
    {nullptr, V, "engine.non_product_codes", T::kTextList, kModel,
     "stock codes that are not products (default: POST, DOT, M, BANK CHARGES, ... in engine/rfm/cleaning.h)", nullptr,
     [](Str v, C* c) { c->engine.rules.non_product_codes = SplitLines(v); return Status::OK(); }},
    {nullptr, V, "engine.non_product_prefixes", T::kTextList, kModel,
     "stock-code prefixes that are not products, case-insensitive (default: gift_)", nullptr,
     [](Str v, C* c) { c->engine.rules.non_product_prefixes = SplitLines(v); return Status::OK(); }},

    // Kafka ([kafka]; its properties, consumer, producer, replication and
    // create_topics keys are read by LoadKafkaOptions).
    {"--brokers", V, "kafka.brokers", T::kText, kKafka,
     "Kafka bootstrap servers: consume from Kafka and publish to Kafka", nullptr,
     [](Str v, C* c) {
       c->use_kafka = !v.empty();
       return KafkaText(v, &c->kafka.brokers);
     }},
    {"--topic", V, "kafka.input_topic", T::kText, kKafka, "input topic", "segstream.invoices",
     [](Str v, C* c) { return KafkaText(v, &c->kafka.input_topic); }},
    {"--group", V, "kafka.group", T::kText, kKafka, "consumer group id", "segstream",
     [](Str v, C* c) { return KafkaText(v, &c->kafka.group_id); }},
    {"--changes-topic", V, "kafka.changes_topic", T::kText, kKafka, "segment-change topic", "segstream.segment-changes",
     [](Str v, C* c) { return KafkaText(v, &c->kafka.changes_topic); }},
    {"--segments-topic", V, "kafka.segments_topic", T::kText, kKafka, "compacted latest-segment topic",
     "segstream.customer-segments", [](Str v, C* c) { return KafkaText(v, &c->kafka.segments_topic); }},
    {"--models-topic", V, "kafka.models_topic", T::kText, kKafka, "model-version topic", "segstream.models",
     [](Str v, C* c) { return KafkaText(v, &c->kafka.models_topic); }},
    {"--dead-letters-topic", V, "kafka.dead_letters_topic", T::kText, kKafka, "dead-letter topic",
     "segstream.dead-letters", [](Str v, C* c) { return KafkaText(v, &c->kafka.dead_letters_topic); }},
    {"--partitions", V, "kafka.partitions", T::kInteger, kKafka, "partitions of output topics created at start", "1",
     [](Str v, C* c) { return ParseCount(v, "--partitions", 1, 100000, &c->kafka.topic_partitions); }},
    {"--exactly-once", S, "kafka.exactly_once", T::kBool, kKafka,
     "Kafka: each batch's outputs and input offsets commit in one transaction; read_committed consumers see every "
     "output once (default: at-least-once, dedupe on customer_id+seq)",
     nullptr, [](Str v, C* c) { return ParseSwitch(v, "--exactly-once", &c->kafka.exactly_once); }},
    {"--transactional-id", V, "kafka.transactional_id", T::kText, kKafka,
     "with --exactly-once: the producer's transactional.id, one per running instance (default "
     "segstream-GROUP-TOPIC-<state id>: unique per state, stable across restarts)",
     nullptr, [](Str v, C* c) { return KafkaText(v, &c->kafka.transactional_id); }},
    {"--changelog", S, "kafka.changelog", T::kBool, kKafka,
     "with --exactly-once: also write every state change, in the batch's transaction, to a compacted changelog topic "
     "partitioned like the input; an instance started on an empty --state restores the state from it first (a lost "
     "disk, a new machine). A state that was not logged from its start is refused (docs/kafka.md)",
     nullptr, [](Str v, C* c) { return ParseSwitch(v, "--changelog", &c->kafka.changelog); }},
    {"--changelog-topic", V, "kafka.changelog_topic", T::kText, kKafka,
     "with --changelog: its topic, created at start (cleanup.policy=compact, as many partitions as the input "
     "topic; default GROUP-state-changelog)",
     nullptr, [](Str v, C* c) { return KafkaText(v, &c->kafka.changelog_topic); }},
    {"-X", FlagArg::kRepeated, nullptr, T::kText, kKafka,
     "librdkafka property key=value for both clients (repeatable; TOML: [kafka.properties])", nullptr,
     [](Str kv, C* c) {
       const auto eq = kv.find('=');
       if (eq == std::string::npos || eq == 0) return Status::InvalidArgument("-X wants key=value, got '" + kv + "'");
       c->kafka.properties[kv.substr(0, eq)] = kv.substr(eq + 1);
       return Status::OK();
     }},
    {"--schema-registry", V, "schema_registry", T::kText, kKafka,
     "input messages are Avro in the Confluent wire format (byte 0, 4-byte big-endian schema id, Avro binary); "
     "schemas are fetched by id from this Confluent-compatible registry URL (http://host:8081, Apicurio: "
     "http://host:8080/apis/ccompat/v7; user:password@ in the URL is basic auth) and cached. Fields are read by "
     "their event names, or mapped with --columns (dotted paths). A registry that cannot be asked stops the run "
     "without consuming the message (a restart resumes there)",
     nullptr,
     [](Str v, C* c) {
       if (v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0) {
         return Status::InvalidArgument("--schema-registry must be an http:// or https:// URL");
       }
       c->schema_registry = v;
       return Status::OK();
     }},
    {"--schema-registry-auth-file", V, "schema_registry_auth_file", T::kText, kKafka,
     "file whose first line is user:password, for HTTP basic auth to --schema-registry (keeps the password out "
     "of the process list)",
     nullptr, [](Str v, C* c) { c->schema_registry_auth_file = v; return Status::OK(); }},
    {"--avro-outputs", S, "avro_outputs", T::kBool, kKafka,
     "with --schema-registry: publish segment changes, customer segments, models and dead letters as Avro too "
     "(Confluent wire format; schemas segstream.SegmentChange, CustomerSegment, Model and DeadLetter registered "
     "under <topic>-value)",
     nullptr, [](Str v, C* c) { return ParseSwitch(v, "--avro-outputs", &c->avro_outputs); }},

    // Input layout ([input]).
    {"--columns", V, "input.columns", T::kText, kLayout,
     "map a foreign layout: FIELD=SOURCE,... with FIELD in invoice, stock_code, description, quantity, "
     "unit_price, amount (a line total), invoice_ts, customer_id, country and SOURCE a CSV header name "
     "(trimmed, case-insensitive) or a JSON/Avro dotted path (after.customer_ref); no invoice = one invoice per "
     "distinct line",
     nullptr,
     [](Str v, C* c) -> Status {
       auto m = decode::ColumnMapping::Parse(v);
       if (!m.ok()) return m.status();
       c->input_format.columns = m.value();
       return Status::OK();
     }},
    {"--delimiter", V, "input.delimiter", T::kText, kLayout,
     "CSV delimiter with --columns: ',' ';' '\\t' (tab) '|' or whitespace (default: detected)", nullptr,
     [](Str v, C* c) -> Status {
       auto d = decode::Delimiter::Parse(v);
       if (!d.ok()) return d.status();
       c->input_format.delimiter = d.value();
       return Status::OK();
     }},
    {"--time-format", V, "input.time_format", T::kText, kLayout,
     "invoice_ts format with --columns: a pattern (%Y%m%d, '%d.%m.%Y %H:%M'), epoch_s, epoch_ms, epoch_us or "
     "auto (default: detected; an ambiguous sample is an error)",
     nullptr,
     [](Str v, C* c) -> Status {
       auto t = decode::TimeFormat::Parse(v);
       if (!t.ok()) return t.status();
       c->input_format.time_format = t.value();
       return Status::OK();
     }},
    {"--input-format", V, "input.format", T::kText, kLayout,
     "auto (default: CSV or JSON lines, detected) or debezium: each line (or Kafka message) is a Debezium JSON "
     "change event (with or without the schema/payload wrapper; op c/r apply the after row, u retracts before "
     "and applies after, d retracts before, tombstones are skipped and counted); needs --columns for the row "
     "fields and --time-format",
     nullptr,
     [](Str v, C* c) -> Status {
       if (v == "auto") {
         c->input_format.debezium = false;
       } else if (v == "debezium") {
         c->input_format.debezium = true;
       } else {
         return Status::InvalidArgument("--input-format: expected auto or debezium, got \"" + std::string(v) + "\"");
       }
       return Status::OK();
     }},
    {"--decimal-comma", S, "input.decimal_comma", T::kBool, kLayout,
     "numbers use a decimal comma (2,55) and '.' as thousands separator", nullptr,
     [](Str v, C* c) { return ParseSwitch(v, "--decimal-comma", &c->input_format.decimal_comma); }},

    // Service.
    {"--http-tls-cert", V, "http_tls_cert", T::kText, kSecurity,
     "PEM certificate (chain) for HTTPS on --http (with --http-tls-key)", nullptr,
     [](Str v, C* c) { c->http_tls_cert = v; return Status::OK(); }},
    {"--http-tls-key", V, "http_tls_key", T::kText, kSecurity, "PEM private key for --http-tls-cert", nullptr,
     [](Str v, C* c) { c->http_tls_key = v; return Status::OK(); }},
    {"--http-token-file", V, "http_token_file", T::kText, kSecurity,
     "file of bearer tokens, one a line: every route but /healthz and /readyz needs one (reloaded on SIGHUP)", nullptr,
     [](Str v, C* c) { c->http_token_file = v; return Status::OK(); }},
    {"--http-open-metrics", S, "http_open_metrics", T::kBool, kSecurity,
     "with --http-token-file: /metrics answers without a token (Prometheus scrapes)", nullptr,
     [](Str v, C* c) { return ParseSwitch(v, "--http-open-metrics", &c->http_open_metrics); }},
    {"--log-format", V, "log_format", T::kText, kLogs,
     "log lines on stderr: text or json (one JSON object a line; codes in docs/logs.md)", "text",
     [](Str v, C* c) {
       if (v != "text" && v != "json") return Status::InvalidArgument("--log-format must be text or json");
       c->log_format = v;
       return Status::OK();
     }},
    {"--log-level", V, "log_level", T::kText, kLogs, "least level logged: debug, info, warn, error", "info",
     [](Str v, C* c) {
       if (v != "debug" && v != "info" && v != "warn" && v != "error") {
         return Status::InvalidArgument("--log-level must be debug, info, warn or error");
       }
       c->log_level = v;
       return Status::OK();
     }},
};

}  // namespace

std::span<const RunOption> RunOptions() { return kOptions; }

}  // namespace segstream::cli
