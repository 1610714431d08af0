// Micro-benchmarks of the gateway's per-event work, so a regression shows without a system
// run: parse + validate one clean order, and build one record's Kafka payload (parse,
// validate, splice received_at, key) — RecordChecker::check, what the HTTP path runs per event.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "common/contracts/compiled_schema.hpp"
#include "common/contracts/schema_registry.hpp"
#include "common/time/iso8601.hpp"
#include "event_record.hpp"
#include "transaction_generator.hpp"

namespace {

using namespace analytics;

const contracts::SchemaRegistry& registry() {
  static const auto r = contracts::SchemaRegistry::load(ANALYTICS_SOURCE_DIR "/proto/schemas");
  return r;
}

/// 1,000 clean generated orders, one per string, as a client sends them.
const std::vector<std::string>& clean_orders() {
  static const std::vector<std::string> orders = [] {
    std::string ndjson = eventgen::generate_transactions(
        1000, 42, eventgen::DirtRates{0, 0, 0}, *time::parse_iso8601("2026-11-01T00:00:00Z"),
        eventgen::BatchFormat::kNdjson);
    std::vector<std::string> out;
    for (size_t start = 0; start < ndjson.size();) {
      size_t end = ndjson.find('\n', start);
      if (end == std::string::npos) end = ndjson.size();
      if (end > start) out.push_back(ndjson.substr(start, end - start));
      start = end + 1;
    }
    return out;
  }();
  return orders;
}

void BM_ValidateCleanOrder(benchmark::State& state) {
  const auto* schema = registry().compiled("commerce.transaction", 2);
  const auto& orders = clean_orders();
  // Parsed beforehand: this measures validation alone.
  std::vector<simdjson::dom::parser> parsers(orders.size());
  std::vector<simdjson::dom::element> docs;
  for (size_t i = 0; i < orders.size(); ++i) docs.push_back(parsers[i].parse(orders[i]).value());
  std::vector<contracts::FieldError> errors;
  size_t i = 0;
  for (auto _ : state) {
    errors.clear();
    bool ok = schema->validate(docs[i], errors);
    benchmark::DoNotOptimize(ok);
    if (++i == docs.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ValidateCleanOrder);

void BM_ParseAndValidateCleanOrder(benchmark::State& state) {
  const auto* schema = registry().compiled("commerce.transaction", 2);
  const auto& orders = clean_orders();
  simdjson::dom::parser parser;
  std::vector<contracts::FieldError> errors;
  size_t i = 0;
  for (auto _ : state) {
    errors.clear();
    simdjson::dom::element doc = parser.parse(orders[i]).value();
    benchmark::DoNotOptimize(schema->validate(doc, errors));
    if (++i == orders.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseAndValidateCleanOrder);

void BM_BuildKafkaRecord(benchmark::State& state) {
  gateway::RecordChecker checker(registry(), "commerce.transaction", "customer_id", 900000);
  const auto& orders = clean_orders();
  const std::string received_at = "2026-11-22T10:00:00.000000Z";
  gateway::CheckedRecord out;
  size_t i = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    checker.check(orders[i], 0, 2, received_at, out);
    if (!out.accepted()) state.SkipWithError("a clean order was rejected");
    bytes += static_cast<int64_t>(orders[i].size());
    benchmark::DoNotOptimize(out.payload.data());
    if (++i == orders.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_BuildKafkaRecord);

}  // namespace

BENCHMARK_MAIN();
