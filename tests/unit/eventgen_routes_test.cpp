// Component test: eventgen's routes on a real http::Server (loopback, ephemeral port), driven
// by httplib::Client.
#include "eventgen_routes.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <zlib.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "common/http/http_server.hpp"
#include "common/metrics/metrics.hpp"
#include "common/time/iso8601.hpp"
#include "interaction_generator.hpp"
#include "transaction_generator.hpp"

namespace analytics::eventgen {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* kAsOf = "2026-04-18T00:00:00Z";

/// Inflates gzip (or zlib) data; throws on corrupt or truncated input.
std::string gunzip(const std::string& data) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) throw std::runtime_error("inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buf[1 << 16];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      throw std::runtime_error("inflate failed: " + std::to_string(rc));
    }
    out.append(buf, sizeof buf - zs.avail_out);
  }
  inflateEnd(&zs);
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class EventgenRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    register_eventgen_routes(server_, registry_, DirtRates{}, 0.03);
    port_ = server_.start("127.0.0.1", 0);
    ASSERT_GT(port_, 0);
    client_ = make_client();
  }
  void TearDown() override { server_.stop(); }

  std::unique_ptr<httplib::Client> make_client() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
    c->set_connection_timeout(2);
    c->set_read_timeout(10);
    return c;
  }

  /// A request that asks for the body uncompressed.
  httplib::Result get_plain(const std::string& path) {
    return client_->Get(path.c_str(), {{"Accept-Encoding", "identity"}});
  }

  static nlohmann::json json_of(const httplib::Result& res) {
    return nlohmann::json::parse(res->body);
  }

  void expect_invalid_parameter(const std::string& path, const std::string& param) {
    auto res = get_plain(path);
    ASSERT_TRUE(res) << path << ": " << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 400) << path << " " << res->body;
    auto body = nlohmann::json::parse(res->body, nullptr, false);
    ASSERT_TRUE(body.is_object() && body.contains("error")) << path << " " << res->body;
    EXPECT_EQ(body["error"].value("code", ""), "invalid_parameter") << path;
    ASSERT_TRUE(body["error"].contains("details")) << path << " " << res->body;
    EXPECT_THAT(body["error"]["details"].get<std::vector<std::string>>(), Contains(param))
        << path << " " << res->body;
    EXPECT_THAT(body["error"].value("message", ""), HasSubstr(param)) << path;
  }

  metrics::Registry registry_;
  http::Server server_{"eventgen-test", registry_};
  int port_ = 0;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(EventgenRoutesTest, CountDefaultsToOneHundred) {
  for (const char* path : {"/v1/transactions", "/v1/interactions"}) {
    auto res = get_plain(path);
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200) << path;
    EXPECT_THAT(res->get_header_value("Content-Type"), StartsWith("application/json")) << path;
    auto body = json_of(res);
    ASSERT_TRUE(body.is_array()) << path;
    EXPECT_EQ(body.size(), 100u) << path;
  }
}

TEST_F(EventgenRoutesTest, CountIsHonouredAtItsBounds) {
  for (auto [path, expected] :
       {std::pair{"/v1/transactions?count=1", 1u}, std::pair{"/v1/transactions?count=5000", 5000u},
        std::pair{"/v1/interactions?count=1", 1u},
        std::pair{"/v1/interactions?count=5000", 5000u}}) {
    auto res = get_plain(path);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << path << " " << res->body.substr(0, 300);
    EXPECT_EQ(json_of(res).size(), expected) << path;
  }
}

TEST_F(EventgenRoutesTest, BadOrUnknownParametersAreA400NamingTheParameter) {
  for (const std::string base : {"/v1/transactions", "/v1/interactions"}) {
    expect_invalid_parameter(base + "?count=0", "count");
    expect_invalid_parameter(base + "?count=5001", "count");
    expect_invalid_parameter(base + "?count=abc", "count");
    expect_invalid_parameter(base + "?count=-1", "count");
    expect_invalid_parameter(base + "?seed=x", "seed");
    expect_invalid_parameter(base + "?format=xml", "format");
    expect_invalid_parameter(base + "?malformed_timestamp_rate=1.5", "malformed_timestamp_rate");
    expect_invalid_parameter(base + "?missing_field_rate=-0.1", "missing_field_rate");
    expect_invalid_parameter(base + "?duplicate_rate=abc", "duplicate_rate");
    expect_invalid_parameter(base + "?as_of=yesterday", "as_of");
    expect_invalid_parameter(base + "?foo=1", "foo");
    expect_invalid_parameter(base + "?count=10&foo=bar", "foo");
  }
  expect_invalid_parameter("/v1/interactions?late_rate=2", "late_rate");
}

TEST_F(EventgenRoutesTest, LateRateIsOnlyForInteractions) {
  expect_invalid_parameter("/v1/transactions?late_rate=0.5", "late_rate");

  // late_rate=1: every session arrives more than an hour after it happened.
  auto res = get_plain(std::string("/v1/interactions?count=200&seed=3&late_rate=1&as_of=") + kAsOf +
                       "&malformed_timestamp_rate=0");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const time::UnixMicros anchor = *time::parse_iso8601(kAsOf);
  for (const auto& e : json_of(res)) {
    auto ts = time::parse_iso8601(e.at("occurred_at").get<std::string>());
    ASSERT_TRUE(ts) << e.dump();
    EXPECT_LT(*ts, anchor - 3600LL * 1000000) << e.dump();
  }
}

TEST_F(EventgenRoutesTest, RateParametersApply) {
  auto clean = get_plain(
      "/v1/transactions?count=500&seed=8&malformed_timestamp_rate=0"
      "&missing_field_rate=0&duplicate_rate=0");
  ASSERT_TRUE(clean);
  ASSERT_EQ(clean->status, 200);
  std::set<std::string> ids;
  for (const auto& r : json_of(clean)) {
    EXPECT_TRUE(time::parse_iso8601(r.at("timestamp").get<std::string>())) << r.dump();
    EXPECT_TRUE(r.contains("price") && r.contains("quantity")) << r.dump();
    EXPECT_TRUE(ids.insert(r.at("order_id").get<std::string>()).second) << r.dump();
  }

  auto broken = get_plain("/v1/transactions?count=100&seed=8&malformed_timestamp_rate=1");
  ASSERT_TRUE(broken);
  ASSERT_EQ(broken->status, 200);
  for (const auto& r : json_of(broken)) {
    EXPECT_FALSE(time::parse_iso8601(r.at("timestamp").get<std::string>())) << r.dump();
  }
}

TEST_F(EventgenRoutesTest, SameSeedGivesTheSameBodyAndEchoesIt) {
  for (const std::string path :
       {"/v1/transactions?count=300&seed=12345", "/v1/interactions?count=300&seed=12345",
        "/v1/interactions?count=300&seed=12345&format=ndjson"}) {
    auto a = get_plain(path);
    auto b = get_plain(path);
    ASSERT_TRUE(a && b) << path;
    ASSERT_EQ(a->status, 200) << path;
    ASSERT_EQ(b->status, 200) << path;
    EXPECT_EQ(a->body, b->body) << path;
    EXPECT_EQ(a->get_header_value("X-Seed"), "12345") << path;
    EXPECT_EQ(b->get_header_value("X-Seed"), "12345") << path;
  }
  // An explicit as_of makes the batch independent of today's date.
  std::string pinned = std::string("/v1/transactions?count=50&seed=9&as_of=") + kAsOf;
  auto res = get_plain(pinned);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(res->body, generate_transactions(50, 9, DirtRates{}, *time::parse_iso8601(kAsOf),
                                             BatchFormat::kJsonArray));
  auto other = get_plain(std::string("/v1/transactions?count=50&seed=10&as_of=") + kAsOf);
  ASSERT_TRUE(other);
  EXPECT_NE(other->body, res->body);
}

TEST_F(EventgenRoutesTest, UnseededRequestsReportTheSeedTheyUsed) {
  auto res = get_plain("/v1/transactions?count=5");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  std::string seed = res->get_header_value("X-Seed");
  ASSERT_FALSE(seed.empty());
  EXPECT_TRUE(std::all_of(seed.begin(), seed.end(), [](char c) { return c >= '0' && c <= '9'; }))
      << seed;
}

TEST_F(EventgenRoutesTest, NdjsonIsOneObjectPerLine) {
  for (const std::string path :
       {"/v1/transactions?count=250&format=ndjson", "/v1/interactions?count=250&format=ndjson"}) {
    auto res = get_plain(path);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << path;
    EXPECT_THAT(res->get_header_value("Content-Type"), StartsWith("application/x-ndjson"));
    ASSERT_FALSE(res->body.empty());
    EXPECT_EQ(res->body.back(), '\n');
    auto lines = lines_of(res->body);
    ASSERT_EQ(lines.size(), 250u) << path;
    for (const auto& line : lines) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      EXPECT_TRUE(j.is_object()) << line;
    }
  }
}

TEST_F(EventgenRoutesTest, GzipIsTheSameBodyCompressed) {
  auto raw_client = make_client();
  raw_client->set_decompress(false);          // see the bytes on the wire
  auto decompressing_client = make_client();  // httplib's default: decompress transparently

  for (const std::string type : {"transactions", "interactions"}) {
    for (const std::string format : {"json", "ndjson"}) {
      const std::string path =
          "/v1/" + type + "?count=1000&seed=77&format=" + format + "&as_of=" + kAsOf;
      auto plain = get_plain(path);
      ASSERT_TRUE(plain) << path;
      ASSERT_EQ(plain->status, 200) << path;
      EXPECT_FALSE(plain->has_header("Content-Encoding")) << path;

      auto gz = raw_client->Get(path.c_str(), {{"Accept-Encoding", "gzip"}});
      ASSERT_TRUE(gz) << path << ": " << httplib::to_string(gz.error());
      ASSERT_EQ(gz->status, 200) << path;
      EXPECT_EQ(gz->get_header_value("Content-Encoding"), "gzip") << path;
      EXPECT_EQ(gz->get_header_value("Content-Type"), plain->get_header_value("Content-Type"));
      ASSERT_GE(gz->body.size(), 2u);
      EXPECT_EQ(static_cast<unsigned char>(gz->body[0]), 0x1f) << path;
      EXPECT_EQ(static_cast<unsigned char>(gz->body[1]), 0x8b) << path;
      EXPECT_LT(gz->body.size(), plain->body.size()) << path;
      std::string inflated;
      ASSERT_NO_THROW(inflated = gunzip(gz->body)) << path;
      EXPECT_EQ(inflated, plain->body) << path;

      auto auto_gz = decompressing_client->Get(path.c_str(), {{"Accept-Encoding", "gzip"}});
      ASSERT_TRUE(auto_gz) << path;
      ASSERT_EQ(auto_gz->status, 200) << path;
      EXPECT_EQ(auto_gz->body, plain->body) << path;
    }
  }
}

TEST_F(EventgenRoutesTest, MetricsCountGeneratedAndDirtyEvents) {
  const time::UnixMicros anchor = *time::parse_iso8601(kAsOf);
  auto tx = get_plain(std::string("/v1/transactions?count=2000&seed=5&as_of=") + kAsOf);
  auto tx2 = get_plain("/v1/transactions?count=10");
  auto ix =
      get_plain(std::string("/v1/interactions?count=3000&seed=6&late_rate=0.2&as_of=") + kAsOf);
  auto bad = get_plain("/v1/transactions?count=0");  // refused: generates nothing
  ASSERT_TRUE(tx && tx2 && ix && bad);
  ASSERT_EQ(tx->status, 200);
  ASSERT_EQ(tx2->status, 200);
  ASSERT_EQ(ix->status, 200);
  ASSERT_EQ(bad->status, 400);

  DirtCounts dirt;
  generate_transactions(2000, 5, DirtRates{}, anchor, BatchFormat::kJsonArray, &dirt);
  InteractionCounts counts;
  generate_interactions(3000, 6, DirtRates{}, 0.2, anchor, BatchFormat::kJsonArray, &counts);
  ASSERT_GT(dirt.malformed_timestamp, 0u);
  ASSERT_GT(counts.late_arrival, 0u);

  auto res = get_plain("/metrics");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  const std::string& m = res->body;
  EXPECT_THAT(m, HasSubstr("# TYPE eventgen_events_total counter"));
  EXPECT_THAT(m, HasSubstr("# TYPE eventgen_dirty_events_total counter"));
  EXPECT_THAT(m, HasSubstr(R"(eventgen_events_total{type="commerce.transaction"} 2010)"));
  EXPECT_THAT(m, HasSubstr(R"(eventgen_events_total{type="user.interaction"} 3000)"));
  // The unseeded 10-record batch may add up to 10 to a transaction dirt count; interactions had
  // one seeded request only, so their counts are exact.
  auto value_of = [&m](const std::string& series) -> long long {
    auto at = m.find(series + " ");
    if (at == std::string::npos) return -1;
    return std::stoll(m.substr(at + series.size() + 1));
  };
  for (auto [kind, n] : {std::pair{"malformed_timestamp", dirt.malformed_timestamp},
                         std::pair{"missing_quantity", dirt.missing_quantity},
                         std::pair{"missing_price", dirt.missing_price},
                         std::pair{"duplicate_id", dirt.duplicate_id}}) {
    std::string series = std::string("eventgen_dirty_events_total{dirt=\"") + kind +
                         "\",type=\"commerce.transaction\"}";
    long long v = value_of(series);
    EXPECT_GE(v, static_cast<long long>(n)) << series;
    EXPECT_LE(v, static_cast<long long>(n) + 10) << series;
  }
  for (auto [kind, n] : {std::pair{"malformed_timestamp", counts.malformed_timestamp},
                         std::pair{"missing_quantity", counts.missing_quantity},
                         std::pair{"missing_price", counts.missing_price},
                         std::pair{"duplicate_id", counts.duplicate_id}}) {
    std::string series =
        std::string("eventgen_dirty_events_total{dirt=\"") + kind + "\",type=\"user.interaction\"}";
    EXPECT_EQ(value_of(series), static_cast<long long>(n)) << series;
  }
  EXPECT_EQ(value_of(R"(eventgen_late_events_total{type="user.interaction"})"),
            static_cast<long long>(counts.late_arrival));
}

}  // namespace
}  // namespace analytics::eventgen
