#include "integration_env.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <pqxx/pqxx>
#include <random>
#include <thread>

namespace analytics::testing {

bool load_integration_env(IntegrationEnv& env) {
  auto read = [](const char* name, std::string& out) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') {
      ADD_FAILURE() << name << " is not set: run integration tests through scripts/test.sh";
      return false;
    }
    out = v;
    return true;
  };
  // Each is read, so every missing one is reported, not only the first.
  bool database = read("TEST_DATABASE_URL", env.admin_database_url);
  bool brokers = read("KAFKA_BROKERS", env.kafka_brokers);
  bool control = read("DEV_BROKER_CONTROL", env.broker_control);
  return database && brokers && control;
}

std::string unique_name(const std::string& stem) {
  static const char* kHex = "0123456789abcdef";
  std::mt19937_64 rng{std::random_device{}()};
  std::string out = stem + "_";
  for (int i = 0; i < 10; ++i) out += kHex[rng() % 16];
  return out;
}

std::string create_database(const IntegrationEnv& env, const std::string& name) {
  pqxx::connection admin(env.admin_database_url);
  pqxx::nontransaction(admin).exec("CREATE DATABASE " + admin.quote_name(name));
  // Replace the database part of a URL like postgresql://user@host:port/db[?params].
  std::string url = env.admin_database_url;
  size_t scheme = url.find("://");
  size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  size_t query = url.find('?', slash);
  std::string params = query == std::string::npos ? "" : url.substr(query);
  return url.substr(0, slash) + "/" + name + params;
}

std::string url_with_user(const std::string& url, const std::string& user) {
  size_t host = url.find("://");
  host = host == std::string::npos ? 0 : host + 3;
  size_t at = url.find('@', host);
  size_t slash = url.find('/', host);
  if (at != std::string::npos && (slash == std::string::npos || at < slash)) host = at + 1;
  return url.substr(0, url.find("://") + 3) + user + "@" + url.substr(host);
}

void drop_database(const IntegrationEnv& env, const std::string& name) {
  pqxx::connection admin(env.admin_database_url);
  pqxx::nontransaction(admin).exec("DROP DATABASE IF EXISTS " + admin.quote_name(name) +
                                   " WITH (FORCE)");
}

void create_topics(const IntegrationEnv& env, const std::string& prefix) {
  httplib::Client client(env.broker_control);
  auto res = client.Post("/v1/topics", "{\"prefix\":\"" + prefix + "\"}", "application/json");
  ASSERT_TRUE(res) << "broker control API unreachable at " << env.broker_control;
  ASSERT_EQ(res->status, 201) << res->body;
}

std::string query_scalar(const std::string& database_url, const std::string& sql) {
  pqxx::connection conn(database_url);
  pqxx::nontransaction tx(conn);
  auto r = tx.exec(sql);
  return r[0][0].is_null() ? "NULL" : r[0][0].c_str();
}

std::string wait_for_scalar(const std::string& database_url, const std::string& sql,
                            const std::string& expected, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string value;
  while (true) {
    value = query_scalar(database_url, sql);
    if (value == expected || std::chrono::steady_clock::now() > deadline) return value;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace analytics::testing
