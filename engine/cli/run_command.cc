// `segstream run`; see run_command.h.
#include "engine/cli/run_command.h"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "connectors/avro_sink/avro_sink.h"
#include "connectors/file/file_source.h"
#include "connectors/file/jsonl_file_sink.h"
#include "connectors/kafka/kafka.h"
#include "connectors/prefetch/prefetching_source.h"
#include "connectors/schema_registry/schema_registry.h"
#include "engine/http/http_server.h"
#include "engine/http/tls.h"
#include "engine/http/token_auth.h"
#include "engine/metrics/prometheus_observer.h"
#include "engine/pipeline/pipeline.h"
#include "engine/pipeline/queries.h"
#include "engine/pipeline/segment_engine.h"
#include "engine/report/report_html.h"
#include "engine/report/report_queries.h"
#include "engine/segment/segment_table.h"
#include "engine/util/log.h"
#include "engine/util/time.h"
#include "state/instance_id.h"
#include "state/state_store.h"

#ifndef SEGSTREAM_GIT_COMMIT
#define SEGSTREAM_GIT_COMMIT "unknown"
#endif
#ifndef SEGSTREAM_VERSION
#define SEGSTREAM_VERSION "0.0.0"
#endif

namespace segstream::cli {
namespace {

int ExitCodeFor(const Status& s) {
  switch (s.code()) {
    case Status::Code::kInvalidArgument:
    case Status::Code::kNotFound:
      return kExitUsage;
    case Status::Code::kBusy:
    case Status::Code::kNotSupported:
      return kExitState;
    default:
      return kExitRuntime;
  }
}

int Fail(std::string_view code, const std::string& what, const Status& s) {
  log::Error(code, what + ": " + s.message());
  return ExitCodeFor(s);
}

std::string Thousands(uint64_t v) {
  const std::string digits = std::to_string(v);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

void PrintSummary(const RunConfig& c, SegmentEngine& engine, const RunStats& stats) {
  const auto& counts = engine.run_counts();
  std::printf("segstream: %s records in %.2f s (%s records/s)%s\n", Thousands(stats.records).c_str(), stats.seconds,
              Thousands(static_cast<uint64_t>(stats.seconds > 0 ? static_cast<double>(stats.records) / stats.seconds
                                                                 : 0))
                  .c_str(),
              stats.finished ? ", input finished" : ", stopped");
  for (const char* result : {"accepted", "retracted", "skipped", "duplicate", "dead_letter"}) {
    if (std::string_view(result) == "retracted" && counts.Total(result) == 0) continue;  // CDC input only
    std::string line;
    for (const auto& rc : counts.counts()) {
      if (rc.result != result) continue;
      line += "  " + rc.reason + " " + Thousands(rc.count);
    }
    if (line.empty()) line = "  0";
    std::printf("  %-12s%s\n", (std::string(result) + ":").c_str(), line.c_str());
  }
  if (!c.use_kafka && counts.Total("dead_letter") > 0) {
    std::printf("  dead letters are in %s/dead-letters.jsonl\n", c.out_dir.c_str());
  }
  if (!stats.batch_seconds.empty()) {
    std::vector<double> b = stats.batch_seconds;
    std::sort(b.begin(), b.end());
    auto pct = [&](double p) { return 1000 * b[std::min(b.size() - 1, static_cast<size_t>(p * static_cast<double>(b.size())))]; };
    std::printf("  batches:    %zu, latency p50 %.1f ms, p99 %.1f ms, max %.1f ms (apply+model+durable commit)\n",
                b.size(), pct(0.5), pct(0.99), 1000 * b.back());
  }
  if (stats.reapplied > 0) {
    std::printf("  re-applied: %s records whose outputs an earlier run had committed (exactly-once restart)\n",
                Thousands(stats.reapplied).c_str());
  }
  if (stats.redelivered > 0) {
    std::printf("  redelivered: %s records the source handed out again were already applied and skipped\n",
                Thousands(stats.redelivered).c_str());
  }
  std::printf("  customers:  %s (%s with purchases), watermark %s\n", Thousands(engine.customers_total()).c_str(),
              Thousands(engine.customers_active()).c_str(),
              engine.watermark() == kNoTime ? "none" : FormatIso8601(engine.watermark()).c_str());
  const ServingModel& m = engine.serving();
  if (m.empty()) {
    std::printf("  model:      none yet (needs %llu customers with purchases; --min-customers)\n",
                static_cast<unsigned long long>(c.engine.min_customers));
    return;
  }
  std::printf("  model:      version %llu, k=%d, inertia %.1f, silhouette %s (sampled)\n",
              static_cast<unsigned long long>(m.version), m.k(), m.inertia,
              std::isnan(m.silhouette) ? "undefined" : fmt::format("{:.3f}", m.silhouette).c_str());
  if (!m.k_note.empty()) std::printf("  k:          %s\n", m.k_note.c_str());
  // The table of the current version, on a sample of the current population
  // (never the bootstrap's: that described the first customers only).
  if (!m.k_table.empty()) {
    model::KSelection table;
    table.table = m.k_table;
    table.chosen_k = m.k();
    std::printf("\n  k selection at version %llu on %llu customers sampled from the current population:\n%s",
                static_cast<unsigned long long>(m.version), static_cast<unsigned long long>(m.k_table_sample),
                model::FormatElbowTable(table).c_str());
    if (c.engine.k == 0) {
      // The rule (engine/model/k_selection.h), so "chosen" is not read as
      // "the best silhouette".
      std::printf("  (k = auto: the %s,\n   since two segments only split good from bad; a live model changes k only "
                  "on a clear win; --k N fixes k)\n",
                  model::KSelectionRule().c_str());
    }
  }
  // Up to 200,000 customers the table is exact; past that its medians and
  // shares come from a uniform sample (the population stays in the store).
  constexpr size_t kTableSample = 200'000;  // about 130 bytes each while the table is built
  if (engine.customers_total() > kTableSample) {
    std::printf("\n  (medians and shares over a uniform sample of %s of the %s customers)\n",
                Thousands(kTableSample).c_str(), Thousands(engine.customers_total()).c_str());
  }
  std::printf("\n%s",
              FormatSegmentTable(BuildSegmentTable(m, engine.CustomerRecordsSample(kTableSample), engine.watermark()))
                  .c_str());
  // Ids are stable across versions, so gaps are segments retired earlier
  // (a k change, a dropped centre); say so rather than leave them a puzzle.
  int highest = -1;
  for (const auto& seg : m.segments) highest = std::max(highest, seg.id);
  if (highest + 1 > m.k()) {
    std::printf("  (segment ids are stable across model versions; the missing ones belong to segments retired by "
                "earlier versions)\n");
  }
}

}  // namespace

int RunSegstream(const RunConfig& c, const std::atomic<bool>& stop) {
  StoreOptions store_options;
  store_options.block_cache_bytes = static_cast<size_t>(c.cache_mb << 20) / 4;
  auto store = OpenRocksDbStore(c.state_dir, store_options);
  if (!store.ok()) return Fail("state_open_failed", "cannot open state " + c.state_dir, store.status());
  EngineOptions engine_options = c.engine;
  engine_options.cache_customers = static_cast<size_t>((c.cache_mb << 20) * 3 / 4 / kCacheBytesPerCustomer);
  SegmentEngine engine(engine_options, store->get());
  const std::string kafka_source_id = "kafka:" + c.kafka.input_topic;
  // This state's id tells this instance apart from others in the group
  // (commit metadata, the default transactional.id).
  KafkaOptions kafka = c.kafka;
  if (c.use_kafka) {
    auto instance_id = LoadOrCreateInstanceId(store->get());
    if (!instance_id.ok()) return Fail("state_open_failed", "cannot read the instance id of " + c.state_dir,
                                       instance_id.status());
    kafka.instance_id = instance_id.value();
  }

  // The HTTP server starts before the state is restored and loaded, and
  // before the source opens: a restore from the changelog takes minutes for
  // millions of customers and opening a pipe waits for its header line, and
  // /healthz and /metrics (the restore's progress) must answer meanwhile.
  // Queries answer 503 until the engine has loaded; /readyz says not ready
  // until the pipeline runs. Metrics exist only to be scraped: with --http
  // none they are not kept.
  auto http_options = ParseHttpAddress(c.http);
  if (http_options.ok() && !c.http_tls_cert.empty()) {
    auto tls = TlsContext::Load(c.http_tls_cert, c.http_tls_key);
    if (!tls.ok()) return Fail("http_tls_invalid", "bad --http-tls-cert/--http-tls-key", tls.status());
    http_options->tls = tls.value();
  }
  if (http_options.ok() && !c.http_token_file.empty()) {
    auto auth = TokenAuth::Load(c.http_token_file);
    if (!auth.ok()) return Fail("http_tokens_invalid", "bad --http-token-file", auth.status());
    http_options->auth = std::shared_ptr<TokenAuth>(std::move(auth).value());
    http_options->metrics_open = c.http_open_metrics;
  }
  PrometheusObserver metrics(BuildInfo{SEGSTREAM_VERSION, SEGSTREAM_GIT_COMMIT});
  StateQueries queries(store->get(), &engine, http_options.ok() ? &metrics : nullptr);
  // The live page (GET /, GET /analytics) over the same committed state.
  std::string chart_js;
  if (http_options.ok()) {
    auto js = report::ReadChartJs();
    if (js.ok()) {
      chart_js = std::move(js).value();
    } else {
      log::Warn("live_page_unavailable", "no live page at /: " + js.status().message());
    }
  }
  report::ReportQueries report_queries(&queries, store->get(), chart_js);
  std::unique_ptr<HttpServer> http;
  if (http_options.ok()) {
    auto server = HttpServer::Start(http_options.value(), &metrics, &report_queries);
    if (!server.ok()) return Fail("http_bind_failed", "cannot serve --http " + c.http, server.status());
    http = std::move(server).value();
  } else if (http_options.status().code() != Status::Code::kNotFound) {
    return Fail("http_address_invalid", "bad --http", http_options.status());
  }

  {
    // Before the engine loads it: an empty state, or one that lacks the
    // changelog's tail, is first restored from its changelog topic
    // (--changelog); a state that logs to one is refused without it (file
    // input too).
    auto restore = PrepareChangelogState(
        kafka, store->get(), [&engine] { return engine.StoredSinkOffsets(); },
        [&queries](const RestoreProgress& progress) { queries.OnRestore(progress); }, &stop);
    if (restore.status().code() == Status::Code::kAborted) {
      // SIGINT/SIGTERM: a clean stop, as between micro-batches.
      log::Info("run_stopped", restore.status().message());
      if (http) http->Stop();
      return kExitOk;
    }
    if (!restore.ok()) {
      // A refusal (this state and the topic do not go together) is not a
      // restore that failed.
      const bool refused = restore.status().code() == Status::Code::kInvalidArgument;
      return Fail(refused ? "changelog_refused" : "changelog_restore_failed",
                  refused ? "this state cannot run with this changelog" : "cannot restore from the changelog",
                  restore.status());
    }
  }
  if (Status s = engine.Load(); !s.ok()) return Fail("state_load_failed", "cannot load state " + c.state_dir, s);
  queries.MarkLoaded();

  std::unique_ptr<Source> source;
  std::unique_ptr<Sink> sink;
  if (c.use_kafka) {
    StoredPositionLookup lookup = [&engine, &kafka_source_id](int32_t partition) -> Result<std::optional<int64_t>> {
      auto positions = engine.StoredPositions(kafka_source_id);
      if (!positions.ok()) return positions.status();
      for (const auto& p : positions.value()) {
        if (p.partition == partition) return std::optional<int64_t>(p.next_offset);
      }
      return std::optional<int64_t>();
    };
    std::shared_ptr<SchemaRegistry> registry;
    if (!c.schema_registry.empty()) {
      SchemaRegistryOptions ro;
      ro.url = c.schema_registry;
      if (!c.schema_registry_auth_file.empty()) {
        auto auth = ReadBasicAuthFile(c.schema_registry_auth_file);
        if (!auth.ok()) return Fail("schema_registry_invalid", "bad --schema-registry-auth-file", auth.status());
        ro.basic_auth = auth.value();
      }
      auto r = OpenHttpSchemaRegistry(ro);
      if (!r.ok()) return Fail("schema_registry_invalid", "bad --schema-registry", r.status());
      registry = std::move(r).value();
    }
    auto sink_or = OpenKafkaSink(kafka);
    if (!sink_or.ok()) return Fail("kafka_producer_failed", "cannot start the Kafka producer", sink_or.status());
    sink = std::move(sink_or).value();
    if (c.avro_outputs) {
      sink = MakeAvroOutputSink(std::move(sink), registry,
                                {c.kafka.changes_topic, c.kafka.segments_topic, c.kafka.models_topic,
                                 c.kafka.dead_letters_topic});
    }
    auto src = OpenKafkaSource(kafka, lookup, c.input_format, registry);
    if (!src.ok()) return Fail("kafka_consumer_failed", "cannot start the Kafka consumer", src.status());
    source = std::move(src).value();
  } else {
    std::string layout_note;
    auto src = OpenFileSource(c.input, c.input_format, &layout_note);
    if (!src.ok()) return Fail("input_open_failed", "cannot read " + c.input, src.status());
    if (!layout_note.empty()) log::Info("input_layout_detected", layout_note);
    source = std::move(src).value();
    auto snk = OpenJsonlFileSink(c.out_dir);
    if (!snk.ok()) return Fail("output_open_failed", "cannot write to " + c.out_dir, snk.status());
    sink = std::move(snk).value();
  }

  // Reading and decoding the next batch overlaps with applying this one.
  source = MakePrefetchingSource(std::move(source));


  PipelineOptions pipeline = c.pipeline;
  pipeline.changelog = c.use_kafka && c.kafka.changelog;
  // Test hook (tests/integration/e2e_exactly_once.sh): die right after the
  // N-th output commit, before its state commit.
  if (const char* crash = std::getenv("SEGSTREAM_TEST_CRASH_AFTER_FLUSHES")) {
    pipeline.test_crash_after_flushes = std::strtoull(crash, nullptr, 10);
  }
  pipeline.progress = !c.quiet && (c.progress == "always" || (c.progress == "auto" && isatty(STDERR_FILENO)));
  Pipeline loop(pipeline, &engine, source.get(), sink.get(), store->get(), &queries);
  const Status s = loop.Run(stop);
  if (http) http->Stop();
  if (!s.ok()) return Fail("run_stopped", "stopped", s);
  if (!c.quiet) PrintSummary(c, engine, loop.stats());
  return kExitOk;
}

}  // namespace segstream::cli
