#include "common/auth/api_keys_from_env.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace analytics::auth {
namespace {

/// The key file's text; empty for no file. Throws when a named file cannot be read.
std::string read_key_file(const std::string& path) {
  if (path.empty()) return "";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

ApiKeys api_keys_from_env(config::EnvConfig& env, const std::string& prefix,
                          const std::string& guards) {
  const std::string keys_var = prefix + "_API_KEYS", file_var = prefix + "_API_KEYS_FILE";
  auto text = env.get_secret(keys_var, "",
                             "API keys (" + guards +
                                 "): KEY or KEY@scope1|scope2, comma-separated (empty: open)");
  auto file = env.get_string(file_var, "", "file of API keys, one entry per line, # comments");
  try {
    return ApiKeys::parse(text + "\n" + read_key_file(file));
  } catch (const std::exception& e) {
    env.add_error(keys_var + " / " + file_var + ": " + e.what());
    return {};
  }
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

}  // namespace analytics::auth
