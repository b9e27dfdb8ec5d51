// GuardedServer: cpp-httplib's Server with hard per-connection limits that
// the library (0.11) does not have on its own:
//   - a bounded connection queue: connections beyond `threads + queue` get an
//     immediate 503 instead of waiting behind others without limit;
//   - a deadline for each whole request (line + headers + body), counted from
//     accept (first request) or from the end of the previous response, so a
//     slowloris client that trickles bytes, or an idle connection, holds a
//     worker for at most `read_timeout_ms`; cpp-httplib's own timeout is per
//     read() and restarts with every byte;
//   - a byte budget per request, so a header without a newline cannot grow
//     without bound before the header-length check runs.
// Internal to engine/http (the public face is HttpServer).
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/http/http_options.h"

namespace segstream::http_internal {

using Clock = std::chrono::steady_clock;

// A fixed pool of worker threads with a bounded queue (httplib::TaskQueue).
class BoundedPool : public httplib::TaskQueue {
 public:
  BoundedPool(int threads, int max_queued);
  ~BoundedPool() override;

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

 private:
  struct Job {
    Clock::time_point accepted;
    std::function<void()> fn;
  };
  void Work();

  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;       // guarded by mu_
  bool shutdown_ = false;      // guarded by mu_
  std::vector<std::thread> threads_;
};

// Called from a request handler: the connection is closed after this
// response (the handler runs on the connection's worker thread).
void CloseConnectionAfterResponse();

class GuardedServer : public httplib::Server {
 public:
  explicit GuardedServer(const HttpOptions& options);

  // cpp-httplib 0.11 listens with a backlog of 5 (compiled into the shared
  // library); a burst of connections then waits for SYN retransmits (1 s,
  // 3 s, ...). Call after bind: listen() again raises the backlog.
  bool RaiseBacklog(int backlog);

 private:
  // Replaces cpp-httplib's keep-alive loop (a private virtual of the base).
  bool process_and_close_socket(socket_t sock) override;

  const HttpOptions options_;
};

}  // namespace segstream::http_internal
