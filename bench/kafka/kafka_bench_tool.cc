// kafka_bench_tool: helpers for bench/kafka/run_bench.sh.
//   create-topic  creates a topic with per-topic configs (e.g. LogAppendTime
//                 on the changes topic, so its timestamps are delivery times)
//   consume       reads N messages through KafkaSource (with or without the
//                 JSON decoder) and prints the rate: the consume ceiling the
//                 engine's own source can reach on this broker.
//   echo          the connectors-only latency floor: KafkaSource + JSON
//                 decoding -> KafkaSink (one change-like record per invoice,
//                 Flush per batch, as the pipeline does), no state and no
//                 model. Runs until no message arrived for --idle seconds.
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "connectors/kafka/kafka.h"

namespace {

using segstream::DecodedRecord;
using segstream::KafkaOptions;
using segstream::SourceBatch;
using segstream::Status;

// "key=value" strings into *out; false (with a message naming `flag`) on the first without '='.
bool ParseKeyValues(const std::vector<std::string>& items, const char* flag, std::map<std::string, std::string>* out) {
  for (const std::string& kv : items) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos) {
      fmt::print(stderr, "{} wants key=value, got '{}'\n", flag, kv);
      return false;
    }
    (*out)[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return true;
}

int CreateTopic(const std::string& brokers, const std::string& topic, int partitions,
                const std::vector<std::string>& configs) {
  KafkaOptions o;
  o.brokers = brokers;
  std::map<std::string, std::string> c;
  if (!ParseKeyValues(configs, "--config", &c)) return 2;
  Status st = segstream::EnsureTopic(o, topic, partitions, c, 30000);
  if (!st.ok()) {
    fmt::print(stderr, "create-topic: {}\n", st.ToString());
    return 1;
  }
  return 0;
}

int Consume(const std::string& brokers, const std::string& topic, uint64_t count, bool decode,
            const std::vector<std::string>& properties) {
  KafkaOptions o;
  if (!ParseKeyValues(properties, "-X", &o.consumer_properties)) return 2;
  o.brokers = brokers;
  o.input_topic = topic;
  o.group_id = fmt::format("bench-{}", std::chrono::steady_clock::now().time_since_epoch().count());
  auto source = decode ? segstream::OpenKafkaSource(o, nullptr)
                       : segstream::OpenKafkaSourceWithDecoder(o, nullptr, [](std::string_view, DecodedRecord*) {});
  if (!source.ok()) {
    fmt::print(stderr, "consume: {}\n", source.status().ToString());
    return 1;
  }
  SourceBatch batch;
  uint64_t got = 0;
  auto start = std::chrono::steady_clock::now();
  auto first = start;
  int idle = 0;
  while (got < count && idle < 100) {
    batch.Clear();
    if (!(*source)->Poll(16384, 100, &batch).ok()) return 1;
    if (batch.records.empty()) {
      ++idle;
      continue;
    }
    if (got == 0) first = std::chrono::steady_clock::now();
    idle = 0;
    got += batch.records.size();
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - first).count();
  fmt::print("{} {:.0f}\n", got, static_cast<double>(got) / std::max(s, 1e-9));
  return got >= count ? 0 : 1;
}

int Echo(const std::string& brokers, const std::string& topic, const std::string& out_topic, double idle_seconds) {
  KafkaOptions o;
  o.brokers = brokers;
  o.input_topic = topic;
  o.changes_topic = out_topic;
  o.group_id = fmt::format("echo-{}", std::chrono::steady_clock::now().time_since_epoch().count());
  auto source = segstream::OpenKafkaSource(o, nullptr);
  auto sink = segstream::OpenKafkaSinkNoCreate(o);
  if (!source.ok() || !sink.ok()) {
    fmt::print(stderr, "echo: {}\n", (!source.ok() ? source.status() : sink.status()).ToString());
    return 1;
  }
  if (!(*sink)->Open({}).ok()) return 1;
  SourceBatch batch;
  std::string value, last_invoice, last_customer;
  auto last = std::chrono::steady_clock::now();
  uint64_t echoed = 0;
  while (std::chrono::duration<double>(std::chrono::steady_clock::now() - last).count() < idle_seconds) {
    batch.Clear();
    if (!(*source)->Poll(65536, 100, &batch).ok()) return 1;
    if (batch.records.empty()) continue;
    last = std::chrono::steady_clock::now();
    for (const DecodedRecord& r : batch.records) {
      if (!r.error.empty()) continue;
      // One output per invoice (its first line), about as many as segstream's
      // changes, so the floor's produce load is comparable.
      if (r.event.invoice == last_invoice && r.event.customer_id == last_customer) continue;
      last_invoice = r.event.invoice;
      last_customer = r.event.customer_id;
      value = fmt::format(R"({{"customer_id":"{}","invoice":"{}","reason":"purchase"}})", r.event.customer_id,
                          r.event.invoice);
      if (!(*sink)->Append(segstream::OutputStream::kSegmentChanges, r.event.customer_id, value).ok()) return 1;
      ++echoed;
    }
    if (!(*sink)->Flush().ok()) return 1;
  }
  fmt::print("{}\n", echoed);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kafka_bench_tool"};
  app.require_subcommand(1);
  std::string brokers = "127.0.0.1:19092", topic;
  int partitions = 1;
  std::vector<std::string> configs;
  uint64_t count = 0;
  bool decode = false;
  CLI::App* create = app.add_subcommand("create-topic", "create a topic");
  create->add_option("--brokers", brokers);
  create->add_option("--topic", topic)->required();
  create->add_option("--partitions", partitions);
  create->add_option("--config", configs);
  CLI::App* consume = app.add_subcommand("consume", "consume N messages through KafkaSource; prints 'count rate'");
  consume->add_option("--brokers", brokers);
  consume->add_option("--topic", topic)->required();
  consume->add_option("--count", count)->required();
  consume->add_flag("--decode", decode, "decode with the JSON event decoder");
  consume->add_option("-X", configs, "librdkafka consumer property key=value");
  std::string out_topic;
  double idle = 3;
  CLI::App* echo = app.add_subcommand("echo", "connectors-only latency floor: consume, decode, produce, flush per batch");
  echo->add_option("--brokers", brokers);
  echo->add_option("--topic", topic)->required();
  echo->add_option("--out-topic", out_topic)->required();
  echo->add_option("--idle", idle, "exit after this many seconds without a message");
  CLI11_PARSE(app, argc, argv);
  if (*echo) return Echo(brokers, topic, out_topic, idle);
  if (*create) return CreateTopic(brokers, topic, partitions, configs);
  return Consume(brokers, topic, count, decode, configs);
}
