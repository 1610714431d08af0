#pragma once

#include <string>

namespace analytics::testing {

/// The real dependencies scripts/test.sh started. A missing variable fails the test (never
/// skips it): an integration test that did not run must not look like a pass.
struct IntegrationEnv {
  std::string admin_database_url;  // TEST_DATABASE_URL, a superuser connection
  std::string kafka_brokers;       // KAFKA_BROKERS
  std::string broker_control;      // DEV_BROKER_CONTROL, e.g. http://127.0.0.1:8190
};

/// Reads the environment; calls ADD_FAILURE and returns false when something is missing.
bool load_integration_env(IntegrationEnv& env);

/// A fresh name such as "it_1a2b3c4d", usable as a database name and topic prefix.
std::string unique_name(const std::string& stem);

/// Creates database `name` and returns its URL (same server as the admin URL).
std::string create_database(const IntegrationEnv& env, const std::string& name);
void drop_database(const IntegrationEnv& env, const std::string& name);

/// `url` (postgresql://[user[:password]@]host...) connecting as `user`, without a password.
std::string url_with_user(const std::string& url, const std::string& user);

/// Creates every catalogue topic under `prefix` on the dev broker.
void create_topics(const IntegrationEnv& env, const std::string& prefix);

/// Runs a scalar query (e.g. a count) and returns its text.
std::string query_scalar(const std::string& database_url, const std::string& sql);

/// Polls `sql` until it returns `expected` or `timeout_ms` passes; returns the last value.
std::string wait_for_scalar(const std::string& database_url, const std::string& sql,
                            const std::string& expected, int timeout_ms);

}  // namespace analytics::testing
