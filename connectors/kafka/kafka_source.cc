// KafkaSource: a librdkafka high-level consumer behind the Source interface.
// All callbacks (rebalance, offset commit, errors) are served from Poll on the
// pipeline's thread; Lag() and Ready() may be called from another thread
// (metrics, /readyz) and only read what the mutex guards.
#include "connectors/kafka/kafka_source.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "connectors/kafka/partition_history.h"
#include "connectors/kafka/rdkafka_util.h"
#include "connectors/kafka/utf8_cut.h"

namespace segstream {
namespace {

class KafkaSource final : public rdk::ClientContext, public Source {
 public:
  KafkaSource(const KafkaOptions& options, StoredPositionLookup lookup, MessageDecoder decoder)
      : options_(options), topic_(options.input_topic), lookup_(std::move(lookup)), decoder_(std::move(decoder)) {}

  ~KafkaSource() override {
    if (rk_) {
      // Leaves the group cleanly (revoke callback runs here); commits nothing:
      // the pipeline commits only what is durable.
      closing_.store(true);
      rd_kafka_consumer_close(rk_.get());
    }
  }

  Status Init() {
    const KafkaOptions& options = options_;
    const std::map<std::string, std::string> defaults = {
        {"bootstrap.servers", options.brokers},
        {"group.id", options.group_id},
        {"partition.assignment.strategy", "cooperative-sticky"},
        {"auto.offset.reset", "earliest"},
        {"enable.partition.eof", "false"},
        {"client.id", "segstream-consumer"},
        // librdkafka 2.0.2 (Debian bookworm) stops fetching a partition whose
        // local queue holds queued.min.messages (default 100k) and looks again
        // only when its broker thread next wakes, up to 1 s later (2.3.0
        // added fetch.queue.backoff.ms for this). An engine catching up on a
        // backlog then sits idle a third of the time. A higher message
        // threshold leaves queued.max.messages.kbytes (64 MiB) as the bound,
        // which holds more than a second of the engine's input.
        {"queued.min.messages", "1000000"},
    };
    // The engine's exactly-once state depends on these; users cannot turn them off.
    const std::map<std::string, std::string> forced = {
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
    };
    Result<rdk::ConfPtr> conf =
        rdk::BuildConf({&defaults, &options.properties, &options.consumer_properties, &forced});
    if (!conf.ok()) return conf.status();
    rd_kafka_conf_t* c = conf->get();
    rd_kafka_conf_set_opaque(c, static_cast<rdk::ClientContext*>(this));
    rdk::SetLogger(c);
    rd_kafka_conf_set_rebalance_cb(c, &KafkaSource::RebalanceCallback);
    rd_kafka_conf_set_offset_commit_cb(c, &KafkaSource::CommitCallback);
    rd_kafka_conf_set_error_cb(c, &KafkaSource::ErrorCallback);
    char err[512];
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof(err));
    if (rk == nullptr) return Status::InvalidArgument(fmt::format("Kafka consumer: {}", err));
    (void)conf->release();  // rd_kafka_new took ownership
    rk_.reset(rk);
    rd_kafka_poll_set_consumer(rk);

    rdk::PartitionListPtr topics(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(topics.get(), topic_.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(rk, topics.get());
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Status::InvalidArgument(fmt::format("Kafka subscribe to {}: {}", topic_, rd_kafka_err2str(e)));
    }
    return Status::OK();
  }

  std::string Id() const override { return "kafka:" + topic_; }

  Status Seek(const std::vector<Position>& positions) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Position& p : positions) seek_positions_[p.partition] = p.next_offset;
    return Status::OK();
  }

  Status Poll(size_t max_records, int timeout_ms, SourceBatch* batch) override {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + std::chrono::milliseconds(std::max(timeout_ms, 0));
    std::map<int32_t, int64_t> next;
    const size_t first = batch->records.size();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!deferred_error_.ok()) return deferred_error_;
    }
    while (batch->records.size() - first < max_records) {
      int wait_ms = 0;
      if (batch->records.size() == first) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        wait_ms = static_cast<int>(std::max<int64_t>(left, 0));
      }
      rdk::MessagePtr msg(rd_kafka_consumer_poll(rk_.get(), wait_ms));
      if (fatal_.load() || (msg && msg->err == RD_KAFKA_RESP_ERR__FATAL)) {
        // The handle is dead (e.g. fenced static member after a broker
        // restart). Records already in the batch stay valid; a new consumer
        // resumes from the state's positions on its assignment.
        msg.reset();
        SEGSTREAM_RETURN_IF_ERROR(Restart());
        break;
      }
      if (!msg) {
        {
          std::lock_guard<std::mutex> lock(mu_);
          if (!deferred_error_.ok()) return deferred_error_;
        }
        if (batch->records.size() != first || Clock::now() >= deadline) break;
        continue;
      }
      if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        // Transient by design: an outage or a missing topic pauses the
        // engine, it does not stop it. Fatal errors were handled above.
        log.Log(rd_kafka_err2name(msg->err),
                fmt::format("consumer: {} (continuing)", rd_kafka_message_errstr(msg.get())));
        if (batch->records.size() == first && Clock::now() >= deadline) break;
        continue;
      }
      // All the message's records, or none: a message is never split between
      // batches, so no position after it is committed between its records.
      if (Status s = AppendRecords(*msg, &batch->records); !s.ok()) {
        // Neither an event nor a dead letter (FallibleRecordDecoder): the
        // caller drops this batch, so no position moves past the message.
        return Status::Unavailable(fmt::format("{} partition {} offset {} not decoded: {}", topic_, msg->partition,
                                               msg->offset, s.message()));
      }
      next[msg->partition] = msg->offset + 1;
    }
    if (!next.empty()) {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& [partition, offset] : next) {
        batch->next.push_back(Position{partition, offset, 0});
        positions_[partition] = offset;
      }
    }
    return Status::OK();
  }

  Status CommitDurable(const std::vector<Position>& positions) override {
    // Exactly-once: the sink commits the offsets inside each transaction. A
    // late commit from here could move the group's offsets back behind one.
    if (options_.exactly_once) return Status::OK();
    rdk::PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(positions.size())));
    {
      // A partition that moved to another member is that member's to commit.
      std::lock_guard<std::mutex> lock(mu_);
      for (const Position& p : positions) {
        if (!assigned_.contains(p.partition)) continue;
        rd_kafka_topic_partition_t* t = rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), p.partition);
        t->offset = p.next_offset;
        rdk::SetCommitMetadata(t, rdk::CommitMetadata(options_.instance_id));
      }
    }
    if (list->cnt == 0) return Status::OK();
    // Async: the result arrives in CommitCallback; a failed commit only delays
    // what lag tools see, the state already holds the positions.
    rd_kafka_resp_err_t e = rd_kafka_commit(rk_.get(), list.get(), 1);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      log.Log("commit", fmt::format("offset commit not sent: {}", rd_kafka_err2str(e)));
    }
    return Status::OK();
  }

  std::vector<std::pair<int32_t, int64_t>> Lag() const override {
    std::vector<std::pair<int32_t, int64_t>> out;
    std::lock_guard<std::mutex> lock(mu_);
    for (int32_t partition : assigned_) {
      int64_t low = -1, high = -1;
      // Cached from the last fetch response: no broker round trip.
      if (rd_kafka_get_watermark_offsets(rk_.get(), topic_.c_str(), partition, &low, &high) !=
              RD_KAFKA_RESP_ERR_NO_ERROR ||
          high < 0) {
        continue;
      }
      int64_t position = low;
      if (auto it = positions_.find(partition); it != positions_.end()) {
        position = it->second;
      } else if (auto s = start_offsets_.find(partition); s != start_offsets_.end()) {
        position = s->second;
      }
      out.emplace_back(partition, std::max<int64_t>(high - std::max<int64_t>(position, 0), 0));
    }
    return out;
  }

  bool Ready() const override { return ready_.load(); }

 private:
  // Appends the records of one message, each with the message's origin.
  Status AppendRecords(const rd_kafka_message_t& msg, std::vector<DecodedRecord>* out) {
    Origin origin;
    origin.partition = msg.partition;
    origin.offset = msg.offset;
    rd_kafka_timestamp_type_t type;
    int64_t ts_ms = rd_kafka_message_timestamp(&msg, &type);
    origin.ingest_us = ts_ms >= 0 ? ts_ms * 1000 : rdk::NowMicros();
    std::string_view value(static_cast<const char*>(msg.payload), msg.payload ? msg.len : 0);
    const size_t first = out->size();
    if (msg.len > kMaxKafkaRecordBytes) {
      DecodedRecord& rec = out->emplace_back();
      rec.error = fmt::format("oversize message ({} bytes > {})", msg.len, kMaxKafkaRecordBytes);
      rec.raw = CutUtf8(value, kMaxRawBytes);
    } else if (Status s = decoder_(value, out); !s.ok()) {
      out->resize(first);
      return s;
    }
    // The decoder does not know where the records came from.
    for (size_t i = first; i < out->size(); ++i) {
      DecodedRecord& rec = (*out)[i];
      if (!rec.error.empty() && rec.raw.empty()) rec.raw = CutUtf8(value, kMaxRawBytes);
      rec.origin = origin;
    }
    return Status::OK();
  }

  Result<std::optional<int64_t>> StartOffset(int32_t partition) {
    if (lookup_) {
      auto stored = lookup_(partition);
      if (!stored.ok() || stored->has_value()) return stored;
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = seek_positions_.find(partition); it != seek_positions_.end()) return std::optional<int64_t>(it->second);
    return std::optional<int64_t>();
  }

  void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts) {
    const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      std::map<int32_t, int64_t> starts;
      for (int i = 0; i < parts->cnt; ++i) {
        rd_kafka_topic_partition_t& p = parts->elems[i];
        // INVALID means "the group's committed offset, else auto.offset.reset".
        auto stored = StartOffset(p.partition);
        if (!stored.ok()) {
          // Without the state's answer any start offset could skip or repeat
          // records: assign nothing, and stop the engine at the next Poll.
          std::lock_guard<std::mutex> lock(mu_);
          deferred_error_ = Status::IOError(fmt::format("cannot read the stored position of partition {}: {}",
                                                        p.partition, stored.status().message()));
          return;
        }
        if (stored->has_value()) {
          p.offset = **stored;
          starts[p.partition] = **stored;
        } else {
          p.offset = RD_KAFKA_OFFSET_INVALID;
        }
      }
      // The history check first: its error names the instance that holds
      // the partitions. Then, once per consumer, whether this is the whole
      // topic (an empty assignment processes nothing: the check waits for
      // the first one that would). Not for an assignment that completes
      // while the consumer leaves (a stop right after the start): nothing
      // will be read, and the committed-offsets request would hold the close
      // for its timeout.
      const bool check = lookup_ && !closing_.load();
      Status refused = check ? CheckPartitionHistory(rk, parts, starts, options_) : Status::OK();
      if (refused.ok() && check && !first_assignment_checked_ && parts->cnt > 0) {
        first_assignment_checked_ = true;
        refused = CheckWholeTopicAssigned(rk, parts, options_);
      }
      if (!refused.ok()) {
        // Processing it would publish RFM without the customers' history, or
        // a model of a share of the topic: assign nothing, and stop the
        // engine at the next Poll.
        std::lock_guard<std::mutex> lock(mu_);
        deferred_error_ = refused;
        return;
      }
      Status st = cooperative ? rdk::TakeError(rd_kafka_incremental_assign(rk, parts), Status::Unavailable)
                              : rdk::FromErr(rd_kafka_assign(rk, parts), Status::Unavailable);
      if (!st.ok()) log.Log("assign", "assign failed: " + st.message());
      {
        std::lock_guard<std::mutex> lock(mu_);
        for (int i = 0; i < parts->cnt; ++i) {
          assigned_.insert(parts->elems[i].partition);
          positions_.erase(parts->elems[i].partition);
        }
        for (const auto& [p, o] : starts) start_offsets_[p] = o;
      }
      ready_.store(true);
    } else {
      // Revoked or lost: stop fetching. Records already returned for these
      // partitions are still applied by this instance's pipeline.
      Status st = cooperative ? rdk::TakeError(rd_kafka_incremental_unassign(rk, parts), Status::Unavailable)
                              : rdk::FromErr(rd_kafka_assign(rk, nullptr), Status::Unavailable);
      if (!st.ok()) log.Log("assign", "unassign failed: " + st.message());
      std::lock_guard<std::mutex> lock(mu_);
      if (cooperative) {
        for (int i = 0; i < parts->cnt; ++i) assigned_.erase(parts->elems[i].partition);
      } else {
        assigned_.clear();
      }
      if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        log.Log("rebalance", fmt::format("rebalance error: {}", rd_kafka_err2str(err)));
      }
    }
  }

  // Replaces a consumer that hit a fatal error with a fresh one (same group,
  // same options): an unrecoverable client state must not stop the engine
  // any more than an outage does. At most one restart per second.
  Status Restart() {
    char reason[512] = "";
    rd_kafka_resp_err_t e = rd_kafka_fatal_error(rk_.get(), reason, sizeof(reason));
    log.Log("restart", fmt::format("consumer fatal error {}: {}; starting a new consumer", rd_kafka_err2name(e), reason));
    auto since = std::chrono::steady_clock::now() - last_restart_;
    if (since < std::chrono::seconds(1)) std::this_thread::sleep_for(std::chrono::seconds(1) - since);
    last_restart_ = std::chrono::steady_clock::now();
    rd_kafka_consumer_close(rk_.get());
    rk_.reset();
    {
      std::lock_guard<std::mutex> lock(mu_);
      assigned_.clear();
      positions_.clear();
      start_offsets_.clear();
    }
    ready_.store(false);
    fatal_.store(false);
    first_assignment_checked_ = false;
    Status st = Init();
    if (!st.ok()) return Status::IOError("Kafka consumer restart failed: " + st.message());
    return Status::OK();
  }

  static KafkaSource* Self(void* opaque) { return static_cast<KafkaSource*>(static_cast<rdk::ClientContext*>(opaque)); }

  static void RebalanceCallback(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                                void* opaque) {
    Self(opaque)->OnRebalance(rk, err, parts);
  }

  static void CommitCallback(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t*,
                             void* opaque) {
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
      Self(opaque)->log.Log("commit", fmt::format("offset commit failed: {} (retried with the next batch)",
                                                  rd_kafka_err2str(err)));
    }
  }

  static void ErrorCallback(rd_kafka_t*, int err, const char* reason, void* opaque) {
    KafkaSource* self = Self(opaque);
    if (err == RD_KAFKA_RESP_ERR__FATAL) self->fatal_.store(true);
    self->log.Log(rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)),
                  fmt::format("consumer: {}: {}", rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)), reason));
  }

  static constexpr size_t kMaxRawBytes = 4096;

  const KafkaOptions options_;
  const std::string topic_;
  StoredPositionLookup lookup_;
  MessageDecoder decoder_;
  Status deferred_error_;  // guarded by mu_: a lookup failed during a rebalance
  rdk::HandlePtr rk_;
  std::atomic<bool> ready_{false};
  std::atomic<bool> closing_{false};  // set before rd_kafka_consumer_close: the callbacks that still run skip their checks
  std::atomic<bool> fatal_{false};
  bool first_assignment_checked_ = false;  // CheckWholeTopicAssigned ran (rebalance callback only)
  std::chrono::steady_clock::time_point last_restart_{};
  mutable std::mutex mu_;
  std::set<int32_t> assigned_;                 // guarded by mu_
  std::map<int32_t, int64_t> positions_;       // next offset after the last polled record; mu_
  std::map<int32_t, int64_t> start_offsets_;   // where an assignment started; mu_
  std::map<int32_t, int64_t> seek_positions_;  // from Seek(); mu_
};

}  // namespace

Result<std::unique_ptr<Source>> OpenKafkaSourceWithDecoder(const KafkaOptions& options,
                                                          StoredPositionLookup lookup,
                                                          MessageDecoder decoder) {
  if (options.brokers.empty()) return Status::InvalidArgument("Kafka source: no brokers given");
  if (options.input_topic.empty()) return Status::InvalidArgument("Kafka source: no input topic given");
  if (!decoder) return Status::InvalidArgument("Kafka source: no decoder");
  auto source = std::make_unique<KafkaSource>(options, std::move(lookup), std::move(decoder));
  SEGSTREAM_RETURN_IF_ERROR(source->Init());
  return std::unique_ptr<Source>(std::move(source));
}

}  // namespace segstream
