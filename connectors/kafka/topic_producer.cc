// TopicProducer: librdkafka producer, delivery counting and a pacer.
#include "connectors/kafka/topic_producer.h"

#include <thread>

#include <fmt/format.h>

#include "connectors/kafka/rdkafka_util.h"

namespace segstream {

struct TopicProducer::Impl : public rdk::ClientContext {
  TopicProducer* owner = nullptr;
  rdk::HandlePtr rk;
  rdk::TopicPtr topic;  // declared after rk: destroyed first
};

TopicProducer::TopicProducer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

TopicProducer::~TopicProducer() {
  if (impl_ && impl_->rk) rd_kafka_flush(impl_->rk.get(), 5000);
  if (impl_) impl_->topic.reset();
}

Result<std::unique_ptr<TopicProducer>> TopicProducer::Open(const TopicProducerOptions& options) {
  if (options.brokers.empty()) return Status::InvalidArgument("no brokers given");
  if (options.topic.empty()) return Status::InvalidArgument("no topic given");
  const std::map<std::string, std::string> defaults = {
      {"bootstrap.servers", options.brokers},
      {"client.id", "segstream-tool"},
      {"acks", "all"},
      {"enable.idempotence", "true"},
      {"partitioner", "murmur2_random"},  // Java clients' key -> partition mapping
      {"linger.ms", "5"},
      {"compression.type", "lz4"},
      {"message.timeout.ms", "120000"},
      {"queue.buffering.max.messages", "500000"},
  };
  Result<rdk::ConfPtr> conf = rdk::BuildConf({&defaults, &options.properties});
  if (!conf.ok()) return conf.status();
  auto impl = std::make_unique<Impl>();
  rd_kafka_conf_set_opaque(conf->get(), static_cast<rdk::ClientContext*>(impl.get()));
  rdk::SetLogger(conf->get());
  rd_kafka_conf_set_dr_msg_cb(conf->get(), [](rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
    auto* i = static_cast<Impl*>(static_cast<rdk::ClientContext*>(opaque));
    TopicProducer::OnDelivery(i->owner, msg->err == RD_KAFKA_RESP_ERR_NO_ERROR, rd_kafka_err2str(msg->err));
  });
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf->get(), err, sizeof(err));
  if (rk == nullptr) return Status::InvalidArgument(fmt::format("Kafka producer: {}", err));
  (void)conf->release();
  impl->rk.reset(rk);
  impl->topic.reset(rd_kafka_topic_new(rk, options.topic.c_str(), nullptr));
  if (!impl->topic) return Status::InvalidArgument(fmt::format("topic {}: {}", options.topic, rd_kafka_err2str(rd_kafka_last_error())));
  Impl* raw = impl.get();
  std::unique_ptr<TopicProducer> producer(new TopicProducer(std::move(impl)));
  raw->owner = producer.get();
  producer->rate_ = options.rate;
  producer->start_ = std::chrono::steady_clock::now();
  return producer;
}

void TopicProducer::OnDelivery(void* opaque, bool ok, const char* error) {
  auto* self = static_cast<TopicProducer*>(opaque);
  if (ok) {
    ++self->delivered_;
  } else if (self->failed_++ == 0) {
    self->first_error_ = error;
  }
}

Status TopicProducer::Produce(std::string_view key, std::string_view value) {
  if (rate_ > 0) {
    // Message n is due at start + n / rate: a steady rate without bursts
    // larger than the sleep granularity, and no drift.
    auto due = start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(static_cast<double>(produced_) / rate_));
    auto now = std::chrono::steady_clock::now();
    if (due > now + std::chrono::microseconds(200)) {
      rd_kafka_poll(impl_->rk.get(), 0);
      std::this_thread::sleep_until(due);
    }
  }
  while (true) {
    int rc = rd_kafka_produce(impl_->topic.get(), RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                              const_cast<char*>(value.data()), value.size(), key.empty() ? nullptr : key.data(),
                              key.size(), nullptr);
    if (rc == 0) break;
    rd_kafka_resp_err_t err = rd_kafka_last_error();
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      return Status::IOError(fmt::format("produce to {}: {}", rd_kafka_topic_name(impl_->topic.get()),
                                         rd_kafka_err2str(err)));
    }
    rd_kafka_poll(impl_->rk.get(), 50);
  }
  if ((++produced_ & 255) == 0) rd_kafka_poll(impl_->rk.get(), 0);
  return Status::OK();
}

Status TopicProducer::Flush(int timeout_ms) {
  rd_kafka_resp_err_t err = rd_kafka_flush(impl_->rk.get(), timeout_ms);
  rd_kafka_poll(impl_->rk.get(), 0);
  if (failed_ > 0) {
    return Status::IOError(fmt::format("{} of {} messages to {} failed; first: {}", failed_, produced_,
                                       rd_kafka_topic_name(impl_->topic.get()), first_error_));
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR || delivered_ != produced_) {
    return Status::Unavailable(fmt::format("{} of {} messages to {} not acknowledged within {} ms",
                                           produced_ - delivered_, produced_,
                                           rd_kafka_topic_name(impl_->topic.get()), timeout_ms));
  }
  return Status::OK();
}

}  // namespace segstream
