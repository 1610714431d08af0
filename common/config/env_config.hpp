#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace analytics::tls {
class ServerContext;
}

namespace analytics::config {

/// Thrown by EnvConfig::finish() when one or more variables were invalid; what() lists them all.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Reads typed settings from environment variables. Each getter records the key, its default
/// and description (for `--help`), and collects errors instead of throwing, so that a service
/// reports every bad key in one go when finish() is called.
/// Not thread-safe; use during start-up only.
class EnvConfig {
 public:
  /// Reads the process environment, or only `env` when given (tests).
  explicit EnvConfig(std::optional<std::map<std::string, std::string>> env = std::nullopt);

  std::string get_string(const std::string& key, const std::string& def,
                         const std::string& description);
  /// A secret: never echoed in describe().
  std::string get_secret(const std::string& key, const std::string& def,
                         const std::string& description);
  int64_t get_int(const std::string& key, int64_t def, int64_t min, int64_t max,
                  const std::string& description);
  double get_double(const std::string& key, double def, double min, double max,
                    const std::string& description);
  bool get_bool(const std::string& key, bool def, const std::string& description);

  /// Records a problem found by the service's own cross-field checks, reported with the rest.
  void add_error(const std::string& message) { errors_.push_back(message); }

  /// Throws ConfigError listing every invalid key seen so far.
  void finish() const;

  /// Like finish(), but prints the errors to `out` and returns false instead of throwing:
  /// `if (!env.check(std::cerr)) return 2;` in main().
  bool check(std::ostream& out) const;

  /// One line per key: name, effective value (secrets masked), description.
  std::string describe() const;

 private:
  struct Entry {
    std::string key, value, description;
    bool secret;
  };
  const char* lookup(const std::string& key) const;
  template <typename T>
  T get_number(const std::string& key, T def, T min, T max, const std::string& description,
               const char* kind);
  void record(const std::string& key, const std::string& value, const std::string& description,
              bool secret = false);

  std::optional<std::map<std::string, std::string>> env_;
  std::vector<Entry> entries_;
  std::vector<std::string> errors_;
};

/// What every service reads: LOG_LEVEL, HTTP_HOST, HTTP_PORT, MAX_BODY_BYTES, TLS_CERT_FILE and
/// TLS_KEY_FILE.
struct ServiceSettings {
  std::string log_level;
  std::string host;
  int port;
  /// Largest HTTP request body, counted after decompression (http::Server::set_max_body_bytes).
  size_t max_body_bytes;
  /// The certificate and key the HTTP port serves TLS with (http::Server::set_tls), loaded and
  /// checked; null when both variables are empty (plain HTTP).
  std::shared_ptr<const tls::ServerContext> tls;
};

/// The body limit of a service that takes only small JSON requests.
inline constexpr int64_t kDefaultMaxBodyBytes = 1024 * 1024;

/// Records an error for a bad value; among them only one of the two TLS variables set, a file
/// that cannot be read, or a key that does not match the certificate.
ServiceSettings read_service_settings(EnvConfig& env, int default_port,
                                      int64_t default_max_body_bytes = kDefaultMaxBodyBytes);

}  // namespace analytics::config
