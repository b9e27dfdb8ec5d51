// Tests for the schema registry client against a tiny in-process HTTP server
// (cpp-httplib) that plays a Confluent-compatible registry: the paths under
// the base URL, basic auth (from the URL's user info and from the option),
// the Accept and Content-Type headers, 404/40403 = NotFound, every other
// failure = Unavailable after the retries, the cache by id; and the fake.
#include "connectors/schema_registry/schema_registry.h"

#include <httplib.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

namespace segstream {
namespace {

using ::testing::HasSubstr;

constexpr const char* kSchema = R"({"type":"record","name":"R","fields":[{"name":"a","type":"string"}]})";

class LocalRegistry {
 public:
  LocalRegistry() {
    server_.Get(R"(/base/v7/schemas/ids/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
      Record(req);
      const int id = std::stoi(req.matches[1]);
      if (id == 1) {
        res.set_content(std::string(R"({"schema":)") + Quote(kSchema) + "}", "application/vnd.schemaregistry.v1+json");
      } else if (id == 2) {
        res.set_content(R"({"schema":"syntax = \"proto3\";","schemaType":"PROTOBUF"})", "application/json");
      } else if (id == 401) {
        res.status = 401;  // as nginx's auth_basic answers
        res.set_content("<html>401 Authorization Required</html>", "text/html");
      } else if (id == 500) {
        res.status = 500;
        res.set_content(R"({"error_code":50001,"message":"store down"})", "application/json");
      } else {
        res.status = 404;
        res.set_content(R"({"error_code":40403,"message":"Schema not found"})", "application/json");
      }
    });
    server_.Post(R"(/base/v7/subjects/([^/]+)/versions)", [this](const httplib::Request& req, httplib::Response& res) {
      Record(req);
      std::lock_guard<std::mutex> lock(mu_);
      last_body_ = req.body;
      last_content_type_ = req.get_header_value("Content-Type");
      last_subject_ = req.matches[1];
      res.set_content(R"({"id":7})", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() before the accept loop runs would be lost (cpp-httplib 0.11).
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~LocalRegistry() {
    server_.stop();
    thread_.join();
  }
  std::string Url(const std::string& user_info = "") const {
    return "http://" + user_info + "127.0.0.1:" + std::to_string(port_) + "/base/v7/";
  }
  int requests() const { return requests_.load(); }
  std::string last(const std::string& what) {
    std::lock_guard<std::mutex> lock(mu_);
    if (what == "auth") return last_auth_;
    if (what == "accept") return last_accept_;
    if (what == "body") return last_body_;
    if (what == "content-type") return last_content_type_;
    return last_subject_;
  }

 private:
  static std::string Quote(const std::string& s) {
    std::string q = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') q += '\\';
      q += c;
    }
    return q + "\"";
  }
  void Record(const httplib::Request& req) {
    ++requests_;
    std::lock_guard<std::mutex> lock(mu_);
    last_auth_ = req.get_header_value("Authorization");
    last_accept_ = req.get_header_value("Accept");
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> requests_{0};
  std::mutex mu_;
  std::string last_auth_, last_accept_, last_body_, last_content_type_, last_subject_;
};

SchemaRegistryOptions Fast(const std::string& url) {
  SchemaRegistryOptions o;
  o.url = url;
  o.timeout_ms = 2000;
  o.retries = 2;
  o.retry_backoff_ms = 1;
  return o;
}

TEST(HttpSchemaRegistry, FetchesByIdUnderTheBasePathAndCaches) {
  LocalRegistry server;
  auto r = OpenHttpSchemaRegistry(Fast(server.Url())).value();
  auto s = r->SchemaById(1);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s.value(), kSchema);
  EXPECT_THAT(server.last("accept"), HasSubstr("application/vnd.schemaregistry.v1+json"));
  EXPECT_EQ(server.last("auth"), "");
  EXPECT_EQ(r->SchemaById(1).value(), kSchema);
  EXPECT_EQ(server.requests(), 1);
}

TEST(HttpSchemaRegistry, BasicAuthFromUrlAndFromOption) {
  LocalRegistry server;
  // "user:p@ss" percent-encoded in the URL; base64("user:p@ss") = dXNlcjpwQHNz.
  auto r = OpenHttpSchemaRegistry(Fast(server.Url("user:p%40ss@"))).value();
  ASSERT_TRUE(r->SchemaById(1).ok());
  EXPECT_EQ(server.last("auth"), "Basic dXNlcjpwQHNz");
  auto o = Fast(server.Url("ignored:x@"));
  o.basic_auth = "svc:secret";  // base64 = c3ZjOnNlY3JldA==
  auto r2 = OpenHttpSchemaRegistry(o).value();
  ASSERT_TRUE(r2->SchemaById(1).ok());
  EXPECT_EQ(server.last("auth"), "Basic c3ZjOnNlY3JldA==");
}

TEST(HttpSchemaRegistry, NotFoundVersusUnavailable) {
  LocalRegistry server;
  auto r = OpenHttpSchemaRegistry(Fast(server.Url())).value();
  auto missing = r->SchemaById(42);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_EQ(server.requests(), 1);  // a definite answer is not retried
  auto down = r->SchemaById(500);
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.status().code(), Status::Code::kUnavailable);
  EXPECT_THAT(down.status().message(), HasSubstr("HTTP 500"));
  EXPECT_EQ(server.requests(), 1 + 3);  // one try and two retries
  auto proto = r->SchemaById(2);
  ASSERT_FALSE(proto.ok());
  EXPECT_EQ(proto.status().code(), Status::Code::kNotSupported);
  // A wrong base path: a 404 without the registry's error code is not "unknown id".
  auto wrong = OpenHttpSchemaRegistry(Fast(server.Url() + "nope")).value();
  auto w = wrong->SchemaById(1);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), Status::Code::kUnavailable);
}

// A refused login is not "unknown id" nor a dead letter: Unavailable, with a
// message that says what to fix and never quotes the password.
TEST(HttpSchemaRegistry, RefusedCredentialsAreUnavailableWithAClearMessage) {
  LocalRegistry server;
  auto anonymous = OpenHttpSchemaRegistry(Fast(server.Url())).value()->SchemaById(401);
  ASSERT_FALSE(anonymous.ok());
  EXPECT_EQ(anonymous.status().code(), Status::Code::kUnavailable);
  EXPECT_THAT(anonymous.status().message(), HasSubstr("HTTP 401"));
  EXPECT_THAT(anonymous.status().message(), HasSubstr("refused a request without credentials"));
  auto wrong = OpenHttpSchemaRegistry(Fast(server.Url("svc:hunter2@"))).value()->SchemaById(401);
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(wrong.status().message(), HasSubstr("refused these credentials"));
  EXPECT_THAT(wrong.status().message(), HasSubstr("--schema-registry-auth-file"));
  EXPECT_EQ(wrong.status().message().find("hunter2"), std::string::npos);
}

TEST(HttpSchemaRegistry, UnreachableIsUnavailable) {
  int port = 0;
  {
    LocalRegistry server;  // a port that was just free and is closed again
    port = std::stoi(server.Url().substr(std::string("http://127.0.0.1:").size()));
  }
  auto r = OpenHttpSchemaRegistry(Fast("http://127.0.0.1:" + std::to_string(port))).value();
  auto s = r->SchemaById(1);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Status::Code::kUnavailable);
  EXPECT_THAT(s.status().message(), HasSubstr("unreachable"));
}

TEST(HttpSchemaRegistry, RegisterPostsTheSchema) {
  LocalRegistry server;
  auto r = OpenHttpSchemaRegistry(Fast(server.Url("u:p@"))).value();
  auto id = r->Register("segments-value", kSchema);
  ASSERT_TRUE(id.ok()) << id.status().message();
  EXPECT_EQ(id.value(), 7);
  EXPECT_EQ(server.last("subject"), "segments-value");
  EXPECT_EQ(server.last("content-type"), "application/vnd.schemaregistry.v1+json");
  EXPECT_THAT(server.last("body"), HasSubstr(R"("schemaType":"AVRO")"));
  EXPECT_EQ(server.last("auth"), "Basic dTpw");
}

TEST(HttpSchemaRegistry, BadUrls) {
  EXPECT_FALSE(OpenHttpSchemaRegistry(Fast("127.0.0.1:8081")).ok());
  EXPECT_FALSE(OpenHttpSchemaRegistry(Fast("ftp://x")).ok());
  EXPECT_FALSE(OpenHttpSchemaRegistry(Fast("http:///path")).ok());
}

TEST(SchemaRegistryAuthFile, FirstLine) {
  const std::string path = ::testing::TempDir() + "/sr_auth";
  std::ofstream(path) << "user:secret\nignored\n";
  EXPECT_EQ(ReadBasicAuthFile(path).value(), "user:secret");
  std::ofstream(path) << "no colon\n";
  EXPECT_FALSE(ReadBasicAuthFile(path).ok());
  EXPECT_FALSE(ReadBasicAuthFile(path + ".missing").ok());
}

TEST(FakeSchemaRegistry, IdsAndOutage) {
  FakeSchemaRegistry f;
  EXPECT_EQ(f.Register("a-value", kSchema).value(), 1);
  EXPECT_EQ(f.Register("b-value", kSchema).value(), 1);
  EXPECT_EQ(f.Register("a-value", R"("string")").value(), 2);
  EXPECT_EQ(f.SchemaById(2).value(), R"("string")");
  EXPECT_EQ(f.SchemaById(3).status().code(), Status::Code::kNotFound);
  f.SetUnavailable(true);
  EXPECT_EQ(f.SchemaById(1).status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(f.lookups(), 3);
}

}  // namespace
}  // namespace segstream
