// Micro-benchmarks of the transformer's per-event work, so a regression shows without a system
// run: the silver mapping of one clean order (parse, normalise, HMAC the e-mail, mask the
// name) and the HMAC alone (bench/transformer/run.sh).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "common/time/iso8601.hpp"
#include "pii.hpp"
#include "silver_order.hpp"
#include "transaction_generator.hpp"

namespace {

using namespace analytics;

constexpr const char* kAnchor = "2026-11-01T00:00:00Z";

/// 1,000 clean generated orders, one per string, each with the received_at the gateway adds.
const std::vector<std::string>& clean_orders() {
  static const std::vector<std::string> orders = [] {
    std::string ndjson = eventgen::generate_transactions(1000, 42, eventgen::DirtRates{0, 0, 0},
                                                         *time::parse_iso8601(kAnchor),
                                                         eventgen::BatchFormat::kNdjson);
    std::string received_at =
        ",\"received_at\":\"" + time::format_iso8601(*time::parse_iso8601(kAnchor)) + "\"}";
    std::vector<std::string> out;
    for (size_t start = 0; start < ndjson.size();) {
      size_t end = ndjson.find('\n', start);
      if (end == std::string::npos) end = ndjson.size();
      // An object's closing brace is its last character: splice the field in before it.
      if (end > start) out.push_back(ndjson.substr(start, end - start - 1) + received_at);
      start = end + 1;
    }
    return out;
  }();
  return orders;
}

const transformer::PiiProtector& pii() {
  static const transformer::PiiProtector p("bench-hmac-key-0123456789abcdef");
  return p;
}

void BM_MapTransaction(benchmark::State& state) {
  const auto& orders = clean_orders();
  const auto ingested_at = *time::parse_iso8601(kAnchor) + 2'000'000;
  size_t i = 0;
  for (auto _ : state) {
    auto mapped = transformer::map_transaction(orders[i], pii(), ingested_at, {});
    benchmark::DoNotOptimize(mapped);
    if (++i == orders.size()) i = 0;
  }
  // Every clean order must map to silver, or this measures the quarantine path.
  if (!std::holds_alternative<transformer::SilverOrder>(
          transformer::map_transaction(orders[0], pii(), ingested_at, {})))
    state.SkipWithError("a clean order was quarantined");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MapTransaction);

void BM_HmacHex(benchmark::State& state) {
  // The generated orders' own e-mails (map_transaction lower-cases them first; these are).
  std::vector<std::string> emails;
  const std::string field = "\"email\":\"";
  for (const auto& order : clean_orders()) {
    size_t b = order.find(field);
    if (b == std::string::npos) continue;
    b += field.size();
    emails.push_back(order.substr(b, order.find('"', b) - b));
  }
  if (emails.empty()) {
    state.SkipWithError("the generated orders carry no e-mail");
    return;
  }
  size_t i = 0;
  for (auto _ : state) {
    auto digest = pii().hmac_hex(emails[i]);
    benchmark::DoNotOptimize(digest);
    if (++i == emails.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HmacHex);

}  // namespace

BENCHMARK_MAIN();
