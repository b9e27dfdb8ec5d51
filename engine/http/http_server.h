// HttpServer: the engine's HTTP face (GET /metrics, /healthz, /readyz,
// /customers/{id}, /segments, /model, /analytics and the live page at /;
// see docs/http.md). It runs on its own
// threads; the pipeline never waits for it. Requests only read the
// observer's registry and call the thread-safe EngineQueries.
#pragma once

#include <memory>
#include <thread>

#include "engine/http/http_options.h"
#include "engine/metrics/prometheus_observer.h"
#include "engine/observe/observer.h"
#include "engine/util/status.h"

namespace segstream {

namespace http_internal {
class GuardedServer;
}

class HttpServer {
 public:
  // Binds host:port (port 0 picks a free port) and starts serving before it
  // returns. `metrics` and `queries` must outlive the server; either may be
  // null, and its routes then answer 503.
  static Result<std::unique_ptr<HttpServer>> Start(const HttpOptions& options,
                                                   const PrometheusObserver* metrics,
                                                   EngineQueries* queries);
  ~HttpServer();  // Stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port (the chosen one when options.port was 0).
  int port() const { return port_; }

  // Stops accepting, closes open connections (within ~100 ms) and joins the
  // threads. Idempotent.
  void Stop();

 private:
  HttpServer() = default;

  std::unique_ptr<http_internal::GuardedServer> server_;
  std::thread listener_;
  int port_ = 0;
};

}  // namespace segstream
