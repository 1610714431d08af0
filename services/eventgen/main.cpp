// eventgen: the synthetic source system. Serves batches of e-commerce orders and clickstream
// events with controlled dirty data, reproducible by seed, and streams them into the gateway
// at a target rate (load mode).
//   eventgen                      serve HTTP
//   eventgen load [flags]         stream to the gateway, print progress, then a summary
#include <cstdio>
#include <iostream>
#include <map>

#include "common/auth/api_keys_from_env.hpp"
#include "common/config/build_info.hpp"
#include "common/config/env_config.hpp"
#include "common/http/http_server.hpp"
#include "common/logging/logging.hpp"
#include "common/process/shutdown_signal.hpp"
#include "eventgen_routes.hpp"
#include "load_jobs.hpp"
#include "load_routes.hpp"

using namespace analytics;

namespace {

constexpr const char* kLoadUsage = R"(usage: eventgen load [--type transactions|interactions]
                     [--rate EVENTS_PER_S] [--duration SECONDS] [--count N]
                     [--batch N] [--seed N] [--gateway URL[,URL...]] [--ledger FILE]
At least one of --duration and --count bounds the run. --ledger appends one line per record
the gateway answered for: status, id, partition, offset (tab-separated). Progress goes to stderr once a second;
the final summary (JSON) to stdout. Exit status 0 when every event got a per-record answer and
the totals reconcile, 1 otherwise, 2 for bad arguments.
)";

int run_load_cli(int argc, char** argv, eventgen::LoadOptions options) {
  std::map<std::string, std::string> flags;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kLoadUsage;
      return 0;
    }
    if (arg.rfind("--", 0) != 0 || i + 1 >= argc) {
      std::cerr << "bad argument '" << arg << "'\n" << kLoadUsage;
      return 2;
    }
    flags[arg.substr(2)] = argv[++i];
  }
  try {
    for (const auto& [name, value] : flags) {
      if (name == "type")
        options.event_type = value;
      else if (name == "rate")
        options.rate = std::stod(value);
      else if (name == "duration")
        options.duration_seconds = std::stod(value);
      else if (name == "count")
        options.count = std::stoull(value);
      else if (name == "batch")
        options.batch_size = std::stoul(value);
      else if (name == "seed")
        options.seed = std::stoull(value);
      else if (name == "gateway")
        options.gateway_url = value;
      else if (name == "ledger")
        options.ledger_path = value;
      else
        throw std::invalid_argument("unknown flag --" + name);
    }
    eventgen::validate(options);
  } catch (const std::exception& e) {
    std::cerr << "eventgen load: " << e.what() << "\n" << kLoadUsage;
    return 2;
  }
  std::atomic<bool> cancel{false};
  std::thread watcher([&cancel] {
    // Ctrl-C ends the run early but still prints the summary.
    while (!cancel) {
      if (process::wait_for_shutdown_signal(200) != 0) cancel = true;
    }
  });
  eventgen::LoadProgress summary;
  try {
    summary = eventgen::run_load(
        options,
        [](const eventgen::LoadProgress& p) {
          std::fprintf(stderr,
                       "t=%.1fs sent=%llu accepted=%llu rejected=%llu failed=%llu rate=%.0f/s%s\n",
                       p.elapsed_seconds, static_cast<unsigned long long>(p.sent),
                       static_cast<unsigned long long>(p.accepted),
                       static_cast<unsigned long long>(p.rejected),
                       static_cast<unsigned long long>(p.failed), p.rate(),
                       p.last_error.empty() ? "" : ("  last_error=" + p.last_error).c_str());
        },
        &cancel);
  } catch (const std::exception& e) {
    std::cerr << "eventgen load: " << e.what() << "\n";
    cancel = true;
    watcher.join();
    return 1;
  }
  cancel = true;
  watcher.join();
  std::cout << summary.to_json() << std::endl;
  bool ok = summary.failed == 0 && summary.reconciled &&
            summary.sent == summary.accepted + summary.rejected + summary.failed;
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  process::block_shutdown_signals();
  bool load_cli = argc > 1 && std::string(argv[1]) == "load";
  config::EnvConfig env;
  auto service = config::read_service_settings(env, 8081);
  eventgen::LoadOptions load;
  load.gateway_url =
      env.get_string("GATEWAY_URL", "http://127.0.0.1:8080", "where load mode sends events");
  load.api_key = env.get_secret("GATEWAY_API_KEY", "", "API key load mode sends to the gateway");
  load.rates.malformed_timestamp = env.get_double("MALFORMED_TIMESTAMP_RATE", 0.05, 0, 1,
                                                  "default share of malformed timestamps");
  load.rates.missing_field = env.get_double("MISSING_FIELD_RATE", 0.03, 0, 1,
                                            "default share with quantity or price absent");
  load.rates.duplicate_id =
      env.get_double("DUPLICATE_RATE", 0.02, 0, 1, "default share of ids reused within a batch");
  load.late_rate = env.get_double("LATE_RATE", 0.03, 0, 1,
                                  "default share of interaction sessions arriving hours late");
  auto keys = auth::api_keys_from_env(env, "EVENTGEN", "who may start and stop load jobs");
  if (!load_cli && !auth::is_loopback_host(service.host) && keys.empty()) {
    env.add_error("HTTP_HOST " + service.host +
                  " is reachable from other machines: set EVENTGEN_API_KEYS, or keep eventgen "
                  "on a loopback address (POST /v1/load makes it send events to the gateway)");
  }
  if (!env.check(std::cerr)) return 2;
  if (load_cli) return run_load_cli(argc, argv, load);

  auto logger = logging::init("eventgen", service.log_level);
  try {
    metrics::Registry registry;
    eventgen::LoadJobs jobs;
    http::Server server("eventgen", registry);
    server.set_tls(service.tls);
    server.set_max_body_bytes(service.max_body_bytes);
    eventgen::register_eventgen_routes(server, registry, load.rates, load.late_rate);
    eventgen::register_load_routes(server, jobs, load, keys);
    int bound = server.start(service.host, service.port);
    logger->info("eventgen started port={} tls={} gateway={} version={}", bound,
                 service.tls != nullptr, load.gateway_url, config::pipeline_version());
    int sig = process::wait_for_shutdown_signal();
    logger->info("stopping signal={}", sig);
    server.stop();
  } catch (const std::exception& e) {
    logger->critical("eventgen failed: {}", e.what());
    return 1;
  }
  return 0;
}
