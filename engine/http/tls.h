// TLS for the HTTP server (issue 13): an OpenSSL server context loaded from
// PEM files (--http-tls-cert, --http-tls-key; the certificate file may hold
// the chain), TLS 1.2 or newer. GuardedServer runs the handshake and the
// record layer on its own deadline-bounded, non-blocking socket stream, so
// the slowloris and byte-budget limits hold for TLS clients too (a slow
// handshake counts against the first request's read deadline). cpp-httplib's
// SSLServer is not used because its blocking SSL stream would bypass those
// limits; OpenSSL is the same library it builds on.
//
// Thread safety: an SSL_CTX is safe to share between threads once loaded.
#pragma once

#include <memory>
#include <string>

#include "engine/util/status.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace segstream {

class TlsContext {
 public:
  static Result<std::shared_ptr<TlsContext>> Load(const std::string& cert_file, const std::string& key_file);
  ~TlsContext();
  SSL_CTX* ctx() const { return ctx_; }

 private:
  explicit TlsContext(SSL_CTX* ctx) : ctx_(ctx) {}
  SSL_CTX* ctx_;
};

}  // namespace segstream
