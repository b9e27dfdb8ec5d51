// SchemaRegistry: the Avro schemas of a Confluent-compatible schema registry
// (Confluent Schema Registry, Apicurio Registry's /apis/ccompat/v7, Karapace),
// as the Avro decoder (connectors/decode/avro_decoder.h) and tests need them:
// the schema text of a global schema id, and registering a schema under a
// subject. REST API: https://docs.confluent.io/platform/current/schema-registry/develop/api.html
// (GET /schemas/ids/{id}, POST /subjects/{subject}/versions).
//
// Errors, and why they are two kinds (the decoder depends on it):
// - Status::NotFound: the registry answered, and it does not know the id
//   (HTTP 404 with error_code 40403, "schema not found"). That is a property
//   of the record: the decoder makes it a dead letter.
// - anything else (connection refused, timeout, 5xx, 401/403, a 404 without
//   the 40403 code, e.g. a wrong base path, an unparsable answer): the
//   registry could not be asked. The decoder returns it as an error, the
//   record is not consumed, and the run stops before its batch is applied, so
//   no position moves past it (a transient failure loses no data). A 401 or
//   403 says the registry refused the request without or with credentials
//   and names --schema-registry-auth-file; the password is never quoted.
//   Tested against a server that enforces basic auth (nginx's auth_basic in
//   front of Apicurio) by tests/tools/avro_registry.py.
//
// Thread safety: implementations are safe to call from several threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/util/status.h"

namespace segstream {

class SchemaRegistry {
 public:
  virtual ~SchemaRegistry() = default;

  // The schema text (Avro JSON) with global id `id`.
  virtual Result<std::string> SchemaById(int32_t id) = 0;

  // Registers `schema` (Avro JSON) under `subject` ("<topic>-value" in the
  // Confluent TopicNameStrategy); returns its global id (the same id when the
  // schema is already registered).
  virtual Result<int32_t> Register(const std::string& subject, const std::string& schema) = 0;
};

struct SchemaRegistryOptions {
  // Base URL of the Confluent-compatible API, e.g.
  // http://127.0.0.1:8081 or http://127.0.0.1:8080/apis/ccompat/v7 (Apicurio).
  // http or https; "user:password@" in the URL is HTTP basic auth.
  std::string url;
  // HTTP basic auth "user:password" (overrides the URL's user info); empty = none.
  std::string basic_auth;
  int timeout_ms = 5000;  // connect and read timeout of one request
  // Transient failures (see above) are retried this many times, with a
  // back-off doubling from retry_backoff_ms, before the error is returned.
  int retries = 4;
  int retry_backoff_ms = 250;
};

// The HTTP client. Fails only on a malformed URL; the registry is first
// contacted by the first call.
Result<std::unique_ptr<SchemaRegistry>> OpenHttpSchemaRegistry(const SchemaRegistryOptions& options);

// Reads "user:password" from the first line of `path` (for --schema-registry-auth-file).
Result<std::string> ReadBasicAuthFile(const std::string& path);

// An in-memory registry for tests: ids count from 1, the same text under any
// subject gets the same id. `SetUnavailable(true)` makes every call fail with
// Status::Unavailable (a registry outage). Thread-safe.
class FakeSchemaRegistry : public SchemaRegistry {
 public:
  Result<std::string> SchemaById(int32_t id) override;
  Result<int32_t> Register(const std::string& subject, const std::string& schema) override;
  void SetUnavailable(bool unavailable);
  int lookups() const;  // SchemaById calls so far (cache tests)

 private:
  mutable std::mutex mu_;
  std::vector<std::string> schemas_;  // id - 1 -> text
  std::map<std::string, std::vector<int32_t>> subjects_;
  bool unavailable_ = false;
  int lookups_ = 0;
};

}  // namespace segstream
