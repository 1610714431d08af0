// paced_produce: produces NDJSON records to one Kafka topic at a steady rate, stamping each
// with `received_at` = now (as the gateway does) just before producing it, and prints one JSON
// summary. The freshness part of bench/transformer/run.sh.
//   paced_produce --brokers HOST:PORT --topic T --key-field order_id --rate 10000 --seconds 30
//                 [--samples FILE --sample-every K] [--config k=v,...] POOL_FILE
// Records are taken from POOL_FILE (one JSON object per line, no received_at) in order,
// starting over when it is exhausted; each is keyed by the string value of --key-field.
// Idempotent producer with acks=all, like the gateway. --samples writes "KEY<TAB>received_at"
// for every K-th record of the pool's first pass (keys are unique there), for a reader that
// times when those records become visible. The run is bounded by --seconds; the final flush by
// 30 s.
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/time/iso8601.hpp"

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kUsage =
    "usage: paced_produce --brokers B --topic T --key-field F --rate R --seconds S\n"
    "                     [--samples FILE --sample-every K] [--config k=v,...] POOL_FILE\n";

struct Options {
  std::string brokers, topic, key_field, samples_file, config, pool_file;
  double rate = 0;
  double seconds = 0;
  uint64_t sample_every = 0;
};

struct Record {
  std::string body;  // the object without its closing brace
  std::string key;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) {
      if (!o.pool_file.empty()) throw std::invalid_argument("one POOL_FILE only");
      o.pool_file = arg;
      continue;
    }
    if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
    std::string value = argv[++i];
    if (arg == "--brokers")
      o.brokers = value;
    else if (arg == "--topic")
      o.topic = value;
    else if (arg == "--key-field")
      o.key_field = value;
    else if (arg == "--rate")
      o.rate = std::stod(value);
    else if (arg == "--seconds")
      o.seconds = std::stod(value);
    else if (arg == "--samples")
      o.samples_file = value;
    else if (arg == "--sample-every")
      o.sample_every = std::stoull(value);
    else if (arg == "--config")
      o.config = value;
    else
      throw std::invalid_argument("unknown option " + arg);
  }
  if (o.brokers.empty() || o.topic.empty() || o.key_field.empty() || o.pool_file.empty() ||
      o.rate <= 0 || o.seconds <= 0 || o.seconds > 3600)
    throw std::invalid_argument(
        "--brokers, --topic, --key-field, --rate > 0, "
        "--seconds in (0, 3600] and POOL_FILE are required");
  if (o.samples_file.empty() != (o.sample_every == 0))
    throw std::invalid_argument("--samples and --sample-every go together");
  return o;
}

std::vector<Record> load_pool(const Options& o) {
  std::ifstream in(o.pool_file);
  if (!in) throw std::runtime_error("cannot read " + o.pool_file);
  const std::string field = "\"" + o.key_field + "\":\"";
  std::vector<Record> pool;
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty()) continue;
    size_t k = line.find(field);
    if (line.back() != '}' || k == std::string::npos)
      throw std::runtime_error("a line is not an object with a string " + o.key_field);
    k += field.size();
    pool.push_back({line.substr(0, line.size() - 1), line.substr(k, line.find('"', k) - k)});
  }
  if (pool.empty()) throw std::runtime_error(o.pool_file + " holds no records");
  return pool;
}

std::atomic<uint64_t> g_delivered{0};
std::atomic<uint64_t> g_failed{0};
std::string g_first_error;  // written by the delivery callback, served on this thread

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    g_delivered.fetch_add(1, std::memory_order_relaxed);
  } else {
    if (g_failed.fetch_add(1, std::memory_order_relaxed) == 0)
      g_first_error = rd_kafka_err2str(m->err);
  }
}

rd_kafka_t* make_producer(const Options& o) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const std::string& k, const std::string& v) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
      throw std::invalid_argument(k + ": " + err);
  };
  set("bootstrap.servers", o.brokers);
  set("enable.idempotence", "true");
  set("acks", "all");
  set("linger.ms", "5");
  for (size_t start = 0; start < o.config.size();) {
    size_t end = o.config.find(',', start);
    if (end == std::string::npos) end = o.config.size();
    std::string kv = o.config.substr(start, end - start);
    size_t eq = kv.find('=');
    if (eq == std::string::npos) throw std::invalid_argument("--config entry without '=': " + kv);
    set(kv.substr(0, eq), kv.substr(eq + 1));
    start = end + 1;
  }
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("rd_kafka_new: ") + err);
  }
  return rk;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::vector<Record> pool;
  try {
    o = parse(argc, argv);
    pool = load_pool(o);
  } catch (const std::exception& e) {
    std::cerr << "paced_produce: " << e.what() << "\n" << kUsage;
    return 2;
  }
  rd_kafka_t* rk = nullptr;
  try {
    rk = make_producer(o);
  } catch (const std::exception& e) {
    std::cerr << "paced_produce: " << e.what() << "\n";
    return 2;
  }
  std::ofstream samples;
  if (!o.samples_file.empty()) samples.open(o.samples_file);

  const auto total = static_cast<uint64_t>(o.rate * o.seconds);
  uint64_t sent = 0, queue_full = 0, sampled = 0, produce_errors = 0;
  double max_behind_ms = 0;  // how far the producer fell behind its schedule at worst
  std::string payload;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(o.seconds + 5);
  while (sent < total && Clock::now() < deadline) {
    double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    auto due = std::min(total, static_cast<uint64_t>(o.rate * elapsed) + 1);
    if (due > sent + 1) max_behind_ms = std::max(max_behind_ms, (due - sent - 1) * 1000 / o.rate);
    while (sent < due) {
      const Record& r = pool[sent % pool.size()];
      std::string received_at = analytics::time::format_iso8601(analytics::time::now_micros());
      payload.assign(r.body).append(",\"received_at\":\"").append(received_at).append("\"}");
      rd_kafka_resp_err_t err =
          rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(o.topic.c_str()),
                            RD_KAFKA_V_KEY(const_cast<char*>(r.key.data()), r.key.size()),
                            RD_KAFKA_V_VALUE(payload.data(), payload.size()),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        ++queue_full;
        rd_kafka_poll(rk, 10);
        if (Clock::now() >= deadline) break;
        continue;
      }
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (produce_errors++ == 0) std::cerr << "produce: " << rd_kafka_err2str(err) << "\n";
      } else if (samples.is_open() && sent < pool.size() && sent % o.sample_every == 0) {
        samples << r.key << '\t' << received_at << '\n';
        ++sampled;
      }
      ++sent;
    }
    rd_kafka_poll(rk, 0);
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  const double produce_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  samples.close();
  rd_kafka_resp_err_t flushed = rd_kafka_flush(rk, 30000);
  rd_kafka_destroy(rk);

  std::printf(
      "{\"target_rate\":%.0f,\"seconds\":%.3f,\"produced\":%llu,\"achieved_rate\":%.0f,"
      "\"delivered\":%llu,\"failed\":%llu,\"produce_errors\":%llu,\"queue_full\":%llu,"
      "\"max_behind_ms\":%.1f,\"samples\":%llu,\"flushed\":%s,\"first_error\":\"%s\"}\n",
      o.rate, produce_seconds, static_cast<unsigned long long>(sent),
      produce_seconds > 0 ? sent / produce_seconds : 0.0,
      static_cast<unsigned long long>(g_delivered.load()),
      static_cast<unsigned long long>(g_failed.load()),
      static_cast<unsigned long long>(produce_errors), static_cast<unsigned long long>(queue_full),
      max_behind_ms, static_cast<unsigned long long>(sampled),
      flushed == RD_KAFKA_RESP_ERR_NO_ERROR ? "true" : "false", g_first_error.c_str());
  return g_failed.load() == 0 && produce_errors == 0 && sent == total ? 0 : 1;
}
