// Small helpers around librdkafka's C API shared by the source, the sink and
// the admin calls: owning handles, building a configuration from layered
// property maps, and a rate-limited logger so a broker outage does not flood
// stderr with one line per retry.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "engine/util/status.h"

namespace segstream::rdk {

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
struct TopicDeleter {
  void operator()(rd_kafka_topic_t* t) const { rd_kafka_topic_destroy(t); }
};
struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const { rd_kafka_queue_destroy(q); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const { rd_kafka_event_destroy(e); }
};
struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};

using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;
using TopicPtr = std::unique_ptr<rd_kafka_topic_t, TopicDeleter>;
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

// Sets one property; the error names the property but never a secret value.
Status Set(rd_kafka_conf_t* conf, const std::string& name, const std::string& value);

// A configuration from layers applied in order (later layers win).
Result<ConfPtr> BuildConf(std::initializer_list<const std::map<std::string, std::string>*> layers);

// Logs at most `burst` lines per `period` for each key and counts the rest,
// reporting the number suppressed when the next line gets through. Thread-safe.
class RateLimitedLog {
 public:
  explicit RateLimitedLog(std::chrono::milliseconds period = std::chrono::seconds(10), int burst = 3)
      : period_(period), burst_(burst) {}
  void Log(std::string_view key, std::string_view line);

 private:
  struct Window {
    std::chrono::steady_clock::time_point start;
    int logged = 0;
    uint64_t suppressed = 0;
  };
  std::mutex mu_;
  std::chrono::milliseconds period_;
  int burst_;
  std::map<std::string, Window, std::less<>> windows_;
};

// The object a client handle's opaque points to: the source and the sink
// derive from it (first), so librdkafka's callbacks can find their logger.
struct ClientContext {
  RateLimitedLog log;
};

// Installs a log_cb that routes client logs through the ClientContext's log;
// the caller must set the conf's opaque to that ClientContext.
void SetLogger(rd_kafka_conf_t* conf);

// librdkafka errors as a Status. `make` picks the code: Status::Unavailable
// for a client call the engine retries or logs (assign, unassign),
// Status::IOError for a step that stops the run (a transaction). The message
// is "what: <librdkafka's text>", or the text alone when `what` is empty.
using StatusMaker = Status (*)(std::string message);
// Takes ownership of `error` (destroys it); OK for nullptr.
Status TakeError(rd_kafka_error_t* error, StatusMaker make, std::string_view what = {});
// OK for RD_KAFKA_RESP_ERR_NO_ERROR.
Status FromErr(rd_kafka_resp_err_t err, StatusMaker make, std::string_view what = {});

// The partition ids of `topic` from a metadata request through `rk` (any
// client; blocking up to timeout_ms). Empty when the topic does not exist;
// Unavailable when the brokers do not answer.
Result<std::vector<int32_t>> TopicPartitions(rd_kafka_t* rk, const std::string& topic, int timeout_ms);

// A client of `type` for one short task (an admin call, a restore) from the
// property layers; `context` (its log) must outlive the handle. `what` names
// it in errors.
Result<HandlePtr> NewClient(rd_kafka_type_t type, const char* what, ClientContext* context,
                            std::initializer_list<const std::map<std::string, std::string>*> layers);

// Microseconds since the epoch, wall clock.
int64_t NowMicros();

// The metadata segstream commits with an input offset: "segstream:" + the
// committing instance's id (state/instance_id.h).
std::string CommitMetadata(const std::string& instance_id);
// Sets `p`'s commit metadata to `metadata` (the list frees it). No-op for "".
void SetCommitMetadata(rd_kafka_topic_partition_t* p, const std::string& metadata);
// The instance id in commit metadata `p` carries; "" when it was not
// committed by a segstream instance (no metadata, a tool's reset).
std::string CommittingInstance(const rd_kafka_topic_partition_t& p);

}  // namespace segstream::rdk
