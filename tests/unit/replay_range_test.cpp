// `transformer replay [--from TS] [--to TS]`: what the command accepts and what it refuses.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "replay_command.hpp"

namespace analytics::transformer {
namespace {

TEST(ReplayRangeTest, ParsesFromAndToAndRefusesTheRest) {
  std::string error;
  auto all = parse_replay_range({}, error);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->from, "-infinity");
  EXPECT_EQ(all->to, "infinity");
  auto some = parse_replay_range({"--from", "2026-11-01T00:00:00Z", "--to",
                                               "2026-11-02"}, error);
  ASSERT_TRUE(some) << error;
  EXPECT_EQ(some->from, "2026-11-01T00:00:00.000000Z");
  EXPECT_EQ(some->to, "2026-11-02T00:00:00.000000Z");
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"--from"}, {"--since", "2026-11-01"}, {"--from", "yesterday"},
        {"--from", "2026-11-02", "--to", "2026-11-01"}}) {
    EXPECT_FALSE(parse_replay_range(bad, error));
    EXPECT_FALSE(error.empty());
  }
}

}  // namespace
}  // namespace analytics::transformer
