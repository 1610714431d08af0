#include "eventgen_routes.hpp"

#include <httplib.h>
#include <zlib.h>

#include <charconv>
#include <memory>
#include <random>

#include "interaction_generator.hpp"

namespace analytics::eventgen {
namespace {

constexpr size_t kMaxCount = 5000;

/// What the batch endpoints take; http::Server answers any other query parameter 400.
const http::Server::QueryParameters kBatchParameters = {
    "count",         "seed", "format", "as_of", "malformed_timestamp_rate", "missing_field_rate",
    "duplicate_rate"};
const http::Server::QueryParameters kInteractionParameters = [] {
  auto p = kBatchParameters;
  p.push_back("late_rate");
  return p;
}();

http::ApiError bad_param(const std::string& name, const std::string& why) {
  return http::ApiError(400, "invalid_parameter", "query parameter '" + name + "' " + why, {name});
}

uint64_t parse_uint(const std::string& name, const std::string& text, uint64_t min, uint64_t max) {
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

void rate_param(const httplib::Request& req, const char* name, double& target) {
  if (req.has_param(name)) target = parse_rate(name, req.get_param_value(name));
}

}  // namespace

BatchRequest parse_batch_request(const httplib::Request& req, const DirtRates& defaults,
                                 double default_late_rate, bool interactions) {
  BatchRequest b;
  b.rates = defaults;
  b.late_rate = default_late_rate;
  if (req.has_param("count")) {
    b.count = parse_uint("count", req.get_param_value("count"), 1, kMaxCount);
  }
  b.seed = std::random_device{}() ^ (uint64_t{std::random_device{}()} << 32);
  bool seeded = req.has_param("seed");
  if (seeded) b.seed = parse_uint("seed", req.get_param_value("seed"), 0, UINT64_MAX);
  if (req.has_param("format")) {
    std::string f = req.get_param_value("format");
    if (f == "ndjson") {
      b.format = BatchFormat::kNdjson;
    } else if (f != "json") {
      throw bad_param("format", "must be json or ndjson, got '" + f + "'");
    }
  }
  // A seeded batch must be byte-identical whenever it is asked for, so its timestamps are
  // anchored to the start of the current UTC day unless as_of says otherwise.
  b.anchor = time::now_micros();
  if (req.has_param("as_of")) {
    auto parsed = time::parse_iso8601(req.get_param_value("as_of"));
    if (!parsed) throw bad_param("as_of", "must be an ISO-8601 date-time");
    b.anchor = *parsed;
  } else if (seeded) {
    b.anchor -= b.anchor % (86400LL * 1000000);
  }
  rate_param(req, "malformed_timestamp_rate", b.rates.malformed_timestamp);
  rate_param(req, "missing_field_rate", b.rates.missing_field);
  rate_param(req, "duplicate_rate", b.rates.duplicate_id);
  if (interactions) rate_param(req, "late_rate", b.late_rate);
  return b;
}

std::string gzip(const std::string& data) {
  z_stream zs{};
  // windowBits 15 + 16: gzip header and trailer rather than raw zlib.
  if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("gzip failed");
  out.resize(zs.total_out);
  return out;
}

namespace {

void send_batch(const httplib::Request& req, httplib::Response& res, const BatchRequest& batch,
                std::string body) {
  // Seed and anchor together reproduce any batch: ?seed=<X-Seed>&as_of=<X-As-Of>.
  res.set_header("X-Seed", std::to_string(batch.seed));
  res.set_header("X-As-Of", time::format_iso8601(batch.anchor));
  // cpp-httplib compresses only some media types on its own (not NDJSON), so do it here for
  // every format; the charset parameter keeps it from compressing a second time.
  std::string type = std::string(content_type_of(batch.format)) + "; charset=utf-8";
  if (req.get_header_value("Accept-Encoding").find("gzip") != std::string::npos) {
    res.set_header("Content-Encoding", "gzip");
    res.set_header("Vary", "Accept-Encoding");
    body = gzip(body);
  }
  res.set_content(std::move(body), type);
}

/// Generated events and their dirt, per event type; handles resolved once at registration.
struct GeneratorProbe {
  GeneratorProbe(metrics::Registry& registry, const std::string& type)
      : events(registry.counter("eventgen_events_total", "Generated events by type",
                                {{"type", type}})),
        late(registry.counter("eventgen_late_events_total", "Generated events that arrive late",
                              {{"type", type}})),
        malformed_timestamp(dirt(registry, type, "malformed_timestamp")),
        missing_quantity(dirt(registry, type, "missing_quantity")),
        missing_price(dirt(registry, type, "missing_price")),
        duplicate_id(dirt(registry, type, "duplicate_id")) {}

  static metrics::Counter& dirt(metrics::Registry& registry, const std::string& type,
                                const char* kind) {
    return registry.counter("eventgen_dirty_events_total",
                            "Generated events by type and kind of dirt",
                            {{"type", type}, {"dirt", kind}});
  }

  metrics::Counter& events;
  metrics::Counter& late;
  metrics::Counter& malformed_timestamp;
  metrics::Counter& missing_quantity;
  metrics::Counter& missing_price;
  metrics::Counter& duplicate_id;
};

void add(metrics::Counter& counter, uint64_t n) { counter.Increment(static_cast<double>(n)); }

}  // namespace

void register_eventgen_routes(http::Server& server, metrics::Registry& registry,
                              const DirtRates& defaults, double default_late_rate) {
  auto orders = std::make_shared<GeneratorProbe>(registry, "commerce.transaction");
  server.get(
      "/v1/transactions",
      [orders, defaults](const httplib::Request& req, httplib::Response& res) {
        BatchRequest b = parse_batch_request(req, defaults, 0, false);
        DirtCounts dirt;
        std::string body =
            generate_transactions(b.count, b.seed, b.rates, b.anchor, b.format, &dirt);
        add(orders->events, b.count);
        add(orders->malformed_timestamp, dirt.malformed_timestamp);
        add(orders->missing_quantity, dirt.missing_quantity);
        add(orders->missing_price, dirt.missing_price);
        add(orders->duplicate_id, dirt.duplicate_id);
        send_batch(req, res, b, std::move(body));
      },
      kBatchParameters);

  auto clicks = std::make_shared<GeneratorProbe>(registry, "user.interaction");
  server.get(
      "/v1/interactions",
      [clicks, defaults, default_late_rate](const httplib::Request& req, httplib::Response& res) {
        BatchRequest b = parse_batch_request(req, defaults, default_late_rate, true);
        InteractionCounts counts;
        std::string body = generate_interactions(b.count, b.seed, b.rates, b.late_rate, b.anchor,
                                                 b.format, &counts);
        add(clicks->events, b.count);
        add(clicks->late, counts.late_arrival);
        add(clicks->malformed_timestamp, counts.malformed_timestamp);
        add(clicks->missing_quantity, counts.missing_quantity);
        add(clicks->missing_price, counts.missing_price);
        add(clicks->duplicate_id, counts.duplicate_id);
        send_batch(req, res, b, std::move(body));
      },
      kInteractionParameters);
}

}  // namespace analytics::eventgen
