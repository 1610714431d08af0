// http_load: posts pre-built NDJSON bodies to one HTTP endpoint from N keep-alive connections,
// as fast as the server answers or paced to a target rate, and prints one JSON summary.
//   http_load --url http://127.0.0.1:18280 --path /v1/events/commerce.transaction
//             --connections 4 --seconds 10 --requests 100000 [--rate REQUESTS_PER_S] BODY...
// Every run is bounded by --requests AND --seconds. Events count as accepted only from 200
// answers (every record of the body accepted); any other answer is counted by status under
// "errors" ("transport" when no answer came). GATEWAY_API_KEY, when set, is sent as X-API-Key.
// Latency is from sending a request to its complete answer.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kUsage =
    "usage: http_load --url URL --path PATH [--connections N] [--seconds S] [--requests N]\n"
    "                 [--rate REQUESTS_PER_S] [--timeout S] BODY_FILE...\n";

struct Options {
  std::string url;
  std::string path;
  int connections = 4;
  double seconds = 10;
  uint64_t requests = 100000;
  double rate = 0;  // requests per second over all connections; 0: unpaced
  int timeout_seconds = 30;
  std::vector<std::string> body_files;
};

struct Body {
  std::string bytes;
  uint64_t events = 0;  // non-empty lines
};

/// What one connection saw; merged after every thread has finished.
struct ThreadResult {
  uint64_t requests = 0;
  uint64_t ok = 0;
  uint64_t events = 0;
  std::map<std::string, uint64_t> errors;
  std::vector<double> latencies_ms;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) {
      o.body_files.push_back(arg);
      continue;
    }
    if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
    std::string value = argv[++i];
    if (arg == "--url")
      o.url = value;
    else if (arg == "--path")
      o.path = value;
    else if (arg == "--connections")
      o.connections = std::stoi(value);
    else if (arg == "--seconds")
      o.seconds = std::stod(value);
    else if (arg == "--requests")
      o.requests = std::stoull(value);
    else if (arg == "--rate")
      o.rate = std::stod(value);
    else if (arg == "--timeout")
      o.timeout_seconds = std::stoi(value);
    else
      throw std::invalid_argument("unknown option " + arg);
  }
  if (o.url.empty() || o.path.empty()) throw std::invalid_argument("--url and --path are required");
  if (o.body_files.empty()) throw std::invalid_argument("give at least one body file");
  if (o.connections < 1 || o.connections > 256)
    throw std::invalid_argument("--connections must be in 1..256");
  if (!(o.seconds > 0 && o.seconds <= 3600)) throw std::invalid_argument("--seconds: (0, 3600]");
  if (o.requests < 1 || o.requests > 100'000'000)
    throw std::invalid_argument("--requests must be in 1..1e8");
  if (o.rate < 0) throw std::invalid_argument("--rate must be >= 0");
  return o;
}

std::vector<Body> load_bodies(const std::vector<std::string>& files) {
  std::vector<Body> bodies;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + file);
    std::ostringstream text;
    text << in.rdbuf();
    Body b{text.str(), 0};
    std::istringstream lines(b.bytes);
    for (std::string line; std::getline(lines, line);) b.events += line.empty() ? 0 : 1;
    if (b.events == 0) throw std::runtime_error(file + " holds no events");
    bodies.push_back(std::move(b));
  }
  return bodies;
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(rank, sorted.size() - 1)];
}

/// One connection: takes request numbers from `next` until a bound is reached. With a rate,
/// request n is not sent before start + n / rate, whichever connection sends it.
void run_connection(const Options& o, const std::vector<Body>& bodies,
                    const httplib::Headers& headers, Clock::time_point start,
                    Clock::time_point deadline, std::atomic<uint64_t>& next, ThreadResult& r) {
  httplib::Client client(o.url);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  client.set_read_timeout(o.timeout_seconds, 0);
  client.set_write_timeout(o.timeout_seconds, 0);
  client.set_default_headers(headers);
  for (;;) {
    uint64_t n = next.fetch_add(1);
    if (n >= o.requests) break;
    if (o.rate > 0) {
      auto due = start + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(static_cast<double>(n) / o.rate));
      if (due >= deadline) break;
      std::this_thread::sleep_until(due);
    }
    if (Clock::now() >= deadline) break;
    const Body& body = bodies[n % bodies.size()];
    auto sent = Clock::now();
    auto res = client.Post(o.path.c_str(), body.bytes, "application/x-ndjson");
    r.latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
    ++r.requests;
    if (res && res->status == 200) {
      ++r.ok;
      r.events += body.events;
    } else {
      ++r.errors[res ? std::to_string(res->status) : "transport"];
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::vector<Body> bodies;
  try {
    o = parse(argc, argv);
    bodies = load_bodies(o.body_files);
  } catch (const std::exception& e) {
    std::cerr << "http_load: " << e.what() << "\n" << kUsage;
    return 2;
  }
  httplib::Headers headers;
  if (const char* key = std::getenv("GATEWAY_API_KEY"); key && *key) {
    headers.emplace("X-API-Key", key);
  }

  std::atomic<uint64_t> next{0};
  std::vector<ThreadResult> results(static_cast<size_t>(o.connections));
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  const auto deadline =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  for (auto& r : results) {
    threads.emplace_back(
        [&, rp = &r] { run_connection(o, bodies, headers, start, deadline, next, *rp); });
  }
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  ThreadResult total;
  for (auto& r : results) {
    total.requests += r.requests;
    total.ok += r.ok;
    total.events += r.events;
    for (const auto& [status, count] : r.errors) total.errors[status] += count;
    total.latencies_ms.insert(total.latencies_ms.end(), r.latencies_ms.begin(),
                              r.latencies_ms.end());
  }
  std::sort(total.latencies_ms.begin(), total.latencies_ms.end());
  nlohmann::json out = {
      {"connections", o.connections},
      {"target_requests_per_second", o.rate},
      {"seconds", elapsed},
      {"requests", total.requests},
      {"ok", total.ok},
      {"events", total.events},
      {"errors", total.errors},
      {"events_per_second", elapsed > 0 ? static_cast<double>(total.events) / elapsed : 0},
      {"requests_per_second", elapsed > 0 ? static_cast<double>(total.requests) / elapsed : 0},
      {"latency_ms",
       {{"p50", percentile(total.latencies_ms, 0.50)},
        {"p99", percentile(total.latencies_ms, 0.99)},
        {"max", total.latencies_ms.empty() ? 0 : total.latencies_ms.back()}}}};
  std::cout << out.dump() << std::endl;
  return total.errors.empty() ? 0 : 1;
}
