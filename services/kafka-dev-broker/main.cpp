// kafka-dev-broker: a Kafka-protocol broker for development and tests, built on librdkafka's
// mock cluster. Keeps only ~5 MB per partition in memory; production uses real Kafka.
#include <fstream>
#include <iostream>

#include "common/auth/api_keys_from_env.hpp"
#include "common/config/build_info.hpp"
#include "common/config/env_config.hpp"
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
  auto service = config::read_service_settings(env, 8090);
  auto brokers = env.get_int("DEV_BROKER_COUNT", 3, 1, 9, "number of mock brokers");
  auto topics_file = env.get_string("TOPICS_FILE", config::source_path("proto/topics.json"),
                                    "topic catalogue to create at start");
  auto prefix = env.get_string("KAFKA_TOPIC_PREFIX", "", "prefix for every topic name");
  auto bootstrap_file =
      env.get_string("DEV_BROKER_BOOTSTRAP_FILE", "", "write the bootstrap address to this file");
  auto keys = auth::api_keys_from_env(env, "DEV_BROKER", "who may change the cluster");
  if (!auth::is_loopback_host(service.host) && keys.empty()) {
    env.add_error("HTTP_HOST " + service.host +
                  " is reachable from other machines: set DEV_BROKER_API_KEYS, or keep the "
                  "control API on a loopback address");
  }
  if (!env.check(std::cerr)) return 2;
  auto logger = logging::init("kafka-dev-broker", service.log_level);

  try {
    auto catalog = contracts::TopicCatalog::load(topics_file, prefix);
    dev_broker::MockCluster cluster(static_cast<int>(brokers));
    for (const auto& t : catalog.topics()) cluster.create_topic(t.name, t.partitions);

    metrics::Registry registry;
    http::Server server("kafka-dev-broker", registry);
    server.set_tls(service.tls);
    server.set_max_body_bytes(service.max_body_bytes);
    dev_broker::register_control_api(server, cluster, catalog, keys);
    int bound = server.start(service.host, service.port);

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
