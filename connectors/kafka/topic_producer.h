// TopicProducer: a plain producer for one topic with optional pacing, for the
// tools that feed the engine (segctl produce, loadgen) and the benchmarks.
// Unlike KafkaSink it has a finite message timeout: a tool should end with an
// error, not wait forever, when the broker is gone.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "engine/util/status.h"

namespace segstream {

struct TopicProducerOptions {
  std::string brokers;
  std::string topic;
  double rate = 0;  // messages per second; 0 = as fast as possible
  std::map<std::string, std::string> properties;  // librdkafka, applied last
};

class TopicProducer {
 public:
  static Result<std::unique_ptr<TopicProducer>> Open(const TopicProducerOptions& options);
  ~TopicProducer();
  TopicProducer(const TopicProducer&) = delete;
  TopicProducer& operator=(const TopicProducer&) = delete;

  // Queues one message (empty key = null key); waits when the local queue is
  // full and, with a rate, until the message is due. The message timestamp is
  // librdkafka's default CreateTime, i.e. now.
  Status Produce(std::string_view key, std::string_view value);

  // Waits for every delivery report; non-OK when any message failed or the
  // reports did not arrive within timeout_ms.
  Status Flush(int timeout_ms);

  uint64_t produced() const { return produced_; }
  uint64_t delivered() const { return delivered_; }
  uint64_t failed() const { return failed_; }

 private:
  struct Impl;
  explicit TopicProducer(std::unique_ptr<Impl> impl);
  static void OnDelivery(void* opaque, bool ok, const char* error);

  std::unique_ptr<Impl> impl_;
  uint64_t produced_ = 0;
  uint64_t delivered_ = 0;
  uint64_t failed_ = 0;
  std::string first_error_;
  double rate_ = 0;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace segstream
