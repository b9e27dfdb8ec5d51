// How the rows of the `segstream run` option table (run_options.cc) become
// flags, TOML reads, defaults and --help; see table_options.h.
#include "engine/cli/table_options.h"

#include <charconv>
#include <cmath>
#include <vector>

namespace segstream::cli {
namespace {

const RunOption* FindToml(const std::string& key) {
  for (const auto& o : RunOptions()) {
    if (o.toml != nullptr && key == o.toml) return &o;
  }
  return nullptr;
}

std::string NumberText(double v) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

// A TOML value as the text `apply` reads, after checking its TOML type.
Status TomlText(const std::string& where, const RunOption& o, const toml::node& n, std::string* out) {
  const bool is_number = n.is_integer() || (n.is_floating_point() && std::isfinite(*n.value<double>()));
  switch (o.toml_type) {
    case TomlType::kText:
      if (n.is_table() && std::string(o.toml) == "input.columns") {  // [input.columns] customer_id = "customer"
        for (const auto& [field, src] : *n.as_table()) {
          if (!src.is_string()) return Status::InvalidArgument(where + "." + std::string(field.str()) + " must be a string");
          if (!out->empty()) *out += ',';
          *out += std::string(field.str()) + "=" + *src.value<std::string>();
        }
        return Status::OK();
      }
      if (!n.is_string()) return Status::InvalidArgument(where + " must be a string");
      *out = *n.value<std::string>();
      return Status::OK();
    case TomlType::kInteger:
      if (!n.is_integer()) return Status::InvalidArgument(where + " must be an integer");
      *out = std::to_string(*n.value<int64_t>());
      return Status::OK();
    case TomlType::kNumber:
      if (!is_number) return Status::InvalidArgument(where + " must be a number");
      *out = n.is_integer() ? std::to_string(*n.value<int64_t>()) : NumberText(*n.value<double>());
      return Status::OK();
    case TomlType::kBool:
      if (!n.is_boolean()) return Status::InvalidArgument(where + " must be true or false");
      *out = *n.value<bool>() ? "true" : "false";
      return Status::OK();
    case TomlType::kIntegerOrText:
      if (n.is_integer()) *out = std::to_string(*n.value<int64_t>());
      else if (n.is_string()) *out = *n.value<std::string>();
      else return Status::InvalidArgument(where + " must be an integer or a string");
      return Status::OK();
    case TomlType::kNumberOrText:
      if (is_number) *out = n.is_integer() ? std::to_string(*n.value<int64_t>()) : NumberText(*n.value<double>());
      else if (n.is_string()) *out = *n.value<std::string>();
      else return Status::InvalidArgument(where + " must be a number or a string");
      return Status::OK();
    case TomlType::kTextList: {
      const auto* arr = n.as_array();
      if (arr == nullptr) return Status::InvalidArgument(where + " must be an array of strings");
      for (size_t i = 0; i < arr->size(); ++i) {
        const auto s = (*arr)[i].value<std::string>();
        if (!(*arr)[i].is_string() || !s) return Status::InvalidArgument(where + " must be an array of strings");
        if (i > 0) *out += '\n';
        *out += *s;
      }
      return Status::OK();
    }
  }
  return Status::InvalidArgument(where + ": unsupported type");
}

Status ApplyTomlKey(const std::string& path, const std::string& key, const RunOption& o, const toml::node& n,
                    RunConfig* c) {
  std::string text;
  SEGSTREAM_RETURN_IF_ERROR(TomlText(path + ": " + key, o, n, &text));
  Status st = o.apply(text, c);
  if (!st.ok()) return Status::InvalidArgument(path + ": " + key + ": " + st.message());
  return Status::OK();
}

}  // namespace

void AddTableFlags(CLI::App* cmd, RunFlags* f) {
  for (const auto& o : RunOptions()) {
    if (o.flag == nullptr) continue;
    std::string help = o.help;
    if (o.default_value != nullptr) help += std::string(" (default ") + o.default_value + ")";
    if (o.toml != nullptr) help += std::string(" [toml: ") + o.toml + "]";
    const RunOption* row = &o;
    CLI::Option* opt = nullptr;
    switch (o.flag_arg) {
      case FlagArg::kSwitch:
        opt = cmd->add_flag_callback(o.flag, [f, row] { f->given.emplace_back(row, "true"); }, help);
        break;
      case FlagArg::kValue:
        opt = cmd->add_option_function<std::string>(
            o.flag, [f, row](const std::string& v) { f->given.emplace_back(row, v); }, help);
        break;
      case FlagArg::kRepeated:
        opt = cmd->add_option_function<std::vector<std::string>>(
            o.flag,
            [f, row](const std::vector<std::string>& vs) {
              for (const auto& v : vs) f->given.emplace_back(row, v);
            },
            help);
        break;
    }
    opt->group(o.group);
    if (o.flag_arg != FlagArg::kSwitch) {
      opt->type_name(o.toml_type == TomlType::kInteger  ? "INT"
                     : o.toml_type == TomlType::kNumber ? "NUMBER"
                                                        : "TEXT");
    }
  }
}

std::string TomlOnlyHelp() {
  std::string out = "\nsegstream.toml only:\n";
  for (const auto& o : RunOptions()) {
    if (o.flag != nullptr) continue;
    out += std::string("  ") + o.toml + ": " + o.help;
    if (o.default_value != nullptr) out += std::string(" (default ") + o.default_value + ")";
    out += "\n";
  }
  return out + "  [kafka] replication, create_topics; [kafka.properties], [kafka.consumer], [kafka.producer]: "
               "librdkafka properties (connectors/kafka/kafka_options.h)\n";
}

Status ApplyDefaults(RunConfig* c) {
  for (const auto& o : RunOptions()) {
    if (o.default_value != nullptr) SEGSTREAM_RETURN_IF_ERROR(o.apply(o.default_value, c));
  }
  return Status::OK();
}

Status ApplyToml(const std::string& path, const toml::table& root, RunConfig* c) {
  for (const auto& [key, node] : root) {
    const std::string k(key.str());
    const bool section = k == "engine" || k == "kafka" || (k == "input" && node.is_table());
    if (!section) {
      const RunOption* o = FindToml(k);
      if (o == nullptr) return Status::InvalidArgument(path + ": unknown key '" + k + "'");
      SEGSTREAM_RETURN_IF_ERROR(ApplyTomlKey(path, k, *o, node, c));
      continue;
    }
    if (!node.is_table()) return Status::InvalidArgument(path + ": [" + k + "] must be a table");
    toml::table kafka_rest = *node.as_table();  // [kafka] keys without a row stay in it
    for (const auto& [sub, value] : *node.as_table()) {
      const std::string full = k + "." + std::string(sub.str());
      if (const RunOption* o = FindToml(full)) {
        SEGSTREAM_RETURN_IF_ERROR(ApplyTomlKey(path, full, *o, value, c));
        kafka_rest.erase(sub.str());
      } else if (k != "kafka") {
        return Status::InvalidArgument(path + ": unknown key " + full);
      }
    }
    if (k == "kafka" && !kafka_rest.empty()) {
      Status st = LoadKafkaOptions(kafka_rest, &c->kafka);
      if (!st.ok()) return Status::InvalidArgument(path + ": " + st.message());
    }
  }
  return Status::OK();
}

Status ApplyFlags(const RunFlags& f, RunConfig* c) {
  for (const auto& [row, value] : f.given) SEGSTREAM_RETURN_IF_ERROR(row->apply(value, c));
  return Status::OK();
}

}  // namespace segstream::cli
