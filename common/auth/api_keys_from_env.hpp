#pragma once

#include <string>

#include "common/auth/api_keys.hpp"
#include "common/config/env_config.hpp"

namespace analytics::auth {

/// The API keys of one service from `<PREFIX>_API_KEYS` (entries, a secret) and
/// `<PREFIX>_API_KEYS_FILE` (a file of entries, one per line): the two are merged. A malformed
/// entry or an unreadable file is recorded on `env` as a configuration error (reported with the
/// rest by env.check()); the message never holds a key. `guards` says what the keys protect,
/// for --help: "who may post events".
ApiKeys api_keys_from_env(config::EnvConfig& env, const std::string& prefix,
                          const std::string& guards);

/// True for the addresses only this machine can reach (127.0.0.0/8, ::1, localhost).
bool is_loopback_host(const std::string& host);

}  // namespace analytics::auth
