// Reading KafkaOptions from TOML, environment substitution and secret masking.
#include "connectors/kafka/kafka_options.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>

#include <fmt/format.h>

namespace segstream {
namespace {

// A scalar TOML value as librdkafka wants it: every property is a string.
Result<std::string> ScalarToString(const toml::node& node, const std::string& where) {
  if (auto s = node.value<std::string>()) return ExpandEnv(*s);
  if (node.is_boolean()) return std::string(*node.value<bool>() ? "true" : "false");
  if (node.is_integer()) return fmt::format("{}", *node.value<int64_t>());
  if (node.is_floating_point()) return fmt::format("{}", *node.value<double>());
  return Status::InvalidArgument(where + ": expected a string, integer or boolean");
}

Status ReadPropertyTable(const toml::node& node, const std::string& where,
                         std::map<std::string, std::string>* out) {
  const toml::table* table = node.as_table();
  if (table == nullptr) return Status::InvalidArgument(where + ": expected a table");
  for (const auto& [key, value] : *table) {
    const std::string name(key.str());
    Result<std::string> text = ScalarToString(value, where + "." + name);
    if (!text.ok()) return text.status();
    (*out)[name] = std::move(text).value();
  }
  return Status::OK();
}

Status ReadString(const toml::node& node, const std::string& where, std::string* out) {
  auto s = node.value<std::string>();
  if (!s) return Status::InvalidArgument(where + ": expected a string");
  Result<std::string> expanded = ExpandEnv(*s);
  if (!expanded.ok()) return expanded.status();
  *out = std::move(expanded).value();
  return Status::OK();
}

Status ReadPositiveInt(const toml::node& node, const std::string& where, int* out) {
  auto v = node.value<int64_t>();
  if (!v || *v < 1 || *v > 100000) return Status::InvalidArgument(where + ": expected a positive integer");
  *out = static_cast<int>(*v);
  return Status::OK();
}

}  // namespace

Result<std::string> ExpandEnv(const std::string& text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t open = text.find("${", i);
    if (open == std::string::npos) {
      out.append(text, i, std::string::npos);
      break;
    }
    size_t close = text.find('}', open + 2);
    if (close == std::string::npos) return Status::InvalidArgument("unterminated ${ in a Kafka setting");
    out.append(text, i, open - i);
    const std::string name = text.substr(open + 2, close - open - 2);
    const char* value = name.empty() ? nullptr : std::getenv(name.c_str());
    if (value == nullptr) {
      return Status::InvalidArgument(fmt::format("environment variable {} (used in the Kafka settings) is not set",
                                                 name.empty() ? "<empty>" : name));
    }
    out += value;
    i = close + 1;
  }
  return out;
}

bool IsSecretProperty(const std::string& name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.find("password") != std::string::npos || lower.find("secret") != std::string::npos ||
         lower.find("key") != std::string::npos;
}

std::string DescribeProperties(const std::map<std::string, std::string>& properties) {
  std::string out;
  for (const auto& [name, value] : properties) {
    out += fmt::format("{}={}\n", name, IsSecretProperty(name) ? std::string("****") : value);
  }
  return out;
}

std::string TransactionalId(const KafkaOptions& o) {
  if (!o.transactional_id.empty()) return o.transactional_id;
  const std::string base = "segstream-" + o.group_id + "-" + o.input_topic;
  return o.instance_id.empty() ? base : base + "-" + o.instance_id;
}

Status LoadKafkaOptions(const toml::table& kafka_table, KafkaOptions* options) {
  KafkaOptions o = *options;  // assign only on success
  for (const auto& [key, node] : kafka_table) {
    const std::string name(key.str());
    const std::string where = "[kafka] " + name;
    if (name == "brokers") {
      SEGSTREAM_RETURN_IF_ERROR(ReadString(node, where, &o.brokers));
    } else if (name == "group") {
      SEGSTREAM_RETURN_IF_ERROR(ReadString(node, where, &o.group_id));
    } else if (name == "input_topic") {
      SEGSTREAM_RETURN_IF_ERROR(ReadString(node, where, &o.input_topic));
    } else if (name == "changes_topic") {
      SEGSTREAM_RETURN_IF_ERROR(ReadString(node, where, &o.changes_topic));
    } else if (name == "segments_topic") {
      SEGSTREAM_RETURN_IF_ERROR(ReadString(node, where, &o.segments_topic));
    } else if (name == "models_topic") {
      SEGSTREAM_RETURN_IF_ERROR(ReadString(node, where, &o.models_topic));
    } else if (name == "dead_letters_topic") {
      SEGSTREAM_RETURN_IF_ERROR(ReadString(node, where, &o.dead_letters_topic));
    } else if (name == "partitions") {
      SEGSTREAM_RETURN_IF_ERROR(ReadPositiveInt(node, where, &o.topic_partitions));
    } else if (name == "replication") {
      SEGSTREAM_RETURN_IF_ERROR(ReadPositiveInt(node, where, &o.replication_factor));
    } else if (name == "create_topics" || name == "exactly_once") {
      // value<bool>() would also accept 0/1; only true/false is unambiguous.
      auto b = node.is_boolean() ? node.value<bool>() : std::nullopt;
      if (!b) return Status::InvalidArgument(where + ": expected true or false");
      (name == "create_topics" ? o.create_topics : o.exactly_once) = *b;
    } else if (name == "transactional_id") {
      SEGSTREAM_RETURN_IF_ERROR(ReadString(node, where, &o.transactional_id));
    } else if (name == "properties") {
      SEGSTREAM_RETURN_IF_ERROR(ReadPropertyTable(node, "[kafka.properties]", &o.properties));
    } else if (name == "consumer") {
      SEGSTREAM_RETURN_IF_ERROR(ReadPropertyTable(node, "[kafka.consumer]", &o.consumer_properties));
    } else if (name == "producer") {
      SEGSTREAM_RETURN_IF_ERROR(ReadPropertyTable(node, "[kafka.producer]", &o.producer_properties));
    } else {
      return Status::InvalidArgument(fmt::format("[kafka]: unknown key '{}'", name));
    }
  }
  *options = std::move(o);
  return Status::OK();
}

}  // namespace segstream
