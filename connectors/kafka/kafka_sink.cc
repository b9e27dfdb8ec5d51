// KafkaSink: a librdkafka producer behind the Sink interface. Delivery reports
// are served by rd_kafka_poll/rd_kafka_flush on the caller's thread, so the
// counters below are only touched by that thread.
#include "connectors/kafka/kafka_sink.h"

#include <algorithm>
#include <array>
#include <map>
#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "connectors/kafka/kafka_admin.h"
#include "connectors/kafka/rdkafka_util.h"
#include "state/changelog.h"

namespace segstream {
namespace {

constexpr std::array kStreams = {OutputStream::kSegmentChanges, OutputStream::kCustomerSegments,
                                 OutputStream::kModels, OutputStream::kDeadLetters};

class KafkaSink final : public rdk::ClientContext, public Sink {
 public:
  KafkaSink() = default;

  ~KafkaSink() override {
    if (!rk_) return;
    // Normally everything was flushed already; give stragglers a moment,
    // then drop them (the state was not committed, so they will be replayed).
    rd_kafka_flush(rk_.get(), 5000);
    rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(rk_.get(), 0);
    for (auto& t : topics_) t.reset();
    changelog_.reset();
  }

  Status Init(const KafkaOptions& options) {
    options_ = options;
    // The next batch's transaction adds the same partitions while the broker
    // still completes the last one; it answers "concurrent transactions" and
    // librdkafka retries after retry.backoff.ms. At the default 100 ms that
    // was the median latency at 10k events/s.
    using Properties = std::map<std::string, std::string>;
    const Properties transactional_defaults =
        options.exactly_once ? Properties{{"retry.backoff.ms", "5"}} : Properties{};
    std::map<std::string, std::string> transactional;
    // A changelog record holds one state value: the analytics histograms'
    // checkpoint reaches hundreds of KB (the topic allows 16 MiB).
    const Properties changelog_defaults =
        options.changelog ? Properties{{"message.max.bytes", "17825792"}} : Properties{};
    if (options.exactly_once) {
      transactional["transactional.id"] = TransactionalId(options);
      // Transactions must be able to complete for commits to return.
      transactional["transaction.timeout.ms"] = "60000";
    }
    const std::map<std::string, std::string> defaults = {
        {"bootstrap.servers", options.brokers},
        {"client.id", "segstream-producer"},
        {"enable.idempotence", "true"},
        {"acks", "all"},
        // Never expire a message: an outage pauses the pipeline in Flush.
        {"message.timeout.ms", "0"},
        // Keys land on the same partitions as with the Java clients.
        {"partitioner", "murmur2_random"},
        {"linger.ms", "5"},
        {"compression.type", "lz4"},
    };
    Result<rdk::ConfPtr> conf =
        rdk::BuildConf({&defaults, &transactional_defaults, &changelog_defaults, &options.properties,
                        &options.producer_properties, &transactional});
    if (!conf.ok()) return conf.status();
    rd_kafka_conf_t* c = conf->get();
    rd_kafka_conf_set_opaque(c, static_cast<rdk::ClientContext*>(this));
    rdk::SetLogger(c);
    rd_kafka_conf_set_dr_msg_cb(c, &KafkaSink::DeliveryCallback);
    rd_kafka_conf_set_error_cb(c, &KafkaSink::ErrorCallback);
    char err[512];
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof(err));
    if (rk == nullptr) return Status::InvalidArgument(fmt::format("Kafka producer: {}", err));
    (void)conf->release();
    rk_.reset(rk);
    const std::array<const std::string*, 4> names = {&options.changes_topic, &options.segments_topic,
                                                     &options.models_topic, &options.dead_letters_topic};
    for (size_t i = 0; i < kStreams.size(); ++i) {
      if (names[i]->empty()) return Status::InvalidArgument("Kafka sink: an output topic name is empty");
      topics_[i].reset(rd_kafka_topic_new(rk, names[i]->c_str(), nullptr));
      if (!topics_[i]) {
        return Status::InvalidArgument(
            fmt::format("Kafka topic {}: {}", *names[i], rd_kafka_err2str(rd_kafka_last_error())));
      }
    }
    if (options.changelog) {
      changelog_.reset(rd_kafka_topic_new(rk, options.changelog_topic.c_str(), nullptr));
      if (!changelog_) {
        return Status::InvalidArgument(fmt::format("Kafka topic {}: {}", options.changelog_topic,
                                                   rd_kafka_err2str(rd_kafka_last_error())));
      }
    }
    return Status::OK();
  }

  Status Open(const SinkOffsets& committed) override {
    const ChangelogCheckpoint checkpoint = ReadChangelogCheckpoint(committed);
    changelog_next_ = checkpoint.next_offsets;
    changelog_synced_ms_ = checkpoint.synced_ms;
    if (!options_.exactly_once) return Status::OK();
    // Fences a previous instance with the same transactional.id and aborts
    // its open transaction, so what the group's offsets say below is final.
    SEGSTREAM_RETURN_IF_ERROR(RetryTxn("init_transactions", [&] { return rd_kafka_init_transactions(rk_.get(), 30000); }));
    auto published = ReadCommittedOffsets(options_, 30000);
    if (!published.ok()) return published.status();
    published_ = std::move(published).value();
    group_metadata_.reset(rd_kafka_consumer_group_metadata_new(options_.group_id.c_str()));
    return Status::OK();
  }

  void SetBatchPositions(const std::vector<Position>& positions) override { batch_positions_ = positions; }

  std::vector<Position> PublishedPositions() const override { return published_; }

  // With a changelog: the next offset of each changelog partition this
  // producer wrote, from the delivery reports of committed messages (stored
  // with the state, so a restart restores only what follows).
  SinkOffsets Offsets() const override {
    SinkOffsets out;
    for (const auto& [p, offset] : changelog_next_) out[ChangelogOffsetName(p)] = offset;
    if (changelog_synced_ms_ > 0) out[std::string(kChangelogSyncedName)] = changelog_synced_ms_;
    return out;
  }

  Status Append(OutputStream stream, std::string_view key, std::string_view value) override {
    // Empty key = no key (null), which the partitioner spreads randomly.
    return Produce(topics_[static_cast<size_t>(stream)].get(), RD_KAFKA_PARTITION_UA, key, value.data(),
                   value.size());
  }

  Status AppendStateChange(int32_t partition, std::string_view record_key, const std::string* value) override {
    if (!changelog_) return Sink::AppendStateChange(partition, record_key, value);
    return Produce(changelog_.get(), partition, record_key, value ? value->data() : nullptr,
                   value ? value->size() : 0);
  }

  Status Flush() override {
    if (options_.exactly_once) return CommitTransaction();
    auto last_note = std::chrono::steady_clock::now();
    while (outstanding_ > 0) {
      rd_kafka_flush(rk_.get(), 1000);
      rd_kafka_poll(rk_.get(), 0);
      if (fatal_) return FatalStatus();
      auto now = std::chrono::steady_clock::now();
      if (outstanding_ > 0 && now - last_note > std::chrono::seconds(10)) {
        last_note = now;
        log.Log("flush", fmt::format("waiting for {} delivery reports (brokers unreachable?)", outstanding_));
      }
    }
    if (failed_ > 0) {
      Status st = Status::IOError(fmt::format("Kafka delivery failed for {} message(s); first: topic {}: {}",
                                              failed_, first_failure_topic_, first_failure_));
      failed_ = 0;
      first_failure_.clear();
      first_failure_topic_.clear();
      return st;
    }
    return Status::OK();
  }

 private:
  // One message to `partition` of `topic` (RD_KAFKA_PARTITION_UA: by key);
  // a null `value` is a tombstone.
  Status Produce(rd_kafka_topic_t* topic, int32_t partition, std::string_view key, const char* value,
                 size_t value_size) {
    if (options_.exactly_once) SEGSTREAM_RETURN_IF_ERROR(BeginTransaction());
    while (true) {
      int rc = rd_kafka_produce(topic, partition, RD_KAFKA_MSG_F_COPY, const_cast<char*>(value), value_size,
                                key.empty() ? nullptr : key.data(), key.size(), nullptr);
      if (rc == 0) break;
      rd_kafka_resp_err_t err = rd_kafka_last_error();
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        // Backpressure: serve delivery reports until the queue drains a bit.
        rd_kafka_poll(rk_.get(), 100);
        continue;
      }
      if (err == RD_KAFKA_RESP_ERR__FATAL) return FatalStatus();
      return Status::IOError(fmt::format("Kafka produce to {}: {}", rd_kafka_topic_name(topic), rd_kafka_err2str(err)));
    }
    ++outstanding_;
    if ((++appended_ & 1023) == 0) rd_kafka_poll(rk_.get(), 0);
    return Status::OK();
  }

  Status BeginTransaction() {
    if (in_transaction_) return Status::OK();
    SEGSTREAM_RETURN_IF_ERROR(
        rdk::TakeError(rd_kafka_begin_transaction(rk_.get()), Status::IOError, "begin_transaction"));
    in_transaction_ = true;
    return Status::OK();
  }

  // One transaction per batch: its outputs plus its input offsets for the
  // group (so a restart can tell which batches are published). A batch
  // without outputs that moved no position needs none.
  Status CommitTransaction() {
    std::vector<Position> positions = std::exchange(batch_positions_, {});
    if (!in_transaction_ && positions.empty()) return Status::OK();
    SEGSTREAM_RETURN_IF_ERROR(BeginTransaction());
    if (!positions.empty()) {
      rdk::PartitionListPtr offsets(rd_kafka_topic_partition_list_new(static_cast<int>(positions.size())));
      for (const Position& p : positions) {
        rd_kafka_topic_partition_t* t =
            rd_kafka_topic_partition_list_add(offsets.get(), options_.input_topic.c_str(), p.partition);
        t->offset = p.next_offset;
        rdk::SetCommitMetadata(t, rdk::CommitMetadata(options_.instance_id));
      }
      Status st = RetryTxn("send_offsets_to_transaction", [&] {
        return rd_kafka_send_offsets_to_transaction(rk_.get(), offsets.get(), group_metadata_.get(), -1);
      });
      if (!st.ok()) return Abort(st);
    }
    // Taken before the commit: whatever follows this transaction in the
    // changelog is written after it (kChangelogSyncedName).
    const int64_t committing_ms = rdk::NowMicros() / 1000;
    Status st = RetryTxn("commit_transaction", [&] { return rd_kafka_commit_transaction(rk_.get(), -1); });
    if (!st.ok()) return Abort(st);
    in_transaction_ = false;
    if (changelog_) changelog_synced_ms_ = committing_ms;
    rd_kafka_poll(rk_.get(), 0);  // delivery reports of the committed messages
    outstanding_ = 0;
    failed_ = 0;
    return Status::OK();
  }

  // A transaction that cannot commit is aborted; the batch's state was not
  // committed either, so the run stops and a restart resumes from the state.
  Status Abort(const Status& why) {
    rd_kafka_error_t* e = rd_kafka_abort_transaction(rk_.get(), 30000);
    if (e != nullptr) rd_kafka_error_destroy(e);
    in_transaction_ = false;
    return Status::IOError("Kafka transaction aborted (" + why.message() +
                           "); the batch's state is not committed, a restart resumes from it");
  }

  // Retries a transactional call while librdkafka says the error is
  // retriable (e.g. a broker outage): a transaction waits, it is not lost.
  template <typename Call>
  Status RetryTxn(const char* what, Call call) {
    auto last_note = std::chrono::steady_clock::now();
    while (true) {
      rd_kafka_error_t* error = call();
      if (error == nullptr) return Status::OK();
      if (!rd_kafka_error_is_retriable(error)) return rdk::TakeError(error, Status::IOError, what);
      auto now = std::chrono::steady_clock::now();
      if (now - last_note > std::chrono::seconds(10)) {
        last_note = now;
        log.Log("transaction", fmt::format("{}: {} (retrying)", what, rd_kafka_error_string(error)));
      }
      rd_kafka_error_destroy(error);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  void OnDelivery(const rd_kafka_message_t* msg) {
    --outstanding_;
    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (changelog_ && msg->rkt == changelog_.get()) {
        int64_t& next = changelog_next_[msg->partition];
        next = std::max(next, msg->offset + 1);
      }
      return;
    }
    if (failed_++ == 0) {
      first_failure_topic_ = rd_kafka_topic_name(msg->rkt);
      first_failure_ = fmt::format("{} ({})", rd_kafka_err2str(msg->err), rd_kafka_err2name(msg->err));
    }
  }

  Status FatalStatus() {
    char reason[512];
    rd_kafka_resp_err_t e = rd_kafka_fatal_error(rk_.get(), reason, sizeof(reason));
    return Status::IOError(fmt::format("Kafka producer fatal error: {}: {}", rd_kafka_err2name(e), reason));
  }

  static KafkaSink* Self(void* opaque) { return static_cast<KafkaSink*>(static_cast<rdk::ClientContext*>(opaque)); }

  static void DeliveryCallback(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
    Self(opaque)->OnDelivery(msg);
  }

  static void ErrorCallback(rd_kafka_t*, int err, const char* reason, void* opaque) {
    KafkaSink* self = Self(opaque);
    if (err == RD_KAFKA_RESP_ERR__FATAL) self->fatal_ = true;
    self->log.Log(rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)),
                  fmt::format("producer: {}: {}", rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)), reason));
  }

  struct GroupMetadataDeleter {
    void operator()(rd_kafka_consumer_group_metadata_t* m) const { rd_kafka_consumer_group_metadata_destroy(m); }
  };

  KafkaOptions options_;
  rdk::HandlePtr rk_;
  std::unique_ptr<rd_kafka_consumer_group_metadata_t, GroupMetadataDeleter> group_metadata_;  // exactly-once
  bool in_transaction_ = false;
  std::vector<Position> batch_positions_;  // exactly-once: committed by the next Flush
  std::vector<Position> published_;        // exactly-once: the group's offsets when opened
  std::array<rdk::TopicPtr, kStreams.size()> topics_;  // indexed by OutputStream
  rdk::TopicPtr changelog_;                            // with options.changelog
  std::map<int32_t, int64_t> changelog_next_;          // changelog partition -> next offset written
  int64_t changelog_synced_ms_ = 0;                    // kChangelogSyncedName; 0 = unknown
  int64_t outstanding_ = 0;  // produced, delivery report not yet seen
  uint64_t appended_ = 0;
  uint64_t failed_ = 0;      // failed delivery reports since the last Flush
  std::string first_failure_topic_;
  std::string first_failure_;
  bool fatal_ = false;
};

}  // namespace

Result<std::unique_ptr<Sink>> OpenKafkaSinkNoCreate(const KafkaOptions& options) {
  if (options.brokers.empty()) return Status::InvalidArgument("Kafka sink: no brokers given");
  auto sink = std::make_unique<KafkaSink>();
  SEGSTREAM_RETURN_IF_ERROR(sink->Init(options));
  return std::unique_ptr<Sink>(std::move(sink));
}

}  // namespace segstream
