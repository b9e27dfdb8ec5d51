// Implementation of the librdkafka helpers.
#include "connectors/kafka/rdkafka_util.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "connectors/kafka/kafka_options.h"
#include "engine/util/log.h"

namespace segstream::rdk {

Status Set(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
    return Status::InvalidArgument(fmt::format("Kafka property {}={}: {}", name,
                                               IsSecretProperty(name) ? "****" : value, err));
  }
  return Status::OK();
}

namespace {
Status Describe(StatusMaker make, std::string_view what, const char* text) {
  return make(what.empty() ? std::string(text) : fmt::format("{}: {}", what, text));
}
}  // namespace

Status TakeError(rd_kafka_error_t* error, StatusMaker make, std::string_view what) {
  if (error == nullptr) return Status::OK();
  Status st = Describe(make, what, rd_kafka_error_string(error));
  rd_kafka_error_destroy(error);
  return st;
}

Status FromErr(rd_kafka_resp_err_t err, StatusMaker make, std::string_view what) {
  return err == RD_KAFKA_RESP_ERR_NO_ERROR ? Status::OK() : Describe(make, what, rd_kafka_err2str(err));
}

Result<std::vector<int32_t>> TopicPartitions(rd_kafka_t* rk, const std::string& topic, int timeout_ms) {
  TopicPtr handle(rd_kafka_topic_new(rk, topic.c_str(), nullptr));
  const rd_kafka_metadata_t* metadata = nullptr;
  const rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, handle.get(), &metadata, timeout_ms);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Unavailable(fmt::format("metadata of {}: {}", topic, rd_kafka_err2str(e)));
  }
  std::vector<int32_t> ids;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& t = metadata->topics[i];
    if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR || topic != t.topic) continue;
    for (int j = 0; j < t.partition_cnt; ++j) ids.push_back(t.partitions[j].id);
  }
  rd_kafka_metadata_destroy(metadata);
  return ids;
}

Result<HandlePtr> NewClient(rd_kafka_type_t type, const char* what, ClientContext* context,
                            std::initializer_list<const std::map<std::string, std::string>*> layers) {
  Result<ConfPtr> conf = BuildConf(layers);
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_opaque(conf->get(), context);
  SetLogger(conf->get());
  char err[512];
  rd_kafka_t* raw = rd_kafka_new(type, conf->get(), err, sizeof(err));
  if (raw == nullptr) return Status::InvalidArgument(fmt::format("Kafka {}: {}", what, err));
  (void)conf->release();  // rd_kafka_new took ownership
  return HandlePtr(raw);
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

namespace {
constexpr std::string_view kMetadataPrefix = "segstream:";
}  // namespace

std::string CommitMetadata(const std::string& instance_id) {
  return instance_id.empty() ? std::string() : std::string(kMetadataPrefix) + instance_id;
}

void SetCommitMetadata(rd_kafka_topic_partition_t* p, const std::string& metadata) {
  if (metadata.empty()) return;
  void* copy = std::malloc(metadata.size());  // freed by rd_kafka_topic_partition_list_destroy
  if (copy == nullptr) return;                // no metadata: the commit itself still goes
  std::memcpy(copy, metadata.data(), metadata.size());
  p->metadata = copy;
  p->metadata_size = metadata.size();
}

std::string CommittingInstance(const rd_kafka_topic_partition_t& p) {
  if (p.metadata == nullptr || p.metadata_size <= kMetadataPrefix.size()) return {};
  const std::string_view m(static_cast<const char*>(p.metadata), p.metadata_size);
  return m.substr(0, kMetadataPrefix.size()) == kMetadataPrefix ? std::string(m.substr(kMetadataPrefix.size()))
                                                                : std::string();
}

}  // namespace segstream::rdk
