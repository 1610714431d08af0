#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "batch_format.hpp"
#include "common/time/iso8601.hpp"
#include "rng.hpp"
#include "transaction_generator.hpp"

namespace analytics::eventgen {

/// How many events of an interaction batch got each kind of dirt, and how many are late.
struct InteractionCounts {
  uint64_t malformed_timestamp = 0;
  uint64_t missing_quantity = 0;
  uint64_t missing_price = 0;
  uint64_t duplicate_id = 0;  // an earlier event re-sent verbatim (a client retry)
  uint64_t late_arrival = 0;  // occurred_at 1-6 hours before the batch (offline mobile app)
  uint64_t sessions = 0;
};

/// Generates clickstream events (user.interaction v1) as whole sessions: page views, an
/// optional search, product views, then a funnel with drop-off — add_to_cart (35 % of
/// sessions; 10 % of carts are emptied again), checkout_started (55 % of the carts kept), purchase
/// (65 % of checkouts, confirmed by the BACKEND platform). A session's first event carries its
/// first-touch UTM properties unless it is direct traffic. Sessions end before `anchor` and every
/// punctual event's lag is under 10 minutes; a `late_rate` share of sessions are from mobile apps
/// that were offline and arrive 1-6 hours late. Dirt: `malformed_timestamp` of events get a broken
/// occurred_at; `missing_field` of the events that carry price and quantity lose one of them;
/// `duplicate_id` of events are an earlier event of the batch sent again verbatim. Byte-identical
/// for the same seed, anchor and rates. Not thread-safe.
class InteractionGenerator {
 public:
  InteractionGenerator(uint64_t seed, DirtRates rates, double late_rate, time::UnixMicros anchor);

  /// Appends one event as a compact JSON object (no trailing separator).
  void append_one(std::string& out);

  const InteractionCounts& counts() const { return counts_; }

 private:
  struct Step {
    std::string_view event_type;
    bool commerce;  // carries product, price, quantity
  };
  void start_session();
  void build_funnel();
  void append_event(std::string& out, const Step& step);

  Rng rng_;
  DirtRates rates_;
  double late_rate_;
  time::UnixMicros anchor_;
  InteractionCounts counts_;

  // The session being emitted.
  std::vector<Step> steps_;
  size_t next_step_ = 0;
  uint32_t user_number_ = 0;
  std::string session_id_;
  std::string_view platform_;
  std::string_view currency_;
  int campaign_ = -1;  // index into kCampaigns, -1 = direct
  size_t product_ = 0;
  int quantity_ = 1;
  time::UnixMicros clock_ = 0;

  // Byte ranges of this batch's events in the caller's buffer are not stable, so keep copies
  // of a bounded sample to re-send as duplicates.
  std::vector<std::string> sent_;
};

/// A whole batch of `count` events.
std::string generate_interactions(size_t count, uint64_t seed, const DirtRates& rates,
                                  double late_rate, time::UnixMicros anchor, BatchFormat format,
                                  InteractionCounts* counts = nullptr);

}  // namespace analytics::eventgen
