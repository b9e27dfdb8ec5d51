// TokenAuth; see token_auth.h.
#include "engine/http/token_auth.h"
#include "engine/util/log.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <fstream>

namespace segstream {
namespace {

std::atomic<unsigned> g_reload_generation{0};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

void TokenAuth::RequestReload() { g_reload_generation.fetch_add(1, std::memory_order_relaxed); }

Result<std::vector<TokenAuth::Digest>> TokenAuth::ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument("--http-token-file " + path + ": cannot read the file");
  std::vector<Digest> out;
  std::string line;
  while (std::getline(in, line)) {
    const std::string_view t = Trim(line);
    if (t.empty() || t.front() == '#') continue;
    Digest d;
    SHA256(reinterpret_cast<const unsigned char*>(t.data()), t.size(), d.data());
    out.push_back(d);
  }
  if (out.empty()) return Status::InvalidArgument("--http-token-file " + path + ": no token in the file");
  return out;
}

Result<std::unique_ptr<TokenAuth>> TokenAuth::Load(const std::string& path) {
  std::unique_ptr<TokenAuth> a(new TokenAuth(path));
  a->seen_generation_ = g_reload_generation.load();
  SEGSTREAM_RETURN_IF_ERROR(a->Reload());
  return a;
}

Status TokenAuth::Reload() {
  auto digests = ReadFile(path_);
  if (!digests.ok()) return digests.status();
  auto fresh = std::make_shared<const std::vector<Digest>>(std::move(digests).value());
  std::lock_guard<std::mutex> lock(mu_);
  digests_ = std::move(fresh);
  return Status::OK();
}

bool TokenAuth::Check(std::string_view authorization) {
  std::shared_ptr<const std::vector<Digest>> digests;
  bool reload = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const unsigned gen = g_reload_generation.load(std::memory_order_relaxed);
    if (gen != seen_generation_) {
      seen_generation_ = gen;
      reload = true;
    }
  }
  if (reload) {  // a failed reload keeps the previous tokens
    if (Status s = Reload(); s.ok()) {
      log::Info("http_tokens_reloaded", "re-read " + path_);
    } else {
      log::Warn("http_tokens_reload_failed", s.message() + "; keeping the previous tokens");
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    digests = digests_;
  }
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() <= kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {  // the scheme is case-insensitive (RFC 7235)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) !=
        std::tolower(static_cast<unsigned char>(kScheme[i]))) {
      return false;
    }
  }
  const std::string_view token = Trim(authorization.substr(kScheme.size()));
  Digest d;
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), d.data());
  int match = 0;
  for (const Digest& known : *digests) match |= CRYPTO_memcmp(d.data(), known.data(), d.size()) == 0;
  return match != 0;
}

}  // namespace segstream
