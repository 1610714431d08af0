#pragma once

#include <memory>
#include <stdexcept>
#include <string>

// OpenSSL stays out of this header: only the code that drives connections includes it.
struct ssl_ctx_st;

namespace analytics::tls {

/// A certificate or key could not be used; the message names the file and the problem, never
/// key material.
class TlsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What a server presents on its TLS port: a certificate chain and the matching private key
/// (PEM files), with TLS 1.2 as the lowest protocol version and renegotiation refused.
/// Immutable once loaded; thread-safe to share between connections.
class ServerContext {
 public:
  /// Loads and checks both files. Throws TlsError when a file cannot be read or parsed, the key
  /// needs a passphrase, or the key is not the certificate's.
  static std::shared_ptr<const ServerContext> load(const std::string& cert_file,
                                                   const std::string& key_file);
  ~ServerContext();
  ServerContext(const ServerContext&) = delete;
  ServerContext& operator=(const ServerContext&) = delete;

  /// The OpenSSL context (SSL_CTX*), for SSL_new().
  ssl_ctx_st* native() const { return ctx_; }
  const std::string& cert_file() const { return cert_file_; }

 private:
  ServerContext(ssl_ctx_st* ctx, std::string cert_file)
      : ctx_(ctx), cert_file_(std::move(cert_file)) {}

  ssl_ctx_st* ctx_;
  std::string cert_file_;
};

}  // namespace analytics::tls
