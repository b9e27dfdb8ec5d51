// Test fixtures for the HTTP tests (see test_support.h).
#include "tests/engine/http/test_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

namespace segstream::testing {

Result<std::string> FakeQueries::CustomerJson(std::string_view id) {
  customer_calls.fetch_add(1);
  std::lock_guard<std::mutex> lock(mu_);
  if (!read_error_.ok()) return read_error_;
  auto it = customers_.find(std::string(id));
  if (it == customers_.end()) return Status::NotFound("unknown customer");
  return it->second;
}

void FakeQueries::FailReads(Status error) {
  std::lock_guard<std::mutex> lock(mu_);
  read_error_ = std::move(error);
}

std::string FakeQueries::SegmentsJson() { return R"({"model_version":3,"segments":[]})"; }

std::optional<std::string> FakeQueries::UnavailableReason() {
  std::lock_guard<std::mutex> lock(mu_);
  return unavailable_;
}

void FakeQueries::SetUnavailable(std::optional<std::string> reason) {
  std::lock_guard<std::mutex> lock(mu_);
  unavailable_ = std::move(reason);
}

std::optional<std::string> FakeQueries::ModelJson() {
  std::lock_guard<std::mutex> lock(mu_);
  return model_;
}

void FakeQueries::AddCustomer(const std::string& id, const std::string& json) {
  std::lock_guard<std::mutex> lock(mu_);
  customers_[id] = json;
}

void FakeQueries::SetModel(std::optional<std::string> json) {
  std::lock_guard<std::mutex> lock(mu_);
  model_ = std::move(json);
}

FakeEngine::FakeEngine(PrometheusObserver* observer) : observer_(observer) {
  thread_ = std::thread([this] {
    BatchReport r;
    r.events = {{"accepted", "purchase", 10}};
    r.processing_seconds = 0.001;
    while (!stop_.load()) {
      observer_->OnBatch(r);
      batches_.fetch_add(1);
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  });
}

FakeEngine::~FakeEngine() {
  stop_.store(true);
  thread_.join();
}

int Connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::string ReadResponse(int fd, int timeout_ms) {
  std::string out;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

int StatusOf(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) return 0;
  return std::stoi(response.substr(9, 3));
}

}  // namespace segstream::testing
