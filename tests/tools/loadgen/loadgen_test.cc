// Tests for loadgen: the Zipf sampler against the exact distribution, the
// generator's determinism and shape, and that every line it writes decodes
// (with the engine's own decoders) to the event it meant, or is a dead letter
// when it was meant to be malformed.
#include <cmath>
#include <map>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "connectors/decode/csv_decoder.h"
#include "connectors/decode/json_decoder.h"
#include "tools/loadgen/generator.h"
#include "tools/loadgen/zipf.h"

namespace segstream::loadgen {
namespace {

TEST(ZipfSamplerTest, MatchesTheExactDistribution) {
  for (double s : {0.8, 1.0, 1.1, 2.0}) {
    const uint64_t n = 50;
    ZipfSampler zipf(n, s);
    Rng rng(42);
    std::vector<double> count(n + 1, 0);
    const int draws = 200000;
    for (int i = 0; i < draws; ++i) {
      uint64_t k = zipf.Sample(rng);
      ASSERT_GE(k, 1u);
      ASSERT_LE(k, n);
      count[k] += 1;
    }
    double norm = 0;
    for (uint64_t k = 1; k <= n; ++k) norm += std::pow(static_cast<double>(k), -s);
    for (uint64_t k : {1u, 2u, 5u, 20u, 50u}) {
      const double p = std::pow(static_cast<double>(k), -s) / norm;
      const double sigma = std::sqrt(p * (1 - p) / draws);
      EXPECT_NEAR(count[k] / draws, p, 5 * sigma + 1e-4) << "s=" << s << " k=" << k;
    }
  }
}

TEST(ZipfSamplerTest, HugeRangeStaysInBounds) {
  ZipfSampler zipf(10'000'000, 1.1);
  Rng rng(7);
  uint64_t ones = 0;
  for (int i = 0; i < 100000; ++i) {
    uint64_t k = zipf.Sample(rng);
    ASSERT_GE(k, 1u);
    ASSERT_LE(k, 10'000'000u);
    ones += k == 1;
  }
  EXPECT_GT(ones, 0u);
}

std::vector<std::string> Lines(const GeneratorOptions& o, Format f) {
  InvoiceGenerator gen(o);
  GeneratedLine line;
  std::vector<std::string> out;
  while (gen.Next(&line)) {
    std::string s;
    AppendLine(line, f, &s);
    out.push_back(std::move(s));
  }
  return out;
}

TEST(InvoiceGeneratorTest, SameSeedSameStreamOtherSeedOtherStream) {
  GeneratorOptions o;
  o.customers = 500;
  o.events = 2000;
  o.bad_rate = 0.05;
  EXPECT_EQ(Lines(o, Format::kJsonl), Lines(o, Format::kJsonl));
  GeneratorOptions other = o;
  other.seed = 2;
  EXPECT_NE(Lines(o, Format::kJsonl), Lines(other, Format::kJsonl));
  EXPECT_EQ(Lines(o, Format::kJsonl).size(), 2000u);
}

// --cover: the first `customers` invoices visit each customer exactly once.
// --uniform: no customer gets a Zipf head's share.
TEST(InvoiceGeneratorTest, CoverVisitsEveryCustomerFirstAndUniformIsFlat) {
  GeneratorOptions o;
  o.customers = 1000;
  o.events = 20000;
  o.max_lines = 3;
  o.cover = true;
  o.uniform = true;
  InvoiceGenerator gen(o);
  GeneratedLine line;
  std::vector<std::string> first_visits;  // customer of each new invoice, in order
  std::map<std::string, int> invoices_per_customer;
  std::string last_invoice;
  while (gen.Next(&line)) {
    if (line.event.invoice == last_invoice) continue;
    last_invoice = line.event.invoice;
    if (first_visits.size() < o.customers) first_visits.push_back(line.event.customer_id);
    ++invoices_per_customer[line.event.customer_id];
  }
  std::set<std::string> distinct(first_visits.begin(), first_visits.end());
  EXPECT_EQ(distinct.size(), o.customers);
  EXPECT_EQ(invoices_per_customer.size(), o.customers);
  int most = 0;
  for (const auto& [id, n] : invoices_per_customer) most = std::max(most, n);
  // ~10,000 invoices over 1,000 customers uniformly: about 10 each; a Zipf
  // head (1.1) would give the top customer hundreds.
  EXPECT_LT(most, 40);
}

TEST(InvoiceGeneratorTest, ShapeOfTheStream) {
  GeneratorOptions o;
  o.customers = 1000;
  o.events = 20000;
  o.return_rate = 0.1;
  o.events_per_day = 1000;
  InvoiceGenerator gen(o);
  GeneratedLine line;
  std::set<std::string> invoices, returns, customers;
  std::map<std::string, std::set<std::string>> invoice_customers;
  int64_t last_ts = 0;
  while (gen.Next(&line)) {
    const InvoiceEvent& e = line.event;
    EXPECT_FALSE(line.bad);
    invoices.insert(e.invoice);
    customers.insert(e.customer_id);
    invoice_customers[e.invoice].insert(e.customer_id);
    const uint64_t id = std::stoull(e.customer_id);
    EXPECT_GE(id, 12346u);
    EXPECT_LT(id, 12346u + 1000u);
    if (e.invoice[0] == 'C') {
      returns.insert(e.invoice);
      EXPECT_LT(e.quantity, 0);
    } else {
      EXPECT_GT(e.quantity, 0);
    }
    EXPECT_GT(e.unit_price_milli, 0);
    EXPECT_GE(e.invoice_ts, last_ts);
    last_ts = e.invoice_ts;
  }
  // 20 days of event time.
  EXPECT_NEAR(static_cast<double>(last_ts - o.start), 20 * 86400.0, 86400.0);
  // Multi-line invoices, one customer each, about 10 % of them returns.
  EXPECT_LT(invoices.size(), 20000u / 3);
  for (const auto& [inv, cs] : invoice_customers) EXPECT_EQ(cs.size(), 1u) << inv;
  const double return_share = static_cast<double>(returns.size()) / static_cast<double>(invoices.size());
  EXPECT_NEAR(return_share, 0.1, 0.03);
  // Zipf: many customers, but far from uniform use.
  EXPECT_GT(customers.size(), 100u);
}

TEST(InvoiceGeneratorTest, DriftMovesActivityToNewCustomers) {
  GeneratorOptions o;
  o.customers = 1000;
  o.events = 40000;
  o.drift = true;
  InvoiceGenerator gen(o);
  GeneratedLine line;
  uint64_t new_early = 0, new_late = 0, i = 0;
  while (gen.Next(&line)) {
    const bool is_new = std::stoull(line.event.customer_id) >= 12346u + 1000u;
    if (i < 20000) new_early += is_new;
    if (i >= 30000) new_late += is_new;
    ++i;
  }
  EXPECT_EQ(new_early, 0u);
  // Roughly half the activity moved to the new group by the last quarter.
  EXPECT_GT(new_late, 2500u);
  EXPECT_LT(new_late, 7500u);
}

TEST(InvoiceGeneratorTest, LinesDecodeToTheirEventsAndBadLinesAreDeadLetters) {
  GeneratorOptions o;
  o.customers = 300;
  o.events = 3000;
  o.bad_rate = 0.1;
  o.return_rate = 0.05;
  for (Format f : {Format::kJsonl, Format::kCsv}) {
    InvoiceGenerator gen(o);
    JsonEventDecoder json;
    Result<CsvDecoder> csv = CsvDecoder::FromHeader(CsvHeader());
    ASSERT_TRUE(csv.ok());
    GeneratedLine line;
    int bad = 0;
    while (gen.Next(&line)) {
      std::string text;
      AppendLine(line, f, &text);
      DecodedRecord rec;
      if (f == Format::kJsonl) {
        json.Decode(text, &rec);
      } else {
        csv->Decode(text, &rec);
      }
      if (line.bad) {
        ++bad;
        EXPECT_FALSE(rec.error.empty()) << text;
        continue;
      }
      ASSERT_TRUE(rec.error.empty()) << rec.error << ": " << text;
      EXPECT_EQ(rec.event.invoice, line.event.invoice);
      EXPECT_EQ(rec.event.stock_code, line.event.stock_code);
      EXPECT_EQ(rec.event.description, line.event.description);
      EXPECT_EQ(rec.event.customer_id, line.event.customer_id);
      EXPECT_EQ(rec.event.country, line.event.country);
      EXPECT_EQ(rec.event.quantity, line.event.quantity);
      EXPECT_EQ(rec.event.unit_price_milli, line.event.unit_price_milli);
      EXPECT_EQ(rec.event.invoice_ts, line.event.invoice_ts);
    }
    EXPECT_NEAR(bad, 300, 60);
  }
}

}  // namespace
}  // namespace segstream::loadgen
