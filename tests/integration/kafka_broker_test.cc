// Connector tests against a real Kafka broker (tools/kafka-local, started by
// the ctest fixture `kafka`; its address comes in SEGSTREAM_KAFKA_BOOTSTRAP).
// Every test uses its own topics and group, so reruns never see old data.
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "connectors/decode/dead_letter.h"
#include "connectors/decode/event_json.h"
#include "connectors/kafka/kafka.h"
#include "connectors/kafka/rdkafka_util.h"
#include "engine/rfm/customer_key.h"
#include "state/changelog.h"
#include "state/record_codec.h"
#include "tests/state/fake_state_store.h"

namespace segstream {
namespace {

#define ASSERT_OK(expr)                         \
  do {                                          \
    const Status _s = (expr);                   \
    ASSERT_TRUE(_s.ok()) << _s.ToString();      \
  } while (0)

// Kafka's murmur2 (the Java client's default partitioner), written from the
// algorithm's description, to check that keys land where Java clients put them.
uint32_t Murmur2(std::string_view data) {
  const uint32_t m = 0x5bd1e995;
  const int r = 24;
  const uint32_t seed = 0x9747b28c;
  uint32_t h = seed ^ static_cast<uint32_t>(data.size());
  size_t i = 0;
  const auto byte = [&](size_t k) { return static_cast<uint32_t>(static_cast<uint8_t>(data[k])); };
  for (; i + 4 <= data.size(); i += 4) {
    uint32_t k = byte(i) | byte(i + 1) << 8 | byte(i + 2) << 16 | byte(i + 3) << 24;
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  switch (data.size() - i) {
    case 3: h ^= byte(i + 2) << 16; [[fallthrough]];
    case 2: h ^= byte(i + 1) << 8; [[fallthrough]];
    case 1: h ^= byte(i); h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return h;
}
int32_t JavaPartition(std::string_view key, int partitions) {
  return static_cast<int32_t>((Murmur2(key) & 0x7fffffff) % static_cast<uint32_t>(partitions));
}

InvoiceEvent MakeEvent(int i, int customers) {
  InvoiceEvent e;
  e.invoice = std::to_string(540000 + i);
  e.stock_code = "22423";
  e.description = "REGENCY CAKESTAND 3 TIER";
  e.customer_id = std::to_string(13000 + i % customers);
  e.country = "United Kingdom";
  e.quantity = 1 + i % 5;
  e.unit_price_milli = 12750;
  e.invoice_ts = 1291191960 + 60 * i;
  return e;
}

// Events from..from+n-1 of MakeEvent over `customers`, as (key, JSON value)
// messages keyed by customer id.
std::vector<std::pair<std::string, std::string>> KeyedEvents(int from, int n, int customers) {
  std::vector<std::pair<std::string, std::string>> values;
  for (int i = from; i < from + n; ++i) {
    InvoiceEvent e = MakeEvent(i, customers);
    values.emplace_back(e.customer_id, EncodeEventJson(e));
  }
  return values;
}

class KafkaBrokerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* bootstrap = std::getenv("SEGSTREAM_KAFKA_BOOTSTRAP");
    if (bootstrap == nullptr || *bootstrap == '\0') {
      GTEST_SKIP() << "SEGSTREAM_KAFKA_BOOTSTRAP not set (ctest sets it; start a broker with tools/kafka-local)";
    }
    std::random_device rd;
    const std::string unique = std::to_string(rd()) + "-" +
                               ::testing::UnitTest::GetInstance()->current_test_info()->name();
    options_.brokers = bootstrap;
    options_.group_id = "g-" + unique;
    options_.input_topic = "in-" + unique;
    options_.changes_topic = options_.input_topic;  // the sink feeds the source
    options_.segments_topic = "seg-" + unique;
    options_.models_topic = "mod-" + unique;
    options_.dead_letters_topic = "dl-" + unique;
  }

  void Produce(const std::vector<std::pair<std::string, std::string>>& values) {
    Result<std::unique_ptr<Sink>> sink = OpenKafkaSinkNoCreate(options_);
    ASSERT_TRUE(sink.ok()) << sink.status().ToString();
    for (const auto& [k, v] : values) ASSERT_TRUE((*sink)->Append(OutputStream::kSegmentChanges, k, v).ok());
    Status st = (*sink)->Flush();
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  static std::vector<DecodedRecord> ReadN(Source* source, size_t want, int seconds = 30) {
    std::vector<DecodedRecord> out;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (out.size() < want && std::chrono::steady_clock::now() < deadline) {
      SourceBatch batch;
      Status st = source->Poll(want - out.size(), 200, &batch);
      EXPECT_TRUE(st.ok()) << st.ToString();
      for (auto& r : batch.records) out.push_back(std::move(r));
    }
    return out;
  }

  // High watermark of `topic`/`partition`, asked from the broker.
  int64_t HighWatermark(const std::string& topic, int32_t partition) {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", options_.brokers.c_str(), err, sizeof(err));
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
    int64_t low = -1, high = -1;
    rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR_NO_ERROR;
    // A just-created partition may not have a leader yet: retry for a while.
    for (int attempt = 0; attempt < 50; ++attempt) {
      e = rd_kafka_query_watermark_offsets(rk, topic.c_str(), partition, &low, &high, 10000);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    rd_kafka_destroy(rk);
    EXPECT_EQ(e, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(e);
    return high;
  }

  KafkaOptions options_;
};

TEST_F(KafkaBrokerTest, EnsureTopicsCreatesCompactedSegmentsTopicAndIsIdempotent) {
  options_.topic_partitions = 3;
  ASSERT_OK(EnsureTopics(options_, 30000));
  Status again = EnsureTopics(options_, 30000);
  EXPECT_TRUE(again.ok()) << again.ToString();
  // Partition counts as asked: models is a single totally ordered log.
  EXPECT_GE(HighWatermark(options_.input_topic, 2), 0);
  EXPECT_GE(HighWatermark(options_.models_topic, 0), 0);
  char err[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", options_.brokers.c_str(), err, sizeof(err));
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  const rd_kafka_metadata_t* md = nullptr;
  ASSERT_EQ(rd_kafka_metadata(rk, 1, nullptr, &md, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
  std::map<std::string, int> partitions;
  for (int i = 0; i < md->topic_cnt; ++i) partitions[md->topics[i].topic] = md->topics[i].partition_cnt;
  rd_kafka_metadata_destroy(md);
  EXPECT_EQ(partitions[options_.input_topic], 3);
  EXPECT_EQ(partitions[options_.segments_topic], 3);
  EXPECT_EQ(partitions[options_.models_topic], 1);
  // cleanup.policy=compact on the customer-segments topic (DescribeConfigs).
  rd_kafka_ConfigResource_t* res = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, options_.segments_topic.c_str());
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_DescribeConfigs(rk, &res, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 15000);
  ASSERT_NE(ev, nullptr);
  size_t n = 0;
  const rd_kafka_ConfigResource_t** results =
      rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &n);
  std::string policy;
  for (size_t i = 0; i < n; ++i) {
    size_t cnt = 0;
    const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(results[i], &cnt);
    for (size_t j = 0; j < cnt; ++j) {
      if (std::string(rd_kafka_ConfigEntry_name(entries[j])) == "cleanup.policy") policy = rd_kafka_ConfigEntry_value(entries[j]);
    }
  }
  EXPECT_EQ(policy, "compact");
  rd_kafka_event_destroy(ev);
  rd_kafka_ConfigResource_destroy(res);
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
}

TEST_F(KafkaBrokerTest, SinkToSourceKeepsPerCustomerOrderOnJavaPartitions) {
  options_.topic_partitions = 3;
  ASSERT_OK(EnsureTopics(options_, 30000));
  const int n = 600, customers = 37;
  Produce(KeyedEvents(0, n, customers));
  Result<std::unique_ptr<Source>> source = OpenKafkaSource(options_, nullptr);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  std::vector<DecodedRecord> records = ReadN(source->get(), n);
  ASSERT_EQ(records.size(), static_cast<size_t>(n));
  std::map<std::string, int64_t> last_ts;
  std::map<std::pair<int32_t, int64_t>, int> seen;
  for (const DecodedRecord& r : records) {
    ASSERT_TRUE(r.error.empty()) << r.error;
    EXPECT_EQ(r.origin.partition, JavaPartition(r.event.customer_id, 3)) << r.event.customer_id;
    EXPECT_GT(r.event.invoice_ts, last_ts[r.event.customer_id]) << "order of customer " << r.event.customer_id;
    last_ts[r.event.customer_id] = r.event.invoice_ts;
    EXPECT_EQ(++seen[std::make_pair(r.origin.partition, r.origin.offset)], 1);
  }
  EXPECT_EQ(last_ts.size(), static_cast<size_t>(customers));
}

TEST_F(KafkaBrokerTest, FlushReturnsOnlyAfterTheBrokerHasEveryRecord) {
  options_.topic_partitions = 2;
  ASSERT_OK(EnsureTopics(options_, 30000));
  Result<std::unique_ptr<Sink>> sink = OpenKafkaSinkNoCreate(options_);
  ASSERT_TRUE(sink.ok());
  for (int round = 1; round <= 3; ++round) {
    for (int i = 0; i < 5000; ++i) {
      ASSERT_TRUE((*sink)->Append(OutputStream::kModels, "", "{\"model_version\":" + std::to_string(i) + "}").ok());
    }
    ASSERT_TRUE((*sink)->Flush().ok());
    // Right after Flush, without waiting: the log end already counts them all.
    EXPECT_EQ(HighWatermark(options_.models_topic, 0), 5000 * round);
  }
}

TEST_F(KafkaBrokerTest, AssignmentStartsAtTheStatePositionsAndCommitsOnlyWhatIsDurable) {
  options_.topic_partitions = 2;
  ASSERT_OK(EnsureTopics(options_, 30000));
  Produce(KeyedEvents(0, 100, 10));
  const std::map<int32_t, int64_t> state = {{0, 7}, {1, 11}};
  std::map<int32_t, int64_t> count_per_partition;
  {
    Result<std::unique_ptr<Source>> source =
        OpenKafkaSource(options_, [&](int32_t p) -> std::optional<int64_t> { return state.at(p); });
    ASSERT_TRUE(source.ok());
    std::vector<DecodedRecord> records = ReadN(source->get(), 100 - 18, 30);
    ASSERT_EQ(records.size(), 82u);
    std::map<int32_t, int64_t> first;
    for (const DecodedRecord& r : records) {
      if (!first.contains(r.origin.partition)) first[r.origin.partition] = r.origin.offset;
      ++count_per_partition[r.origin.partition];
    }
    EXPECT_EQ(first[0], 7);
    EXPECT_EQ(first[1], 11);
    // The pipeline made partition 0 durable up to 20 only.
    ASSERT_TRUE((*source)->CommitDurable({Position{0, 20, 0}}).ok());
    SourceBatch idle;
    ASSERT_TRUE((*source)->Poll(10, 1000, &idle).ok());  // serves the async commit
    EXPECT_TRUE(idle.records.empty());
  }
  // A new member without state positions starts from the group's commits:
  // 20 on partition 0 (not the 7+N it had read), earliest on partition 1.
  Result<std::unique_ptr<Source>> again = OpenKafkaSource(options_, nullptr);
  ASSERT_TRUE(again.ok());
  const int64_t p0 = count_per_partition[0] + 7, p1 = count_per_partition[1] + 11;
  std::vector<DecodedRecord> records = ReadN(again->get(), static_cast<size_t>((p0 - 20) + p1));
  std::map<int32_t, int64_t> first;
  for (const DecodedRecord& r : records) {
    if (!first.contains(r.origin.partition)) first[r.origin.partition] = r.origin.offset;
  }
  EXPECT_EQ(first[0], 20);
  EXPECT_EQ(first[1], 0);
}

TEST_F(KafkaBrokerTest, PoisonMessagesBecomeDeadLettersWithPartitionAndOffset) {
  options_.topic_partitions = 1;
  // Room for one message over the engine's 1 MiB limit.
  ASSERT_OK(EnsureTopic(options_, options_.input_topic, 1, {{"max.message.bytes", "4194304"}}, 30000));
  options_.producer_properties["message.max.bytes"] = "4000000";
  ASSERT_OK(EnsureTopics(options_, 30000));
  Produce({{"13000", EncodeEventJson(MakeEvent(0, 1))},
           {"", "{\"invoice\":\"1\",\"stock_code\":"},
           {"", "\xff\xfe binary"},
           {"13000", EncodeEventJson(MakeEvent(1, 1))},
           {"", std::string(kMaxKafkaRecordBytes + 10, '{')}});
  Result<std::unique_ptr<Source>> source = OpenKafkaSource(options_, nullptr);
  ASSERT_TRUE(source.ok());
  std::vector<DecodedRecord> records = ReadN(source->get(), 5);
  ASSERT_EQ(records.size(), 5u);
  EXPECT_TRUE(records[0].error.empty());
  EXPECT_TRUE(records[3].error.empty());
  for (int i : {1, 2, 4}) {
    EXPECT_FALSE(records[i].error.empty()) << i;
    EXPECT_EQ(records[i].origin.partition, 0);
    EXPECT_EQ(records[i].origin.offset, i);
    EXPECT_LE(records[i].raw.size(), 4096u);
  }
  // The engine writes them to the dead-letters topic with DeadLetterJson.
  Result<std::unique_ptr<Sink>> sink = OpenKafkaSinkNoCreate(options_);
  ASSERT_TRUE(sink.ok());
  for (int i : {1, 2, 4}) {
    ASSERT_TRUE((*sink)->Append(OutputStream::kDeadLetters, "", DeadLetterJson((*source)->Id(), records[i])).ok());
  }
  ASSERT_TRUE((*sink)->Flush().ok());
  KafkaOptions dl = options_;
  dl.input_topic = options_.dead_letters_topic;
  dl.group_id += "-dl";
  Result<std::unique_ptr<Source>> reader =
      OpenKafkaSourceWithDecoder(dl, nullptr, [](std::string_view v, DecodedRecord* r) { r->raw = std::string(v); });
  ASSERT_TRUE(reader.ok());
  std::vector<DecodedRecord> letters = ReadN(reader->get(), 3);
  ASSERT_EQ(letters.size(), 3u);
  EXPECT_NE(letters[0].raw.find("\"offset\":1"), std::string::npos) << letters[0].raw;
  EXPECT_NE(letters[1].raw.find("\"offset\":2"), std::string::npos) << letters[1].raw;
  EXPECT_NE(letters[2].raw.find("\"offset\":4"), std::string::npos) << letters[2].raw;
  EXPECT_NE(letters[0].raw.find("\"partition\":0"), std::string::npos) << letters[0].raw;
  EXPECT_NE(letters[0].raw.find("\"source\":\"kafka:" + options_.input_topic + "\""), std::string::npos);
}

TEST_F(KafkaBrokerTest, TwoMembersShareThePartitionsAfterACooperativeRebalance) {
  options_.topic_partitions = 4;
  ASSERT_OK(EnsureTopics(options_, 30000));
  Produce(KeyedEvents(0, 400, 50));
  Result<std::unique_ptr<Source>> a = OpenKafkaSource(options_, nullptr);
  ASSERT_TRUE(a.ok());
  std::vector<DecodedRecord> first = ReadN(a->get(), 400);
  ASSERT_EQ(first.size(), 400u);
  ASSERT_EQ((*a)->Lag().size(), 4u);  // a alone owns all four partitions
  std::map<int32_t, int64_t> next;
  for (const DecodedRecord& r : first) next[r.origin.partition] = r.origin.offset + 1;
  std::vector<Position> durable;
  for (auto [p, o] : next) durable.push_back(Position{p, o, 0});
  ASSERT_TRUE((*a)->CommitDurable(durable).ok());
  SourceBatch idle;
  ASSERT_TRUE((*a)->Poll(10, 500, &idle).ok());

  Result<std::unique_ptr<Source>> b = OpenKafkaSource(options_, nullptr);
  ASSERT_TRUE(b.ok());
  Produce(KeyedEvents(400, 400, 50));
  // Both members poll (and commit what they read, as the pipeline would)
  // until every new message was read and the group has settled.
  std::mutex mu;
  std::map<std::pair<int32_t, int64_t>, int> reads;
  std::atomic<bool> stop{false};
  auto member = [&](Source* s) {
    while (!stop.load()) {
      SourceBatch batch;
      if (!s->Poll(100, 100, &batch).ok()) return;
      {
        std::lock_guard<std::mutex> lock(mu);
        for (const DecodedRecord& r : batch.records) {
          if (r.event.invoice >= "540400") ++reads[{r.origin.partition, r.origin.offset}];
        }
      }
      // A commit can fail while this test's rebalance revokes partitions;
      // the reads, not the commits, are what the test checks.
      const Status committed = s->CommitDurable(batch.next);
      (void)committed;
    }
  };
  std::thread ta(member, a->get()), tb(member, b->get());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(45);
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::lock_guard<std::mutex> lock(mu);
    if (reads.size() >= 400 && (*b)->Ready() && !(*b)->Lag().empty() && (*a)->Lag().size() < 4) break;
  }
  // Let the group settle a moment longer, then stop both.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  stop = true;
  ta.join();
  tb.join();
  EXPECT_EQ(reads.size(), 400u);  // every new message read (at least once)
  std::set<int32_t> pa, pb;
  for (auto [p, l] : (*a)->Lag()) pa.insert(p);
  for (auto [p, l] : (*b)->Lag()) pb.insert(p);
  EXPECT_FALSE(pa.empty());
  EXPECT_FALSE(pb.empty());
  EXPECT_EQ(pa.size() + pb.size(), 4u);
  for (int32_t p : pa) EXPECT_FALSE(pb.contains(p)) << "partition " << p << " owned twice";
}

// State keyed by partition, owned by one instance: an instance whose state
// lacks a partition another instance of the group processed (that
// instance's id is in the committed offset's metadata, beyond this state's
// position) refuses the partition with a clear error instead of publishing
// RFM without the history. The same instance behind its own commit (the
// exactly-once crash window) and a state that holds everything are not
// refused.
TEST_F(KafkaBrokerTest, AStateWithoutAPartitionsHistoryRefusesIt) {
  options_.topic_partitions = 2;
  ASSERT_OK(EnsureTopics(options_, 30000));
  Produce(KeyedEvents(0, 100, 50));
  const std::string a_id(32, 'a'), b_id(32, 'b');
  auto lookup_of = [](std::map<int32_t, int64_t> positions) -> StoredPositionLookup {
    return [positions](int32_t p) -> Result<std::optional<int64_t>> {
      auto it = positions.find(p);
      return it == positions.end() ? std::optional<int64_t>() : std::optional<int64_t>(it->second);
    };
  };
  std::map<int32_t, int64_t> next;
  {
    KafkaOptions a_options = options_;
    a_options.instance_id = a_id;
    Result<std::unique_ptr<Source>> a = OpenKafkaSource(a_options, lookup_of({}));
    ASSERT_TRUE(a.ok());
    std::vector<DecodedRecord> read = ReadN(a->get(), 100);
    ASSERT_EQ(read.size(), 100u);
    for (const DecodedRecord& r : read) next[r.origin.partition] = r.origin.offset + 1;
    std::vector<Position> durable;
    for (auto [p, o] : next) durable.push_back(Position{p, o, 0});
    ASSERT_TRUE((*a)->CommitDurable(durable).ok());
    // The commit is asynchronous: wait until the group has it.
    bool committed = false;
    for (int i = 0; i < 100 && !committed; ++i) {
      SourceBatch idle;
      ASSERT_TRUE((*a)->Poll(10, 100, &idle).ok());
      auto offsets = ReadCommittedOffsets(options_, 10000);
      committed = offsets.ok() && offsets->size() == next.size();
    }
    ASSERT_TRUE(committed);
  }
  ASSERT_EQ(next.size(), 2u);
  // Polls until an error or `seconds` pass; the error (OK: none) and the records read.
  auto poll_for = [](Source* s, int seconds, size_t* records) {
    *records = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      SourceBatch batch;
      Status st = s->Poll(100, 200, &batch);
      if (!st.ok()) return st;
      *records += batch.records.size();
    }
    return Status::OK();
  };
  {
    // Another instance, with a state that never saw the partitions.
    KafkaOptions b_options = options_;
    b_options.instance_id = b_id;
    Result<std::unique_ptr<Source>> b = OpenKafkaSource(b_options, lookup_of({}));
    ASSERT_TRUE(b.ok());
    size_t records = 0;
    const Status st = poll_for(b->get(), 30, &records);
    EXPECT_EQ(st.code(), Status::Code::kNotSupported) << st.ToString();
    EXPECT_NE(st.message().find("segstream instance " + a_id), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("this state holds it not at all"), std::string::npos) << st.message();
    EXPECT_EQ(records, 0u) << "nothing of a refused partition is handed out";
  }
  {
    // Instance a again, its state one record behind its own commit on each
    // partition (the exactly-once crash window): it reads those records.
    KafkaOptions a_options = options_;
    a_options.instance_id = a_id;
    std::map<int32_t, int64_t> behind = next;
    for (auto& [p, o] : behind) o -= 1;
    Result<std::unique_ptr<Source>> a = OpenKafkaSource(a_options, lookup_of(behind));
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(ReadN(a->get(), 2).size(), 2u);
  }
  {
    // Instance a again, its state holding no position of partition 0 though
    // a committed it (the crash window on a partition's first batch): it
    // reads partition 0 from the beginning, not from its own commit, which
    // had skipped every record before it.
    KafkaOptions a_options = options_;
    a_options.instance_id = a_id;
    std::map<int32_t, int64_t> without_0 = next;
    without_0.erase(0);
    Result<std::unique_ptr<Source>> a = OpenKafkaSource(a_options, lookup_of(without_0));
    ASSERT_TRUE(a.ok());
    const auto want = static_cast<size_t>(next[0]);
    std::vector<DecodedRecord> read = ReadN(a->get(), want);
    ASSERT_EQ(read.size(), want);
    for (size_t i = 0; i < read.size(); ++i) {
      EXPECT_EQ(read[i].origin.partition, 0);
      EXPECT_EQ(read[i].origin.offset, static_cast<int64_t>(i));
    }
  }
  {
    // Instance b with a state that holds everything a committed (a copy).
    KafkaOptions b_options = options_;
    b_options.instance_id = b_id;
    Result<std::unique_ptr<Source>> b = OpenKafkaSource(b_options, lookup_of(next));
    ASSERT_TRUE(b.ok());
    size_t records = 0;
    EXPECT_TRUE(poll_for(b->get(), 5, &records).ok());
    EXPECT_TRUE((*b)->Ready());
  }
}

// Two instances that start together on a fresh group have no commit to tell
// them apart: each would take some partitions and train its own model. An
// instance's first assignment must be the whole topic; a member that gets a
// share (here: another member already holds the topic) assigns nothing and
// says why. The member that held the whole topic keeps its partitions.
TEST_F(KafkaBrokerTest, AnInstanceWhoseFirstAssignmentIsNotTheWholeTopicIsRefused) {
  options_.topic_partitions = 2;
  ASSERT_OK(EnsureTopics(options_, 30000));
  Produce(KeyedEvents(0, 100, 50));
  auto never_consumed = [](int32_t) -> Result<std::optional<int64_t>> { return std::optional<int64_t>(); };
  KafkaOptions a_options = options_;
  a_options.instance_id = std::string(32, 'a');
  Result<std::unique_ptr<Source>> a = OpenKafkaSource(a_options, never_consumed);
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(ReadN(a->get(), 100).size(), 100u);  // a alone: both partitions, nothing committed
  ASSERT_EQ((*a)->Lag().size(), 2u);

  KafkaOptions b_options = options_;
  b_options.instance_id = std::string(32, 'b');
  Result<std::unique_ptr<Source>> b = OpenKafkaSource(b_options, never_consumed);
  ASSERT_TRUE(b.ok());
  // Both members poll: the group rebalances and gives b one partition.
  std::atomic<bool> stop{false};
  std::thread ta([&] {
    while (!stop.load()) {
      SourceBatch batch;
      if (!(*a)->Poll(100, 100, &batch).ok()) return;
    }
  });
  Status b_status;
  size_t b_records = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(45);
  while (b_status.ok() && std::chrono::steady_clock::now() < deadline) {
    SourceBatch batch;
    b_status = (*b)->Poll(100, 200, &batch);
    b_records += batch.records.size();
  }
  EXPECT_EQ(b_status.code(), Status::Code::kNotSupported) << b_status.ToString();
  EXPECT_NE(b_status.message().find("consumer group " + options_.group_id + " has another member"),
            std::string::npos)
      << b_status.message();
  EXPECT_NE(b_status.message().find("was assigned 1 of the 2 partitions"), std::string::npos) << b_status.message();
  EXPECT_EQ(b_records, 0u) << "nothing of a refused assignment is handed out";
  EXPECT_TRUE((*b)->Lag().empty()) << "b assigned nothing";
  b.value().reset();  // b leaves the group: a gets the partition back
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(45);
  while ((*a)->Lag().size() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  stop = true;
  ta.join();
  EXPECT_EQ((*a)->Lag().size(), 2u) << "a, the first member, holds the whole topic again";
}

// The changelog through the real sink and restore (state/changelog.h,
// changelog_restore.h): transactions of state changes, one of them left open
// by a producer that died and then aborted by its successor. A full restore
// into an empty store equals the live state (the aborted records never
// appear); a copy that stopped three transactions earlier, with the offsets
// its sink had then, gets exactly the tail it lacks.
TEST_F(KafkaBrokerTest, TheChangelogRestoresCommittedTransactionsOnly) {
  options_.topic_partitions = 2;
  options_.exactly_once = true;
  options_.changelog = true;
  options_.changelog_topic = "cl-" + options_.group_id;
  options_.instance_id = std::string(32, 'c');
  ASSERT_OK(EnsureTopics(options_, 30000));
  ASSERT_OK(EnsureChangelogTopic(options_, 30000));

  // Write i: customers of both partitions, a timer, and (every third) a range
  // delete of partition 1's timers.
  auto make_write = [](int i) {
    StateWrite w;
    for (int p = 0; p < 2; ++p) {
      w.Put(Column::kCustomers, CustomerKey(p, std::to_string(100 + i % 4)), "rec" + std::to_string(i));
      w.Put(Column::kTimers, PartitionKeyPrefix(p) + "t" + std::to_string(i), "v");
    }
    if (i % 3 == 2) w.DeleteRange(Column::kTimers, PartitionKeyPrefix(1), PartitionKeyPrefix(2));
    if (i % 4 == 3) w.Delete(Column::kCustomers, CustomerKey(0, std::to_string(100 + (i + 1) % 4)));
    w.Put(Column::kMeta, "engine", "e" + std::to_string(i));
    return w;
  };
  testing::FakeStateStore live;
  testing::FakeStateStore early;  // the same writes, stopped after write 2
  SinkOffsets early_offsets;
  {
    Result<std::unique_ptr<Sink>> sink = OpenKafkaSinkNoCreate(options_);
    ASSERT_TRUE(sink.ok()) << sink.status().ToString();
    ASSERT_OK((*sink)->Open({}));
    for (int i = 0; i < 6; ++i) {
      const StateWrite w = make_write(i);
      ASSERT_OK(AppendChangelog(w, &live, [&](int32_t p, std::string_view k, const std::string* v) {
        return (*sink)->AppendStateChange(p, k, v);
      }));
      ASSERT_OK((*sink)->Flush());  // one transaction
      ASSERT_OK(live.Commit(w));
      if (i <= 2) ASSERT_OK(early.Commit(w));
      if (i == 2) early_offsets = (*sink)->Offsets();
    }
    // A seventh write that never commits: the producer dies mid-transaction.
    StateWrite lost;
    lost.Put(Column::kCustomers, CustomerKey(1, "999"), "lost");
    ASSERT_OK(AppendChangelog(lost, &live, [&](int32_t p, std::string_view k, const std::string* v) {
      return (*sink)->AppendStateChange(p, k, v);
    }));
  }
  ASSERT_EQ(std::count_if(early_offsets.begin(), early_offsets.end(),
                          [](const auto& o) { return ChangelogOffsetPartition(o.first).has_value(); }),
            2)
      << "both changelog partitions have an offset";

  // Full restore: an empty store. That path does not fence (it would wait
  // for the dead producer's transaction until the broker aborts it), so a
  // successor with the same transactional.id aborts it first, as a
  // restarted instance's sink does.
  {
    Result<std::unique_ptr<Sink>> successor = OpenKafkaSinkNoCreate(options_);
    ASSERT_TRUE(successor.ok());
    ASSERT_OK((*successor)->Open({}));  // init_transactions aborts the open one
  }
  auto logged = [](const testing::FakeStateStore& s, size_t c) {
    testing::FakeStateStore::Table t = s.tables()[c];
    std::erase_if(t, [c](const auto& kv) { return !ChangelogPartition(static_cast<Column>(c), kv.first); });
    return t;
  };
  // A stop (SIGTERM) during a full restore: Aborted, and the state stays
  // marked as restoring, so the next start restores it again.
  {
    testing::FakeStateStore interrupted;
    const std::atomic<bool> stopped{true};
    auto aborted = PrepareChangelogState(
        options_, &interrupted, [] { return Result<SinkOffsets>(SinkOffsets{}); }, {}, &stopped);
    EXPECT_EQ(aborted.status().code(), Status::Code::kAborted) << aborted.status().ToString();
    ASSERT_EQ(interrupted.table(Column::kMeta).count(std::string(kChangelogTopicKey)), 1u);
    EXPECT_EQ(interrupted.table(Column::kMeta).at(std::string(kChangelogTopicKey)),
              "restoring:" + options_.changelog_topic);
  }
  testing::FakeStateStore restored;
  std::vector<RestoreProgress> progress;
  auto full = PrepareChangelogState(
      options_, &restored, [] { return Result<SinkOffsets>(SinkOffsets{}); },
      [&progress](const RestoreProgress& p) { progress.push_back(p); });
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  EXPECT_TRUE(full->full);
  // Progress: the first report before any record, with an upper bound of
  // what is left that covers every record; the last one done, with all.
  ASSERT_GE(progress.size(), 2u);
  EXPECT_EQ(progress.front().records, 0u);
  EXPECT_FALSE(progress.front().done);
  EXPECT_TRUE(progress.front().full);
  EXPECT_EQ(progress.front().topic, options_.changelog_topic);
  EXPECT_GE(progress.front().remaining, full->records);
  EXPECT_TRUE(progress.back().done);
  EXPECT_EQ(progress.back().records, full->records);
  EXPECT_EQ(progress.back().remaining, 0u);
  for (size_t i = 1; i < progress.size(); ++i) EXPECT_GE(progress[i].records, progress[i - 1].records);
  for (size_t c = 0; c < kColumnCount; ++c) EXPECT_EQ(logged(restored, c), logged(live, c)) << "column " << c;
  EXPECT_EQ(restored.table(Column::kCustomers).count(CustomerKey(1, "999")), 0u) << "an aborted record restored";

  // A full restore stores when it sampled the topic's ends.
  EXPECT_EQ(restored.table(Column::kMeta).count(SinkOffsetKey(kChangelogSyncedName)), 1u);

  // Tail restore: the early copy, marked as logging to the topic.
  StateWrite mark;
  mark.Put(Column::kMeta, std::string(kChangelogTopicKey), options_.changelog_topic);
  ASSERT_OK(early.Commit(mark));
  ASSERT_EQ(early_offsets.count(std::string(kChangelogSyncedName)), 1u) << "the sink reports when it committed";

  // The same copy, last in step with the changelog longer ago than the
  // topic's delete.retention.ms (the broker's default, 24 h): a tombstone it
  // lacks may be gone, so it is restored in full, not from its tail.
  testing::FakeStateStore stale;
  for (size_t c = 0; c < kColumnCount; ++c) stale.mutable_table(static_cast<Column>(c)) = early.tables()[c];
  SinkOffsets stale_offsets = early_offsets;
  stale_offsets[std::string(kChangelogSyncedName)] = rdk::NowMicros() / 1000 - 25LL * 3600 * 1000;
  auto refreshed = PrepareChangelogState(options_, &stale, [&] { return Result<SinkOffsets>(stale_offsets); });
  ASSERT_TRUE(refreshed.ok()) << refreshed.status().ToString();
  EXPECT_TRUE(refreshed->full) << "a copy older than delete.retention.ms restored only its tail";
  EXPECT_EQ(refreshed->records, full->records);
  for (size_t c = 0; c < kColumnCount; ++c) EXPECT_EQ(logged(stale, c), logged(live, c)) << "column " << c;
  auto tail = PrepareChangelogState(options_, &early, [&] { return Result<SinkOffsets>(early_offsets); });
  ASSERT_TRUE(tail.ok()) << tail.status().ToString();
  EXPECT_FALSE(tail->full);
  EXPECT_GT(tail->records, 0u);
  EXPECT_LT(tail->records, full->records);
  for (size_t c = 0; c < kColumnCount; ++c) EXPECT_EQ(logged(early, c), logged(live, c)) << "column " << c;
}

// A changelog topic that also deletes by age would lose the state of
// customers not seen within its retention: refused, naming the setting.
TEST_F(KafkaBrokerTest, AChangelogTopicThatDeletesByAgeIsRefused) {
  options_.topic_partitions = 2;
  options_.exactly_once = true;
  options_.changelog = true;
  ASSERT_OK(EnsureTopics(options_, 30000));
  int n = 0;
  for (const char* policy : {"delete", "compact,delete"}) {
    options_.changelog_topic = "cl-" + std::to_string(++n) + "-" + options_.group_id;
    ASSERT_OK(EnsureTopic(options_, options_.changelog_topic, 2, {{"cleanup.policy", policy}}, 30000));
    const Status s = EnsureChangelogTopic(options_, 30000);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << policy << ": " << s.ToString();
    EXPECT_NE(s.message().find(std::string("cleanup.policy=") + policy), std::string::npos) << s.ToString();
    testing::FakeStateStore empty;
    auto restore = PrepareChangelogState(options_, &empty, [] { return Result<SinkOffsets>(SinkOffsets{}); });
    EXPECT_EQ(restore.status().code(), Status::Code::kInvalidArgument) << policy;
    EXPECT_TRUE(empty.table(Column::kMeta).empty()) << "a refused topic marked the state";
  }
  // Compacted only: accepted, whether segstream created it or not.
  options_.changelog_topic = "cl-c-" + options_.group_id;
  ASSERT_OK(EnsureTopic(options_, options_.changelog_topic, 2, {{"cleanup.policy", "compact"}}, 30000));
  ASSERT_OK(EnsureChangelogTopic(options_, 30000));
}

}  // namespace
}  // namespace segstream
