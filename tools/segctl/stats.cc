// `segctl stats`: counts, watermark, model version, state partitions, the
// instance id, source positions and sink offsets of a state directory, one
// "key: value" per line.
#include <cstdio>

#include "engine/partitions/partition_directory.h"
#include "engine/pipeline/segment_engine.h"
#include "engine/util/time.h"
#include "state/changelog.h"
#include "state/record_codec.h"
#include "tools/segctl/commands.h"
#include "tools/segctl/state_reader.h"

namespace segstream::segctl {
namespace {

int RunStats(const std::string& state) {
  auto reader = StateReader::Open(state);
  if (!reader.ok()) return ReportError("cannot open state " + state, reader.status());
  // The population counts are in the engine meta: loading the engine reads
  // no customer, so this takes the same time at 10M customers as at 10.
  SegmentEngine engine(EngineOptions(), (*reader)->store());
  Status loaded = engine.Load();
  if (!loaded.ok()) return ReportError("cannot read state " + state, loaded);
  uint64_t with_segment = 0;
  for (const auto& [id, n] : engine.SegmentSizes()) with_segment += id >= 0 ? n : 0;
  std::printf("customers: %llu\n", static_cast<unsigned long long>(engine.customers_total()));
  std::printf("customers_with_purchases: %llu\n", static_cast<unsigned long long>(engine.customers_active()));
  std::printf("customers_with_segment: %llu\n", static_cast<unsigned long long>(with_segment));
  std::printf("watermark: %s\n", engine.watermark() == kNoTime ? "none" : FormatIso8601(engine.watermark()).c_str());
  std::printf("model_version: %llu\n", static_cast<unsigned long long>(engine.serving().version));
  std::printf("k: %d\n", engine.serving().k());
  // The state partitions (state format 6): customers and the watermark the
  // dedup window runs on, per input partition.
  PartitionDirectory partitions;
  if (Status s = partitions.Load((*reader)->store()); !s.ok()) return ReportError("cannot read partitions", s);
  for (const int32_t p : partitions.partitions()) {
    const int64_t w = partitions.watermark(p);
    std::printf("partition %d: customers %llu watermark %s\n", p,
                static_cast<unsigned long long>(partitions.customers(p)),
                w == kNoTime ? "none" : FormatIso8601(w).c_str());
  }
  auto instance = (*reader)->Meta("instance_id");
  if (!instance.ok()) return ReportError("cannot read the instance id", instance.status());
  for (const auto& [key, value] : instance.value()) {
    if (key == "instance_id") std::printf("instance_id: %s\n", value.c_str());  // set by Kafka runs
  }
  auto marker = (*reader)->Meta(std::string(kChangelogTopicKey));
  if (!marker.ok()) return ReportError("cannot read the changelog topic", marker.status());
  for (const auto& [key, value] : marker.value()) {
    if (key != kChangelogTopicKey) continue;
    std::printf("changelog_topic: %s\n", value.c_str());
    if (value.starts_with(kChangelogRestoringPrefix)) {
      // A full restore died: what is here is part of a state.
      std::fprintf(stderr,
                   "segctl: warning: a restore from the changelog was interrupted; this state is partial (the next "
                   "segstream start restores it again)\n");
    }
  }
  auto positions = (*reader)->Meta("pos/");
  if (!positions.ok()) return ReportError("cannot read positions", positions.status());
  for (const auto& [key, value] : positions.value()) {
    Decoder d(value);
    uint64_t offset = 0, line = 0;
    d.GetVarint(&offset);
    d.GetVarint(&line);
    std::printf("position %s: offset %llu line %llu\n", key.substr(4).c_str(), static_cast<unsigned long long>(offset),
                static_cast<unsigned long long>(line));
  }
  auto sinks = (*reader)->Meta(std::string(kSinkOffsetPrefix));
  if (!sinks.ok()) return ReportError("cannot read sink offsets", sinks.status());
  for (const auto& [key, value] : sinks.value()) {
    Decoder d(value);
    uint64_t offset = 0;
    d.GetVarint(&offset);
    const std::string name = key.substr(kSinkOffsetPrefix.size());
    if (ChangelogOffsetPartition(name)) {
      // How far this copy holds its changelog topic (state/changelog.h).
      std::printf("sink %s: next offset %llu\n", name.c_str(), static_cast<unsigned long long>(offset));
    } else if (name == kChangelogSyncedName) {
      // When this copy last held the whole changelog.
      std::printf("sink %s: %s\n", name.c_str(), FormatIso8601(static_cast<int64_t>(offset / 1000)).c_str());
    } else {
      std::printf("sink %s: %llu bytes\n", name.c_str(), static_cast<unsigned long long>(offset));
    }
  }
  return 0;
}

}  // namespace

void AddStatsCommand(CLI::App& app, int* exit_code) {
  auto state = std::make_shared<std::string>("segstream-state");
  CLI::App* cmd = app.add_subcommand("stats", "counts, watermark, model version, positions");
  cmd->add_option("--state", *state, "state directory (default ./segstream-state)");
  cmd->callback([state, exit_code] { *exit_code = RunStats(*state); });
}

}  // namespace segstream::segctl
