// HttpServer: routing and the JSON error bodies. Routing is done by hand in
// the pre-routing hook (exact string compares, no std::regex per request),
// which also gives precise 404 vs 405 answers.
#include "engine/http/http_server.h"

#include <chrono>
#include <exception>
#include <string>
#include <string_view>

#include "engine/http/guarded_server.h"
#include "engine/http/token_auth.h"
#include "engine/util/json.h"

namespace segstream {
namespace {

using HandlerResponse = httplib::Server::HandlerResponse;

constexpr char kJson[] = "application/json";
constexpr std::string_view kCustomersPrefix = "/customers/";
constexpr size_t kMaxCustomerIdLength = 32;
// Pending connections the kernel holds for us (capped by net.core.somaxconn).
constexpr int kListenBacklog = 1024;

bool ValidCustomerId(std::string_view id) {
  if (id.empty() || id.size() > kMaxCustomerIdLength) return false;
  for (char c : id) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// A message known to need no JSON escaping (fixed text, validated ids).
void JsonError(httplib::Response& res, int status, std::string_view error, std::string_view extra = {}) {
  res.status = status;
  std::string body = "{\"error\":\"";
  body.append(error).append("\"");
  body.append(extra);
  body.append("}");
  res.set_content(body, kJson);
  res.set_header("Cache-Control", "no-store");  // a 503 or 404 must not be cached any more than an answer
}

void Json(httplib::Response& res, std::string body) {
  res.status = 200;
  res.set_content(std::move(body), kJson);
  res.set_header("Cache-Control", "no-store");
}

const char* ReasonFor(int status) {
  switch (status) {
    case 400: return "bad request";
    case 401: return "unauthorized";
    case 404: return "not found";
    case 405: return "method not allowed";
    case 413: return "request body too large";
    case 414: return "request URI too long";
    case 416: return "range not satisfiable";
    case 500: return "internal error";
    case 503: return "unavailable";
    default: return "error";
  }
}

class Router {
 public:
  Router(const PrometheusObserver* metrics, EngineQueries* queries, std::shared_ptr<TokenAuth> auth,
         bool metrics_open)
      : metrics_(metrics), queries_(queries), auth_(std::move(auth)), metrics_open_(metrics_open) {}

  void Route(const httplib::Request& req, httplib::Response& res) const {
    const std::string& path = req.path;
    // Bearer tokens (token_auth.h): every route but the probes, and
    // /metrics when it is opened for Prometheus.
    if (auth_ && path != "/healthz" && path != "/readyz" && !(metrics_open_ && path == "/metrics") &&
        !auth_->Check(req.get_header_value("Authorization"))) {
      res.set_header("WWW-Authenticate", "Bearer realm=\"segstream\"");
      return JsonError(res, 401, "unauthorized: a bearer token is required");
    }
    const bool known = path == "/metrics" || path == "/healthz" || path == "/readyz" ||
                       path == "/segments" || path == "/model" || path == "/" || path == "/analytics" ||
                       path.starts_with(kCustomersPrefix);
    if (!known) return JsonError(res, 404, "not found");
    if (req.method != "GET" && req.method != "HEAD") {
      res.set_header("Allow", "GET, HEAD");
      return JsonError(res, 405, "method not allowed");
    }
    if (path == "/healthz") return Json(res, "{\"status\":\"ok\"}");
    if (path == "/metrics") {
      if (metrics_ == nullptr) return JsonError(res, 503, "metrics unavailable");
      res.set_content(metrics_->Scrape(), std::string(kPrometheusTextContentType));
      return;
    }
    if (queries_ == nullptr) return JsonError(res, 503, "engine not attached");
    if (path == "/readyz") {
      if (queries_->Ready()) return Json(res, "{\"status\":\"ready\"}");
      return JsonError(res, 503, "not ready", UnavailableDetail());
    }
    if (const std::string detail = UnavailableDetail(); !detail.empty()) {
      return JsonError(res, 503, "state unavailable", detail);
    }
    if (path == "/segments") return Json(res, queries_->SegmentsJson());
    if (path == "/analytics") {
      auto doc = queries_->AnalyticsJson();
      if (!doc) return JsonError(res, 503, "analytics unavailable");
      return Json(res, std::move(*doc));
    }
    if (path == "/") {
      auto page = queries_->PageHtml();
      if (!page) return JsonError(res, 503, "live page unavailable (is libjs-chart.js installed?)");
      res.status = 200;
      res.set_content(std::move(*page), "text/html; charset=utf-8");
      res.set_header("Cache-Control", "no-store");
      res.set_header("X-Content-Type-Options", "nosniff");
      // Inline scripts and styles only; data from this origin only.
      res.set_header("Content-Security-Policy",
                     "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'");
      return;
    }
    if (path == "/model") {
      auto model = queries_->ModelJson();
      if (!model) return JsonError(res, 404, "no model yet");
      return Json(res, std::move(*model));
    }
    const std::string_view id = std::string_view(path).substr(kCustomersPrefix.size());
    if (!ValidCustomerId(id)) {
      return JsonError(res, 400, "invalid customer id: expected 1 to 32 characters of [0-9A-Za-z._-]");
    }
    auto customer = queries_->CustomerJson(id);
    if (!customer.ok()) {
      if (customer.status().code() == Status::Code::kNotFound) {
        return JsonError(res, 404, "unknown customer",
                         std::string(",\"customer_id\":\"").append(id).append("\""));
      }
      // A failed read is not an unknown customer: say so, and let the
      // client retry (503) rather than conclude the customer does not exist.
      std::string detail = ",\"detail\":";
      AppendJsonString(&detail, customer.status().message());
      return JsonError(res, 503, "state read failed", detail);
    }
    Json(res, std::move(customer).value());
  }

 private:
  // ',"detail":"<why>"' while the queries cannot answer (a restore), else "".
  std::string UnavailableDetail() const {
    const auto why = queries_->UnavailableReason();
    if (!why) return {};
    std::string detail = ",\"detail\":";
    AppendJsonString(&detail, *why);
    return detail;
  }

  const PrometheusObserver* metrics_;
  EngineQueries* queries_;
  std::shared_ptr<TokenAuth> auth_;
  bool metrics_open_;
};

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpOptions& options,
                                                      const PrometheusObserver* metrics,
                                                      EngineQueries* queries) {
  if (options.threads < 1 || options.read_timeout_ms < 1 || options.write_timeout_ms < 1) {
    return Status::InvalidArgument("http: threads and timeouts must be positive");
  }
  std::unique_ptr<HttpServer> self(new HttpServer());
  self->server_ = std::make_unique<http_internal::GuardedServer>(options);
  auto& svr = *self->server_;
  auto router = std::make_shared<Router>(metrics, queries, options.auth, options.metrics_open);
  svr.set_pre_routing_handler([router](const httplib::Request& req, httplib::Response& res) {
    // A request with a body goes the long way, so cpp-httplib reads (and
    // bounds: 413) the body before we answer; otherwise its bytes would be
    // parsed as the next request on this connection.
    const bool has_body = req.has_header("Transfer-Encoding") ||
                          (req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0");
    if (has_body) {
      // cpp-httplib 0.11 reads bodies only for POST/PUT/PATCH/DELETE; on a
      // GET the unread body would be parsed as the next request. Refuse it
      // and close the connection instead.
      if (req.method == "GET" || req.method == "HEAD" || req.method == "OPTIONS") {
        res.set_header("Connection", "close");
        http_internal::CloseConnectionAfterResponse();
        JsonError(res, 400, "request body not allowed");
        return HandlerResponse::Handled;
      }
      return HandlerResponse::Unhandled;
    }
    router->Route(req, res);
    return HandlerResponse::Handled;
  });
  const httplib::Server::Handler route = [router](const httplib::Request& req, httplib::Response& res) {
    router->Route(req, res);
  };
  svr.Get(".*", route).Post(".*", route).Put(".*", route).Patch(".*", route);
  svr.Delete(".*", route).Options(".*", route);
  // Errors raised by cpp-httplib itself (400 parse errors, 413, 414) get a
  // JSON body too; handler-made errors already have one.
  svr.set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return HandlerResponse::Unhandled;
        JsonError(res, res.status, ReasonFor(res.status));
        return HandlerResponse::Handled;
      }));
  svr.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    JsonError(res, 500, "internal error");
  });

  if (options.port == 0) {
    self->port_ = svr.bind_to_any_port(options.host);
    if (self->port_ <= 0) return Status::IOError("http: cannot bind " + options.host + ":0");
  } else {
    if (!svr.bind_to_port(options.host, options.port)) {
      return Status::IOError("http: cannot bind " + options.host + ":" + std::to_string(options.port) +
                             " (in use, or not a local address)");
    }
    self->port_ = options.port;
  }
  if (!svr.RaiseBacklog(kListenBacklog)) return Status::IOError("http: listen() failed");
  self->listener_ = std::thread([&svr] { svr.listen_after_bind(); });
  // stop() is a no-op until the accept loop runs, so wait for it here.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!svr.is_running()) {
    if (std::chrono::steady_clock::now() > give_up) {
      return Status::IOError("http: server thread did not start");  // ~HttpServer joins
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return self;
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Stop() {
  if (server_ == nullptr) return;
  if (listener_.joinable()) {
    server_->stop();  // Start() waited until the accept loop runs, so this lands
    listener_.join();
  }
  server_.reset();
}

}  // namespace segstream
