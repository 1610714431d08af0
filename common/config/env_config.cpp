#include "common/config/env_config.hpp"

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <ostream>
#include <sstream>

#include "common/tls/server_context.hpp"

namespace analytics::config {

EnvConfig::EnvConfig(std::optional<std::map<std::string, std::string>> env)
    : env_(std::move(env)) {}

const char* EnvConfig::lookup(const std::string& key) const {
  if (!env_) {
    const char* v = std::getenv(key.c_str());
    return (v != nullptr && *v != '\0') ? v : nullptr;
  }
  auto it = env_->find(key);
  return it == env_->end() || it->second.empty() ? nullptr : it->second.c_str();
}

void EnvConfig::record(const std::string& key, const std::string& value,
                       const std::string& description, bool secret) {
  entries_.push_back({key, value, description, secret});
}

std::string EnvConfig::get_string(const std::string& key, const std::string& def,
                                  const std::string& description) {
  const char* v = lookup(key);
  std::string value = v ? v : def;
  record(key, value, description);
  return value;
}

std::string EnvConfig::get_secret(const std::string& key, const std::string& def,
                                  const std::string& description) {
  std::string value = get_string(key, def, description);
  entries_.back().secret = true;
  return value;
}

template <typename T>
T EnvConfig::get_number(const std::string& key, T def, T min, T max, const std::string& description,
                        const char* kind) {
  auto text = [](T n) {
    std::ostringstream out;
    out << n;
    return out.str();
  };
  const char* v = lookup(key);
  T value = def;
  if (v) {
    T parsed{};
    const char* end = v + std::strlen(v);
    auto [stop, ec] = std::from_chars(v, end, parsed);
    if (ec != std::errc() || stop != end) {
      errors_.push_back(key + "='" + v + "' is not " + kind);
    } else if (!(parsed >= min && parsed <= max)) {  // also rejects NaN
      errors_.push_back(key + "=" + v + " is outside [" + text(min) + ", " + text(max) + "]");
    } else {
      value = parsed;
    }
  }
  record(key, text(value), description);
  return value;
}

int64_t EnvConfig::get_int(const std::string& key, int64_t def, int64_t min, int64_t max,
                           const std::string& description) {
  return get_number<int64_t>(key, def, min, max, description, "an integer");
}

double EnvConfig::get_double(const std::string& key, double def, double min, double max,
                             const std::string& description) {
  return get_number<double>(key, def, min, max, description, "a number");
}

bool EnvConfig::get_bool(const std::string& key, bool def, const std::string& description) {
  const char* v = lookup(key);
  bool value = def;
  if (v) {
    std::string s = v;
    if (s == "1" || s == "true" || s == "yes" || s == "on") {
      value = true;
    } else if (s == "0" || s == "false" || s == "no" || s == "off") {
      value = false;
    } else {
      errors_.push_back(key + "='" + s + "' is not a boolean (true/false/1/0)");
    }
  }
  record(key, value ? "true" : "false", description);
  return value;
}

void EnvConfig::finish() const {
  if (errors_.empty()) return;
  std::string msg = "invalid configuration:";
  for (const auto& e : errors_) msg += "\n  " + e;
  throw ConfigError(msg);
}

bool EnvConfig::check(std::ostream& out) const {
  try {
    finish();
    return true;
  } catch (const ConfigError& e) {
    out << e.what() << "\n";
    return false;
  }
}

ServiceSettings read_service_settings(EnvConfig& env, int default_port,
                                      int64_t default_max_body_bytes) {
  ServiceSettings s;
  s.log_level = env.get_string("LOG_LEVEL", "info", "trace|debug|info|warn|error");
  s.host = env.get_string("HTTP_HOST", "127.0.0.1", "HTTP listen address");
  s.port = static_cast<int>(
      env.get_int("HTTP_PORT", default_port, 0, 65535, "HTTP port (0 = any free port)"));
  s.max_body_bytes = static_cast<size_t>(
      env.get_int("MAX_BODY_BYTES", default_max_body_bytes, 1024, 1024LL * 1024 * 1024,
                  "largest HTTP request body in bytes, counted after decompression (then 413)"));
  std::string cert =
      env.get_string("TLS_CERT_FILE", "",
                     "PEM certificate chain: serve HTTPS (with TLS_KEY_FILE; both empty = HTTP)");
  std::string key = env.get_string("TLS_KEY_FILE", "", "PEM private key of TLS_CERT_FILE");
  if (cert.empty() != key.empty()) {
    env.add_error(std::string(cert.empty() ? "TLS_KEY_FILE is set but TLS_CERT_FILE is not"
                                           : "TLS_CERT_FILE is set but TLS_KEY_FILE is not") +
                  ": HTTPS needs both (neither serves plain HTTP)");
  } else if (!cert.empty()) {
    try {
      s.tls = tls::ServerContext::load(cert, key);
    } catch (const tls::TlsError& e) {
      env.add_error(std::string("TLS_CERT_FILE/TLS_KEY_FILE: ") + e.what());
    }
  }
  return s;
}

std::string EnvConfig::describe() const {
  std::ostringstream out;
  for (const auto& e : entries_) {
    out << "  " << e.key << "=" << (e.secret ? "<secret>" : e.value) << "  # " << e.description
        << "\n";
  }
  return out.str();
}

}  // namespace analytics::config
