// EngineQueries over the committed state: customers are read from RocksDB
// (so an answer never shows a batch that is not durable yet), segments and
// the model from the engine's published serving-model snapshot.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "engine/observe/observer.h"
#include "engine/pipeline/segment_engine.h"
#include "state/state_store.h"

namespace segstream {

class StateQueries final : public EngineQueries, public PipelineObserver {
 public:
  // Neither is owned; both outlive this object. `next` (optional) receives
  // every observer call after this one (the metrics). Queries answer only
  // once MarkLoaded() was called: the HTTP server can start before a
  // changelog restore, while the store holds part of a state.
  StateQueries(StateStore* store, const SegmentEngine* engine, PipelineObserver* next);

  // The engine has loaded the state (SegmentEngine::Load): queries answer
  // from now on, at its watermark.
  void MarkLoaded();

  Result<std::string> CustomerJson(std::string_view customer_id) override;
  std::string SegmentsJson() override;
  std::optional<std::string> ModelJson() override;
  bool Ready() override { return ready_.load(); }
  // Before MarkLoaded: "loading the state", or a restore's progress.
  std::optional<std::string> UnavailableReason() override;

  // PipelineObserver: tracks the committed watermark and readiness.
  void OnBatch(const BatchReport& report) override;
  void OnReady(bool ready) override;
  void OnRestore(const RestoreProgress& progress) override;

 private:
  StateStore* store_;
  const SegmentEngine* engine_;
  PipelineObserver* next_;
  std::atomic<bool> ready_{false};
  std::atomic<bool> loaded_{false};
  std::atomic<int64_t> committed_watermark_{0};
  std::mutex restore_mu_;
  std::optional<RestoreProgress> restore_;  // guarded by restore_mu_; the latest report of a running restore
};

// The segment table of a model: id, name, customers, share, action, centre
// in RFM units. Shared by GET /segments and `segctl segments --format json`.
std::string SegmentTableJson(const ServingModel& model);

}  // namespace segstream
