// ParseHttpAddress: the --http grammar, including "disabled" and bad input.
#include "engine/http/http_options.h"

#include <gtest/gtest.h>

namespace segstream {
namespace {

TEST(ParseHttpAddress, HostAndPort) {
  auto r = ParseHttpAddress("127.0.0.1:9464");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->host, "127.0.0.1");
  EXPECT_EQ(r->port, 9464);
  EXPECT_EQ(r->threads, HttpOptions().threads);  // other fields keep defaults
}

TEST(ParseHttpAddress, EmptyHostMeansAllInterfaces) {
  auto r = ParseHttpAddress(":9100");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->host, "0.0.0.0");
  EXPECT_EQ(r->port, 9100);
}

TEST(ParseHttpAddress, EphemeralPortAndHostName) {
  auto r = ParseHttpAddress("localhost:0");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->host, "localhost");
  EXPECT_EQ(r->port, 0);
}

TEST(ParseHttpAddress, BracketedIpv6) {
  auto r = ParseHttpAddress("[::1]:8080");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->host, "::1");
  EXPECT_EQ(r->port, 8080);
}

TEST(ParseHttpAddress, DisabledIsNotFound) {
  for (const char* off : {"none", "off", ""}) {
    auto r = ParseHttpAddress(off);
    ASSERT_FALSE(r.ok()) << off;
    EXPECT_EQ(r.status().code(), Status::Code::kNotFound) << off;
  }
}

TEST(ParseHttpAddress, RejectsJunk) {
  for (const char* bad : {"9464", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "host:-1", "host:12x",
                          "::1:80", "[::1]80", "[::1", "ho st:80", "a/b:80"}) {
    auto r = ParseHttpAddress(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace segstream
