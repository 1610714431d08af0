// kafka-dev-broker: a Kafka-protocol broker for development and tests, built on librdkafka's
// mock cluster. Keeps only ~5 MB per partition in memory; production uses real Kafka.
#include <fstream>
#include <iostream>

#include "common/config/env_config.hpp"
#include "common/config/build_info.hpp"
#include "common/contracts/topic_catalog.hpp"
#include "common/http/http_server.hpp"
#include "common/logging/logging.hpp"
#include "common/process/shutdown_signal.hpp"
#include "control_api.hpp"
#include "mock_cluster.hpp"

using namespace analytics;

int main() {
  process::block_shutdown_signals();
  config::EnvConfig env;
  auto log_level = env.get_string("LOG_LEVEL", "info", "trace|debug|info|warn|error");
  auto brokers = env.get_int("DEV_BROKER_COUNT", 3, 1, 9, "number of mock brokers");
  auto topics_file = env.get_string("TOPICS_FILE", config::source_path("proto/topics.json"),
                                    "topic catalogue to create at start");
  auto prefix = env.get_string("KAFKA_TOPIC_PREFIX", "", "prefix for every topic name");
  auto bootstrap_file = env.get_string("DEV_BROKER_BOOTSTRAP_FILE", "",
                                       "write the bootstrap address to this file");
  auto host = env.get_string("HTTP_HOST", "127.0.0.1", "control API listen address");
  auto port = env.get_int("HTTP_PORT", 8090, 0, 65535, "control API port (0 = any free port)");
  try {
    env.finish();
  } catch (const config::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  auto logger = logging::init("kafka-dev-broker", log_level);

  try {
    auto catalog = contracts::TopicCatalog::load(topics_file, prefix);
    dev_broker::MockCluster cluster(static_cast<int>(brokers));
    for (const auto& t : catalog.topics()) cluster.create_topic(t.name, t.partitions);

    metrics::Registry registry;
    http::Server server("kafka-dev-broker", registry);
    dev_broker::register_control_api(server, cluster, catalog);
    int bound = server.start(host, static_cast<int>(port));

    std::string bootstrap = cluster.bootstrap_servers();
    if (!bootstrap_file.empty()) {
      // Write then rename, so a reader never sees a half-written address.
      std::string tmp = bootstrap_file + ".tmp";
      std::ofstream(tmp) << bootstrap << "\n";
      std::rename(tmp.c_str(), bootstrap_file.c_str());
    }
    std::cout << bootstrap << std::endl;
    logger->info("dev broker ready bootstrap={} brokers={} topics={} control_port={}", bootstrap,
                 brokers, catalog.topics().size(), bound);

    int sig = process::wait_for_shutdown_signal();
    logger->info("stopping signal={}", sig);
    server.stop();
    if (!bootstrap_file.empty()) std::remove(bootstrap_file.c_str());
  } catch (const std::exception& e) {
    logger->critical("dev broker failed: {}", e.what());
    return 1;
  }
  return 0;
}
