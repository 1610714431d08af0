// Component test: an http::Server serving TLS with a self-signed certificate made at test time,
// driven by httplib::SSLClient and curl (real TLS clients) and by raw sockets that speak plain
// HTTP to the TLS port or never start the handshake; and the start-up checks of TLS_CERT_FILE /
// TLS_KEY_FILE.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "common/config/env_config.hpp"
#include "common/http/http_server.hpp"
#include "common/http/json_body.hpp"
#include "common/metrics/metrics.hpp"
#include "common/tls/server_context.hpp"
#include "raw_client.hpp"

namespace analytics::http {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using test_support::RawClient;

struct PemFiles {
  std::string cert, key;
};

/// A self-signed P-256 certificate for 127.0.0.1 and localhost, and its key, written as PEM files
/// `<dir>/<name>.crt` and `<dir>/<name>.key`.
PemFiles make_self_signed(const std::string& dir, const std::string& name, long serial) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  if (!key || !cert) throw std::runtime_error("OpenSSL cannot make a key or certificate");
  X509* x = cert.get();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
  X509_gmtime_adj(X509_getm_notBefore(x), -60);
  X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
  X509_set_pubkey(x, key.get());
  X509_NAME* subject = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(x, subject);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost"},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(x, key.get(), EVP_sha256()) <= 0) throw std::runtime_error("X509_sign failed");

  PemFiles files{dir + "/" + name + ".crt", dir + "/" + name + ".key"};
  std::FILE* f = std::fopen(files.cert.c_str(), "w");
  PEM_write_X509(f, x);
  std::fclose(f);
  f = std::fopen(files.key.c_str(), "w");
  PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  return files;
}

class HttpTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string pattern = (std::filesystem::temp_directory_path() / "http_tls_test.XXXXXX");
    dir_ = ::mkdtemp(pattern.data());
    server_files_ = make_self_signed(dir_, "server", 1);
    other_files_ = make_self_signed(dir_, "other", 2);
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(dir_); }

  void SetUp() override {
    server_.post("/orders", [](const httplib::Request& req, httplib::Response& res) {
      auto body = parse_json_body(req.body);
      res.status = 201;
      res.set_content(
          nlohmann::json{{"bytes", req.body.size()}, {"tls", req.ssl != nullptr}}.dump(),
          "application/json");
      (void)body;
    });
    ConnectionLimits limits;
    limits.idle_timeout = milliseconds(400);
    limits.head_timeout = milliseconds(400);
    limits.max_head_bytes = 4096;
    server_.set_connection_limits(limits);
    server_.set_tls(tls::ServerContext::load(server_files_.cert, server_files_.key));
    port_ = server_.start("127.0.0.1", 0);
    ASSERT_GT(port_, 0);
  }
  void TearDown() override { server_.stop(); }

  /// A client that trusts only the test's certificate and checks the host name against it.
  std::unique_ptr<httplib::SSLClient> tls_client() const {
    auto client = std::make_unique<httplib::SSLClient>("127.0.0.1", port_);
    client->set_ca_cert_path(server_files_.cert.c_str());
    client->enable_server_certificate_verification(true);
    client->set_connection_timeout(2);
    client->set_read_timeout(5);
    return client;
  }

  static inline std::string dir_;
  static inline PemFiles server_files_, other_files_;
  metrics::Registry registry_;
  Server server_{"tls-test", registry_};
  int port_ = 0;
};

TEST_F(HttpTlsTest, HealthzAnswersOverVerifiedTls) {
  auto client = tls_client();
  auto res = client->Get("/healthz");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(nlohmann::json::parse(res->body).at("status"), "alive");
  // The same connection carries the next request (it went back to the poll loop in between).
  res = client->Get("/readyz");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
}

TEST_F(HttpTlsTest, BadRequestsGetTheJsonErrorShape) {
  auto client = tls_client();
  auto res = client->Post("/orders", "{\"id\": ", "application/json");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(nlohmann::json::parse(res->body).at("error").at("code"), "malformed_json");

  res = client->Get("/nowhere");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(nlohmann::json::parse(res->body).at("error").at("code"), "not_found");

  // Answered by the poll loop itself (431), encrypted like any other answer.
  res = client->Get("/healthz", {{"X-Padding", std::string(8000, 'a')}});
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 431);
  EXPECT_EQ(nlohmann::json::parse(res->body).at("error").at("code"), "header_too_large");
}

TEST_F(HttpTlsTest, BodiesLargerThanOneTlsRecordArriveWhole) {
  // 300 KB spans ~20 TLS records: the worker reads them through OpenSSL, not the raw socket.
  std::string body = "[\"" + std::string(300 * 1000, 'x') + "\"]";
  auto res = tls_client()->Post("/orders", body, "application/json");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 201);
  auto answer = nlohmann::json::parse(res->body);
  EXPECT_EQ(answer.at("bytes"), body.size());
  EXPECT_EQ(answer.at("tls"), true);
}

TEST_F(HttpTlsTest, CurlTrustingTheCertificateGetsHealthz) {
  std::ostringstream cmd;
  cmd << "curl -sS --max-time 5 --tlsv1.2 --cacert '" << server_files_.cert
      << "' -w ' %{http_code} %{ssl_verify_result}' https://127.0.0.1:" << port_ << "/healthz 2>&1";
  std::FILE* p = ::popen(cmd.str().c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof(buf), p)) out.append(buf, n);
  EXPECT_EQ(::pclose(p), 0) << out;
  EXPECT_THAT(out, HasSubstr("\"status\":\"alive\""));
  EXPECT_THAT(out, HasSubstr(" 200 0"));  // status 200, certificate verified
}

TEST_F(HttpTlsTest, PlainHttpToTheTlsPortIsRefusedAtOnce) {
  RawClient plain(port_);
  ASSERT_TRUE(plain.connected());
  auto started = Clock::now();
  plain.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  std::string answer = plain.read_until_closed(milliseconds(3000));
  EXPECT_LT(Clock::now() - started, milliseconds(1000));  // closed, not left to time out
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 400 "));
  EXPECT_THAT(answer, HasSubstr("\"code\":\"tls_required\""));
  // No worker is stuck with it.
  auto res = tls_client()->Get("/healthz");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
}

TEST_F(HttpTlsTest, ClientThatNeverFinishesTheHandshakeIsDroppedAfterTheHeadTimeout) {
  RawClient silent(port_);
  RawClient partial(port_);
  ASSERT_TRUE(silent.connected());
  ASSERT_TRUE(partial.connected());
  auto started = Clock::now();
  // A TLS record header announcing a handshake message that never comes.
  partial.send(std::string("\x16\x03\x01\x02\x00", 5));
  EXPECT_TRUE(silent.closed_within(milliseconds(3000)));
  EXPECT_TRUE(partial.closed_within(milliseconds(3000)));
  auto waited = Clock::now() - started;
  EXPECT_GE(waited, milliseconds(350));
  EXPECT_LT(waited, milliseconds(1500));

  auto res = tls_client()->Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_THAT(res->body, HasSubstr(R"(http_connections_dropped_total{reason="tls_handshake"} 2)"));
}

/// What read_service_settings() reports for a configuration it must refuse.
std::string settings_errors(const std::map<std::string, std::string>& env_vars) {
  config::EnvConfig env(env_vars);
  auto settings = config::read_service_settings(env, 8080);
  std::ostringstream out;
  EXPECT_FALSE(env.check(out));
  EXPECT_EQ(settings.tls, nullptr);
  return out.str();
}

TEST_F(HttpTlsTest, StartUpRefusesOnlyOneOfTheTwoVariables) {
  EXPECT_THAT(settings_errors({{"TLS_CERT_FILE", server_files_.cert}}),
              HasSubstr("TLS_CERT_FILE is set but TLS_KEY_FILE is not"));
  EXPECT_THAT(settings_errors({{"TLS_KEY_FILE", server_files_.key}}),
              HasSubstr("TLS_KEY_FILE is set but TLS_CERT_FILE is not"));
}

TEST_F(HttpTlsTest, StartUpRefusesAKeyThatIsNotTheCertificates) {
  std::string errors =
      settings_errors({{"TLS_CERT_FILE", server_files_.cert}, {"TLS_KEY_FILE", other_files_.key}});
  EXPECT_THAT(errors, HasSubstr("does not match the certificate"));
  EXPECT_THAT(errors, HasSubstr(other_files_.key));
  EXPECT_THAT(errors, Not(HasSubstr("PRIVATE KEY")));  // names the file, never its contents
}

TEST_F(HttpTlsTest, StartUpRefusesFilesThatCannotBeReadOrParsed) {
  EXPECT_THAT(settings_errors(
                  {{"TLS_CERT_FILE", dir_ + "/missing.crt"}, {"TLS_KEY_FILE", server_files_.key}}),
              HasSubstr("missing.crt' cannot be read: No such file or directory"));
  // The key where the certificate should be, and the other way round.
  EXPECT_THAT(
      settings_errors({{"TLS_CERT_FILE", server_files_.key}, {"TLS_KEY_FILE", server_files_.key}}),
      HasSubstr("holds no usable PEM certificate"));
  EXPECT_THAT(settings_errors(
                  {{"TLS_CERT_FILE", server_files_.cert}, {"TLS_KEY_FILE", server_files_.cert}}),
              HasSubstr("holds no usable PEM private key"));
}

TEST_F(HttpTlsTest, BothVariablesSetLoadTheCertificate) {
  config::EnvConfig env(std::map<std::string, std::string>{{"TLS_CERT_FILE", server_files_.cert},
                                                           {"TLS_KEY_FILE", server_files_.key}});
  auto settings = config::read_service_settings(env, 8080);
  std::ostringstream out;
  EXPECT_TRUE(env.check(out)) << out.str();
  ASSERT_NE(settings.tls, nullptr);
  EXPECT_EQ(settings.tls->cert_file(), server_files_.cert);
}

}  // namespace
}  // namespace analytics::http
