// `segctl checkpoint`: a consistent RocksDB checkpoint of a state directory
// (hard links where possible) for backup; the copy opens as a state dir.
#include <cstdio>

#include "tools/segctl/commands.h"
#include "tools/segctl/state_reader.h"

namespace segstream::segctl {
namespace {

struct CheckpointArgs {
  std::string state = "segstream-state";
  std::string to;
};

int RunCheckpoint(const CheckpointArgs& a) {
  auto reader = StateReader::Open(a.state);
  if (!reader.ok()) return ReportError("cannot open state " + a.state, reader.status());
  Status s = (*reader)->store()->Checkpoint(a.to);
  if (!s.ok()) return ReportError("checkpoint to " + a.to + " failed", s);
  std::printf("checkpoint of %s written to %s\n", a.state.c_str(), a.to.c_str());
  return 0;
}

}  // namespace

void AddCheckpointCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<CheckpointArgs>();
  CLI::App* cmd = app.add_subcommand("checkpoint", "write a consistent copy of the state for backup");
  cmd->add_option("--state", args->state, "state directory (default ./segstream-state)");
  cmd->add_option("--to", args->to, "new directory for the checkpoint (must not exist)")->required();
  cmd->callback([args, exit_code] { *exit_code = RunCheckpoint(*args); });
}

}  // namespace segstream::segctl
