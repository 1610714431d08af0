#include "interaction_generator.hpp"

#include <fmt/format.h>

#include "catalog.hpp"
#include "common/ids/uuid.hpp"

namespace analytics::eventgen {
namespace {

constexpr int64_t kSecond = 1000000;
constexpr size_t kDuplicatePool = 4096;  // recent events kept for re-sending

// Funnel conversion, per session (see the class comment).
constexpr double kCartRate = 0.35;
constexpr double kCheckoutRate = 0.55;
constexpr double kPurchaseRate = 0.65;

}  // namespace

InteractionGenerator::InteractionGenerator(uint64_t seed, DirtRates rates, double late_rate,
                                           time::UnixMicros anchor)
    : rng_(seed), rates_(rates), late_rate_(late_rate), anchor_(anchor) {}

void InteractionGenerator::start_session() {
  ++counts_.sessions;
  steps_.clear();
  next_step_ = 0;
  user_number_ = static_cast<uint32_t>(1000 + rng_.below(9000));
  session_id_ = ids::format_uuid_v4(rng_.next(), rng_.next());
  static constexpr std::array<std::string_view, 3> kClientPlatforms = {"WEB", "IOS", "ANDROID"};
  uint64_t p = rng_.below(100);
  platform_ = p < 55 ? kClientPlatforms[0] : p < 80 ? kClientPlatforms[1] : kClientPlatforms[2];
  currency_ = pick(rng_, kCurrencies);
  campaign_ = rng_.chance(0.3) ? -1 : static_cast<int>(rng_.below(kCampaigns.size()));
  product_ = rng_.below(kProducts.size());
  quantity_ = static_cast<int>(1 + rng_.below(3));
  build_funnel();
  // Events are 2-41 s apart; start early enough that the last one is not in the future, so a
  // punctual session's lag stays under 10 minutes.
  clock_ = anchor_ - static_cast<int64_t>(41 * steps_.size() + rng_.below(120)) * kSecond;
  if (rng_.chance(late_rate_)) {
    // The app was offline: the whole session reaches us hours after it happened.
    platform_ = rng_.chance(0.5) ? "IOS" : "ANDROID";
    clock_ -= static_cast<int64_t>(3600 + rng_.below(5 * 3600)) * kSecond;
  }
}

void InteractionGenerator::build_funnel() {
  for (uint64_t i = 0, n = 1 + rng_.below(3); i < n; ++i) steps_.push_back({"page_view", false});
  if (rng_.chance(0.5)) steps_.push_back({"search", false});
  for (uint64_t i = 0, n = 1 + rng_.below(3); i < n; ++i) steps_.push_back({"product_view", true});
  if (!rng_.chance(kCartRate)) return;
  steps_.push_back({"add_to_cart", true});
  if (rng_.chance(0.1)) {
    steps_.push_back({"remove_from_cart", true});
    return;
  }
  if (!rng_.chance(kCheckoutRate)) return;
  steps_.push_back({"checkout_started", true});
  if (rng_.chance(kPurchaseRate)) steps_.push_back({"purchase", true});
}

void InteractionGenerator::append_one(std::string& out) {
  if (!sent_.empty() && rng_.chance(rates_.duplicate_id)) {
    out += sent_[rng_.below(sent_.size())];
    ++counts_.duplicate_id;
    return;
  }
  if (next_step_ >= steps_.size()) start_session();
  size_t begin = out.size();
  append_event(out, steps_[next_step_]);
  ++next_step_;
  std::string event = out.substr(begin);
  if (sent_.size() < kDuplicatePool) {
    sent_.push_back(std::move(event));
  } else {
    sent_[rng_.below(kDuplicatePool)] = std::move(event);
  }
}

void InteractionGenerator::append_event(std::string& out, const Step& step) {
  clock_ += static_cast<int64_t>(2 + rng_.below(40)) * kSecond;
  bool is_purchase = step.event_type == "purchase";
  bool late = clock_ < anchor_ - 3600 * kSecond;
  std::string event_id = ids::format_uuid_v4(rng_.next(), rng_.next());

  fmt::format_to(
      std::back_inserter(out),
      R"({{"event_id":"{}","user_id":"u{}","session_id":"{}","event_type":"{}","platform":"{}","occurred_at":")",
      event_id, user_number_, session_id_, step.event_type,
      is_purchase ? std::string_view("BACKEND") : platform_);
  if (rng_.chance(rates_.malformed_timestamp)) {
    out += pick(rng_, kMalformedTimestamps);
    ++counts_.malformed_timestamp;
  } else {
    time::append_iso8601_seconds(out, clock_);
    if (late) ++counts_.late_arrival;
  }
  out += '"';

  if (step.commerce) {
    const Product& product = kProducts[product_];
    fmt::format_to(std::back_inserter(out), R"(,"product":"{}","category":"{}")", product.name,
                   product.category);
    bool has_quantity = step.event_type != "product_view";
    bool drop_quantity = false, drop_price = false;
    if (has_quantity && rng_.chance(rates_.missing_field)) {
      (rng_.below(2) == 0 ? drop_quantity : drop_price) = true;
      ++(drop_quantity ? counts_.missing_quantity : counts_.missing_price);
    }
    if (has_quantity && !drop_quantity) {
      fmt::format_to(std::back_inserter(out), R"(,"quantity":{})", quantity_);
    }
    if (!drop_price) {
      fmt::format_to(std::back_inserter(out), R"(,"price":{}.{:02})",
                     product.list_price_cents / 100, product.list_price_cents % 100);
    }
  }
  if (step.event_type == "search") {
    fmt::format_to(std::back_inserter(out), R"(,"search_query":"{}")", pick(rng_, kSearchQueries));
  }

  out += R"(,"properties":{"currency":")";
  out += currency_;
  out += '"';
  if (next_step_ == 0) {
    fmt::format_to(std::back_inserter(out), R"(,"page":"{}")", pick(rng_, kPages));
    if (campaign_ >= 0) {
      const Campaign& c = kCampaigns[static_cast<size_t>(campaign_)];
      fmt::format_to(std::back_inserter(out), R"(,"utm_source":"{}","utm_medium":"{}")", c.source,
                     c.medium);
      if (!c.campaign.empty())
        fmt::format_to(std::back_inserter(out), R"(,"utm_campaign":"{}")", c.campaign);
    }
  }
  out += R"(},"schema_version":1})";
}

std::string generate_interactions(size_t count, uint64_t seed, const DirtRates& rates,
                                  double late_rate, time::UnixMicros anchor, BatchFormat format,
                                  InteractionCounts* counts) {
  InteractionGenerator gen(seed, rates, late_rate, anchor);
  std::string out;
  out.reserve(count * 420 + 2);
  write_batch(count, format, out, [&gen](std::string& o) { gen.append_one(o); });
  if (counts) *counts = gen.counts();
  return out;
}

}  // namespace analytics::eventgen
