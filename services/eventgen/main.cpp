// eventgen: the synthetic source system. Serves batches of e-commerce orders with controlled
// dirty data, reproducible by seed.
#include <iostream>

#include "common/config/build_info.hpp"
#include "common/config/env_config.hpp"
#include "common/http/http_server.hpp"
#include "common/logging/logging.hpp"
#include "common/process/shutdown_signal.hpp"
#include "eventgen_routes.hpp"

using namespace analytics;

int main() {
  process::block_shutdown_signals();
  config::EnvConfig env;
  auto log_level = env.get_string("LOG_LEVEL", "info", "trace|debug|info|warn|error");
  auto host = env.get_string("HTTP_HOST", "127.0.0.1", "listen address");
  auto port = env.get_int("HTTP_PORT", 8081, 0, 65535, "listen port");
  eventgen::DirtRates rates;
  rates.malformed_timestamp = env.get_double("MALFORMED_TIMESTAMP_RATE", 0.05, 0, 1,
                                             "default share of malformed timestamps");
  rates.missing_field = env.get_double("MISSING_FIELD_RATE", 0.03, 0, 1,
                                       "default share with quantity or price absent");
  rates.duplicate_id = env.get_double("DUPLICATE_RATE", 0.02, 0, 1,
                                      "default share of order ids reused within a batch");
  try {
    env.finish();
  } catch (const config::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  auto logger = logging::init("eventgen", log_level);
  try {
    metrics::Registry registry;
    http::Server server("eventgen", registry);
    eventgen::register_eventgen_routes(server, registry, rates);
    int bound = server.start(host, static_cast<int>(port));
    logger->info("eventgen started port={} version={}", bound, config::pipeline_version());
    int sig = process::wait_for_shutdown_signal();
    logger->info("stopping signal={}", sig);
    server.stop();
  } catch (const std::exception& e) {
    logger->critical("eventgen failed: {}", e.what());
    return 1;
  }
  return 0;
}
