// Tests for engine/report: the document built from a small engine state has
// every section, its totals agree with the customers, and the HTML page is
// self-contained (Chart.js and the data inlined, no marker left, no "</"
// inside inline scripts).
#include "engine/report/report_data.h"

#include <gtest/gtest.h>

#include <random>

#include "engine/pipeline/segment_engine.h"
#include "engine/report/report_html.h"
#include "tests/state/fake_state_store.h"

namespace segstream::report {
namespace {

using segstream::testing::FakeStateStore;

void Fill(FakeStateStore* store) {
  EngineOptions options;
  options.min_customers = 30;
  options.k = 3;
  options.step_events = 64;
  options.publish_every = 300;
  options.min_version_interval_days = 0;
  SegmentEngine engine(options, store);
  ASSERT_TRUE(engine.Load().ok());
  std::mt19937_64 rng(3);
  SourceBatch b;
  for (int i = 0; i < 3000; ++i) {
    DecodedRecord r;
    const int c = 1 + static_cast<int>(rng() % 120);
    const bool ret = rng() % 15 == 0;
    r.event.customer_id = std::to_string(c);
    r.event.invoice = std::string(ret ? "C" : "").append(std::to_string(1000 * c + static_cast<int>(rng() % 8)));
    r.event.stock_code = std::to_string(rng() % 500);
    r.event.quantity = (ret ? -1 : 1) * static_cast<int64_t>(1 + rng() % 5);
    r.event.unit_price_milli = 500 + static_cast<int64_t>(rng() % 9000);
    r.event.invoice_ts = 1291191960 + static_cast<int64_t>(rng() % (200 * 86400));
    r.event.country = c % 5 == 0 ? "France" : "United Kingdom</script>";  // hostile text must stay inert
    r.origin.offset = i;
    b.records.push_back(std::move(r));
  }
  EngineOutputs out;
  ASSERT_TRUE(engine.Process("t", b, &out).ok());
  ASSERT_TRUE(engine.Finish(&out).ok());
  StateWrite w;
  engine.BuildCommit("t", {Position{0, 3000, 0}}, {}, &w);
  ASSERT_TRUE(store->Commit(w).ok());
}

TEST(ReportTest, DocumentHasEverySectionAndAgreesWithCustomers) {
  FakeStateStore store;
  Fill(&store);
  auto in = LoadReportInputs(&store);
  ASSERT_TRUE(in.ok());
  ReportOptions options;
  const nlohmann::json doc = BuildReportDocument(*in, ModelSelection(*in, options), options);

  double monthly = 0, customers = 0;
  for (const auto& m : doc["data"]["monthly"]) monthly += m["revenue"].get<double>();
  for (const auto& c : in->active) customers += c.monetary();
  // Customers without purchases (returns only) are outside `active`; this
  // stream gives every customer a purchase.
  EXPECT_NEAR(monthly, customers, 0.01);
  EXPECT_EQ(doc["data"]["top_countries"][0]["country"], "United Kingdom</script>");
  EXPECT_EQ(doc["model"]["segments"].size(), 3u);
  EXPECT_EQ(doc["model"]["selection"]["table"].size(), 9u);  // k = 2..10
  uint64_t grid = 0;
  for (const auto& cell : doc["rfm"]["grid"]) grid += cell["customers"].get<uint64_t>();
  EXPECT_EQ(grid, in->active.size());
  EXPECT_FALSE(doc["history"]["versions"].empty());
  uint64_t sizes = 0;
  for (const auto& s : doc["model"]["segments"]) sizes += s["customers"].get<uint64_t>();
  EXPECT_EQ(sizes, in->active.size());
}

TEST(ReportTest, HtmlIsSelfContained) {
  FakeStateStore store;
  Fill(&store);
  auto in = LoadReportInputs(&store);
  ASSERT_TRUE(in.ok());
  const nlohmann::json doc = BuildReportDocument(*in, ModelSelection(*in, {}), {});
  const std::string html = RenderReportHtml("window.Chart = function () {}; // </script> in a comment", doc);
  EXPECT_EQ(html.find("SEGSTREAM_CHARTJS"), std::string::npos);
  EXPECT_EQ(html.find("SEGSTREAM_DATA"), std::string::npos);
  EXPECT_NE(html.find("id=\"report-data\""), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  // Three script elements (Chart.js, data, glue) and nothing closes early.
  size_t closes = 0;
  for (size_t p = html.find("</script>"); p != std::string::npos; p = html.find("</script>", p + 1)) ++closes;
  EXPECT_EQ(closes, 3u);
  const std::string live = RenderLivePage("window.Chart = function () {};");
  EXPECT_EQ(live.find("id=\"report-data\""), std::string::npos);
  EXPECT_NE(live.find("/analytics"), std::string::npos);
}

}  // namespace
}  // namespace segstream::report
