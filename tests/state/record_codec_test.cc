// Tests for state/record_codec: round trips of customer and invoice records
// and the varint/fixed helpers, every truncation is Corruption, a newer format
// byte is NotSupported, and the key layouts sort as FORMAT.md promises.
#include "state/record_codec.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>

namespace segstream {
namespace {

CustomerRecord SampleCustomer() {
  CustomerRecord r;
  r.index = 123456789;
  r.frequency = 17;
  r.purchases_milli = 9876543210;
  r.returns_milli = 42;
  r.first_purchase_ts = 1291191960;
  r.last_purchase_ts = 1323435000;
  r.last_event_ts = 1323435001;
  r.vector_watermark = kNoTime;
  r.segment_id = 3;
  r.seq = 99;
  return r;
}

TEST(RecordCodecTest, CustomerRoundTrip) {
  const CustomerRecord r = SampleCustomer();
  CustomerRecord back;
  ASSERT_TRUE(DecodeCustomer(EncodeCustomer(r), &back).ok());
  EXPECT_EQ(back, r);

  CustomerRecord fresh;  // defaults: kNoTime everywhere, segment -1
  ASSERT_TRUE(DecodeCustomer(EncodeCustomer(fresh), &back).ok());
  EXPECT_EQ(back, fresh);
  EXPECT_EQ(back.segment_id, -1);
  EXPECT_EQ(back.last_purchase_ts, kNoTime);
}

TEST(RecordCodecTest, CustomerRoundTripRandomExtremes) {
  std::mt19937_64 rng(7);
  const int64_t extremes[] = {0, 1, -1, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
  for (int i = 0; i < 2000; ++i) {
    CustomerRecord r;
    auto pick = [&]() -> int64_t { return rng() % 3 == 0 ? extremes[rng() % 5] : static_cast<int64_t>(rng()); };
    r.index = rng();
    r.frequency = pick();
    r.purchases_milli = pick();
    r.returns_milli = pick();
    r.first_purchase_ts = pick();
    r.last_purchase_ts = pick();
    r.last_event_ts = pick();
    r.vector_watermark = pick();
    r.segment_id = static_cast<int32_t>(rng());
    r.seq = rng();
    CustomerRecord back;
    ASSERT_TRUE(DecodeCustomer(EncodeCustomer(r), &back).ok());
    ASSERT_EQ(back, r) << "iteration " << i;
  }
}

TEST(RecordCodecTest, CustomerTruncatedIsCorruption) {
  const std::string full = EncodeCustomer(SampleCustomer());
  for (size_t n = 0; n < full.size(); ++n) {
    CustomerRecord back;
    const Status s = DecodeCustomer(std::string_view(full).substr(0, n), &back);
    EXPECT_EQ(s.code(), Status::Code::kCorruption) << "prefix of " << n << " bytes";
  }
  CustomerRecord back;
  EXPECT_EQ(DecodeCustomer(full + "x", &back).code(), Status::Code::kCorruption) << "trailing byte";
}

TEST(RecordCodecTest, CustomerUnknownFormatIsNotSupported) {
  std::string data = EncodeCustomer(SampleCustomer());
  data[0] = 5;
  CustomerRecord back;
  EXPECT_EQ(DecodeCustomer(data, &back).code(), Status::Code::kNotSupported);
  data[0] = static_cast<char>(0xff);
  EXPECT_EQ(DecodeCustomer(data, &back).code(), Status::Code::kNotSupported);
}

// Formats 1 and 2 (before scored_version, before the timer fields) still
// read: the same fields, the newer ones at their defaults.
TEST(RecordCodecTest, CustomerFormats1And2ReadWithDefaults) {
  CustomerRecord r = SampleCustomer();
  r.scored_version = 17;
  r.timer_due = 0;  // one-byte varints, so the older layouts are prefixes
  r.timer_version = 0;
  const std::string data = EncodeCustomer(r);
  ASSERT_EQ(data[0], 4);
  CustomerRecord back;
  ASSERT_TRUE(DecodeCustomer(data, &back).ok());
  EXPECT_EQ(back, r);
  // Format 2: without timer_due, timer_version and the history flag.
  std::string v2 = data.substr(0, data.size() - 3);
  v2[0] = 2;
  ASSERT_TRUE(DecodeCustomer(v2, &back).ok());
  CustomerRecord expected = r;
  expected.timer_due = kNoTime;
  EXPECT_EQ(back, expected);
  // Format 1: without scored_version either (17 is one byte).
  std::string v1 = v2.substr(0, v2.size() - 1);
  v1[0] = 1;
  ASSERT_TRUE(DecodeCustomer(v1, &back).ok());
  expected.scored_version = 0;
  EXPECT_EQ(back, expected);
  // A format-2 record without it is truncated.
  std::string short_v2 = v1;
  short_v2[0] = 2;
  EXPECT_EQ(DecodeCustomer(short_v2, &back).code(), Status::Code::kCorruption);
}

// A record carries the line-time history a retraction needs; without a known
// history it says so, and reads back as "history unknown".
TEST(RecordCodecTest, CustomerHistoryRoundTrip) {
  const CustomerRecord r = SampleCustomer();
  CustomerHistory h;
  h.Add(1291191960, true);
  h.Add(1291191960, true);
  h.Add(-5, false);
  h.Add(1391191960, false);
  h.Add(1391191960, true);
  const std::string data = EncodeCustomer(r, &h);
  ASSERT_EQ(data[0], 4);
  CustomerRecord back;
  CustomerHistory hb;
  hb.times = {{1, 1, 1}};  // replaced
  ASSERT_TRUE(DecodeCustomer(data, &back, &hb).ok());
  EXPECT_EQ(back, r);
  EXPECT_EQ(hb, h);
  EXPECT_EQ(hb.FirstPurchase(), 1291191960);
  EXPECT_EQ(hb.LastPurchase(), 1391191960);
  EXPECT_EQ(hb.LastEvent(), 1391191960);
  ASSERT_TRUE(DecodeCustomer(data, &back).ok()) << "readers without a history skip it";
  for (size_t n = 1; n < data.size(); ++n) {
    EXPECT_EQ(DecodeCustomer(std::string_view(data).substr(0, n), &back, &hb).code(), Status::Code::kCorruption) << n;
  }
  const std::string v2 = EncodeCustomer(r);
  ASSERT_EQ(v2[0], 4);
  ASSERT_TRUE(DecodeCustomer(v2, &back, &hb).ok());
  EXPECT_FALSE(hb.known);
  CustomerHistory unknown;
  unknown.known = false;
  EXPECT_EQ(EncodeCustomer(r, &unknown), v2);
  h.Remove(1391191960, true);
  h.Remove(1291191960, true);
  h.Remove(1291191960, true);
  EXPECT_EQ(h.FirstPurchase(), kNoTime);
  EXPECT_EQ(h.LastEvent(), 1391191960);
  EXPECT_EQ(h.times.size(), 2u);
}

// Format 3 invoices count their purchase lines; format 2 ones read as unknown (-1).
TEST(RecordCodecTest, InvoicePurchaseLines) {
  InvoiceRecord r;
  r.purchase_counted = true;
  r.written_watermark = 1291191960;
  r.line_fingerprints = {11, 22, 33};
  r.purchase_lines = 2;
  std::string data = EncodeInvoice(r);
  ASSERT_EQ(data[0], 3);
  InvoiceRecord back;
  ASSERT_TRUE(DecodeInvoice(data, &back).ok());
  EXPECT_EQ(back, r);
  EXPECT_EQ(InvoiceWrittenWatermark(data), 1291191960);
  std::string v2 = data.substr(0, data.size() - 1);  // 2 is one varint byte
  v2[0] = 2;
  ASSERT_TRUE(DecodeInvoice(v2, &back).ok());
  EXPECT_EQ(back.purchase_lines, -1);
  EXPECT_EQ(InvoiceWrittenWatermark(v2), 1291191960);
  r.purchase_lines = 4;  // more purchase lines than lines
  EXPECT_EQ(DecodeInvoice(EncodeInvoice(r), &back).code(), Status::Code::kCorruption);
}

TEST(RecordCodecTest, InvoiceRoundTrip) {
  for (size_t n : {0u, 1u, 5u, 300u}) {
    InvoiceRecord r;
    r.purchase_counted = n % 2 == 1;
    for (size_t i = 0; i < n; ++i) r.line_fingerprints.push_back(0x9e3779b97f4a7c15ULL * (i + 1));
    InvoiceRecord back;
    back.line_fingerprints = {1, 2, 3};  // must be replaced, not appended to
    ASSERT_TRUE(DecodeInvoice(EncodeInvoice(r), &back).ok()) << n;
    EXPECT_EQ(back, r) << n;
  }
}

TEST(RecordCodecTest, InvoiceTruncatedOrOversizedIsCorruption) {
  InvoiceRecord r;
  r.purchase_counted = true;
  r.line_fingerprints = {11, 22, 33};
  const std::string full = EncodeInvoice(r);
  for (size_t n = 0; n < full.size(); ++n) {
    InvoiceRecord back;
    EXPECT_EQ(DecodeInvoice(std::string_view(full).substr(0, n), &back).code(), Status::Code::kCorruption)
        << "prefix of " << n << " bytes";
  }
  InvoiceRecord back;
  EXPECT_EQ(DecodeInvoice(full + "x", &back).code(), Status::Code::kCorruption);
  // A count far beyond the bytes present must not allocate or read past the end.
  std::string huge;
  huge.push_back(1);
  huge.push_back(0);
  PutVarint(&huge, uint64_t{1} << 60);
  EXPECT_EQ(DecodeInvoice(huge, &back).code(), Status::Code::kCorruption);
}

TEST(RecordCodecTest, InvoiceUnknownFormatIsNotSupported) {
  std::string data = EncodeInvoice(InvoiceRecord{});
  data[0] = 7;
  InvoiceRecord back;
  EXPECT_EQ(DecodeInvoice(data, &back).code(), Status::Code::kNotSupported);
}

TEST(RecordCodecTest, PrimitivesRoundTrip) {
  std::string buf;
  const uint64_t varints[] = {0, 1, 127, 128, 16383, 16384, uint64_t{1} << 35, ~uint64_t{0}};
  const int64_t signeds[] = {0, -1, 1, -64, 64, std::numeric_limits<int64_t>::min(),
                             std::numeric_limits<int64_t>::max()};
  for (uint64_t v : varints) PutVarint(&buf, v);
  for (int64_t v : signeds) PutSignedVarint(&buf, v);
  PutFixed64(&buf, 0x0102030405060708ULL);
  PutDouble(&buf, -0.1);
  PutBytes(&buf, std::string("a\0b", 3));
  EXPECT_EQ(buf.size() - buf.find(std::string("a\0b", 3)), 3u);

  Decoder d(buf);
  for (uint64_t v : varints) {
    uint64_t got = 0;
    ASSERT_TRUE(d.GetVarint(&got));
    EXPECT_EQ(got, v);
  }
  for (int64_t v : signeds) {
    int64_t got = 0;
    ASSERT_TRUE(d.GetSignedVarint(&got));
    EXPECT_EQ(got, v);
  }
  uint64_t fixed = 0;
  ASSERT_TRUE(d.GetFixed64(&fixed));
  EXPECT_EQ(fixed, 0x0102030405060708ULL);
  double dbl = 0;
  ASSERT_TRUE(d.GetDouble(&dbl));
  EXPECT_EQ(dbl, -0.1);
  std::string_view bytes;
  ASSERT_TRUE(d.GetBytes(&bytes));
  EXPECT_EQ(bytes, std::string_view("a\0b", 3));
  EXPECT_TRUE(d.done());
  uint8_t b;
  EXPECT_FALSE(d.GetByte(&b));
  EXPECT_FALSE(d.GetVarint(&fixed));

  // Little-endian fixed64 as documented.
  std::string le;
  PutFixed64(&le, 0x0102030405060708ULL);
  EXPECT_EQ(static_cast<uint8_t>(le[0]), 0x08);
  EXPECT_EQ(static_cast<uint8_t>(le[7]), 0x01);
  // A varint whose continuation never stops, and bytes longer than the input.
  const std::string endless(12, static_cast<char>(0x80));
  Decoder runaway(endless);
  EXPECT_FALSE(runaway.GetVarint(&fixed));
  std::string short_bytes;
  PutVarint(&short_bytes, 10);
  short_bytes += "abc";
  Decoder sb(short_bytes);
  EXPECT_FALSE(sb.GetBytes(&bytes));
}

TEST(RecordCodecTest, KeysSortAsDocumented) {
  EXPECT_EQ(InvoiceKey("17850", "536365"), std::string("17850") + '\0' + "536365");
  // Change keys of one customer sort by seq (big-endian), and never interleave
  // with another customer whose id extends this one ("1" vs "12").
  EXPECT_LT(ChangeKey("1", 255), ChangeKey("1", 256));
  EXPECT_LT(ChangeKey("1", 1), ChangeKey("1", uint64_t{1} << 40));
  EXPECT_LT(ChangeKey("1", ~uint64_t{0}), ChangeKey("12", 0));
  EXPECT_LT(InvoiceKey("1", "zzz"), InvoiceKey("12", "a"));
  const std::string k = ChangeKey("7", 0x0102);
  ASSERT_EQ(k.size(), 10u);
  EXPECT_EQ(k[1], '\0');
  EXPECT_EQ(static_cast<uint8_t>(k[8]), 0x01);
  EXPECT_EQ(static_cast<uint8_t>(k[9]), 0x02);
}

// State format 6: every customer-keyed family starts with the partition, so
// one partition's keys are one contiguous range, and the customer index and
// the timer keys carry it too.
TEST(RecordCodecTest, PartitionKeysAreContiguousRanges) {
  EXPECT_EQ(CustomerKey(0, "17850"), std::string("\0\0\0\0", 4) + "17850");
  EXPECT_EQ(CustomerKey(258, "1"), std::string("\0\0\x01\x02", 4) + "1");
  EXPECT_EQ(PartitionOfKey(CustomerKey(kMaxStatePartition, "9")), kMaxStatePartition);
  EXPECT_EQ(CustomerIdOfKey(CustomerKey(7, "12346")), "12346");
  EXPECT_EQ(PartitionOfKey("ab"), -1);
  // Partition 1's keys all sort after partition 0's and before partition 2's.
  const std::string p1 = PartitionKeyPrefix(1), p2 = PartitionKeyPrefix(2);
  for (const std::string& k : {CustomerKey(1, ""), CustomerKey(1, std::string(18, '9')),
                               InvoiceKey(CustomerKey(1, "99"), "\xff\xff"), ChangeKey(CustomerKey(1, "9"), ~uint64_t{0}),
                               TimerKey(INT64_MAX, CustomerIndex(1, kMaxLocalIndex)), TimerKey(INT64_MIN, CustomerIndex(1, 0))}) {
    EXPECT_GE(k, p1);
    EXPECT_LT(k, p2);
    EXPECT_GT(k, CustomerKey(0, std::string(18, '9')));
  }
  // Indices: the partition in the top 24 bits, so index keys sort by partition too.
  const uint64_t i = CustomerIndex(3, 41);
  EXPECT_EQ(PartitionOfIndex(i), 3);
  EXPECT_EQ(LocalIndex(i), 41u);
  EXPECT_LT(CustomerIndexKey(CustomerIndex(2, kMaxLocalIndex)), CustomerIndexKey(CustomerIndex(3, 0)));
  // Timers: by partition, then due time (negative before positive), then index.
  EXPECT_LT(TimerKey(-5, CustomerIndex(0, 9)), TimerKey(3, CustomerIndex(0, 1)));
  EXPECT_LT(TimerKey(3, CustomerIndex(0, 1)), TimerKey(3, CustomerIndex(0, 2)));
  EXPECT_LT(TimerKey(INT64_MAX, CustomerIndex(0, 1)), TimerKey(-5, CustomerIndex(1, 0)));
  EXPECT_LE(TimerRangeKey(4, 100), TimerKey(100, CustomerIndex(4, 0)));
  EXPECT_GT(TimerRangeKey(4, 101), TimerKey(100, CustomerIndex(4, kMaxLocalIndex)));
  int64_t due = 0;
  uint64_t index = 0;
  ASSERT_TRUE(ParseTimerKey(TimerKey(-77, CustomerIndex(9, 5)), &due, &index));
  EXPECT_EQ(due, -77);
  EXPECT_EQ(index, CustomerIndex(9, 5));
  // A key whose partition prefix disagrees with its index is not a timer key.
  std::string bad = TimerKey(1, CustomerIndex(9, 5));
  bad[3] = 8;
  EXPECT_FALSE(ParseTimerKey(bad, &due, &index));
  EXPECT_FALSE(ParseTimerKey(bad.substr(1), &due, &index));
}

}  // namespace
}  // namespace segstream
