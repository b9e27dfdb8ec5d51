// Tests for BatchSizer (engine/pipeline/batch_sizer.h): batches sized to the
// target time from the measured cost per record, within the bounds; a cost
// that grows (a population outgrowing the cache) shrinks batches, one that
// falls grows them back; idle batches and a zero target change nothing.
#include <gtest/gtest.h>

#include "engine/pipeline/batch_sizer.h"

namespace segstream {
namespace {

TEST(BatchSizerTest, SizesBatchesToTheTargetWithinBounds) {
  BatchSizer s(65536, 0.2);
  EXPECT_EQ(s.next(), 65536u);  // nothing measured yet
  s.Observe(65536, 0.65536);    // 10 us a record: 20,000 records make 0.2 s
  EXPECT_EQ(s.next(), 20000u);
  for (int i = 0; i < 50; ++i) s.Observe(s.next(), s.next() * 100e-6);  // 100 us a record
  EXPECT_NEAR(static_cast<double>(s.next()), 2000, 20);
  for (int i = 0; i < 50; ++i) s.Observe(s.next(), s.next() * 1e-6);  // 1 us: back to the cap
  EXPECT_EQ(s.next(), 65536u);
  for (int i = 0; i < 50; ++i) s.Observe(s.next(), s.next() * 1e-2);  // 10 ms: the floor
  EXPECT_EQ(s.next(), 1024u);
}

TEST(BatchSizerTest, OneSlowBatchDoesNotCollapseTheSize) {
  BatchSizer s(65536, 0.2);
  for (int i = 0; i < 20; ++i) s.Observe(s.next(), s.next() * 10e-6);
  const size_t steady = s.next();
  s.Observe(steady, 1.0);  // a batch that published a version
  EXPECT_GT(s.next(), steady / 4);
  EXPECT_LT(s.next(), steady);
}

TEST(BatchSizerTest, IdleBatchesAndAZeroTargetChangeNothing) {
  BatchSizer s(65536, 0.2);
  s.Observe(10, 0.5);  // below min_records: fixed costs dominate, not measured
  EXPECT_EQ(s.next(), 65536u);
  BatchSizer fixed(5000, 0);
  fixed.Observe(5000, 100.0);
  EXPECT_EQ(fixed.next(), 5000u);
  BatchSizer tiny(7, 0.2);  // a cap below the floor: the cap wins
  tiny.Observe(7, 100.0);
  EXPECT_EQ(tiny.next(), 7u);
}

}  // namespace
}  // namespace segstream
