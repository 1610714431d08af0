#include "common/tls/server_context.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace analytics::tls {
namespace {

/// The reason of OpenSSL's latest error ("no start line"), emptying its thread's error queue.
std::string openssl_reason() {
  unsigned long last = 0;
  while (unsigned long e = ERR_get_error()) last = e;
  const char* reason = last != 0 ? ERR_reason_error_string(last) : nullptr;
  return reason != nullptr ? reason : "unknown OpenSSL error";
}

/// Whether `path` can be opened for reading; else throws naming it and errno's text.
void check_readable(const std::string& what, const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    throw TlsError(what + " '" + path + "' cannot be read: " + std::strerror(errno));
  }
  std::fclose(f);
}

/// A key that needs a passphrase fails instead of prompting on the terminal.
int no_passphrase(char*, int, int, void*) { return 0; }

struct CtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

}  // namespace

std::shared_ptr<const ServerContext> ServerContext::load(const std::string& cert_file,
                                                         const std::string& key_file) {
  check_readable("certificate file", cert_file);
  check_readable("private key file", key_file);
  ERR_clear_error();
  std::unique_ptr<SSL_CTX, CtxFree> ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) throw TlsError("cannot create a TLS context: " + openssl_reason());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  // Renegotiation costs the server a handshake per client request (a DoS lever) and the poll
  // loop does not expect handshakes after the first. An EOF without close_notify is an end of
  // stream like any other: HTTP frames its own messages.
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                     SSL_OP_IGNORE_UNEXPECTED_EOF);
  // Writes go through a non-blocking socket: a partial write returns, and the retry may come
  // from another buffer address (httplib's write loop).
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_default_passwd_cb(ctx.get(), no_passphrase);

  if (SSL_CTX_use_certificate_chain_file(ctx.get(), cert_file.c_str()) != 1) {
    throw TlsError("certificate file '" + cert_file +
                   "' holds no usable PEM certificate: " + openssl_reason());
  }
  std::unique_ptr<BIO, BioFree> bio(BIO_new_file(key_file.c_str(), "rb"));
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr) : nullptr);
  if (!key) {
    throw TlsError(
        "private key file '" + key_file +
        "' holds no usable PEM private key (or it needs a passphrase): " + openssl_reason());
  }
  X509* cert = SSL_CTX_get0_certificate(ctx.get());
  if (cert == nullptr || EVP_PKEY_eq(X509_get0_pubkey(cert), key.get()) != 1) {
    ERR_clear_error();
    throw TlsError("private key file '" + key_file + "' does not match the certificate in '" +
                   cert_file + "'");
  }
  if (SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1 ||
      SSL_CTX_check_private_key(ctx.get()) != 1) {
    throw TlsError("private key file '" + key_file + "' cannot be used with the certificate in '" +
                   cert_file + "': " + openssl_reason());
  }
  return std::shared_ptr<const ServerContext>(new ServerContext(ctx.release(), cert_file));
}

ServerContext::~ServerContext() { SSL_CTX_free(ctx_); }

}  // namespace analytics::tls
