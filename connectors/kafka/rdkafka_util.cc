// Implementation of the librdkafka helpers.
#include "connectors/kafka/rdkafka_util.h"
#include "engine/util/log.h"

#include <cstdio>

#include <fmt/format.h>

#include "connectors/kafka/kafka_options.h"

namespace segstream::rdk {

Status Set(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
    return Status::InvalidArgument(fmt::format("Kafka property {}={}: {}", name,
                                               IsSecretProperty(name) ? "****" : value, err));
  }
  return Status::OK();
}

Result<ConfPtr> BuildConf(std::initializer_list<const std::map<std::string, std::string>*> layers) {
  ConfPtr conf(rd_kafka_conf_new());
  for (const auto* layer : layers) {
    for (const auto& [name, value] : *layer) SEGSTREAM_RETURN_IF_ERROR(Set(conf.get(), name, value));
  }
  return conf;
}

void RateLimitedLog::Log(std::string_view key, std::string_view line) {
  uint64_t suppressed = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto now = std::chrono::steady_clock::now();
    auto it = windows_.find(key);
    if (it == windows_.end()) it = windows_.emplace(std::string(key), Window{now, 0, 0}).first;
    Window& w = it->second;
    if (now - w.start >= period_) {
      suppressed = w.suppressed;
      w = Window{now, 0, 0};
    }
    if (w.logged >= burst_) {
      ++w.suppressed;
      return;
    }
    ++w.logged;
  }
  if (suppressed > 0) {
    log::Warn("kafka_client", fmt::format("{} (and {} similar messages suppressed)", line, suppressed));
  } else {
    log::Warn("kafka_client", line);
  }
}

namespace {
void LogCallback(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  // Debug chatter (level 7) is only there when the user asked for `debug`:
  // print all of it.
  auto* context = static_cast<ClientContext*>(rd_kafka_opaque(rk));
  std::string line = fmt::format("[{}] {}: {}", level, fac, buf);
  if (context == nullptr || level >= 7) {
    log::Warn("kafka_client", line);
  } else {
    context->log.Log(fac, line);
  }
}
}  // namespace

void SetLogger(rd_kafka_conf_t* conf) { rd_kafka_conf_set_log_cb(conf, LogCallback); }

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace segstream::rdk
