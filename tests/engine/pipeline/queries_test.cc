// StateQueries before the engine has loaded: what the HTTP server answers
// while a changelog restore runs, and that progress reaches the next
// observer (the metrics).
#include "engine/pipeline/queries.h"

#include <gtest/gtest.h>

#include "tests/state/fake_state_store.h"

namespace segstream {
namespace {

// Records what it is told, as the metrics would.
class RecordingObserver : public PipelineObserver {
 public:
  void OnBatch(const BatchReport&) override {}
  void OnReady(bool) override {}
  void OnRestore(const RestoreProgress& progress) override { seen.push_back(progress); }
  std::vector<RestoreProgress> seen;
};

TEST(StateQueriesTest, UnavailableUntilLoadedWithTheRestoresProgress) {
  testing::FakeStateStore store;
  EngineOptions options;
  options.model_enabled = false;
  SegmentEngine engine(options, &store);
  RecordingObserver next;
  StateQueries queries(&store, &engine, &next);
  EXPECT_EQ(queries.UnavailableReason(), "loading the state");

  RestoreProgress p;
  p.topic = "g-state-changelog";
  p.full = true;
  p.records = 1200;
  p.remaining = 800;
  queries.OnRestore(p);
  EXPECT_EQ(queries.UnavailableReason(),
            "restoring the state from changelog topic g-state-changelog: 1200 records applied, at most 800 left");
  p.done = true;
  p.records = 2000;
  p.remaining = 0;
  queries.OnRestore(p);
  EXPECT_EQ(queries.UnavailableReason(), "loading the state") << "restored, but the engine has not loaded yet";
  ASSERT_EQ(next.seen.size(), 2u);
  EXPECT_EQ(next.seen[1].records, 2000u);
  EXPECT_TRUE(next.seen[1].done);

  ASSERT_TRUE(engine.Load().ok());
  queries.MarkLoaded();
  EXPECT_EQ(queries.UnavailableReason(), std::nullopt);
  EXPECT_FALSE(queries.Ready()) << "ready only once the pipeline runs";
}

}  // namespace
}  // namespace segstream
