// segctl produce: replays a file (any layout the engine reads: UCI CSV,
// JSONL, .gz, stdin) into a Kafka topic as DESIGN.md event JSON keyed by
// customer id, the way an upstream system would publish invoices. With --raw
// the input lines go out verbatim (poison-message tests).
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "connectors/decode/event_json.h"
#include "connectors/file/byte_stream.h"
#include "connectors/file/file_source.h"
#include "connectors/kafka/kafka_admin.h"
#include "connectors/kafka/kafka_options.h"
#include "connectors/kafka/topic_producer.h"
#include "tools/segctl/commands.h"

namespace segstream::segctl {
namespace {

struct ProduceArgs {
  std::string input;
  std::string topic;
  std::string brokers = "127.0.0.1:19092";
  double rate = 0;
  int partitions = 1;
  bool raw = false;
  std::vector<std::string> properties;  // -X key=value
};

struct Counts {
  uint64_t produced = 0;
  uint64_t not_produced = 0;  // dead-lettered lines (or blank lines with --raw)
};

Status ProduceDecoded(const ProduceArgs& args, TopicProducer* producer, Counts* counts) {
  Result<std::unique_ptr<FileSource>> source = OpenFileSource(args.input);
  if (!source.ok()) return source.status();
  SEGSTREAM_RETURN_IF_ERROR((*source)->Seek({}));
  SourceBatch batch;
  std::string json;
  do {
    batch.Clear();
    SEGSTREAM_RETURN_IF_ERROR((*source)->Poll(4096, 1000, &batch));
    for (const DecodedRecord& record : batch.records) {
      if (!record.error.empty()) {
        ++counts->not_produced;
        continue;
      }
      json.clear();
      AppendEventJson(record.event, &json);
      SEGSTREAM_RETURN_IF_ERROR(producer->Produce(record.event.customer_id, json));
      ++counts->produced;
    }
  } while (!batch.end_of_input);
  return Status::OK();
}

Status ProduceRaw(const ProduceArgs& args, TopicProducer* producer, Counts* counts) {
  Result<std::unique_ptr<ByteStream>> stream = ByteStream::Open(args.input);
  if (!stream.ok()) return stream.status();
  std::vector<char> buffer(1 << 16);
  std::string line;
  auto emit = [&]() -> Status {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      ++counts->not_produced;
    } else {
      SEGSTREAM_RETURN_IF_ERROR(producer->Produce({}, line));
      ++counts->produced;
    }
    line.clear();
    return Status::OK();
  };
  while (true) {
    Result<size_t> n = (*stream)->Read(buffer.data(), buffer.size());
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    for (size_t i = 0; i < *n; ++i) {
      if (buffer[i] == '\n') {
        SEGSTREAM_RETURN_IF_ERROR(emit());
      } else {
        line.push_back(buffer[i]);
      }
    }
  }
  if (!line.empty()) SEGSTREAM_RETURN_IF_ERROR(emit());
  return Status::OK();
}

int RunProduce(const ProduceArgs& args) {
  TopicProducerOptions options;
  options.brokers = args.brokers;
  options.topic = args.topic;
  options.rate = args.rate;
  for (const std::string& kv : args.properties) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      fmt::print(stderr, "segctl produce: -X expects key=value, got '{}'\n", kv);
      return 2;
    }
    options.properties[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  KafkaOptions admin;
  admin.brokers = args.brokers;
  admin.properties = options.properties;
  if (Status st = EnsureTopic(admin, args.topic, args.partitions, {}, 30000); !st.ok()) {
    fmt::print(stderr, "segctl produce: {}\n", st.ToString());
    return 1;
  }
  Result<std::unique_ptr<TopicProducer>> producer = TopicProducer::Open(options);
  if (!producer.ok()) {
    fmt::print(stderr, "segctl produce: {}\n", producer.status().ToString());
    return producer.status().code() == Status::Code::kInvalidArgument ? 2 : 1;
  }
  const auto start = std::chrono::steady_clock::now();
  Counts counts;
  Status st = args.raw ? ProduceRaw(args, producer->get(), &counts) : ProduceDecoded(args, producer->get(), &counts);
  Status flushed = (*producer)->Flush(120000);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("produced {} {} to {} in {:.2f} s ({:.0f}/s); {} delivered, {} failed; {} {} not produced\n",
             counts.produced, args.raw ? "lines" : "events", args.topic, seconds,
             seconds > 0 ? static_cast<double>(counts.produced) / seconds : 0.0, (*producer)->delivered(),
             (*producer)->failed(), counts.not_produced, args.raw ? "blank lines" : "dead-lettered lines");
  if (!st.ok()) {
    fmt::print(stderr, "segctl produce: {}\n", st.ToString());
    return 1;
  }
  if (!flushed.ok()) {
    fmt::print(stderr, "segctl produce: {}\n", flushed.ToString());
    return 1;
  }
  return 0;
}

}  // namespace

void AddProduceCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ProduceArgs>();
  CLI::App* cmd = app.add_subcommand("produce", "Replay a CSV/JSONL file (or stdin) into a Kafka topic as event JSON");
  cmd->add_option("--input", args->input, "CSV or JSONL file, .gz allowed, - for stdin")->required();
  cmd->add_option("--topic", args->topic, "Kafka topic")->required();
  cmd->add_option("--brokers", args->brokers, "bootstrap servers")->capture_default_str();
  cmd->add_option("--rate", args->rate, "messages per second (0 = as fast as possible)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--partitions", args->partitions, "partitions when the topic is created")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_flag("--raw", args->raw, "produce the input lines verbatim (no key), bad lines included");
  cmd->add_option("-X", args->properties, "librdkafka property key=value (repeatable)");
  cmd->callback([args, exit_code]() { *exit_code = RunProduce(*args); });
}

}  // namespace segstream::segctl
