// Tests for engine/changes: the records of a segment change, read back with
// an independent JSON parser (nlohmann/json), the recent-changes history in
// the changes column (the oldest beyond changes_kept deleted in the same
// commit), and the counts by reason.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/changes/change_emitter.h"
#include "state/record_codec.h"
#include "tests/state/fake_state_store.h"

namespace segstream {
namespace {

SegmentChange Change(std::string_view id, uint64_t seq, std::string_view reason) {
  SegmentChange c;
  c.customer_id = id;
  c.seq = seq;
  c.segment_id = 2;
  c.segment_name = "champions";
  c.previous_segment_id = 0;
  c.previous_segment_name = "new \"customers\"";
  c.reason = reason;
  c.has_recency = true;
  c.recency_days = 12.5;
  c.frequency = 7;
  c.monetary_milli = 1234567;
  c.model_version = 9;
  c.event_time = 1291191960;  // 2010-12-01T08:26:00Z
  c.invoice = "536365";
  return c;
}

// Emits `c` as the customer of partition 0 with its id.
void EmitIn(ChangeEmitter* emitter, const SegmentChange& c, EngineOutputs* out) {
  emitter->Emit(c, CustomerKey(0, c.customer_id), out);
}

TEST(ChangeEmitterTest, RecordsReadBackWithAnIndependentParser) {
  ChangeEmitter emitter(10);
  EngineOutputs out;
  EmitIn(&emitter, Change("17850", 3, "purchase"), &out);
  ASSERT_EQ(out.records.size(), 2u);
  EXPECT_EQ(out.records[0].stream, OutputStream::kSegmentChanges);
  EXPECT_EQ(out.records[0].key, "17850");
  const auto j = nlohmann::json::parse(out.records[0].value);
  EXPECT_EQ(j["customer_id"], "17850");
  EXPECT_EQ(j["seq"], 3);
  EXPECT_EQ(j["segment_id"], 2);
  EXPECT_EQ(j["segment_name"], "champions");
  EXPECT_EQ(j["previous_segment_id"], 0);
  EXPECT_EQ(j["previous_segment_name"], "new \"customers\"");
  EXPECT_EQ(j["reason"], "purchase");
  EXPECT_DOUBLE_EQ(j["recency_days"].get<double>(), 12.5);
  EXPECT_EQ(j["frequency"], 7);
  EXPECT_DOUBLE_EQ(j["monetary"].get<double>(), 1234.57);  // thousandths shown as cents
  EXPECT_EQ(j["model_version"], 9);
  EXPECT_EQ(j["event_time"], "2010-12-01T08:26:00Z");
  EXPECT_EQ(j["invoice"], "536365");
  EXPECT_EQ(out.records[1].stream, OutputStream::kCustomerSegments);
  const auto latest = nlohmann::json::parse(out.records[1].value);
  EXPECT_EQ(latest, nlohmann::json::parse(R"({"customer_id":"17850","segment_id":2,"segment_name":"champions",)"
                                          R"("seq":3,"model_version":9,"event_time":"2010-12-01T08:26:00Z"})"));
}

TEST(ChangeEmitterTest, NullsForNoPreviousSegmentNoRecencyAndNoInvoice) {
  ChangeEmitter emitter(10);
  EngineOutputs out;
  SegmentChange c = Change("c", 1, "retraction");
  c.previous_segment_id = -1;
  c.has_recency = false;
  c.invoice = {};
  EmitIn(&emitter, c, &out);
  const auto j = nlohmann::json::parse(out.records[0].value);
  EXPECT_TRUE(j["previous_segment_id"].is_null());
  EXPECT_TRUE(j["previous_segment_name"].is_null());
  EXPECT_TRUE(j["recency_days"].is_null());
  EXPECT_TRUE(j["invoice"].is_null());
}

TEST(ChangeEmitterTest, HistoryKeepsTheLastChangesAndCountsByReason) {
  testing::FakeStateStore store;
  ChangeEmitter emitter(2);
  EngineOutputs out;
  for (uint64_t seq = 1; seq <= 4; ++seq) EmitIn(&emitter, Change("a", seq, seq % 2 ? "purchase" : "recency"), &out);
  EmitIn(&emitter, Change("b", 1, "model"), &out);
  StateWrite w;
  emitter.WriteTo(&w);
  ASSERT_TRUE(store.Commit(w).ok());
  emitter.OnCommitted();
  const auto& changes = store.table(Column::kChanges);
  ASSERT_EQ(changes.size(), 3u);  // a: 3 and 4 (1 and 2 fell out); b: 1
  EXPECT_EQ(changes.count(ChangeKey(CustomerKey(0, "a"), 3)), 1u);
  EXPECT_EQ(changes.count(ChangeKey(CustomerKey(0, "a"), 4)), 1u);
  EXPECT_EQ(changes.count(ChangeKey(CustomerKey(0, "b"), 1)), 1u);
  EXPECT_EQ(nlohmann::json::parse(changes.at(ChangeKey(CustomerKey(0, "a"), 4)))["reason"], "recency");
  StateWrite empty;
  emitter.WriteTo(&empty);
  EXPECT_TRUE(empty.empty());  // committed writes are forgotten
  const auto counts = emitter.TakeCounts();
  EXPECT_EQ(counts, (std::vector<std::pair<std::string, uint64_t>>{{"purchase", 2}, {"recency", 2}, {"model", 1}}));
  EXPECT_TRUE(emitter.TakeCounts().empty());
}

}  // namespace
}  // namespace segstream
