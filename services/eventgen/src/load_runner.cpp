#include "load_runner.hpp"

#include <httplib.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "common/errors/errors.hpp"
#include "interaction_generator.hpp"
#include "load_ledger.hpp"

namespace analytics::eventgen {
namespace {

using Clock = std::chrono::steady_clock;

/// Counts one gateway answer into `p`, and hands its per-record list to `ledger` when there is
/// one. Returns false when the answer has no per-record list.
bool count_answer(const httplib::Result& res, size_t sent, LoadProgress& p,
                  const std::function<void(const nlohmann::json& results)>& ledger) {
  if (!res) {
    p.last_error = "gateway unreachable: " + httplib::to_string(res.error());
    return false;
  }
  if (res->status != 200 && res->status != 207 && res->status != 422) {
    p.last_error =
        "gateway answered " + std::to_string(res->status) + ": " + res->body.substr(0, 300);
    return false;
  }
  auto body = nlohmann::json::parse(res->body, nullptr, false);
  if (body.is_discarded() || !body.contains("results")) {
    p.last_error = "gateway answer is not a per-record result";
    return false;
  }
  if (ledger) ledger(body["results"]);
  uint64_t accepted = 0, rejected = 0;
  for (const auto& r : body["results"]) {
    (r.value("status", "") == "accepted" ? accepted : rejected) += 1;
  }
  if (accepted + rejected != sent || body.value("accepted", uint64_t{0}) != accepted ||
      body.value("rejected", uint64_t{0}) != rejected) {
    p.reconciled = false;
    p.last_error = "gateway answer does not reconcile with the events sent";
  }
  p.accepted += accepted;
  p.rejected += rejected;
  // Anything the answer did not account for is a failure, so totals still add up.
  if (accepted + rejected < sent) p.failed += sent - accepted - rejected;
  return true;
}

}  // namespace

/// Options come from a CLI or a client's request: a bad one is the caller's mistake (a 400).
errors::ClientError bad_option(const std::string& message) {
  return errors::ClientError("invalid_parameter", message);
}

std::string canonical_event_type(const std::string& name) {
  if (name == "transactions" || name == "commerce.transaction") return "commerce.transaction";
  if (name == "interactions" || name == "user.interaction") return "user.interaction";
  throw bad_option("event type must be transactions or interactions, got '" + name + "'");
}

void validate(const LoadOptions& o) {
  canonical_event_type(o.event_type);
  if (!(o.rate > 0 && o.rate <= 10'000'000)) throw bad_option("rate must be in (0, 1e7]");
  if (o.count == 0 && o.duration_seconds <= 0) {
    throw bad_option("set a count or a duration: a load run must be bounded");
  }
  if (o.count > kMaxLoadCount) {
    throw bad_option("count must be at most " + std::to_string(kMaxLoadCount));
  }
  if (!(o.duration_seconds >= 0 && o.duration_seconds <= kMaxLoadSeconds)) {
    throw bad_option("duration_seconds must be in 0..86400");
  }
  if (o.batch_size < 1 || o.batch_size > 5000) throw bad_option("batch_size must be in 1..5000");
  gateway_urls(o.gateway_url);
}

std::vector<std::string> gateway_urls(const std::string& gateway_url) {
  const auto bad = [] {
    return bad_option("gateway_url must be http:// or https:// URLs separated by commas");
  };
  std::vector<std::string> urls;
  std::istringstream list(gateway_url);
  for (std::string url; std::getline(list, url, ',');) {
    const auto first = url.find_first_not_of(" \t");
    if (first == std::string::npos) throw bad();
    url = url.substr(first, url.find_last_not_of(" \t") - first + 1);
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) throw bad();
    urls.push_back(url);
  }
  if (urls.empty() || gateway_url.back() == ',') throw bad();
  return urls;
}

std::string LoadProgress::to_json() const {
  nlohmann::json j = {{"elapsed_seconds", elapsed_seconds},
                      {"sent", sent},
                      {"accepted", accepted},
                      {"rejected", rejected},
                      {"failed", failed},
                      {"requests", requests},
                      {"rate_per_second", rate()},
                      {"reconciled", reconciled && sent == accepted + rejected + failed},
                      {"done", done},
                      {"cancelled", cancelled}};
  if (!last_error.empty()) j["last_error"] = last_error;
  return j.dump();
}

LoadProgress run_load(const LoadOptions& options,
                      const std::function<void(const LoadProgress&)>& on_progress,
                      const std::atomic<bool>* cancel) {
  validate(options);
  const std::string type = canonical_event_type(options.event_type);
  const std::string path = "/v1/events/" + type;
  std::vector<std::unique_ptr<httplib::Client>> gateways;
  for (const auto& url : gateway_urls(options.gateway_url)) {
    auto& client = *gateways.emplace_back(std::make_unique<httplib::Client>(url));
    client.set_read_timeout(options.request_timeout_seconds, 0);
    client.set_write_timeout(options.request_timeout_seconds, 0);
    client.set_keep_alive(true);
    client.set_tcp_nodelay(true);  // else Nagle + delayed ACK cost ~60 ms per request
    if (!options.api_key.empty()) client.set_default_headers({{"X-API-Key", options.api_key}});
  }

  std::unique_ptr<LoadLedger> ledger;
  if (!options.ledger_path.empty()) ledger = std::make_unique<LoadLedger>(options.ledger_path);
  const std::string id_field = type == "commerce.transaction" ? "order_id" : "event_id";

  uint64_t seed = options.seed ? *options.seed : std::random_device{}();
  const double duration_seconds =
      options.duration_seconds > 0 ? options.duration_seconds : kMaxLoadSeconds;
  LoadProgress p;
  const auto start = Clock::now();
  auto last_report = start;
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };

  for (uint64_t batch = 0;; ++batch) {
    if (cancel && cancel->load()) {
      p.cancelled = true;
      break;
    }
    if (options.count > 0 && p.sent >= options.count) break;
    if (elapsed() >= duration_seconds) break;

    size_t n = options.batch_size;
    if (options.count > 0) n = static_cast<size_t>(std::min<uint64_t>(n, options.count - p.sent));
    time::UnixMicros now = time::now_micros();
    std::string body =
        type == "commerce.transaction"
            ? generate_transactions(n, seed + batch, options.rates, now, BatchFormat::kNdjson)
            : generate_interactions(n, seed + batch, options.rates, options.late_rate, now,
                                    BatchFormat::kNdjson);
    auto res = gateways[batch % gateways.size()]->Post(path.c_str(), body, "application/x-ndjson");
    p.sent += n;
    ++p.requests;
    std::function<void(const nlohmann::json&)> to_ledger;
    if (ledger) {
      to_ledger = [&](const nlohmann::json& results) { ledger->record(body, results, id_field); };
    }
    if (!count_answer(res, n, p, to_ledger)) p.failed += n;

    // Pace: event number `sent` is due at start + sent / rate.
    auto due = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                           static_cast<double>(p.sent) / options.rate));
    due = std::min(due, start + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(duration_seconds)));
    while (Clock::now() < due && !(cancel && cancel->load())) {
      std::this_thread::sleep_for(
          std::min<Clock::duration>(due - Clock::now(), std::chrono::milliseconds(100)));
    }
    if (Clock::now() - last_report >= std::chrono::seconds(1)) {
      last_report = Clock::now();
      p.elapsed_seconds = elapsed();
      if (ledger) ledger->flush();
      on_progress(p);
    }
  }
  if (ledger) ledger->flush();
  p.elapsed_seconds = elapsed();
  p.done = true;
  on_progress(p);
  return p;
}

}  // namespace analytics::eventgen
