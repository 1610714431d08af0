// eventgen: generation rate on one core, and GET /v1/transactions?count=5000 latency over
// loopback, beside the physical limit of the same run (copying the same bytes).
#include <benchmark/benchmark.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <vector>

#include "eventgen_routes.hpp"
#include "interaction_generator.hpp"
#include "transaction_generator.hpp"

namespace analytics::eventgen {
namespace {

constexpr size_t kBatch = 5000;
const time::UnixMicros kAnchor = *time::parse_iso8601("2026-11-01T00:00:00Z");

void BM_GenerateTransactions(benchmark::State& state) {
  uint64_t seed = 1;
  size_t bytes = 0;
  for (auto _ : state) {
    std::string out =
        generate_transactions(kBatch, seed++, DirtRates{}, kAnchor, BatchFormat::kJsonArray);
    bytes += out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBatch));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_GenerateTransactions)->Unit(benchmark::kMillisecond);

void BM_GenerateInteractions(benchmark::State& state) {
  uint64_t seed = 1;
  size_t bytes = 0;
  for (auto _ : state) {
    std::string out =
        generate_interactions(kBatch, seed++, DirtRates{}, 0.03, kAnchor, BatchFormat::kJsonArray);
    bytes += out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBatch));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_GenerateInteractions)->Unit(benchmark::kMillisecond);

// The physical limit for producing a batch: copying the same bytes into a fresh buffer.
void BM_CopySameBytes(benchmark::State& state) {
  const std::string batch =
      generate_transactions(kBatch, 1, DirtRates{}, kAnchor, BatchFormat::kJsonArray);
  for (auto _ : state) {
    std::string out;
    out.resize(batch.size());
    std::memcpy(out.data(), batch.data(), batch.size());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBatch));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * batch.size()));
}
BENCHMARK(BM_CopySameBytes)->Unit(benchmark::kMillisecond);

// GET /v1/transactions?count=5000 through a real server over loopback, one keep-alive client.
// Reports p50/p99 of the request latency as counters (seconds).
void BM_HttpGetTransactions5000(benchmark::State& state) {
  metrics::Registry registry;
  http::Server server("eventgen", registry);
  register_eventgen_routes(server, registry, DirtRates{});
  int port = server.start("127.0.0.1", 0);
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  std::vector<double> latencies;
  for (auto _ : state) {
    auto started = std::chrono::steady_clock::now();
    auto res = client.Get("/v1/transactions?count=5000");
    latencies.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    if (!res || res->status != 200) {
      state.SkipWithError("request failed");
      break;
    }
  }
  server.stop();
  if (latencies.empty()) return;
  std::sort(latencies.begin(), latencies.end());
  auto at = [&](double q) {
    return latencies[std::min(latencies.size() - 1,
                              static_cast<size_t>(q * static_cast<double>(latencies.size())))];
  };
  state.counters["p50_ms"] = at(0.50) * 1e3;
  state.counters["p99_ms"] = at(0.99) * 1e3;
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBatch));
}
BENCHMARK(BM_HttpGetTransactions5000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(300)
    ->UseRealTime();

}  // namespace
}  // namespace analytics::eventgen

BENCHMARK_MAIN();
