// The option tables of issue 13; see table_options.h.
#include "engine/cli/table_options.h"

namespace segstream::cli {
namespace {

// The options of issue 13 (input layout, HTTP security): one row drives the
// flag, the TOML key and the --help text, and the same apply reads flag and
// TOML values.
struct InputOption {
  const char* key;   // TOML key (in [input] or top-level); the flag is --key with '_' -> '-'
  const char* help;
  bool is_flag;      // a boolean switch (--decimal-comma)
  Status (*apply)(const std::string& value, decode::InputFormat* f);
};

struct TopOption {
  const char* key;
  const char* help;
  bool is_flag;
  Status (*apply)(const std::string& value, RunConfig* c);
};

const TopOption kServiceOptions[] = {
    {"log_format", "log lines on stderr: text or json (one JSON object a line; codes in docs/logs.md)", false,
     [](const std::string& v, RunConfig* c) {
       if (v != "text" && v != "json") return Status::InvalidArgument("--log-format must be text or json");
       c->log_format = v;
       return Status::OK();
     }},
    {"log_level", "least level logged: debug, info, warn, error (default info)", false,
     [](const std::string& v, RunConfig* c) {
       if (v != "debug" && v != "info" && v != "warn" && v != "error") {
         return Status::InvalidArgument("--log-level must be debug, info, warn or error");
       }
       c->log_level = v;
       return Status::OK();
     }},
    {"http_tls_cert", "PEM certificate (chain) for HTTPS on --http (with --http-tls-key)", false,
     [](const std::string& v, RunConfig* c) { c->http_tls_cert = v; return Status::OK(); }},
    {"http_tls_key", "PEM private key for --http-tls-cert", false,
     [](const std::string& v, RunConfig* c) { c->http_tls_key = v; return Status::OK(); }},
    {"http_token_file",
     "file of bearer tokens, one a line: every route but /healthz and /readyz needs one (reloaded on SIGHUP)", false,
     [](const std::string& v, RunConfig* c) { c->http_token_file = v; return Status::OK(); }},
    {"http_open_metrics", "with --http-token-file: /metrics answers without a token (Prometheus scrapes)", true,
     [](const std::string& v, RunConfig* c) {
       c->http_open_metrics = v == "true";
       return Status::OK();
     }},
    {"schema_registry",
     "with --brokers: input messages are Avro in the Confluent wire format (byte 0, 4-byte big-endian schema "
     "id, Avro binary); schemas are fetched by id from this Confluent-compatible registry URL "
     "(http://host:8081, Apicurio: http://host:8080/apis/ccompat/v7; user:password@ in the URL is basic "
     "auth) and cached. Fields are read by their event names, or mapped with --columns (dotted paths). A "
     "registry that cannot be asked stops the run without consuming the message (a restart resumes there)",
     false,
     [](const std::string& v, RunConfig* c) {
       if (v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0) {
         return Status::InvalidArgument("--schema-registry must be an http:// or https:// URL");
       }
       c->schema_registry = v;
       return Status::OK();
     }},
    {"schema_registry_auth_file",
     "file whose first line is user:password, for HTTP basic auth to --schema-registry (keeps the password "
     "out of the process list)",
     false,
     [](const std::string& v, RunConfig* c) { c->schema_registry_auth_file = v; return Status::OK(); }},
    {"avro_outputs",
     "with --schema-registry: publish segment changes and customer segments as Avro too (Confluent wire "
     "format; schemas segstream.SegmentChange and segstream.CustomerSegment registered under <topic>-value); "
     "models and dead letters stay JSON",
     true,
     [](const std::string& v, RunConfig* c) {
       c->avro_outputs = v == "true";
       return Status::OK();
     }},
};

const InputOption kInputOptions[] = {
    {"columns",
     "map a foreign layout: FIELD=SOURCE,... with FIELD in invoice, stock_code, description, quantity, "
     "unit_price, amount (a line total), invoice_ts, customer_id, country and SOURCE a CSV header name "
     "(trimmed, case-insensitive) or a JSON/Avro dotted path (after.customer_ref); no invoice = one invoice per "
     "distinct line",
     false,
     [](const std::string& v, decode::InputFormat* f) -> Status {
       auto m = decode::ColumnMapping::Parse(v);
       if (!m.ok()) return m.status();
       f->columns = m.value();
       return Status::OK();
     }},
    {"delimiter", "CSV delimiter with --columns: ',' ';' '\\t' (tab) '|' or whitespace (default: detected)", false,
     [](const std::string& v, decode::InputFormat* f) -> Status {
       auto d = decode::Delimiter::Parse(v);
       if (!d.ok()) return d.status();
       f->delimiter = d.value();
       return Status::OK();
     }},
    {"time_format",
     "invoice_ts format with --columns: a pattern (%Y%m%d, '%d.%m.%Y %H:%M'), epoch_s, epoch_ms, epoch_us or "
     "auto (default: detected; an ambiguous sample is an error)",
     false,
     [](const std::string& v, decode::InputFormat* f) -> Status {
       auto t = decode::TimeFormat::Parse(v);
       if (!t.ok()) return t.status();
       f->time_format = t.value();
       return Status::OK();
     }},
    {"decimal_comma", "numbers use a decimal comma (2,55) and '.' as thousands separator", true,
     [](const std::string& v, decode::InputFormat* f) -> Status {
       if (v != "true" && v != "false") return Status::InvalidArgument("decimal_comma must be true or false");
       f->decimal_comma = v == "true";
       return Status::OK();
     }},
};

template <typename Option>
std::string FlagName(const Option& o) {
  std::string n = std::string("--") + o.key;
  for (char& ch : n) {
    if (ch == '_') ch = '-';
  }
  return n;
}

}  // namespace

Status LoadInputTable(const std::string& path, const toml::table& t, decode::InputFormat* f) {
  for (const auto& [key, node] : t) {
    const std::string k(key.str());
    const InputOption* opt = nullptr;
    for (const auto& o : kInputOptions) {
      if (k == o.key) opt = &o;
    }
    if (opt == nullptr) return Status::InvalidArgument(path + ": unknown key input." + k);
    std::string value;
    if (node.is_boolean()) {
      value = node.value_or(false) ? "true" : "false";
    } else if (node.is_table() && k == "columns") {  // [input.columns] customer_id = "customer"
      for (const auto& [field, src] : *node.as_table()) {
        if (!src.is_string()) {
          return Status::InvalidArgument(path + ": input.columns." + std::string(field.str()) + " must be a string");
        }
        if (!value.empty()) value += ',';
        value += std::string(field.str()) + "=" + *src.value<std::string>();
      }
    } else if (node.is_string()) {
      value = node.value_or(std::string());
    } else {
      return Status::InvalidArgument(path + ": input." + k + " must be a string" + (opt->is_flag ? " or boolean" : ""));
    }
    Status st = opt->apply(value, f);
    if (!st.ok()) return Status::InvalidArgument(path + ": input." + k + ": " + st.message());
  }
  return Status::OK();
}


bool IsServiceKey(const std::string& key) {
  for (const auto& o : kServiceOptions) {
    if (key == o.key) return true;
  }
  return false;
}

Status LoadServiceKey(const std::string& path, const std::string& key, const toml::node& node, RunConfig* c) {
  for (const auto& o : kServiceOptions) {
    if (key != o.key) continue;
    if (!node.is_boolean() && !node.is_string()) {
      return Status::InvalidArgument(path + ": " + key + " must be a string or a boolean");
    }
    const std::string v =
        node.is_boolean() ? (*node.value<bool>() ? "true" : "false") : *node.value<std::string>();
    Status st = o.apply(v, c);
    if (!st.ok()) return Status::InvalidArgument(path + ": " + key + ": " + st.message());
    return Status::OK();
  }
  return Status::InvalidArgument(path + ": unknown key '" + key + "'");
}

void AddTableFlags(CLI::App* cmd, RunFlags* f) {
  for (const auto& o : kServiceOptions) {
    const std::string key = o.key;
    const char* group = key.starts_with("log_") ? "Logs" : "HTTP security";
    if (o.is_flag) {
      cmd->add_flag_callback(FlagName(o), [f, key] { f->top_options.emplace_back(key, "true"); }, o.help)
          ->group(group);
    } else {
      cmd->add_option_function<std::string>(
             FlagName(o), [f, key](const std::string& v) { f->top_options.emplace_back(key, v); }, o.help)
          ->group(group);
    }
  }
  for (const auto& o : kInputOptions) {
    const std::string key = o.key;
    if (o.is_flag) {
      cmd->add_flag_callback(FlagName(o), [f, key] { f->input_layout.emplace_back(key, "true"); }, o.help)
          ->group("Input layout");
    } else {
      cmd->add_option_function<std::string>(
             FlagName(o), [f, key](const std::string& v) { f->input_layout.emplace_back(key, v); }, o.help)
          ->group("Input layout");
    }
  }
}

Status ApplyTableFlags(const RunFlags& f, RunConfig* c) {
  for (const auto& [key, value] : f.input_layout) {
    for (const auto& o : kInputOptions) {
      if (key == o.key) SEGSTREAM_RETURN_IF_ERROR(o.apply(value, &c->input_format));
    }
  }
  for (const auto& [key, value] : f.top_options) {
    for (const auto& o : kServiceOptions) {
      if (key == o.key) SEGSTREAM_RETURN_IF_ERROR(o.apply(value, c));
    }
  }
  return Status::OK();
}

}  // namespace segstream::cli
