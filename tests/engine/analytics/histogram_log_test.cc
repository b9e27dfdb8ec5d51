// Tests for engine/analytics/histogram_log: the population histograms kept as
// a checkpoint and per-commit deltas. Random changes committed batch by
// batch, with reloads from the store at random points, load back equal to
// the histograms kept in memory beside them (bucket for bucket, shift for
// shift); a commit writes one key for all three; the deltas stay within the
// documented bound; the format-6 layout (one key per bucket) loads and is
// migrated by the next commit; a damaged value is an error, not a histogram.
#include "engine/analytics/histogram_log.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>

#include "engine/util/coding.h"
#include "tests/state/fake_state_store.h"

namespace segstream::analytics {
namespace {

using segstream::testing::FakeStateStore;

// Three histograms and their log, as Analytics holds them.
struct Histograms {
  explicit Histograms(size_t max_buckets = ValueHistogram::kDefaultMaxBuckets)
      : l(max_buckets), f(max_buckets), m(max_buckets) {}
  std::vector<NamedHistogram> named() { return {{'l', &l}, {'f', &f}, {'m', &m}}; }
  ValueHistogram l, f, m;
  HistogramLog log;
};

size_t Commit(Histograms* h, FakeStateStore* store) {
  StateWrite w;
  h->log.BuildCommit(h->named(), &w);
  EXPECT_TRUE(store->Commit(w).ok());
  h->log.OnCommitted();
  return w.ops.size();
}

void ExpectEqual(const ValueHistogram& a, const ValueHistogram& b, const char* what) {
  EXPECT_EQ(a.shift(), b.shift()) << what;
  EXPECT_EQ(a.total(), b.total()) << what;
  EXPECT_EQ(a.counts(), b.counts()) << what;
}

size_t KeysWithPrefix(const FakeStateStore& store, std::string_view prefix) {
  size_t n = 0;
  for (const auto& [k, v] : store.table(Column::kMeta)) n += k.starts_with(prefix) ? 1 : 0;
  return n;
}

TEST(HistogramLogTest, ReloadsEqualWhatWasCommittedAtEveryPoint) {
  FakeStateStore store;
  // A small bucket bound, so that the histograms coarsen during the run.
  Histograms live(/*max_buckets=*/512);
  std::mt19937_64 rng(11);
  std::vector<int64_t> values[3];
  ValueHistogram* hs[3] = {&live.l, &live.f, &live.m};
  size_t checkpoints = 0, coarsened_at = 0;
  for (int batch = 0; batch < 300; ++batch) {
    const int changes = static_cast<int>(rng() % 40);
    for (int i = 0; i < changes; ++i) {
      const int which = static_cast<int>(rng() % 3);
      if (!values[which].empty() && rng() % 3 == 0) {
        const size_t at = rng() % values[which].size();
        hs[which]->Remove(values[which][at]);
        values[which].erase(values[which].begin() + static_cast<std::ptrdiff_t>(at));
      } else {
        // Values spread over a growing range: the histograms keep coarsening.
        const int64_t v = static_cast<int64_t>(rng() % (1000 + 40 * static_cast<uint64_t>(batch))) - 300;
        hs[which]->Add(v);
        values[which].push_back(v);
      }
    }
    const int shift_before = live.l.shift() + live.f.shift() + live.m.shift();
    const bool had_checkpoint = store.table(Column::kMeta).count("analytics/hc") > 0;
    const std::string checkpoint_before = had_checkpoint ? store.table(Column::kMeta).at("analytics/hc") : "";
    const size_t ops = Commit(&live, &store);
    const bool new_checkpoint = store.table(Column::kMeta).count("analytics/hc") > 0 &&
                                store.table(Column::kMeta).at("analytics/hc") != checkpoint_before;
    checkpoints += new_checkpoint ? 1 : 0;
    if (shift_before > 0 && coarsened_at == 0) coarsened_at = static_cast<size_t>(batch);
    if (!new_checkpoint) {
      EXPECT_LE(ops, 1u) << "a commit without a checkpoint writes one delta key, batch " << batch;
    }
    EXPECT_EQ(KeysWithPrefix(store, "analytics/hd/"), live.log.deltas());
    EXPECT_LE(live.log.deltas(), HistogramLog::kMaxDeltas);
    if (rng() % 7 == 0 || batch == 299) {
      Histograms loaded(/*max_buckets=*/512);
      ASSERT_TRUE(loaded.log.Load(&store, loaded.named()).ok());
      ExpectEqual(loaded.l, live.l, "l");
      ExpectEqual(loaded.f, live.f, "f");
      ExpectEqual(loaded.m, live.m, "m");
      EXPECT_EQ(loaded.log.deltas(), live.log.deltas());
      // Carry on with the log as loaded: the positions Load rebuilt (the
      // delta numbers, the bytes since the checkpoint) must serve as well.
      if (rng() % 2 == 0) live.log = loaded.log;
    }
  }
  EXPECT_GT(coarsened_at, 0u) << "the run should coarsen the histograms";
  EXPECT_GT(checkpoints, 1u);
  EXPECT_LT(checkpoints, 150u) << "most commits should be deltas";
}

// The deltas are bounded by the checkpoint's bytes (or 4 KiB below that):
// loading never reads much more than twice the checkpoint.
TEST(HistogramLogTest, DeltaBytesStayWithinTheCheckpointsSize) {
  FakeStateStore store;
  Histograms live;
  for (int64_t v = 0; v < 20000; ++v) live.m.Add(v * 7);
  Commit(&live, &store);
  const size_t checkpoint = store.table(Column::kMeta).at("analytics/hc").size();
  ASSERT_GT(checkpoint, 20000u);
  std::mt19937_64 rng(5);
  for (int batch = 0; batch < 200; ++batch) {
    for (int i = 0; i < 200; ++i) live.m.Add(static_cast<int64_t>(rng() % 140000));
    Commit(&live, &store);
    size_t delta_bytes = 0;
    for (const auto& [k, v] : store.table(Column::kMeta)) delta_bytes += k.starts_with("analytics/hd/") ? v.size() : 0;
    EXPECT_LE(delta_bytes, std::max<size_t>(store.table(Column::kMeta).at("analytics/hc").size(), 4096));
  }
}

// A state written by format 6 (one key per bucket, the shift in its own
// key) loads, and the next commit replaces those keys by a checkpoint.
TEST(HistogramLogTest, MigratesTheFormat6Layout) {
  FakeStateStore store;
  auto bucket_key = [](char name, int64_t bucket) {
    std::string k = std::string("analytics/h/") + name + '/';
    const uint64_t flipped = static_cast<uint64_t>(bucket) ^ (uint64_t{1} << 63);
    for (int i = 7; i >= 0; --i) k.push_back(static_cast<char>(flipped >> (8 * i)));
    return k;
  };
  auto count = [](uint64_t n) {
    std::string v;
    PutVarint(&v, n);
    return v;
  };
  StateWrite old;
  old.Put(Column::kMeta, bucket_key('l', -5), count(2));
  old.Put(Column::kMeta, bucket_key('l', 1291191960), count(3));
  old.Put(Column::kMeta, bucket_key('m', 4096), count(7));
  old.Put(Column::kMeta, "analytics/hs/m", count(12));
  old.Put(Column::kMeta, "analytics/agg", "kept");
  ASSERT_TRUE(store.Commit(old).ok());

  Histograms h;
  ASSERT_TRUE(h.log.Load(&store, h.named()).ok());
  EXPECT_EQ(h.l.total(), 5u);
  EXPECT_EQ(h.l.Count(-5), 2u);
  EXPECT_EQ(h.l.Count(1291191960), 3u);
  EXPECT_EQ(h.m.shift(), 12);
  EXPECT_EQ(h.m.Count(4096 + 100), 7u) << "4196 is in the bucket [4096, 8192)";
  EXPECT_EQ(h.f.total(), 0u);

  Commit(&h, &store);  // nothing changed: the migration still happens
  EXPECT_EQ(KeysWithPrefix(store, "analytics/h/"), 0u);
  EXPECT_EQ(KeysWithPrefix(store, "analytics/hs/"), 0u);
  EXPECT_EQ(store.table(Column::kMeta).count("analytics/hc"), 1u);
  EXPECT_EQ(store.table(Column::kMeta).at("analytics/agg"), "kept");
  Histograms again;
  ASSERT_TRUE(again.log.Load(&store, again.named()).ok());
  ExpectEqual(again.l, h.l, "l");
  ExpectEqual(again.m, h.m, "m");
  EXPECT_EQ(Commit(&again, &store), 0u) << "migrated: a commit with no change writes nothing";
}

// Buckets at the ends of int64 (the gap encoding works in unsigned
// arithmetic), through a delta and through a checkpoint.
TEST(HistogramLogTest, ExtremeBucketsRoundTrip) {
  FakeStateStore store;
  Histograms live;
  for (int64_t v : {INT64_MIN, INT64_MIN + 1, int64_t{-1}, int64_t{0}, INT64_MAX - 1, INT64_MAX}) live.m.Add(v);
  live.l.Add(INT64_MAX);
  Commit(&live, &store);
  EXPECT_EQ(store.table(Column::kMeta).count("analytics/hc"), 0u) << "small: a delta";
  Histograms loaded;
  ASSERT_TRUE(loaded.log.Load(&store, loaded.named()).ok());
  ExpectEqual(loaded.m, live.m, "m");
  ExpectEqual(loaded.l, live.l, "l");
  for (int64_t v = 0; v < 3000; ++v) live.f.Add(v * 1000);  // a delta past 4 KiB: a checkpoint
  Commit(&live, &store);
  ASSERT_EQ(store.table(Column::kMeta).count("analytics/hc"), 1u);
  Histograms again;
  ASSERT_TRUE(again.log.Load(&store, again.named()).ok());
  ExpectEqual(again.m, live.m, "m");
  ExpectEqual(again.f, live.f, "f");
}

// Loads the histograms from a store that holds only `meta` (key, value).
Status::Code LoadCode(const std::vector<std::pair<std::string, std::string>>& meta) {
  FakeStateStore store;
  StateWrite w;
  for (const auto& [k, v] : meta) w.Put(Column::kMeta, k, v);
  EXPECT_TRUE(store.Commit(w).ok());
  Histograms h;
  return h.log.Load(&store, h.named()).code();
}

TEST(HistogramLogTest, ADamagedValueIsAnError) {
  constexpr auto kCorruption = Status::Code::kCorruption;
  EXPECT_EQ(LoadCode({{"analytics/hc", std::string("\x01q\x01\x02\x01", 5)}}), kCorruption) << "an unknown histogram";
  EXPECT_EQ(LoadCode({{"analytics/hc", std::string("\x01l\x05\x02", 4)}}), kCorruption) << "truncated buckets";
  EXPECT_EQ(LoadCode({{"analytics/hc", std::string("\x01l\x00\x02\x02\x01\x00\x01", 8)}}), kCorruption)
      << "a gap of 0";
  std::string overflow = "\x01l";
  PutVarint(&overflow, 0);  // shift
  PutVarint(&overflow, 2);
  PutSignedVarint(&overflow, INT64_MAX - 1);
  PutVarint(&overflow, 1);
  PutVarint(&overflow, 2);  // the gap: past INT64_MAX
  PutVarint(&overflow, 1);
  EXPECT_EQ(LoadCode({{"analytics/hc", overflow}}), kCorruption) << "bucket overflow";
  EXPECT_EQ(LoadCode({{"analytics/hc", std::string("\x01l\x00\x00l\x00\x00", 7)}}), kCorruption)
      << "a histogram twice";
  // Both layouts at once never happens (the migration is one write).
  EXPECT_EQ(LoadCode({{"analytics/hc", std::string("\x01l\x00\x00", 4)}, {"analytics/hs/l", std::string("\x00", 1)}}),
            kCorruption)
      << "both layouts";
  EXPECT_EQ(LoadCode({{"analytics/hd/short", "\x01"}}), kCorruption) << "a delta key of the wrong size";
  EXPECT_EQ(LoadCode({{"analytics/hc", std::string("\x02", 1)}}), Status::Code::kNotSupported)
      << "a newer checkpoint format";
  EXPECT_EQ(LoadCode({{"analytics/hc", std::string("\x01l\x00\x00", 4)}}), Status::Code::kOk) << "a valid one";
}

}  // namespace
}  // namespace segstream::analytics
