#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "transaction_generator.hpp"

namespace analytics::eventgen {

/// The largest run a caller may ask for: load jobs are operator actions started over HTTP, so
/// every one ends on its own, whatever it was given.
inline constexpr uint64_t kMaxLoadCount = 1'000'000'000;
inline constexpr double kMaxLoadSeconds = 86400;

/// What to send, where, how fast and for how long. At least one of `count` and
/// `duration_seconds` bounds the run; a run given only a count still stops after
/// kMaxLoadSeconds.
struct LoadOptions {
  /// One gateway, or several separated by commas: requests then go to each in turn (round
  /// robin), as a client in front of a scaled-out gateway would spread them.
  std::string gateway_url = "http://127.0.0.1:8080";
  /// Sent as `X-API-Key` on every POST when not empty. A secret: never logged or reported.
  std::string api_key;
  std::string event_type = "commerce.transaction";  // or "user.interaction"
  double rate = 1000;                               // target events per second
  double duration_seconds = 0;                      // 0: kMaxLoadSeconds
  uint64_t count = 0;                               // 0: no count bound (the duration bounds it)
  size_t batch_size = 500;                          // events per HTTP request
  std::optional<uint64_t> seed;                     // batch i uses seed + i: a run is reproducible
  DirtRates rates;
  double late_rate = 0.03;
  int request_timeout_seconds = 60;
  /// When set (the CLI's --ledger), every per-record answer is appended to this file
  /// (LoadLedger): what crash tests compare the warehouse with. Never set from a request.
  std::string ledger_path;
};

/// Throws std::invalid_argument naming the first bad option.
void validate(const LoadOptions& options);

/// The gateways of `gateway_url`, in order ("a,b" -> {"a", "b"}; blanks around commas dropped).
/// Throws std::invalid_argument when one is empty or is not an http:// or https:// URL.
std::vector<std::string> gateway_urls(const std::string& gateway_url);

/// "transactions" -> "commerce.transaction", "interactions" -> "user.interaction"; full names
/// pass through. Throws std::invalid_argument for anything else.
std::string canonical_event_type(const std::string& name);

/// Running totals. Every event sent is counted exactly once as accepted, rejected (both from
/// the gateway's per-record answers) or failed (the request got no per-record answer: network
/// error, 503, ...), so sent == accepted + rejected + failed.
struct LoadProgress {
  double elapsed_seconds = 0;
  uint64_t sent = 0;
  uint64_t accepted = 0;
  uint64_t rejected = 0;
  uint64_t failed = 0;
  uint64_t requests = 0;
  /// False if any gateway answer was inconsistent (its per-record list disagreed with its
  /// counts or with the number of events sent).
  bool reconciled = true;
  bool done = false;
  bool cancelled = false;
  std::string last_error;

  double rate() const {
    return elapsed_seconds > 0 ? static_cast<double>(sent) / elapsed_seconds : 0;
  }
  std::string to_json() const;
};

/// Streams generated events to the gateway at the target rate until the count or duration is
/// reached or `cancel` becomes true. `on_progress` is called about once a second and at the end.
/// Blocking; run it on its own thread for background jobs.
LoadProgress run_load(const LoadOptions& options,
                      const std::function<void(const LoadProgress&)>& on_progress,
                      const std::atomic<bool>* cancel = nullptr);

}  // namespace analytics::eventgen
