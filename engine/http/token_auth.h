// TokenAuth: bearer tokens for the HTTP API (issue 13, "an authenticated
// HTTPS API"). The token file holds one token per line; blank lines and
// lines starting with '#' are ignored; surrounding spaces are trimmed. Only
// SHA-256 digests of the tokens are kept, and a presented token is hashed
// and compared with every digest by CRYPTO_memcmp, so the time taken does
// not depend on where (or whether) it matches, nor on the tokens' lengths.
// Tokens never reach logs or error messages (errors name the file and line
// numbers only).
//
// Reload: RequestReload() (async-signal-safe: it bumps an atomic counter; the
// SIGHUP handler calls it) makes the next Check() re-read the file first. A
// reload that fails (missing file, no token) keeps the previous tokens.
//
// Thread safety: Check and Reload may run on any thread concurrently.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "engine/util/status.h"

namespace segstream {

class TokenAuth {
 public:
  static Result<std::unique_ptr<TokenAuth>> Load(const std::string& path);

  // True when `authorization` is "Bearer <token>" with a known token.
  bool Check(std::string_view authorization);

  // Re-reads the file now.
  Status Reload();

  // Async-signal-safe: the next Check re-reads the file.
  static void RequestReload();

 private:
  using Digest = std::array<unsigned char, 32>;
  explicit TokenAuth(std::string path) : path_(std::move(path)) {}
  static Result<std::vector<Digest>> ReadFile(const std::string& path);

  const std::string path_;
  std::mutex mu_;
  std::shared_ptr<const std::vector<Digest>> digests_;  // guarded by mu_
  unsigned seen_generation_ = 0;                       // guarded by mu_
};

}  // namespace segstream
