#include "transaction_generator.hpp"

#include <fmt/format.h>

#include <cctype>

#include "catalog.hpp"
#include "common/ids/uuid.hpp"

namespace analytics::eventgen {
namespace {

constexpr int64_t kWindowSeconds = 30LL * 86400;

void append_lower_ascii(std::string& out, std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x80) out += static_cast<char>(std::tolower(c));  // drop non-ASCII for the address
  }
}

}  // namespace

TransactionGenerator::TransactionGenerator(uint64_t seed, DirtRates rates, time::UnixMicros anchor)
    : rng_(seed), rates_(rates), anchor_(anchor) {}

void TransactionGenerator::append_one(std::string& out) {
  // Draw every random value in a fixed order so a seed always gives the same bytes.
  std::string order_id = ids::format_uuid_v4(rng_.next(), rng_.next());
  uint64_t customer_id = 1000 + rng_.below(9000);
  std::string_view first = pick(rng_, kFirstNames);
  std::string_view last = pick(rng_, kLastNames);
  std::string_view domain = pick(rng_, kEmailDomains);
  const Product& product = kProducts[rng_.below(kProducts.size())];
  uint64_t quantity = 1 + rng_.below(10);
  uint64_t price_cents = 599 + rng_.below(99999 - 599 + 1);
  std::string_view region = pick(rng_, kRegions);
  time::UnixMicros ts = anchor_ - static_cast<int64_t>(rng_.below(kWindowSeconds)) * 1000000;
  std::string_view status = pick(rng_, kStatuses);

  bool bad_ts = rng_.unit() < rates_.malformed_timestamp;
  std::string_view bad_ts_value = pick(rng_, kMalformedTimestamps);
  bool missing = rng_.unit() < rates_.missing_field;
  bool drop_quantity = rng_.below(2) == 0;
  bool duplicate = !order_ids_.empty() && rng_.unit() < rates_.duplicate_id;
  uint64_t dup_index = order_ids_.empty() ? 0 : rng_.below(order_ids_.size());

  if (duplicate) {
    order_id = order_ids_[dup_index];
    ++dirt_.duplicate_id;
  } else {
    order_ids_.push_back(order_id);
  }

  out += R"({"order_id":")";
  out += order_id;
  fmt::format_to(std::back_inserter(out), R"(","customer_id":{},"customer_name":"{} {}","email":")",
                 customer_id, first, last);
  append_lower_ascii(out, first);
  out += '.';
  append_lower_ascii(out, last);
  fmt::format_to(std::back_inserter(out), R"({}@{}","product":"{}","category":"{}")",
                 customer_id % 100, domain, product.name, product.category);
  if (!(missing && drop_quantity))
    fmt::format_to(std::back_inserter(out), R"(,"quantity":{})", quantity);
  if (!(missing && !drop_quantity)) {
    fmt::format_to(std::back_inserter(out), R"(,"price":{}.{:02})", price_cents / 100,
                   price_cents % 100);
  }
  fmt::format_to(std::back_inserter(out), R"(,"region":"{}","timestamp":")", region);
  if (bad_ts) {
    out += bad_ts_value;
    ++dirt_.malformed_timestamp;
  } else {
    time::append_iso8601_seconds(out, ts);
  }
  fmt::format_to(std::back_inserter(out), R"(","status":"{}"}})", status);
  if (missing) ++(drop_quantity ? dirt_.missing_quantity : dirt_.missing_price);
}

std::string generate_transactions(size_t count, uint64_t seed, const DirtRates& rates,
                                  time::UnixMicros anchor, BatchFormat format, DirtCounts* dirt) {
  TransactionGenerator gen(seed, rates, anchor);
  std::string out;
  out.reserve(count * 330 + 2);
  write_batch(count, format, out, [&gen](std::string& o) { gen.append_one(o); });
  if (dirt) *dirt = gen.dirt();
  return out;
}

}  // namespace analytics::eventgen
