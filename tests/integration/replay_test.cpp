// transformer replay: silver, quarantine and gold rebuilt from bronze equal what streaming
// produced — every table and view of silver and gold, row for row — for a full replay and for a
// replay of one time range in the middle.
#include <gtest/gtest.h>
#include <httplib.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/config/build_info.hpp"
#include "pipeline_fixture.hpp"
#include "replay.hpp"

namespace analytics::testing {
namespace {

// Columns that say when or in which order a row was stored, not what it holds.
constexpr const char* kVolatile = " - 'quarantine_id' - 'quarantined_at' - 'updated_at'";

class ReplayTest : public PipelineTest {
 protected:

  /// Every table and view of silver and gold -> its rows as JSON text, sorted.
  using Snapshot = std::map<std::string, std::vector<std::string>>;
  Snapshot snapshot() {
    Snapshot out;
    std::istringstream names(
        q("SELECT string_agg(table_schema || '.' || table_name, ' ' ORDER BY 1) FROM "
          "information_schema.tables WHERE table_schema IN ('silver', 'gold')"));
    for (std::string name; names >> name;) {
      // JSON text escapes newlines, so one row is one line.
      std::istringstream rows(q("SELECT coalesce(string_agg(r, E'\\n'), '') FROM "
                                "(SELECT (to_jsonb(t)" + std::string(kVolatile) +
                                ")::text AS r FROM " + name + " t) x"));
      auto& lines = out[name];
      for (std::string row; std::getline(rows, row);) lines.push_back(row);
      std::sort(lines.begin(), lines.end());  // byte order, as std::set_difference needs
    }
    return out;
  }

  /// Fails naming the first few rows each side has and the other has not, per table.
  static void expect_same(const Snapshot& streamed, const Snapshot& replayed) {
    for (const auto& [name, rows] : streamed) {
      const auto found = replayed.find(name);
      const std::vector<std::string> none;
      const auto& other = found == replayed.end() ? none : found->second;
      if (rows == other) continue;
      std::vector<std::string> only_streamed, only_replayed;
      std::set_difference(rows.begin(), rows.end(), other.begin(), other.end(),
                          std::back_inserter(only_streamed));
      std::set_difference(other.begin(), other.end(), rows.begin(), rows.end(),
                          std::back_inserter(only_replayed));
      std::string detail;
      for (size_t i = 0; i < only_streamed.size() && i < 3; ++i)
        detail += "\n  streamed only: " + only_streamed[i];
      for (size_t i = 0; i < only_replayed.size() && i < 3; ++i)
        detail += "\n  replayed only: " + only_replayed[i];
      ADD_FAILURE() << name << ": " << rows.size() << " rows streamed, " << other.size()
                    << " replayed; " << only_streamed.size() << " and " << only_replayed.size()
                    << " differ" << detail;
    }
  }

  void stream(const std::string& generator, int seed) {
    httplib::Client eventgen("127.0.0.1", eventgen_port_);
    auto res = eventgen.Get("/v1/" + generator + "?count=400&format=ndjson&seed=" +
                            std::to_string(seed));
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200);
    post_ndjson(generator == "transactions" ? "/v1/events/commerce.transaction"
                                            : "/v1/events/user.interaction",
                res->body);
  }

  transformer::ReplaySummary replay(const transformer::IngestionRange& range) {
    transformer::WarehouseWriter writer(database_url_, "replay", config::pipeline_version(), false);
    transformer::PiiProtector pii("integration-test-key-0123456789");
    size_t last_done = 0;
    auto summary = transformer::replay_from_bronze(
        writer, database_url_, pii, transformer::EventTimeRules{}, range,
        [&](size_t done, size_t) { last_done = done; });
    EXPECT_EQ(last_done, summary.records);
    return summary;
  }
};

TEST_F(ReplayTest, FullAndRangeReplaysEqualWhatStreamingProduced) {
  // Dirty generated data (malformed timestamps, missing fields, duplicates that are later
  // versions, late events) in several requests, so several batches.
  for (int seed = 1; seed <= 3; ++seed) {
    stream("transactions", seed);
    stream("interactions", seed);
    ASSERT_EQ(wait_count("bronze.events", 800u * static_cast<size_t>(seed)),
              std::to_string(800 * seed));
  }
  transformer_->stop();
  ASSERT_GE(std::stoi(q("SELECT count(DISTINCT ingested_at) FROM bronze.events")), 3);
  ASSERT_NE(q("SELECT count(*) FROM silver.quarantine"), "0");
  ASSERT_NE(q("SELECT count(*) FROM gold.daily_distinct"), "0");
  auto streamed = snapshot();
  ASSERT_GE(streamed.size(), 25u);  // every silver and gold table and view

  auto full = replay({});
  EXPECT_EQ(full.records, 2400u);
  EXPECT_EQ(std::to_string(full.quarantined_rows), q("SELECT count(*) FROM silver.quarantine"));
  auto replayed = snapshot();
  expect_same(streamed, replayed);

  // A range in the middle: its records are forgotten and written again; nothing else moves.
  std::string from = q("SELECT min(ingested_at) FROM (SELECT DISTINCT ingested_at FROM "
                       "bronze.events ORDER BY 1 OFFSET 1) x");
  std::string to = q("SELECT max(ingested_at) FROM bronze.events");
  auto part = replay({from, to});
  EXPECT_GT(part.records, 0u);
  EXPECT_LT(part.records, 2400u);
  replayed = snapshot();
  expect_same(streamed, replayed);

  // The command itself: a progress bar on stderr, the summary on stdout, exit 0.
  std::string out_file = "/tmp/" + name_ + ".replay.out";
  std::string cmd = "DATABASE_URL='" + database_url_ +
                    "' PII_HMAC_KEY=integration-test-key-0123456789 MIGRATE_ON_START=false "
                    "LOG_LEVEL=warn " TRANSFORMER_BIN " replay --from 2000-01-01 >" + out_file +
                    " 2>" + out_file + ".err";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream out(out_file), err(out_file + ".err");
  std::string summary((std::istreambuf_iterator<char>(out)), {});
  std::string progress((std::istreambuf_iterator<char>(err)), {});
  EXPECT_NE(summary.find("2400 bronze records"), std::string::npos) << summary;
  EXPECT_NE(progress.find("100% 2400/2400 records"), std::string::npos) << progress;
  std::remove(out_file.c_str());
  std::remove((out_file + ".err").c_str());
  replayed = snapshot();
  expect_same(streamed, replayed);
  // Arguments it cannot use are refused before anything is touched.
  std::string bad = "DATABASE_URL='" + database_url_ +
                    "' PII_HMAC_KEY=integration-test-key-0123456789 MIGRATE_ON_START=false "
                    TRANSFORMER_BIN " replay --from yesterday 2>&1";
  FILE* pipe = popen(bad.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char line[512] = {};
  std::string said = fgets(line, sizeof line, pipe) ? line : "";
  EXPECT_EQ(WEXITSTATUS(pclose(pipe)), 2);
  EXPECT_NE(said.find("--from: 'yesterday' is not an ISO-8601 time or date"), std::string::npos)
      << said;
}

}  // namespace
}  // namespace analytics::testing
