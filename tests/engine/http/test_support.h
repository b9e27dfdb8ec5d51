// Shared fixtures of the HTTP tests: a fake EngineQueries, a thread that
// plays the pipeline (OnBatch in a loop, counting its progress), and raw
// socket helpers for clients that do not speak proper HTTP.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "engine/metrics/prometheus_observer.h"
#include "engine/observe/observer.h"

namespace segstream::testing {

class FakeQueries : public EngineQueries {
 public:
  Result<std::string> CustomerJson(std::string_view id) override;
  // Every CustomerJson answers `error` from now on (fault injection).
  void FailReads(Status error);
  std::string SegmentsJson() override;
  std::optional<std::string> ModelJson() override;
  bool Ready() override { return ready.load(); }
  std::optional<std::string> UnavailableReason() override;
  // Every query route answers 503 with `reason` (nullopt: they answer).
  void SetUnavailable(std::optional<std::string> reason);

  void AddCustomer(const std::string& id, const std::string& json);
  void SetModel(std::optional<std::string> json);

  std::atomic<bool> ready{false};
  std::atomic<int> customer_calls{0};

 private:
  std::mutex mu_;
  std::map<std::string, std::string> customers_;
  std::optional<std::string> model_;
  Status read_error_;
  std::optional<std::string> unavailable_;
};

// Calls observer->OnBatch in a loop on its own thread until destroyed.
class FakeEngine {
 public:
  explicit FakeEngine(PrometheusObserver* observer);
  ~FakeEngine();
  uint64_t batches() const { return batches_.load(); }

 private:
  PrometheusObserver* observer_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> batches_{0};
  std::thread thread_;
};

// A blocking TCP connection to 127.0.0.1:port; -1 on failure.
int Connect(int port);
// Sends all bytes; false when the peer closed or reset.
bool SendAll(int fd, const std::string& bytes);
// Reads until EOF or until `timeout_ms` passes without data.
std::string ReadResponse(int fd, int timeout_ms);
// The status code of a raw HTTP response, 0 if none.
int StatusOf(const std::string& response);

}  // namespace segstream::testing
