// Tests of the Kafka source and sink against librdkafka's in-process mock
// cluster: round trips, positions on assignment, dead letters, lag, a broker
// outage, and injected produce errors.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "connectors/decode/event_json.h"
#include "connectors/kafka/kafka.h"
#include "tests/connectors/cdc_rows.h"

namespace segstream {
namespace {

// The Kafka protocol's ApiKey of Produce requests (librdkafka's RD_KAFKAP_Produce is internal).
constexpr int16_t kProduceApiKey = 0;
constexpr int16_t kHeartbeatApiKey = 12;

InvoiceEvent MakeEvent(int i) {
  InvoiceEvent e;
  e.invoice = std::to_string(536365 + i);
  e.stock_code = "85123A";
  e.description = "WHITE HANGING HEART T-LIGHT HOLDER";
  e.customer_id = std::to_string(17850 + i % 7);
  e.country = "United Kingdom";
  e.quantity = 1 + i;
  e.unit_price_milli = 2550;
  e.invoice_ts = 1291191960 + 60 * i;
  return e;
}

class MockKafkaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
    owner_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    ASSERT_NE(owner_, nullptr) << err;
    cluster_ = rd_kafka_mock_cluster_new(owner_, 1);
    ASSERT_NE(cluster_, nullptr);
    options_.brokers = rd_kafka_mock_cluster_bootstraps(cluster_);
    options_.create_topics = false;  // the mock cluster has no CreateTopics in 2.0.2
    options_.group_id = "test-group";
    options_.input_topic = "in";
    // The sink's "changes" stream doubles as the producer for the input topic.
    options_.changes_topic = "in";
    options_.segments_topic = "segments";
    options_.models_topic = "models";
    options_.dead_letters_topic = "dead";
    options_.properties["log_level"] = "3";
    options_.consumer_properties["session.timeout.ms"] = "6000";
    options_.consumer_properties["heartbeat.interval.ms"] = "500";
    for (const char* t : {"in", "segments", "models", "dead"}) {
      ASSERT_EQ(rd_kafka_mock_topic_create(cluster_, t, t == std::string("in") ? 2 : 1, 1),
                RD_KAFKA_RESP_ERR_NO_ERROR);
    }
  }

  void TearDown() override {
    if (cluster_) rd_kafka_mock_cluster_destroy(cluster_);
    if (owner_) rd_kafka_destroy(owner_);
  }

  // Produces `values` to the input topic (partition chosen by key) and flushes.
  void Produce(const std::vector<std::pair<std::string, std::string>>& keyed_values) {
    Result<std::unique_ptr<Sink>> sink = OpenKafkaSink(options_);
    ASSERT_TRUE(sink.ok()) << sink.status().ToString();
    for (const auto& [key, value] : keyed_values) {
      ASSERT_TRUE((*sink)->Append(OutputStream::kSegmentChanges, key, value).ok());
    }
    Status st = (*sink)->Flush();
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  // A null value (tombstone) with `key` through the raw API: the sink never writes one.
  void ProduceNull(const std::string& key) {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", options_.brokers.c_str(), err, sizeof(err));
    rd_kafka_conf_set(conf, "partitioner", "murmur2_random", err, sizeof(err));  // same partition as the sink
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    ASSERT_NE(rk, nullptr);
    ASSERT_EQ(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("in"), RD_KAFKA_V_KEY(key.data(), key.size()), RD_KAFKA_V_END),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    EXPECT_EQ(rd_kafka_flush(rk, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(rk);
  }

  // Polls until `want` records arrived or 20 s passed.
  std::vector<DecodedRecord> ReadN(Source* source, size_t want, std::vector<Position>* last_next = nullptr) {
    std::vector<DecodedRecord> out;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (out.size() < want && std::chrono::steady_clock::now() < deadline) {
      SourceBatch batch;
      Status st = source->Poll(want - out.size(), 200, &batch);
      EXPECT_TRUE(st.ok()) << st.ToString();
      EXPECT_FALSE(batch.end_of_input);
      for (auto& r : batch.records) out.push_back(std::move(r));
      if (last_next != nullptr && !batch.next.empty()) *last_next = batch.next;
    }
    return out;
  }

  rd_kafka_t* owner_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  KafkaOptions options_;
};

TEST_F(MockKafkaTest, SinkToSourceRoundTripWithDeadLetters) {
  std::vector<std::pair<std::string, std::string>> values;
  for (int i = 0; i < 20; ++i) values.emplace_back("k", EncodeEventJson(MakeEvent(i)));  // one key: one partition
  values.emplace_back("k", "{\"invoice\": not json");
  values.emplace_back("k", EncodeEventJson(MakeEvent(20)));
  Produce(values);

  Result<std::unique_ptr<Source>> source = OpenKafkaSource(options_, nullptr);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_EQ((*source)->Id(), "kafka:in");
  ASSERT_TRUE((*source)->Seek({}).ok());
  std::vector<Position> next;
  std::vector<DecodedRecord> records = ReadN(source->get(), 22, &next);
  ASSERT_EQ(records.size(), 22u);
  EXPECT_TRUE((*source)->Ready());
  const int32_t partition = records[0].origin.partition;
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].origin.partition, partition);
    EXPECT_EQ(records[i].origin.offset, static_cast<int64_t>(i));
    EXPECT_EQ(records[i].origin.line, 0u);
    // CreateTime in microseconds: within the last minute.
    auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count();
    EXPECT_GT(records[i].origin.ingest_us, now_us - 60'000'000);
    EXPECT_LE(records[i].origin.ingest_us, now_us + 1'000'000);
  }
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(records[i].error.empty()) << records[i].error;
    const InvoiceEvent want = MakeEvent(i);
    EXPECT_EQ(records[i].event.invoice, want.invoice);
    EXPECT_EQ(records[i].event.customer_id, want.customer_id);
    EXPECT_EQ(records[i].event.quantity, want.quantity);
    EXPECT_EQ(records[i].event.unit_price_milli, want.unit_price_milli);
    EXPECT_EQ(records[i].event.invoice_ts, want.invoice_ts);
  }
  EXPECT_FALSE(records[20].error.empty());
  EXPECT_EQ(records[20].raw, "{\"invoice\": not json");
  EXPECT_EQ(records[20].origin.offset, 20);
  EXPECT_TRUE(records[21].error.empty());
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].partition, partition);
  EXPECT_EQ(next[0].next_offset, 22);
}

TEST_F(MockKafkaTest, AssignmentSeeksToTheStoredPosition) {
  std::vector<std::pair<std::string, std::string>> values;
  for (int i = 0; i < 10; ++i) values.emplace_back("k", EncodeEventJson(MakeEvent(i)));
  Produce(values);
  std::vector<int32_t> asked;
  Result<std::unique_ptr<Source>> source = OpenKafkaSource(options_, [&](int32_t partition) -> std::optional<int64_t> {
    asked.push_back(partition);
    return 6;  // every partition: the empty one's 6 is out of range and resets to earliest
  });
  ASSERT_TRUE(source.ok());
  std::vector<DecodedRecord> records = ReadN(source->get(), 4);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records.front().origin.offset, 6);
  EXPECT_EQ(records.back().origin.offset, 9);
  EXPECT_EQ(records.front().event.invoice, MakeEvent(6).invoice);
  std::sort(asked.begin(), asked.end());
  EXPECT_EQ(asked, (std::vector<int32_t>{0, 1}));
  // Nothing else arrives: the first six were skipped, not delayed.
  SourceBatch batch;
  ASSERT_TRUE((*source)->Poll(100, 300, &batch).ok());
  EXPECT_TRUE(batch.records.empty());
  EXPECT_TRUE(batch.next.empty());
}

TEST_F(MockKafkaTest, CommittedGroupOffsetIsTheFallbackAndLagIsReported) {
  std::vector<std::pair<std::string, std::string>> values;
  for (int i = 0; i < 10; ++i) values.emplace_back("k", EncodeEventJson(MakeEvent(i)));
  Produce(values);
  int32_t partition = -1;
  {
    Result<std::unique_ptr<Source>> first = OpenKafkaSource(options_, nullptr);
    ASSERT_TRUE(first.ok());
    std::vector<DecodedRecord> records = ReadN(first->get(), 10);
    ASSERT_EQ(records.size(), 10u);
    partition = records[0].origin.partition;
    // The pipeline made only the first 4 durable.
    ASSERT_TRUE((*first)->CommitDurable({Position{partition, 4, 0}}).ok());
    // Serve the asynchronous commit's result.
    SourceBatch batch;
    ASSERT_TRUE((*first)->Poll(10, 500, &batch).ok());
    auto lag = (*first)->Lag();
    ASSERT_EQ(lag.size(), 2u);
    for (auto [p, l] : lag) EXPECT_EQ(l, 0) << "partition " << p;
  }
  Result<std::unique_ptr<Source>> second = OpenKafkaSource(options_, [](int32_t) -> Result<std::optional<int64_t>> { return std::optional<int64_t>(); });
  ASSERT_TRUE(second.ok());
  std::vector<DecodedRecord> records = ReadN(second->get(), 2);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].origin.offset, 4);
  EXPECT_EQ(records[1].origin.offset, 5);
  // Two records read of the six after the committed offset: lag 4 on that partition.
  auto lag = (*second)->Lag();
  bool seen = false;
  for (auto [p, l] : lag) {
    if (p == partition) {
      EXPECT_EQ(l, 4);
      seen = true;
    }
  }
  EXPECT_TRUE(seen);
}

TEST_F(MockKafkaTest, OversizeAndEmptyMessagesAreDeadLettered) {
  options_.producer_properties["message.max.bytes"] = "4000000";
  std::string big = EncodeEventJson(MakeEvent(0));
  big.insert(big.size() - 1, ",\"pad\":\"" + std::string(kMaxKafkaRecordBytes, 'x') + "\"");
  Produce({{"k", big}, {"k", EncodeEventJson(MakeEvent(1))}});
  ProduceNull("k");
  Result<std::unique_ptr<Source>> source = OpenKafkaSource(options_, nullptr);
  ASSERT_TRUE(source.ok());
  std::vector<DecodedRecord> records = ReadN(source->get(), 3);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_NE(records[0].error.find("oversize"), std::string::npos) << records[0].error;
  EXPECT_EQ(records[0].raw.size(), 4096u);
  EXPECT_TRUE(records[1].error.empty()) << records[1].error;
  EXPECT_EQ(records[2].error, "empty message");
  EXPECT_EQ(records[2].origin.offset, 2);
}

TEST_F(MockKafkaTest, BrokerOutagePausesTheSourceWithoutErrors) {
  Produce({{"k", EncodeEventJson(MakeEvent(0))}});
  Result<std::unique_ptr<Source>> source = OpenKafkaSource(options_, nullptr);
  ASSERT_TRUE(source.ok());
  ASSERT_EQ(ReadN(source->get(), 1).size(), 1u);

  rd_kafka_mock_broker_set_down(cluster_, 1);
  for (int i = 0; i < 5; ++i) {
    SourceBatch batch;
    Status st = (*source)->Poll(100, 200, &batch);
    EXPECT_TRUE(st.ok()) << st.ToString();
    EXPECT_TRUE(batch.records.empty());
  }
  rd_kafka_mock_broker_set_up(cluster_, 1);
  Produce({{"k", EncodeEventJson(MakeEvent(1))}});
  std::vector<DecodedRecord> records = ReadN(source->get(), 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].origin.offset, 1);
}

TEST_F(MockKafkaTest, FatalConsumerErrorRestartsTheConsumerAtTheStatePosition) {
  // A fenced static member is a fatal client error; the source must replace
  // its consumer instead of failing or going silent.
  options_.consumer_properties["group.instance.id"] = "static-member-1";
  Produce({{"k", EncodeEventJson(MakeEvent(0))}});
  std::map<int32_t, int64_t> durable;
  Result<std::unique_ptr<Source>> source =
      OpenKafkaSource(options_, [&](int32_t p) -> std::optional<int64_t> {
        if (auto it = durable.find(p); it != durable.end()) return it->second;
        return std::nullopt;
      });
  ASSERT_TRUE(source.ok());
  std::vector<Position> next;
  ASSERT_EQ(ReadN(source->get(), 1, &next).size(), 1u);
  for (const Position& p : next) durable[p.partition] = p.next_offset;

  rd_kafka_mock_push_request_errors(cluster_, kHeartbeatApiKey, 1, RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID);
  for (int i = 0; i < 10; ++i) {
    SourceBatch batch;
    Status st = (*source)->Poll(100, 200, &batch);
    ASSERT_TRUE(st.ok()) << st.ToString();
    EXPECT_TRUE(batch.records.empty());
  }
  Produce({{"k", EncodeEventJson(MakeEvent(1))}});
  std::vector<DecodedRecord> records = ReadN(source->get(), 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].origin.offset, 1);  // from the state's position, not re-read from 0
  EXPECT_TRUE((*source)->Ready());
}

TEST_F(MockKafkaTest, FlushFailsOnAPermanentProduceError) {
  Result<std::unique_ptr<Sink>> sink = OpenKafkaSink(options_);
  ASSERT_TRUE(sink.ok());
  rd_kafka_mock_push_request_errors(cluster_, kProduceApiKey, 1, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
  ASSERT_TRUE((*sink)->Append(OutputStream::kModels, "", "{\"model_version\":1}").ok());
  Status st = (*sink)->Flush();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("models"), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("TOPIC_AUTHORIZATION_FAILED"), std::string::npos) << st.ToString();
}

TEST_F(MockKafkaTest, FlushRetriesTransientProduceErrors) {
  Result<std::unique_ptr<Sink>> sink = OpenKafkaSink(options_);
  ASSERT_TRUE(sink.ok());
  rd_kafka_mock_push_request_errors(cluster_, kProduceApiKey, 3, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
                                    RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE((*sink)->Append(OutputStream::kDeadLetters, "c" + std::to_string(i), "v" + std::to_string(i)).ok());
  }
  Status st = (*sink)->Flush();
  ASSERT_TRUE(st.ok()) << st.ToString();
  // Exactly the five, once each (idempotence de-duplicates retries).
  KafkaOptions read = options_;
  read.input_topic = "dead";
  read.group_id = "reader";
  Result<std::unique_ptr<Source>> source =
      OpenKafkaSourceWithDecoder(read, nullptr, [](std::string_view v, DecodedRecord* r) { r->raw = std::string(v); });
  ASSERT_TRUE(source.ok());
  std::vector<DecodedRecord> records = ReadN(source->get(), 5);
  ASSERT_EQ(records.size(), 5u);
  std::vector<std::string> got;
  for (auto& r : records) got.push_back(r.raw);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"v0", "v1", "v2", "v3", "v4"}));
  SourceBatch batch;
  ASSERT_TRUE((*source)->Poll(10, 300, &batch).ok());
  EXPECT_TRUE(batch.records.empty());
}

TEST_F(MockKafkaTest, BadPropertyIsAnInvalidArgumentWithTheSecretMasked) {
  options_.properties["sasl.password"] = "hunter2";
  options_.properties["no.such.property"] = "1";
  Result<std::unique_ptr<Sink>> sink = OpenKafkaSink(options_);
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(sink.status().message().find("hunter2"), std::string::npos);
  options_.properties.erase("no.such.property");
  options_.consumer_properties["no.such.consumer.property"] = "1";
  Result<std::unique_ptr<Source>> source = OpenKafkaSource(options_, nullptr);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().message().find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace segstream

namespace segstream {
namespace {

// A state that cannot answer "where was I?" must stop the consumer, never
// start it from the group's offset as if nothing were stored.
TEST_F(MockKafkaTest, StoredPositionLookupErrorStopsTheSource) {
  std::vector<std::pair<std::string, std::string>> values;
  for (int i = 0; i < 4; ++i) values.emplace_back("k" + std::to_string(i), EncodeEventJson(MakeEvent(i)));
  Produce(values);
  Result<std::unique_ptr<Source>> source = OpenKafkaSource(
      options_, [](int32_t) -> Result<std::optional<int64_t>> { return Status::IOError("injected: read failed"); });
  ASSERT_TRUE(source.ok());
  Status st;
  size_t records = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (st.ok() && std::chrono::steady_clock::now() < deadline) {
    SourceBatch batch;
    st = (*source)->Poll(100, 200, &batch);
    records += batch.records.size();
  }
  ASSERT_FALSE(st.ok()) << "the source kept polling after the lookup failed";
  EXPECT_EQ(st.code(), Status::Code::kIOError);
  EXPECT_NE(st.message().find("injected: read failed"), std::string::npos) << st.ToString();
  EXPECT_EQ(records, 0u);
}

}  // namespace
}  // namespace segstream

namespace segstream {
namespace {

// A FallibleRecordDecoder error (the Avro decoder when the schema registry
// cannot be asked) fails Poll, and no returned position passes the message:
// a new source resuming from the returned positions reads it and everything
// after it, so the records before the error and after the restart are
// exactly the topic, without a gap.
TEST_F(MockKafkaTest, FallibleDecoderErrorConsumesNothingPastTheMessage) {
  std::vector<std::pair<std::string, std::string>> values;
  for (int i = 0; i < 10; ++i) values.emplace_back("k", "v" + std::to_string(i));  // one key: one partition
  Produce(values);
  auto failing = std::make_shared<std::atomic<bool>>(true);
  auto decoder = FallibleRecordDecoder([failing](std::string_view v, DecodedRecord* r) {
    if (failing->load() && v == "v5") return Status::Unavailable("registry down");
    r->raw = std::string(v);
    return Status::OK();
  });
  Result<std::unique_ptr<Source>> first = OpenKafkaSourceWithDecoder(options_, nullptr, decoder);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  std::vector<std::string> got;
  std::map<int32_t, int64_t> next;  // the positions the first source handed out
  Status error;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (error.ok() && std::chrono::steady_clock::now() < deadline) {
    SourceBatch batch;
    error = (*first)->Poll(3, 200, &batch);  // small batches: some succeed before v5
    if (!error.ok()) break;
    for (auto& r : batch.records) got.push_back(r.raw);
    for (const Position& p : batch.next) next[p.partition] = p.next_offset;
  }
  ASSERT_FALSE(error.ok()) << "the decoder error must fail Poll";
  EXPECT_NE(error.message().find("registry down"), std::string::npos) << error.ToString();
  EXPECT_NE(error.message().find("not decoded"), std::string::npos) << error.ToString();
  EXPECT_LE(got.size(), 5u);
  first->reset();

  failing->store(false);
  StoredPositionLookup lookup = [next](int32_t partition) -> Result<std::optional<int64_t>> {
    if (auto it = next.find(partition); it != next.end()) return std::optional<int64_t>(it->second);
    return std::optional<int64_t>();
  };
  options_.group_id = "test-group-2";  // no committed offsets: only the returned positions count
  Result<std::unique_ptr<Source>> second = OpenKafkaSourceWithDecoder(options_, lookup, decoder);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  for (auto& r : ReadN(second->get(), 10 - got.size())) got.push_back(r.raw);
  EXPECT_EQ(got, (std::vector<std::string>{"v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9"}));
  SourceBatch batch;
  ASSERT_TRUE((*second)->Poll(10, 300, &batch).ok());
  EXPECT_TRUE(batch.records.empty());
}

// --input-format debezium on Kafka: one message is one change event. An
// update's two records (retract before, apply after) come in one batch, with
// the message's offset, even when the batch limit is 1, and the batch's
// position is the offset after the message, so no commit falls between them;
// a null value and a JSON null are tombstones, one skipped record each; a bad
// envelope is a dead letter with the message as raw.
TEST_F(MockKafkaTest, DebeziumMessagesStayWholeInABatch) {
  const auto row = cdc_rows::Row;
  Produce({{"k", "{\"op\":\"c\",\"before\":null,\"after\":" + row(2) + "}"},
           {"k", "{\"schema\":{},\"payload\":{\"op\":\"u\",\"before\":" + row(2) + ",\"after\":" + row(3) + "}}"}});
  ProduceNull("k");
  Produce({{"k", "null"}, {"k", "{\"op\":\"d\",\"before\":" + row(3) + ",\"after\":null}"}, {"k", "{\"op\":\"x\"}"}});
  const decode::InputFormat format = cdc_rows::Format();
  Result<std::unique_ptr<Source>> source = OpenKafkaSource(options_, nullptr, format);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  std::vector<SourceBatch> batches;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (batches.size() < 6 && std::chrono::steady_clock::now() < deadline) {
    SourceBatch batch;
    ASSERT_TRUE((*source)->Poll(1, 200, &batch).ok());
    if (!batch.records.empty()) batches.push_back(std::move(batch));
  }
  ASSERT_EQ(batches.size(), 6u);
  for (size_t i = 0; i < batches.size(); ++i) {
    ASSERT_EQ(batches[i].next.size(), 1u);
    EXPECT_EQ(batches[i].next[0].next_offset, static_cast<int64_t>(i) + 1) << "batch " << i;
    for (const DecodedRecord& r : batches[i].records) EXPECT_EQ(r.origin.offset, static_cast<int64_t>(i));
  }
  ASSERT_EQ(batches[0].records.size(), 1u);
  EXPECT_FALSE(batches[0].records[0].retract);
  cdc_rows::ExpectUpdate(batches[1].records);
  for (int i : {2, 3}) {
    ASSERT_EQ(batches[i].records.size(), 1u);
    EXPECT_EQ(batches[i].records[0].skip, "tombstone") << "batch " << i;
    EXPECT_TRUE(batches[i].records[0].error.empty());
  }
  ASSERT_EQ(batches[4].records.size(), 1u);
  EXPECT_TRUE(batches[4].records[0].retract);
  ASSERT_EQ(batches[5].records.size(), 1u);
  EXPECT_EQ(batches[5].records[0].error.rfind("unsupported_op", 0), 0u) << batches[5].records[0].error;
  EXPECT_EQ(batches[5].records[0].raw, "{\"op\":\"x\"}");
}

}  // namespace
}  // namespace segstream
