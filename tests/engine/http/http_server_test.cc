// HttpServer endpoints with a fake EngineQueries on an ephemeral port:
// every route, status code, content type and JSON error body.
#include "engine/http/http_server.h"

#include <httplib.h>

#include <gtest/gtest.h>

#include "tests/engine/http/test_support.h"

namespace segstream {
namespace {

using testing::FakeQueries;

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    queries_.AddCustomer("17850", R"({"customer_id":"17850","segment_id":2})");
    HttpOptions opts;
    opts.port = 0;
    auto started = HttpServer::Start(opts, &observer_, &queries_);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(started).value();
    ASSERT_GT(server_->port(), 0);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  }

  httplib::Result Get(const std::string& path) { return client_->Get(path.c_str()); }

  PrometheusObserver observer_{{"9.9.9", "deadbee"}};
  FakeQueries queries_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpServerTest, MetricsServesTheExposition) {
  BatchReport r;
  r.events = {{"dead_letter", "bad_date", 3}};
  observer_.OnBatch(r);
  auto res = Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(res->body.find(R"(segstream_build_info{commit="deadbee",version="9.9.9"} 1)"), std::string::npos)
      << res->body.substr(0, 2000);
  EXPECT_NE(res->body.find(R"(segstream_events_total{reason="bad_date",result="dead_letter"} 3)"),
            std::string::npos);
}

TEST_F(HttpServerTest, HealthzAlwaysOk) {
  auto res = Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, R"({"status":"ok"})");
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
}

TEST_F(HttpServerTest, ReadyzFollowsTheEngine) {
  auto res = Get("/readyz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(res->body, R"({"error":"not ready"})");
  queries_.ready = true;
  res = Get("/readyz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

// While the state is restored from its changelog (or loaded), the probes
// and the metrics answer and every query route says why it cannot.
TEST_F(HttpServerTest, QueriesAre503WithTheReasonWhileTheStateIsUnavailable) {
  queries_.SetUnavailable("restoring the state from changelog topic cl: 10 records applied, at most 5 left");
  const std::string detail = R"("detail":"restoring the state from changelog topic cl: 10 records applied, at most 5 left")";
  for (const char* path : {"/customers/17850", "/segments", "/model", "/analytics", "/"}) {
    auto res = Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 503) << path;
    EXPECT_EQ(res->body, R"({"error":"state unavailable",)" + detail + "}") << path;
  }
  EXPECT_EQ(queries_.customer_calls.load(), 0) << "a query reached the state while it was unavailable";
  auto ready = Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);
  EXPECT_EQ(ready->body, R"({"error":"not ready",)" + detail + "}");
  for (const char* path : {"/healthz", "/metrics"}) {
    auto res = Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 200) << path;
  }
  queries_.SetUnavailable(std::nullopt);
  auto customer = Get("/customers/17850");
  ASSERT_TRUE(customer);
  EXPECT_EQ(customer->status, 200);
}

TEST_F(HttpServerTest, CustomerFoundUnknownAndInvalid) {
  auto res = Get("/customers/17850");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, R"({"customer_id":"17850","segment_id":2})");
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");

  res = Get("/customers/12345");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(res->body, R"({"error":"unknown customer","customer_id":"12345"})");

  // A failed read is never reported as an unknown customer.
  queries_.FailReads(Status::IOError("injected: disk read failed"));
  res = Get("/customers/17850");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(res->body, R"({"error":"state read failed","detail":"injected: disk read failed"})");
  queries_.FailReads(Status::OK());

  const int calls_before = queries_.customer_calls.load();
  for (const char* bad : {"/customers/", "/customers/a%20b", "/customers/a/b", "/customers/%22%7D",
                          "/customers/123456789012345678901234567890123"}) {
    res = Get(bad);
    ASSERT_TRUE(res) << bad;
    EXPECT_EQ(res->status, 400) << bad;
    EXPECT_NE(res->body.find("invalid customer id"), std::string::npos) << bad;
  }
  // Invalid ids never reach the engine.
  EXPECT_EQ(queries_.customer_calls.load(), calls_before);
  // Exactly 32 allowed characters is fine (unknown -> 404, not 400).
  res = Get("/customers/Ab.-_012345678901234567890123456");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
}

TEST_F(HttpServerTest, SegmentsAndModel) {
  auto res = Get("/segments");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, R"({"model_version":3,"segments":[]})");

  res = Get("/model");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(res->body, R"({"error":"no model yet"})");
  queries_.SetModel(R"({"model_version":1,"k":4})");
  res = Get("/model");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, R"({"model_version":1,"k":4})");
}

TEST_F(HttpServerTest, UnknownPathIs404Json) {
  for (const char* path : {"/index.html", "/metricsx", "/customers", "/admin/../metrics/x", "/analytics/x"}) {
    auto res = Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 404) << path;
    EXPECT_EQ(res->body, R"({"error":"not found"})") << path;
  }
}

TEST_F(HttpServerTest, PageAndAnalyticsAre503WhenNotServed) {
  for (const char* path : {"/", "/analytics"}) {
    auto res = Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 503) << path;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json") << path;
  }
}

// Queries that serve the live page and its document.
class PageQueries : public FakeQueries {
 public:
  std::optional<std::string> AnalyticsJson() override { return std::string(R"({"meta":{}})"); }
  std::optional<std::string> PageHtml() override { return std::string("<!DOCTYPE html><p>live</p>"); }
};

TEST(HttpServerPageTest, ServesThePageWithItsSecurityHeaders) {
  PageQueries queries;
  HttpOptions opts;
  opts.port = 0;
  auto server = HttpServer::Start(opts, nullptr, &queries);
  ASSERT_TRUE(server.ok());
  httplib::Client client("127.0.0.1", server.value()->port());
  auto res = client.Get("/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "<!DOCTYPE html><p>live</p>");
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(res->get_header_value("Content-Security-Policy").find("connect-src 'self'"), std::string::npos);
  EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
  res = client.Get("/analytics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, R"({"meta":{}})");
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
  res = client.Post("/", "x", "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
}

TEST_F(HttpServerTest, WrongMethodIs405) {
  auto res = client_->Post("/metrics", "x", "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  EXPECT_EQ(res->get_header_value("Allow"), "GET, HEAD");
  EXPECT_EQ(res->body, R"({"error":"method not allowed"})");
  res = client_->Delete("/customers/17850");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  // HEAD is allowed and has no body.
  res = client_->Head("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(res->body.empty());
}

TEST_F(HttpServerTest, OversizeBodyIs413) {
  auto res = client_->Post("/healthz", std::string(64 * 1024, 'x'), "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(res->body, R"({"error":"request body too large"})");
  // A small body is read and ignored; the method decides.
  res = client_->Post("/healthz", "x", "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
}

TEST_F(HttpServerTest, GetWithBodyDoesNotPoisonTheConnection) {
  client_->set_keep_alive(true);
  httplib::Request req;
  req.method = "GET";
  req.path = "/healthz";
  req.body = "GET /customers/17850 HTTP/1.1\r\n\r\n";
  req.set_header("Content-Type", "text/plain");
  auto res = client_->send(req);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(res->body, R"({"error":"request body not allowed"})");
  const int calls = queries_.customer_calls.load();
  res = Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(queries_.customer_calls.load(), calls);  // the body was not run as a request
}

TEST_F(HttpServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  client_->set_keep_alive(true);
  for (int i = 0; i < 250; ++i) {  // crosses keep_alive_max (100) twice
    auto res = Get(i % 2 ? "/healthz" : "/customers/17850");
    ASSERT_TRUE(res) << i;
    ASSERT_EQ(res->status, 200) << i;
  }
}

TEST(HttpServer, NullDependenciesAnswer503) {
  HttpOptions opts;
  opts.port = 0;
  auto server = HttpServer::Start(opts, nullptr, nullptr);
  ASSERT_TRUE(server.ok());
  httplib::Client client("127.0.0.1", (*server)->port());
  EXPECT_EQ(client.Get("/metrics")->status, 503);
  EXPECT_EQ(client.Get("/readyz")->status, 503);
  EXPECT_EQ(client.Get("/customers/1")->status, 503);
  EXPECT_EQ(client.Get("/healthz")->status, 200);
}

TEST(HttpServer, BindConflictIsAnError) {
  HttpOptions opts;
  opts.port = 0;
  auto first = HttpServer::Start(opts, nullptr, nullptr);
  ASSERT_TRUE(first.ok());
  opts.port = (*first)->port();
  auto second = HttpServer::Start(opts, nullptr, nullptr);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kIOError);
}

TEST(HttpServer, StopIsIdempotentAndClosesThePort) {
  HttpOptions opts;
  opts.port = 0;
  auto server = HttpServer::Start(opts, nullptr, nullptr);
  ASSERT_TRUE(server.ok());
  const int port = (*server)->port();
  (*server)->Stop();
  (*server)->Stop();
  EXPECT_EQ(testing::Connect(port), -1);
}

}  // namespace
}  // namespace segstream
