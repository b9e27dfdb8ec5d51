// GuardedServer and BoundedPool (see guarded_server.h for why they exist).
#include "engine/http/guarded_server.h"

#include <fcntl.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <arpa/inet.h>
#include <cstring>
#include <optional>
#include <string>
#include <netinet/in.h>

#include "engine/http/tls.h"

namespace segstream::http_internal {
namespace {

// Per worker thread: the connection being handed to process_and_close_socket.
// cpp-httplib's accept loop only gives us a closure, so the pool passes the
// accept time (and the decision to reject) to the server through these.
thread_local Clock::time_point t_accepted;
thread_local bool t_reject = false;
thread_local bool t_close_after_response = false;

// How long a waiting thread sleeps before it checks whether the server stops.
constexpr auto kStopPollInterval = std::chrono::milliseconds(100);
// A connection that waited in the queue past its deadline still gets this
// long to show a request that is already in the socket buffer.
constexpr auto kQueuedGrace = std::chrono::milliseconds(20);

// Responses larger than this are sent while they are being written.
constexpr size_t kFlushBytes = 64 * 1024;

constexpr char kBusyResponse[] =
    "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
    "Content-Length: 36\r\nConnection: close\r\nRetry-After: 1\r\n\r\n"
    "{\"error\":\"too many open connections\"}";

int PollMillis(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  left = std::clamp(left, std::chrono::milliseconds(0),
                    std::chrono::duration_cast<std::chrono::milliseconds>(kStopPollInterval));
  return static_cast<int>(left.count());
}

// A socket Stream that enforces one deadline for reading a whole request,
// one for writing a whole response, and a byte budget per request.
class DeadlineStream : public httplib::Stream {
 public:
  DeadlineStream(socket_t sock, const std::atomic<socket_t>& listen_sock, const HttpOptions& o)
      : sock_(sock), listen_sock_(listen_sock), options_(o) {}
  ~DeadlineStream() override {
    if (ssl_ != nullptr) SSL_free(ssl_);
  }

  // Best effort, non-blocking close_notify; call before closing the socket.
  void EndTls() {
    if (ssl_ != nullptr) (void)SSL_shutdown(ssl_);
  }

  // TLS: wraps the (now non-blocking) socket and runs the server handshake
  // within `deadline`. False on a failed or too slow handshake (plain HTTP
  // on a TLS port, garbage, a client that stalls).
  bool StartTls(SSL_CTX* ctx, Clock::time_point deadline) {
    const int flags = ::fcntl(sock_, F_GETFL, 0);
    if (flags < 0 || ::fcntl(sock_, F_SETFL, flags | O_NONBLOCK) < 0) return false;
    ssl_ = SSL_new(ctx);
    if (ssl_ == nullptr || SSL_set_fd(ssl_, sock_) != 1) return false;
    for (;;) {
      const int r = SSL_accept(ssl_);
      if (r == 1) return true;
      if (!WaitSsl(r, deadline)) return false;
    }
  }

  void BeginRequest(Clock::time_point read_deadline) {
    read_deadline_ = read_deadline;
    write_deadline_.reset();
    budget_ = options_.max_header_bytes + options_.max_body_bytes;
  }

  // Waits until bytes are buffered or readable. False on deadline, peer
  // close/error, or server stop.
  bool WaitReadable() const {
    if (pos_ < len_) return true;
    if (ssl_ != nullptr && SSL_pending(ssl_) > 0) return true;
    return WaitFor(POLLIN, read_deadline_);
  }

  bool is_readable() const override { return WaitReadable(); }

  bool is_writable() const override {
    return WaitFor(POLLOUT, write_deadline_.value_or(Clock::now() + WriteTimeout()));
  }

  ssize_t read(char* ptr, size_t size) override {
    if (budget_ == 0) return -1;  // request larger than headers + body limits
    size = std::min(size, budget_);
    if (pos_ == len_ && ssl_ != nullptr) {
      int n = 0;
      for (;;) {
        n = SSL_read(ssl_, buf_, sizeof buf_);
        if (n > 0) break;
        if (!WaitSsl(n, read_deadline_)) return -1;
      }
      pos_ = 0;
      len_ = static_cast<size_t>(n);
    } else if (pos_ == len_) {
      // Try first, wait only when nothing is there: saves a poll() per
      // request on busy keep-alive connections.
      ssize_t n = ::recv(sock_, buf_, sizeof buf_, MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        if (!WaitFor(POLLIN, read_deadline_)) return -1;
        n = ::recv(sock_, buf_, sizeof buf_, MSG_DONTWAIT);
      }
      if (n <= 0) return n < 0 ? -1 : 0;
      pos_ = 0;
      len_ = static_cast<size_t>(n);
    }
    const size_t n = std::min(size, len_ - pos_);
    std::memcpy(ptr, buf_ + pos_, n);
    pos_ += n;
    budget_ -= n;
    return static_cast<ssize_t>(n);
  }

  // Responses are collected and sent with one send() by Flush() (cpp-httplib
  // writes the status line, headers and body separately); large ones are
  // flushed as they grow.
  ssize_t write(const char* ptr, size_t size) override {
    if (!write_deadline_) write_deadline_ = Clock::now() + WriteTimeout();
    out_.append(ptr, size);
    if (out_.size() >= kFlushBytes && !Flush()) return -1;
    return static_cast<ssize_t>(size);
  }

  // Sends everything written so far; false on error or write deadline.
  bool Flush() {
    size_t done = 0;
    bool ok = true;
    while (ssl_ != nullptr && done < out_.size()) {
      const int n = SSL_write(ssl_, out_.data() + done, static_cast<int>(std::min<size_t>(out_.size() - done, 1 << 20)));
      if (n > 0) {
        done += static_cast<size_t>(n);
        continue;
      }
      if (!WaitSsl(n, write_deadline_.value_or(Clock::now() + WriteTimeout()))) {
        ok = false;
        break;
      }
    }
    while (ssl_ == nullptr && done < out_.size()) {
      const ssize_t n = ::send(sock_, out_.data() + done, out_.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        done += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) &&
          WaitFor(POLLOUT, write_deadline_.value_or(Clock::now() + WriteTimeout()))) {
        continue;
      }
      ok = false;
      break;
    }
    out_.clear();
    return ok;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    Address(::getpeername, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    Address(::getsockname, ip, port);
  }
  socket_t socket() const override { return sock_; }

 private:
  std::chrono::milliseconds WriteTimeout() const {
    return std::chrono::milliseconds(options_.write_timeout_ms);
  }

  // Polls in short slices so that Stop() is noticed while a client idles.
  bool WaitFor(short events, Clock::time_point deadline) const {
    for (;;) {
      if (listen_sock_.load() == INVALID_SOCKET) return false;  // stopping
      pollfd p{sock_, events, 0};
      const int ms = PollMillis(deadline);
      const int r = ::poll(&p, 1, ms);
      if (r > 0) return (p.revents & events) != 0 || (p.revents & POLLHUP) != 0;
      if (r < 0 && errno != EINTR) return false;
      if (r == 0 && Clock::now() >= deadline) return false;
    }
  }

  // After an SSL call returned `r` <= 0: waits for what OpenSSL wants.
  // False on a real error, a closed peer or the deadline.
  bool WaitSsl(int r, Clock::time_point deadline) const {
    switch (SSL_get_error(ssl_, r)) {
      case SSL_ERROR_WANT_READ: return WaitFor(POLLIN, deadline);
      case SSL_ERROR_WANT_WRITE: return WaitFor(POLLOUT, deadline);
      default: return false;
    }
  }

  template <typename Fn>
  void Address(Fn fn, std::string& ip, int& port) const {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    ip.clear();
    port = 0;
    if (fn(sock_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return;
    char text[INET6_ADDRSTRLEN] = {};
    if (addr.ss_family == AF_INET) {
      auto* a = reinterpret_cast<sockaddr_in*>(&addr);
      ::inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
      port = ntohs(a->sin_port);
    } else if (addr.ss_family == AF_INET6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
      ::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
      port = ntohs(a->sin6_port);
    }
    ip = text;
  }

  const socket_t sock_;
  const std::atomic<socket_t>& listen_sock_;
  const HttpOptions& options_;
  Clock::time_point read_deadline_;
  std::optional<Clock::time_point> write_deadline_;
  size_t budget_ = 0;
  std::string out_;
  char buf_[4096];
  size_t pos_ = 0;
  size_t len_ = 0;
  SSL* ssl_ = nullptr;
};

}  // namespace

void CloseConnectionAfterResponse() { t_close_after_response = true; }

BoundedPool::BoundedPool(int threads, int max_queued)
    : max_queued_(static_cast<size_t>(std::max(0, max_queued))) {
  for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { Work(); });
}

BoundedPool::~BoundedPool() { shutdown(); }

void BoundedPool::enqueue(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!shutdown_ && jobs_.size() < max_queued_) {
      jobs_.push_back({Clock::now(), std::move(fn)});
      cv_.notify_one();
      return;
    }
  }
  // Full: answer 503 right here on the accept thread; it costs one
  // non-blocking send and a close.
  t_reject = true;
  fn();
  t_reject = false;
}

void BoundedPool::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutdown_ && threads_.empty()) return;
    shutdown_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void BoundedPool::Work() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return shutdown_ || !jobs_.empty(); });
      // Queued connections still run on shutdown: the server sees that it is
      // stopping and closes them at once.
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    t_accepted = job.accepted;
    job.fn();
  }
}

GuardedServer::GuardedServer(const HttpOptions& options) : options_(options) {
  const int threads = options_.threads;
  const int queued = options_.max_queued_connections;
  new_task_queue = [threads, queued] { return new BoundedPool(threads, queued); };
  set_read_timeout(std::chrono::milliseconds(options_.read_timeout_ms));
  set_write_timeout(std::chrono::milliseconds(options_.write_timeout_ms));
  set_keep_alive_max_count(static_cast<size_t>(std::max(1, options_.keep_alive_max)));
  set_payload_max_length(options_.max_body_bytes);
  set_tcp_nodelay(true);
  // cpp-httplib's default also sets SO_REUSEPORT, which would let a second
  // instance bind the same port and silently take half of the scrapes.
  set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
}

bool GuardedServer::RaiseBacklog(int backlog) {
  const socket_t sock = svr_sock_.load();
  return sock != INVALID_SOCKET && ::listen(sock, backlog) == 0;
}

bool GuardedServer::process_and_close_socket(socket_t sock) {
  if (t_reject) {
    (void)::send(sock, kBusyResponse, sizeof kBusyResponse - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return false;
  }
  const auto read_timeout = std::chrono::milliseconds(options_.read_timeout_ms);
  DeadlineStream stream(sock, svr_sock_, options_);
  // The first request's clock starts at accept, not when a worker got free.
  auto deadline = std::max(t_accepted + read_timeout, Clock::now() + kQueuedGrace);
  bool ok = true;
  if (options_.tls && !stream.StartTls(options_.tls->ctx(), deadline)) {
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return false;
  }
  for (int left = std::max(1, options_.keep_alive_max); left > 0; --left) {
    stream.BeginRequest(deadline);
    if (!stream.WaitReadable()) break;  // idle past the deadline, closed, or stopping
    bool closed = false;
    t_close_after_response = false;
    ok = process_request(stream, /*close_connection=*/left == 1, closed, nullptr);
    if (!stream.Flush()) ok = false;
    if (!ok || closed || t_close_after_response) break;
    deadline = Clock::now() + read_timeout;
  }
  stream.EndTls();
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

}  // namespace segstream::http_internal
