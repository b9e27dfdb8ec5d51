// loadgen: writes a synthetic invoice stream (JSONL or UCI-style CSV) to a
// file or stdout, or produces it to a Kafka topic at a fixed rate. Same seed,
// same stream. With --brokers each message's timestamp is its produce time
// (librdkafka's CreateTime), which the engine uses for end-to-end latency.
#include <cstdio>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "connectors/kafka/kafka_admin.h"
#include "connectors/kafka/topic_producer.h"
#include "engine/util/time.h"
#include "tools/loadgen/generator.h"

namespace segstream::loadgen {
namespace {

struct Args {
  GeneratorOptions gen;
  std::string start = "2010-12-01T00:00:00Z";
  std::string format = "jsonl";
  std::string output = "-";
  std::string brokers;
  std::string topic;
  double rate = 0;
  int partitions = 1;
};

int WriteFile(const Args& args, Format format) {
  FILE* out = args.output == "-" ? stdout : std::fopen(args.output.c_str(), "wb");
  if (out == nullptr) {
    fmt::print(stderr, "loadgen: cannot open {}\n", args.output);
    return 1;
  }
  std::string buffer;
  if (format == Format::kCsv) buffer = CsvHeader() + "\n";
  InvoiceGenerator gen(args.gen);
  GeneratedLine line;
  while (gen.Next(&line)) {
    AppendLine(line, format, &buffer);
    buffer.push_back('\n');
    if (buffer.size() > (1 << 20)) {
      if (std::fwrite(buffer.data(), 1, buffer.size(), out) != buffer.size()) break;
      buffer.clear();
    }
  }
  bool ok = std::fwrite(buffer.data(), 1, buffer.size(), out) == buffer.size();
  ok = (std::fflush(out) == 0) && ok;
  if (out != stdout) ok = (std::fclose(out) == 0) && ok;
  if (!ok) {
    fmt::print(stderr, "loadgen: write to {} failed\n", args.output);
    return 1;
  }
  return 0;
}

int ProduceKafka(const Args& args, Format format) {
  if (format != Format::kJsonl) {
    fmt::print(stderr, "loadgen: Kafka messages are JSON events; use --format jsonl\n");
    return 2;
  }
  KafkaOptions admin;
  admin.brokers = args.brokers;
  if (Status st = EnsureTopic(admin, args.topic, args.partitions, {}, 30000); !st.ok()) {
    fmt::print(stderr, "loadgen: {}\n", st.ToString());
    return 1;
  }
  TopicProducerOptions options;
  options.brokers = args.brokers;
  options.topic = args.topic;
  options.rate = args.rate;
  // Latency runs want each message sent promptly, not batched for 5 ms.
  if (args.rate > 0) options.properties["linger.ms"] = "1";
  Result<std::unique_ptr<TopicProducer>> producer = TopicProducer::Open(options);
  if (!producer.ok()) {
    fmt::print(stderr, "loadgen: {}\n", producer.status().ToString());
    return 1;
  }
  InvoiceGenerator gen(args.gen);
  GeneratedLine line;
  std::string value;
  const auto start = std::chrono::steady_clock::now();
  while (gen.Next(&line)) {
    value.clear();
    AppendLine(line, format, &value);
    if (Status st = (*producer)->Produce(line.bad ? std::string_view() : line.event.customer_id, value); !st.ok()) {
      fmt::print(stderr, "loadgen: {}\n", st.ToString());
      return 1;
    }
  }
  Status st = (*producer)->Flush(120000);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print(stderr, "loadgen: produced {} messages to {} in {:.2f} s ({:.0f}/s), {} failed\n", (*producer)->produced(),
             args.topic, seconds, static_cast<double>((*producer)->produced()) / std::max(seconds, 1e-9),
             (*producer)->failed());
  if (!st.ok()) {
    fmt::print(stderr, "loadgen: {}\n", st.ToString());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace segstream::loadgen

int main(int argc, char** argv) {
  using namespace segstream::loadgen;
  Args args;
  CLI::App app{"loadgen: deterministic synthetic invoice streams (JSONL/CSV, file, stdout or Kafka)"};
  app.add_option("--customers", args.gen.customers, "number of customers")->required()->check(CLI::PositiveNumber);
  app.add_option("--events", args.gen.events, "number of invoice lines")->required();
  app.add_option("--seed", args.gen.seed, "random seed")->capture_default_str();
  app.add_option("--zipf", args.gen.zipf, "Zipf exponent of customer activity")->capture_default_str()->check(CLI::Range(0.01, 10.0));
  app.add_flag("--uniform", args.gen.uniform, "draw customers uniformly instead of by Zipf activity");
  app.add_flag("--cover", args.gen.cover,
               "the first CUSTOMERS invoices visit every customer once (a population all seen early), then the "
               "distribution");
  app.add_option("--return-rate", args.gen.return_rate, "share of invoices that are cancellations")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  app.add_option("--bad-rate", args.gen.bad_rate, "share of malformed lines")->capture_default_str()->check(CLI::Range(0.0, 1.0));
  app.add_flag("--drift", args.gen.drift, "half the customers go dormant after mid-stream, a new group ramps up");
  app.add_option("--start", args.start, "event time of the first invoice (ISO-8601)")->capture_default_str();
  app.add_option("--events-per-day", args.gen.events_per_day, "lines per day of event time")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--max-lines", args.gen.max_lines, "maximum lines per invoice")->capture_default_str()->check(CLI::Range(1, 1000));
  app.add_option("--format", args.format, "jsonl or csv")->capture_default_str()->check(CLI::IsMember({"jsonl", "csv"}));
  app.add_option("--output", args.output, "file, or - for stdout")->capture_default_str();
  auto* brokers = app.add_option("--brokers", args.brokers, "produce to Kafka instead of writing a file");
  app.add_option("--topic", args.topic, "Kafka topic")->needs(brokers);
  app.add_option("--rate", args.rate, "messages per second to Kafka (0 = as fast as possible)")->check(CLI::NonNegativeNumber);
  app.add_option("--partitions", args.partitions, "partitions when the topic is created")->capture_default_str()->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  std::optional<int64_t> start = segstream::ParseIso8601(args.start);
  if (!start) {
    fmt::print(stderr, "loadgen: --start {}: not an ISO-8601 time\n", args.start);
    return 2;
  }
  args.gen.start = *start;
  const Format format = args.format == "csv" ? Format::kCsv : Format::kJsonl;
  if (!args.brokers.empty()) {
    if (args.topic.empty()) {
      fmt::print(stderr, "loadgen: --brokers needs --topic\n");
      return 2;
    }
    return ProduceKafka(args, format);
  }
  return WriteFile(args, format);
}
