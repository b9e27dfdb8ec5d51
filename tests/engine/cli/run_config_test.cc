// The option table of `segstream run`: its defaults are the engine's, a flag
// and its TOML key fail with the same text, and flags override TOML, which
// overrides the defaults.
#include "engine/cli/run_config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>

#include "engine/cli/table_options.h"

namespace segstream::cli {
namespace {

// Parses `args` (and `toml` as the --config file when given) like `segstream run`.
Result<RunConfig> Resolve(std::string args, const std::string& toml = "") {
  if (!toml.empty()) {
    // One file per test: ctest runs this binary's tests in parallel.
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    const std::string path = ::testing::TempDir() + "run_config_test." + info->name() + ".toml";
    std::ofstream(path) << toml;
    args += " --config " + path;
  }
  CLI::App app;
  RunFlags flags;
  AddRunFlags(&app, &flags);
  app.parse(args);
  return ResolveRunConfig(flags);
}

std::string Error(const Result<RunConfig>& r) { return r.ok() ? std::string("OK") : r.status().message(); }

TEST(RunConfigTest, TableDefaultsAreTheLibraryDefaults) {
  auto c = Resolve("--input x");
  ASSERT_TRUE(c.ok()) << c.status().message();
  const EngineOptions e;
  EXPECT_EQ(c->engine.k, e.k);
  EXPECT_EQ(c->engine.k_min, e.k_min);
  EXPECT_EQ(c->engine.k_max, e.k_max);
  EXPECT_EQ(c->engine.min_customers, e.min_customers);
  EXPECT_EQ(c->engine.half_life_days, e.half_life_days);
  EXPECT_EQ(c->engine.hysteresis, e.hysteresis);
  EXPECT_EQ(c->engine.step_events, e.step_events);
  EXPECT_EQ(c->engine.publish_every, e.publish_every);
  EXPECT_EQ(c->engine.min_version_interval_days, e.min_version_interval_days);
  EXPECT_EQ(c->engine.drift_threshold, e.drift_threshold);
  EXPECT_EQ(c->engine.refit_tolerance, e.refit_tolerance);
  EXPECT_EQ(c->engine.seed, e.seed);
  EXPECT_EQ(c->engine.max_future_seconds, e.max_future_seconds);
  EXPECT_EQ(c->engine.rescore_per_step, e.rescore_per_step);
  EXPECT_EQ(c->engine.dedup_window_seconds, e.dedup_window_seconds);
  EXPECT_TRUE(c->engine.model_enabled);
  const PipelineOptions p;
  EXPECT_EQ(c->pipeline.batch_records, p.batch_records);
  EXPECT_EQ(c->pipeline.target_batch_seconds, p.target_batch_seconds);
  EXPECT_EQ(c->pipeline.max_rate, p.max_rate);
  EXPECT_EQ(c->pipeline.until_idle_seconds, p.until_idle_seconds);
  const KafkaOptions k;
  EXPECT_EQ(c->kafka.group_id, k.group_id);
  EXPECT_EQ(c->kafka.input_topic, k.input_topic);
  EXPECT_EQ(c->kafka.changes_topic, k.changes_topic);
  EXPECT_EQ(c->kafka.segments_topic, k.segments_topic);
  EXPECT_EQ(c->kafka.models_topic, k.models_topic);
  EXPECT_EQ(c->kafka.dead_letters_topic, k.dead_letters_topic);
  EXPECT_EQ(c->kafka.topic_partitions, k.topic_partitions);
  EXPECT_FALSE(c->use_kafka);
  EXPECT_EQ(c->state_dir, "segstream-state");
  EXPECT_EQ(c->out_dir, "segstream-out");
  EXPECT_EQ(c->http, "127.0.0.1:9464");
  EXPECT_EQ(c->progress, "auto");
  EXPECT_EQ(c->log_format, "text");
  EXPECT_EQ(c->log_level, "info");
}

TEST(RunConfigTest, FlagAndTomlFailWithTheSameText) {
  const struct {
    const char* flag;
    const char* toml;
  } cases[] = {
      {"--k-range 2..x", "[engine]\nk_range = \"2..x\"\n"},
      {"--k 51", "[engine]\nk = 51\n"},
      {"--min-customers 0", "[engine]\nmin_customers = 0\n"},
      {"--max-future tomorrow", "[engine]\nmax_future = \"tomorrow\"\n"},
      {"--hysteresis -1", "[engine]\nhysteresis = -1\n"},
      {"--partitions 0", "[kafka]\npartitions = 0\n"},
      {"--log-format xml", "log_format = \"xml\"\n"},
  };
  for (const auto& t : cases) {
    const std::string from_flag = Error(Resolve(std::string("--input x ") + t.flag));
    const std::string from_toml = Error(Resolve("--input x", t.toml));
    ASSERT_NE(from_flag, "OK") << t.flag;
    EXPECT_NE(from_toml.find(from_flag), std::string::npos) << from_flag << " | " << from_toml;
  }
}

// --input-format debezium reads files and Kafka topics alike (JSON change
// events), but not Avro ones.
TEST(RunConfigTest, DebeziumFromFilesAndKafkaButNotAvro) {
  const std::string cdc = " --input-format debezium --columns customer_id=cust,invoice_ts=ts,unit_price=p "
                          "--time-format epoch_us";
  auto c = Resolve("--input x" + cdc);
  ASSERT_TRUE(c.ok()) << c.status().message();
  c = Resolve("--brokers 127.0.0.1:9092 --topic t" + cdc);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_TRUE(c->input_format.debezium);
  EXPECT_TRUE(c->use_kafka);
  EXPECT_NE(Error(Resolve("--brokers 127.0.0.1:9092 --topic t --schema-registry http://r:8081" + cdc))
                .find("not Avro"),
            std::string::npos);
}

TEST(RunConfigTest, TomlTypeErrorsNameTheKey) {
  EXPECT_NE(Error(Resolve("--input x", "until_idle = \"5\"\n")).find("until_idle must be a number"),
            std::string::npos);
  EXPECT_NE(Error(Resolve("--input x", "[engine]\nseed = 1.5\n")).find("engine.seed must be an integer"),
            std::string::npos);
  EXPECT_NE(Error(Resolve("--input x", "[engine]\nbogus = 1\n")).find("unknown key engine.bogus"),
            std::string::npos);
}

TEST(RunConfigTest, FlagsOverrideTomlOverridesDefaults) {
  const std::string toml = "[engine]\nk = 5\nhalf_life = 7\n[kafka]\ngroup = \"g\"\n";
  auto c = Resolve("--input x", toml);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->engine.k, 5);
  EXPECT_EQ(c->engine.half_life_days, 7);
  EXPECT_EQ(c->kafka.group_id, "g");
  EXPECT_EQ(c->engine.k_max, 10);  // default kept
  c = Resolve("--input x --k 7 --half-life 12h --group h", toml);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->engine.k, 7);
  EXPECT_EQ(c->engine.half_life_days, 0.5);
  EXPECT_EQ(c->kafka.group_id, "h");
}

TEST(RunConfigTest, EveryRowIsComplete) {
  std::set<std::string> flags, keys;
  for (const auto& o : RunOptions()) {
    EXPECT_TRUE(o.flag != nullptr || o.toml != nullptr);
    EXPECT_TRUE(o.help != nullptr && o.help[0] != '\0');
    EXPECT_TRUE(o.apply != nullptr);
    if (o.flag != nullptr) {
      EXPECT_TRUE(flags.insert(o.flag).second) << o.flag;
    }
    if (o.toml != nullptr) {
      EXPECT_TRUE(keys.insert(o.toml).second) << o.toml;
    }
  }
}

}  // namespace
}  // namespace segstream::cli
