// The engine's guards on what state may accumulate (issue "faults as
// kinds"): money sums can never wrap around, and an event dated beyond the
// wall clock's horizon never moves the watermark. Each guard is tested at its
// limit: the last value it accepts and the first it dead-letters.
#include <gtest/gtest.h>

#include "engine/pipeline/segment_engine.h"
#include "engine/util/time.h"
#include "tests/state/fake_state_store.h"
#include "tests/engine/pipeline/test_support.h"

namespace segstream {
namespace {

using testing::FakeStateStore;

constexpr int64_t kT0 = 1312192800;  // 2011-08-01 10:00 UTC
const std::string kSource = "test:guards";

DecodedRecord Line(std::string invoice, int64_t quantity, int64_t price_milli, int64_t ts, std::string customer) {
  return testing::Event(std::move(invoice), "30001A", quantity, price_milli, ts, std::move(customer));
}

struct Outcome {
  std::vector<CustomerRecord> customers;
  std::vector<std::string> dead_letters;
  int64_t watermark = kNoTime;
};

Outcome Replay(std::vector<DecodedRecord> records, EngineOptions options = {}) {
  options.model_enabled = false;
  if (!options.wall_clock) options.wall_clock = [] { return kT0 + 30 * 86400; };  // a month after kT0
  for (size_t i = 0; i < records.size(); ++i) records[i].origin.offset = static_cast<int64_t>(i);
  FakeStateStore store;
  SegmentEngine engine(options, &store);
  EXPECT_TRUE(engine.Load().ok());
  SourceBatch batch;
  batch.records = std::move(records);
  EngineOutputs out;
  EXPECT_TRUE(engine.Process(kSource, batch, &out).ok());
  Outcome o;
  for (const auto& r : out.records) {
    if (r.stream == OutputStream::kDeadLetters) o.dead_letters.push_back(r.value);
  }
  o.customers = engine.CustomerRecords();
  o.watermark = engine.watermark();
  return o;
}

// Ten lines of quantity 100,000,000 at 9,999,999.99 once gave monetary
// -8,446,744,083,709,551.62: each line is within the per-line limits, their
// sum is not.
TEST(EngineGuardsTest, PurchasesNeverWrapAround) {
  std::vector<DecodedRecord> lines;
  for (int i = 0; i < 10; ++i) lines.push_back(Line("91100" + std::to_string(i), 100'000'000, 9'999'999'990, kT0, "91101"));
  lines.push_back(Line("911099", 1, 1000, kT0, "91102"));  // a neighbour
  const Outcome o = Replay(lines);
  ASSERT_EQ(o.customers.size(), 2u);
  const CustomerRecord& big = o.customers[0];
  EXPECT_GT(big.monetary_milli(), 0);
  EXPECT_LE(big.purchases_milli, kMaxCustomerMoneyMilli);
  // 999,999,999,000,000,000 per line; 2^62 holds 4 of them.
  EXPECT_EQ(big.purchases_milli, 4 * 999'999'999'000'000'000);
  EXPECT_EQ(big.frequency, 4);
  ASSERT_EQ(o.dead_letters.size(), 6u);
  EXPECT_NE(o.dead_letters[0].find("money_overflow"), std::string::npos) << o.dead_letters[0];
  EXPECT_EQ(o.customers[1].purchases_milli, 1000);  // the neighbour is untouched
}

TEST(EngineGuardsTest, ReturnsNeverWrapAroundAndStayNonPositive) {
  std::vector<DecodedRecord> lines;
  for (int i = 0; i < 6; ++i) lines.push_back(Line("C9" + std::to_string(i), -100'000'000, 9'999'999'990, kT0, "7"));
  const Outcome o = Replay(lines);
  ASSERT_EQ(o.customers.size(), 1u);
  EXPECT_LT(o.customers[0].monetary_milli(), 0);
  EXPECT_EQ(o.customers[0].returns_milli, 4 * 999'999'999'000'000'000);
  EXPECT_EQ(o.dead_letters.size(), 2u);
}

TEST(EngineGuardsTest, MoneyAtTheExactLimit) {
  int64_t amount = 0;
  ASSERT_TRUE(CheckedLineAmountMilli(100'000'000, 10'000'000'000, &amount));
  EXPECT_EQ(amount, kMaxLineMoneyMilli);
  EXPECT_FALSE(CheckedLineAmountMilli(100'000'001, 10'000'000'000, &amount));
  EXPECT_FALSE(CheckedLineAmountMilli(INT64_MIN, 1, &amount));
  EXPECT_FALSE(CheckedLineAmountMilli(INT64_MAX, 2, &amount));
  int64_t next = 0;
  ASSERT_TRUE(CheckedAddMoneyMilli(kMaxCustomerMoneyMilli - 5, 5, &next));
  EXPECT_EQ(next, kMaxCustomerMoneyMilli);
  EXPECT_FALSE(CheckedAddMoneyMilli(kMaxCustomerMoneyMilli - 5, 6, &next));
  EXPECT_FALSE(CheckedAddMoneyMilli(kMaxCustomerMoneyMilli, kMaxCustomerMoneyMilli, &next));
}

// One line dated 12/9/2099 once moved the watermark to 2099 and every
// customer's recency by ~32,000 days, for good.
TEST(EngineGuardsTest, FutureEventTimeIsADeadLetterAndNeverMovesTheWatermark) {
  const int64_t now = kT0 + 30 * 86400;
  const Outcome o = Replay({Line("1", 1, 1000, kT0, "1"), Line("2", 1, 1000, 4100000000, "2"),  // 2099-12-03
                         Line("3", 1, 1000, now + 86400, "3"),                                 // at the horizon
                         Line("4", 1, 1000, now + 86401, "4")});                               // one second past it
  EXPECT_EQ(o.watermark, now + 86400);
  ASSERT_EQ(o.dead_letters.size(), 2u);
  EXPECT_NE(o.dead_letters[0].find("future_event_time"), std::string::npos) << o.dead_letters[0];
  EXPECT_NE(o.dead_letters[0].find("2099-12-03"), std::string::npos) << o.dead_letters[0];
  ASSERT_EQ(o.customers.size(), 2u);  // customers 2 and 4 never entered the state
}

TEST(EngineGuardsTest, HistoricalReplaysAndDisabledGuardAreUnaffected) {
  // A 2010 replay under today's clock: nothing is in the future.
  EngineOptions real_clock;
  real_clock.wall_clock = [] { return WallClockSeconds(); };
  EXPECT_TRUE(Replay({Line("1", 1, 1000, kT0, "1")}, real_clock).dead_letters.empty());
  EngineOptions off;
  off.max_future_seconds = -1;
  const Outcome o = Replay({Line("1", 1, 1000, 4100000000, "1")}, off);
  EXPECT_TRUE(o.dead_letters.empty());
  EXPECT_EQ(o.watermark, 4100000000);
}

}  // namespace
}  // namespace segstream
