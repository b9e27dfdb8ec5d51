// Tests for reading the [kafka] TOML table, ${ENV} expansion and secret masking.
#include "connectors/kafka/kafka_options.h"

#include <cstdlib>

#include <gtest/gtest.h>

namespace segstream {
namespace {

toml::table KafkaTable(std::string_view text) {
  toml::table root = toml::parse(text);
  return *root["kafka"].as_table();
}

TEST(KafkaOptionsTest, DefaultsSurviveAnEmptyTable) {
  KafkaOptions o;
  ASSERT_TRUE(LoadKafkaOptions(toml::table{}, &o).ok());
  EXPECT_EQ(o.group_id, "segstream");
  EXPECT_EQ(o.input_topic, "segstream.invoices");
  EXPECT_EQ(o.segments_topic, "segstream.customer-segments");
  EXPECT_EQ(o.topic_partitions, 1);
  EXPECT_TRUE(o.create_topics);
}

TEST(KafkaOptionsTest, ReadsEveryKey) {
  KafkaOptions o;
  Status st = LoadKafkaOptions(KafkaTable(R"(
    [kafka]
    brokers = "b1:9092,b2:9092"
    group = "g"
    input_topic = "in"
    changes_topic = "ch"
    segments_topic = "seg"
    models_topic = "mod"
    dead_letters_topic = "dl"
    partitions = 6
    replication = 3
    create_topics = false
    exactly_once = true
    transactional_id = "segstream-eu-1"
    [kafka.properties]
    "security.protocol" = "SASL_SSL"
    "socket.keepalive.enable" = true
    [kafka.consumer]
    "fetch.wait.max.ms" = 50
    [kafka.producer]
    "linger.ms" = 20
  )"), &o);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(o.brokers, "b1:9092,b2:9092");
  EXPECT_EQ(o.group_id, "g");
  EXPECT_EQ(o.input_topic, "in");
  EXPECT_EQ(o.changes_topic, "ch");
  EXPECT_EQ(o.segments_topic, "seg");
  EXPECT_EQ(o.models_topic, "mod");
  EXPECT_EQ(o.dead_letters_topic, "dl");
  EXPECT_EQ(o.topic_partitions, 6);
  EXPECT_EQ(o.replication_factor, 3);
  EXPECT_FALSE(o.create_topics);
  EXPECT_TRUE(o.exactly_once);
  EXPECT_EQ(o.transactional_id, "segstream-eu-1");
  EXPECT_EQ(o.properties.at("security.protocol"), "SASL_SSL");
  EXPECT_EQ(o.properties.at("socket.keepalive.enable"), "true");
  EXPECT_EQ(o.consumer_properties.at("fetch.wait.max.ms"), "50");
  EXPECT_EQ(o.producer_properties.at("linger.ms"), "20");
}

TEST(KafkaOptionsTest, UnknownKeyAndWrongTypesAreErrorsAndLeaveOptionsAlone) {
  KafkaOptions o;
  o.brokers = "keep";
  Status st = LoadKafkaOptions(KafkaTable("[kafka]\nbrokers = \"x\"\nbroker = \"typo\"\n"), &o);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("broker"), std::string::npos);
  EXPECT_EQ(o.brokers, "keep");
  EXPECT_FALSE(LoadKafkaOptions(KafkaTable("[kafka]\npartitions = 0\n"), &o).ok());
  EXPECT_FALSE(LoadKafkaOptions(KafkaTable("[kafka]\npartitions = \"3\"\n"), &o).ok());
  EXPECT_FALSE(LoadKafkaOptions(KafkaTable("[kafka]\ncreate_topics = 1\n"), &o).ok());
  EXPECT_FALSE(LoadKafkaOptions(KafkaTable("[kafka]\nexactly_once = \"yes\"\n"), &o).ok());
  EXPECT_FALSE(o.exactly_once);
  EXPECT_FALSE(LoadKafkaOptions(KafkaTable("[kafka]\nproperties = 3\n"), &o).ok());
}

TEST(KafkaOptionsTest, ExpandsEnvironmentVariables) {
  ::setenv("SEGSTREAM_TEST_KAFKA_PW", "s3cr3t", 1);
  KafkaOptions o;
  Status st = LoadKafkaOptions(KafkaTable(R"(
    [kafka]
    brokers = "${SEGSTREAM_TEST_KAFKA_PW}-host:1"
    [kafka.properties]
    "sasl.password" = "${SEGSTREAM_TEST_KAFKA_PW}"
  )"), &o);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(o.brokers, "s3cr3t-host:1");
  EXPECT_EQ(o.properties.at("sasl.password"), "s3cr3t");

  ::unsetenv("SEGSTREAM_TEST_KAFKA_UNSET");
  st = LoadKafkaOptions(KafkaTable("[kafka.properties]\n\"sasl.password\" = \"${SEGSTREAM_TEST_KAFKA_UNSET}\"\n"), &o);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("SEGSTREAM_TEST_KAFKA_UNSET"), std::string::npos);
  EXPECT_FALSE(ExpandEnv("${UNTERMINATED").ok());
  EXPECT_EQ(ExpandEnv("plain $ text").value(), "plain $ text");
}

TEST(KafkaOptionsTest, MasksSecrets) {
  EXPECT_TRUE(IsSecretProperty("sasl.password"));
  EXPECT_TRUE(IsSecretProperty("ssl.key.password"));
  EXPECT_TRUE(IsSecretProperty("sasl.oauthbearer.client.secret"));
  EXPECT_TRUE(IsSecretProperty("SSL.KEY.PEM"));
  EXPECT_FALSE(IsSecretProperty("bootstrap.servers"));
  std::string text = DescribeProperties({{"sasl.password", "hunter2"}, {"acks", "all"}});
  EXPECT_EQ(text, "acks=all\nsasl.password=****\n");
}

}  // namespace
}  // namespace segstream
