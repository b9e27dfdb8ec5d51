// OpenHttpSchemaRegistry (cpp-httplib + nlohmann-json) and FakeSchemaRegistry;
// see schema_registry.h.
#include "connectors/schema_registry/schema_registry.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <thread>
#include <unordered_map>

namespace segstream {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 percent-decoding of the user info ("p%40ss" -> "p@ss").
std::string PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexDigit(s[i + 1]) >= 0 && HexDigit(s[i + 2]) >= 0) {
      out += static_cast<char>(HexDigit(s[i + 1]) * 16 + HexDigit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

struct ParsedUrl {
  std::string scheme_host_port;  // "http://host:port"
  std::string base_path;         // "/apis/ccompat/v7" or ""
  std::string user_info;         // decoded "user:password" or ""
};

Result<ParsedUrl> ParseUrl(const std::string& url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return Status::InvalidArgument("schema registry URL needs http:// or https://: " + url);
  const std::string scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    return Status::InvalidArgument("schema registry URL must be http or https: " + url);
  }
  std::string rest = url.substr(scheme_end + 3);
  ParsedUrl p;
  const size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) p.base_path = rest.substr(slash);
  while (!p.base_path.empty() && p.base_path.back() == '/') p.base_path.pop_back();
  if (const size_t at = authority.rfind('@'); at != std::string::npos) {
    p.user_info = PercentDecode(authority.substr(0, at));
    authority = authority.substr(at + 1);
  }
  if (authority.empty()) return Status::InvalidArgument("schema registry URL has no host: " + url);
  p.scheme_host_port = scheme + "://" + authority;
  return p;
}

bool Transient(const Status& s) { return !s.ok() && s.code() != Status::Code::kNotFound; }

class HttpSchemaRegistry : public SchemaRegistry {
 public:
  HttpSchemaRegistry(const SchemaRegistryOptions& options, ParsedUrl url)
      : options_(options), url_(std::move(url)) {
    if (!options_.basic_auth.empty()) url_.user_info = options_.basic_auth;
  }

  Result<std::string> SchemaById(int32_t id) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = by_id_.find(id); it != by_id_.end()) return it->second;
    }
    auto body = WithRetries([&] { return Get(fmt::format("/schemas/ids/{}", id), id); });
    if (!body.ok()) return body.status();
    std::string schema;
    try {
      const auto j = nlohmann::json::parse(body.value());
      if (j.contains("schemaType") && j["schemaType"].is_string() && j["schemaType"] != "AVRO") {
        return Status::NotSupported(fmt::format("schema {} is a {} schema, not Avro", id, j["schemaType"].get<std::string>()));
      }
      schema = j.at("schema").get<std::string>();
    } catch (const std::exception& e) {
      return Status::Corruption(fmt::format("schema registry: unreadable answer for schema {}: {}", id, e.what()));
    }
    std::lock_guard<std::mutex> lock(mu_);
    by_id_.emplace(id, schema);
    return schema;
  }

  Result<int32_t> Register(const std::string& subject, const std::string& schema) override {
    const std::string body = nlohmann::json{{"schema", schema}, {"schemaType", "AVRO"}}.dump();
    auto answer = WithRetries([&] { return Post("/subjects/" + subject + "/versions", body); });
    if (!answer.ok()) return answer.status();
    try {
      return nlohmann::json::parse(answer.value()).at("id").get<int32_t>();
    } catch (const std::exception& e) {
      return Status::Corruption(fmt::format("schema registry: unreadable answer to a registration: {}", e.what()));
    }
  }

 private:
  template <typename F>
  Result<std::string> WithRetries(F&& attempt) {
    int backoff = options_.retry_backoff_ms;
    for (int i = 0;; ++i) {
      Result<std::string> r = attempt();
      if (r.ok() || !Transient(r.status()) || i >= options_.retries) return r;
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff));
      backoff *= 2;
    }
  }

  std::unique_ptr<httplib::Client> NewClient() const {
    auto c = std::make_unique<httplib::Client>(url_.scheme_host_port);
    const auto t = std::chrono::milliseconds(options_.timeout_ms);
    c->set_connection_timeout(t);
    c->set_read_timeout(t);
    c->set_write_timeout(t);
    if (!url_.user_info.empty()) {
      const size_t colon = url_.user_info.find(':');
      c->set_basic_auth(url_.user_info.substr(0, colon),
                        colon == std::string::npos ? std::string() : url_.user_info.substr(colon + 1));
    }
    return c;
  }

  static constexpr const char* kAccept =
      "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, application/json";

  Result<std::string> Answer(const httplib::Result& res, const std::string& what, int32_t id) const {
    if (!res) {
      return Status::Unavailable(fmt::format("schema registry {} unreachable ({}): {}", url_.scheme_host_port, what,
                                             httplib::to_string(res.error())));
    }
    if (res->status == 200) return res->body;
    int code = 0;
    std::string message;
    try {
      const auto j = nlohmann::json::parse(res->body);
      code = j.value("error_code", 0);
      message = j.value("message", "");
    } catch (const std::exception&) {
    }
    if (res->status == 404 && (code == 40403 || code == 40401)) {
      return Status::NotFound(fmt::format("schema id {} is not in the registry ({})", id, message));
    }
    if (res->status == 401 || res->status == 403) {
      // Not a dead letter and not the record's fault: the run stops (see schema_registry.h).
      return Status::Unavailable(fmt::format(
          "schema registry {}{}: HTTP {} for {}: the registry refused {} (give user:password in "
          "--schema-registry-auth-file)",
          url_.scheme_host_port, url_.base_path, res->status, what,
          url_.user_info.empty() ? "a request without credentials" : "these credentials"));
    }
    return Status::Unavailable(fmt::format("schema registry {}{}: HTTP {} for {} {}", url_.scheme_host_port,
                                           url_.base_path, res->status, what, message));
  }

  Result<std::string> Get(const std::string& path, int32_t id) const {
    auto c = NewClient();
    httplib::Headers h{{"Accept", kAccept}};
    return Answer(c->Get(url_.base_path + path, h), "GET " + path, id);
  }

  Result<std::string> Post(const std::string& path, const std::string& body) const {
    auto c = NewClient();
    httplib::Headers h{{"Accept", kAccept}};
    auto r = Answer(c->Post(url_.base_path + path, h, body, "application/vnd.schemaregistry.v1+json"), "POST " + path, 0);
    // A 40401 (subject not found) cannot happen on a registration; any 404 is
    // the registry's path problem, not the record's.
    if (!r.ok() && r.status().code() == Status::Code::kNotFound) return Status::Unavailable(r.status().message());
    return r;
  }

  const SchemaRegistryOptions options_;
  ParsedUrl url_;
  std::mutex mu_;
  std::unordered_map<int32_t, std::string> by_id_;  // ids are immutable in the registry: cached for good
};

}  // namespace

Result<std::unique_ptr<SchemaRegistry>> OpenHttpSchemaRegistry(const SchemaRegistryOptions& options) {
  auto url = ParseUrl(options.url);
  if (!url.ok()) return url.status();
  return std::unique_ptr<SchemaRegistry>(new HttpSchemaRegistry(options, std::move(url).value()));
}

Result<std::string> ReadBasicAuthFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument("cannot read the schema registry credentials file " + path);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || line.back() == ' ')) line.pop_back();
  if (line.find(':') == std::string::npos) {
    return Status::InvalidArgument(path + ": the first line must be user:password");
  }
  return line;
}

Result<std::string> FakeSchemaRegistry::SchemaById(int32_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  ++lookups_;
  if (unavailable_) return Status::Unavailable("fake schema registry: unavailable");
  if (id < 1 || static_cast<size_t>(id) > schemas_.size()) {
    return Status::NotFound(fmt::format("schema id {} is not in the registry", id));
  }
  return schemas_[static_cast<size_t>(id) - 1];
}

Result<int32_t> FakeSchemaRegistry::Register(const std::string& subject, const std::string& schema) {
  std::lock_guard<std::mutex> lock(mu_);
  if (unavailable_) return Status::Unavailable("fake schema registry: unavailable");
  int32_t id = 0;
  for (size_t i = 0; i < schemas_.size(); ++i) {
    if (schemas_[i] == schema) id = static_cast<int32_t>(i + 1);
  }
  if (id == 0) {
    schemas_.push_back(schema);
    id = static_cast<int32_t>(schemas_.size());
  }
  subjects_[subject].push_back(id);
  return id;
}

void FakeSchemaRegistry::SetUnavailable(bool unavailable) {
  std::lock_guard<std::mutex> lock(mu_);
  unavailable_ = unavailable;
}

int FakeSchemaRegistry::lookups() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lookups_;
}

}  // namespace segstream
