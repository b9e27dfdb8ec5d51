// The first line of the UCI Online Retail file (invoice 536365, 17850) as
// every decoder must produce it; shared by the CSV and JSON decoder tests.
#pragma once

#include <gtest/gtest.h>

#include "engine/event/invoice_event.h"
#include "engine/util/time.h"

namespace segstream {

inline void ExpectFirstUciEvent(const DecodedRecord& r) {
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.event.invoice, "536365");
  EXPECT_EQ(r.event.stock_code, "85123A");
  EXPECT_EQ(r.event.description, "WHITE HANGING HEART T-LIGHT HOLDER");
  EXPECT_EQ(r.event.quantity, 6);
  EXPECT_EQ(r.event.unit_price_milli, 2550);
  EXPECT_EQ(FormatIso8601(r.event.invoice_ts), "2010-12-01T08:26:00Z");
  EXPECT_EQ(r.event.customer_id, "17850");
  EXPECT_EQ(r.event.country, "United Kingdom");
}

}  // namespace segstream
