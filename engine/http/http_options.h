// Options of the engine's HTTP server and the parser of its `--http` flag.
// The limits exist so that a slow or hostile client costs at most one worker
// thread for a bounded time and never reaches the pipeline thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "engine/util/status.h"

namespace segstream {

class TlsContext;  // tls.h
class TokenAuth;   // token_auth.h

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 9464;                  // 0 = ephemeral (see HttpServer::port())
  int threads = 4;                  // worker threads = connections served at once
  int max_queued_connections = 64;  // accepted, waiting for a worker; more get 503
  size_t max_body_bytes = 4096;     // request bodies (the API is GET only)
  size_t max_header_bytes = 16384;  // request line + headers, in total
  int read_timeout_ms = 5000;       // whole request (line, headers, body) and keep-alive idle
  int write_timeout_ms = 5000;      // whole response
  int keep_alive_max = 100;         // requests per connection
  // Security (issue 13): TLS on this port (null = plain HTTP), and bearer
  // tokens for every route but /healthz and /readyz (null = open); with
  // `metrics_open`, /metrics answers without a token too (Prometheus).
  std::shared_ptr<TlsContext> tls;
  std::shared_ptr<TokenAuth> auth;
  bool metrics_open = false;
};

// Parses the value of `--http`:
//   "127.0.0.1:9464", "[::1]:9464", "localhost:0" -> that host and port
//   ":9464"                                      -> all interfaces (0.0.0.0)
//   "none", "off", ""                            -> Status NotFound: the server is disabled
// Anything else (no port, port out of 0..65535, junk) is InvalidArgument.
// Fields other than host and port keep their defaults.
Result<HttpOptions> ParseHttpAddress(std::string_view host_port);

}  // namespace segstream
