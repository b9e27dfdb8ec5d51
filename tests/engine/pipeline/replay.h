// The replay harness of the engine tests: feeds records to a SegmentEngine
// over an in-memory store in batches, commits after each as the pipeline
// does, and optionally tears the engine down and reloads it from the store
// (a restart) every few batches. Everything the run produced comes back for
// comparison: outputs in order, the tables, the customers.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/analytics/histogram_log.h"
#include "engine/pipeline/segment_engine.h"
#include "state/record_codec.h"
#include "tests/state/fake_state_store.h"

namespace segstream::testing {

inline const std::string kReplaySource = "test:source";

// Numbers the records as a file source would (offset = index, line = index + 2).
inline void Number(std::vector<DecodedRecord>* records) {
  for (size_t i = 0; i < records->size(); ++i) {
    (*records)[i].origin.offset = static_cast<int64_t>(i);
    (*records)[i].origin.line = i + 2;
  }
}

// The RFM fields of two records of customer `id` agree (not the model's).
inline void ExpectSameRfmFields(const CustomerRecord& a, const CustomerRecord& b, const std::string& id) {
  EXPECT_EQ(a.frequency, b.frequency) << id;
  EXPECT_EQ(a.purchases_milli, b.purchases_milli) << id;
  EXPECT_EQ(a.returns_milli, b.returns_milli) << id;
  EXPECT_EQ(a.first_purchase_ts, b.first_purchase_ts) << id;
  EXPECT_EQ(a.last_purchase_ts, b.last_purchase_ts) << id;
  EXPECT_EQ(a.last_event_ts, b.last_event_ts) << id;
}

struct RunResult {
  std::string outputs;  // every output record, in order, one per line
  std::array<FakeStateStore::Table, kColumnCount> tables;
  std::vector<CustomerRecord> customers;           // in creation order
  std::map<std::string, CustomerRecord> by_id;     // the stored records, by customer id
  OutcomeCounts counts;
  uint64_t active = 0;
  size_t max_cached = 0;  // the most customers the engine's cache held after a commit
  bool failed = false;  // a reload failed; the rest is incomplete
  size_t finish_shares = 0;  // FinishSome calls at the end (finish_in_shares)
};

// The analytics histograms are a checkpoint and per-commit deltas
// (engine/analytics/histogram_log.h): which keys hold them depends on where
// the commits fell, what they load to must not. Replaces those keys in
// `meta` by one key holding the loaded histograms as text, so runs cut into
// different batches compare equal exactly when their histograms are.
inline void ReplaceHistogramLogByItsContent(FakeStateStore* store, FakeStateStore::Table* meta) {
  analytics::ValueHistogram l, f, m;
  analytics::HistogramLog log;
  const std::vector<analytics::NamedHistogram> named = {{'l', &l}, {'f', &f}, {'m', &m}};
  EXPECT_TRUE(log.Load(store, named).ok());
  std::erase_if(*meta, [](const auto& kv) {
    return kv.first == "analytics/hc" || kv.first.starts_with("analytics/hd/");
  });
  std::string text;
  for (const analytics::NamedHistogram& h : named) {
    text.push_back(h.name);
    text.append(" shift ").append(std::to_string(h.histogram->shift())).append(":");
    for (const auto& [bucket, count] : h.histogram->counts()) {
      text.append(" ").append(std::to_string(bucket)).append("x").append(std::to_string(count));
    }
    text.push_back('\n');
  }
  (*meta)["analytics/histograms (as loaded)"] = text;
}

// Feeds `records` in batches of `batch` (0 = all at once), committing after
// each; every `restart_every` batches the engine is destroyed and reloaded.
// `eager_retention`: the store drops forgotten invoices at once.
// `finish_in_shares`: the end as the pipeline runs it, FinishSome with a
// commit after each share (and a restart after each when restart_every > 0).
inline RunResult Replay(const EngineOptions& options, const std::vector<DecodedRecord>& records, size_t batch,
                        size_t restart_every = 0, bool eager_retention = false, bool finish_in_shares = false) {
  FakeStateStore store;
  store.set_eager_retention(eager_retention);
  RunResult result;
  auto engine = std::make_unique<SegmentEngine>(options, &store);
  EXPECT_TRUE(engine->Load().ok());
  auto drain = [&](EngineOutputs* out) {
    for (const auto& r : out->records) {
      result.outputs += std::to_string(static_cast<int>(r.stream)) + "|" + r.key + "|" + r.value + "\n";
    }
    out->Clear();
  };
  auto commit = [&](const std::vector<Position>& next) {
    StateWrite w;
    engine->BuildCommit(kReplaySource, next, SinkOffsets{{"out", static_cast<int64_t>(result.outputs.size())}}, &w);
    EXPECT_TRUE(store.Commit(w).ok());
    engine->OnCommitted();
    EXPECT_EQ(engine->CacheInconsistency(), "");
    result.max_cached = std::max(result.max_cached, engine->customers_cached());
    store.SetInvoiceRetentionFloor(engine->InvoiceRetentionFloor());
    result.counts.Merge(engine->TakeBatchCounts());
  };
  if (batch == 0) batch = std::max<size_t>(records.size(), 1);
  size_t batches = 0;
  for (size_t begin = 0; begin < records.size(); begin += batch) {
    const size_t end = std::min(records.size(), begin + batch);
    SourceBatch b;
    b.records.assign(records.begin() + static_cast<std::ptrdiff_t>(begin),
                     records.begin() + static_cast<std::ptrdiff_t>(end));
    b.next = {Position{0, static_cast<int64_t>(end), end + 2}};
    EngineOutputs out;
    EXPECT_TRUE(engine->Process(kReplaySource, b, &out).ok());
    drain(&out);
    commit(b.next);
    if (restart_every > 0 && ++batches % restart_every == 0) {
      engine = std::make_unique<SegmentEngine>(options, &store);
      const Status loaded = engine->Load();
      if (!loaded.ok()) {
        // Going on with a half-loaded engine would only crash.
        ADD_FAILURE() << "reload after batch " << batches << " failed: " << loaded.ToString();
        result.failed = true;
        return result;
      }
      auto stored = engine->StoredPositions(kReplaySource);
      EXPECT_TRUE(stored.ok());
      EXPECT_EQ(stored.value(), b.next);
    }
  }
  const std::vector<Position> end = {Position{0, static_cast<int64_t>(records.size()), records.size() + 2}};
  EngineOutputs out;
  if (finish_in_shares) {
    bool more = true;
    size_t shares = 0;
    while (more) {
      EXPECT_TRUE(engine->FinishSome(&out, &more).ok());
      drain(&out);
      commit(end);
      ++shares;
      if (more && restart_every > 0) {
        engine = std::make_unique<SegmentEngine>(options, &store);
        EXPECT_TRUE(engine->Load().ok());
      }
    }
    result.finish_shares = shares;
  } else {
    EXPECT_TRUE(engine->Finish(&out).ok());
    drain(&out);
    commit(end);
  }
  result.tables = store.tables();
  ReplaceHistogramLogByItsContent(&store, &result.tables[static_cast<size_t>(Column::kMeta)]);
  result.customers = engine->CustomerRecords();
  result.active = engine->customers_active();
  for (const auto& [key, value] : result.tables[static_cast<size_t>(Column::kCustomers)]) {
    CustomerRecord r;
    EXPECT_TRUE(DecodeCustomer(value, &r).ok());
    result.by_id[std::string(CustomerIdOfKey(key))] = r;  // one partition: ids are unique
  }
  return result;
}

}  // namespace segstream::testing
