#include "eventgen_routes.hpp"

#include <charconv>
#include <random>
#include <set>

namespace analytics::eventgen {
namespace {

constexpr size_t kMaxCount = 5000;

http::ApiError bad_param(const std::string& name, const std::string& why) {
  return http::ApiError(400, "invalid_parameter", "query parameter '" + name + "' " + why,
                        {name});
}

uint64_t parse_uint(const std::string& name, const std::string& text, uint64_t min,
                    uint64_t max) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max) {
    throw bad_param(name, "must be an integer in " + std::to_string(min) + ".." +
                              std::to_string(max) + ", got '" + text + "'");
  }
  return v;
}

double parse_rate(const std::string& name, const std::string& text) {
  size_t used = 0;
  double v = -1;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || !(v >= 0.0 && v <= 1.0)) {
    throw bad_param(name, "must be a number in 0..1, got '" + text + "'");
  }
  return v;
}

}  // namespace

void register_eventgen_routes(http::Server& server, metrics::Registry& registry,
                              const DirtRates& defaults) {
  server.get("/v1/transactions", [&registry, defaults](const httplib::Request& req,
                                                       httplib::Response& res) {
    static const std::set<std::string> kKnown = {"count", "seed", "format", "as_of",
                                                 "malformed_timestamp_rate",
                                                 "missing_field_rate", "duplicate_rate"};
    for (const auto& [name, value] : req.params) {
      if (!kKnown.count(name)) throw bad_param(name, "is not supported");
    }
    size_t count = 100;
    if (req.has_param("count")) {
      count = parse_uint("count", req.get_param_value("count"), 1, kMaxCount);
    }
    uint64_t seed = std::random_device{}() ^ (uint64_t{std::random_device{}()} << 32);
    bool seeded = req.has_param("seed");
    if (seeded) seed = parse_uint("seed", req.get_param_value("seed"), 0, UINT64_MAX);
    BatchFormat format = BatchFormat::kJsonArray;
    if (req.has_param("format")) {
      std::string f = req.get_param_value("format");
      if (f == "ndjson") {
        format = BatchFormat::kNdjson;
      } else if (f != "json") {
        throw bad_param("format", "must be json or ndjson, got '" + f + "'");
      }
    }
    // A seeded batch must be byte-identical whenever it is asked for, so its timestamps are
    // anchored to the start of the current UTC day unless as_of says otherwise.
    time::UnixMicros anchor = time::now_micros();
    if (req.has_param("as_of")) {
      auto parsed = time::parse_iso8601(req.get_param_value("as_of"));
      if (!parsed) throw bad_param("as_of", "must be an ISO-8601 date-time");
      anchor = *parsed;
    } else if (seeded) {
      anchor -= anchor % (86400LL * 1000000);
    }
    DirtRates rates = defaults;
    if (req.has_param("malformed_timestamp_rate")) {
      rates.malformed_timestamp = parse_rate("malformed_timestamp_rate",
                                             req.get_param_value("malformed_timestamp_rate"));
    }
    if (req.has_param("missing_field_rate")) {
      rates.missing_field =
          parse_rate("missing_field_rate", req.get_param_value("missing_field_rate"));
    }
    if (req.has_param("duplicate_rate")) {
      rates.duplicate_id = parse_rate("duplicate_rate", req.get_param_value("duplicate_rate"));
    }

    DirtCounts dirt;
    std::string body = generate_transactions(count, seed, rates, anchor, format, &dirt);
    const metrics::Labels type = {{"type", "commerce.transaction"}};
    registry.counter("eventgen_events_total", "Generated events by type", type).inc(count);
    for (auto [kind, n] : {std::pair{"malformed_timestamp", dirt.malformed_timestamp},
                           std::pair{"missing_quantity", dirt.missing_quantity},
                           std::pair{"missing_price", dirt.missing_price},
                           std::pair{"duplicate_id", dirt.duplicate_id}}) {
      registry
          .counter("eventgen_dirty_events_total", "Generated events by type and kind of dirt",
                   {{"type", "commerce.transaction"}, {"dirt", kind}})
          .inc(n);
    }
    res.set_header("X-Seed", std::to_string(seed));
    res.set_content(body, format == BatchFormat::kNdjson ? "application/x-ndjson"
                                                         : "application/json");
  });
}

}  // namespace analytics::eventgen
