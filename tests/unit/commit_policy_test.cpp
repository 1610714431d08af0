#include "commit_policy.hpp"

#include <gtest/gtest.h>

#include <set>

#include "common/pg/db_error.hpp"

namespace analytics::transformer {
namespace {

/// A sink that keeps what it committed, like the warehouse: offsets compare-and-set per
/// partition, and a value it cannot store fails the whole batch.
class FakeSink : public BatchSink {
 public:
  std::set<int64_t> refused_offsets;  // silver rows at these offsets are refused (SQLSTATE 22)
  std::set<int64_t> bronze_refused;   // even bronze refuses these
  int transient_failures = 0;         // the next N commits fail with a lost connection
  std::map<PartitionId, int64_t> stored;
  std::vector<std::vector<int64_t>> committed;  // offsets of each committed batch
  std::vector<std::pair<int64_t, QuarantineReason>> quarantined;

  std::map<PartitionId, int64_t> load_offsets() override { return stored; }
  void reset() override { ++resets; }
  int resets = 0;

  BatchStats commit(const Batch& batch) override {
    if (transient_failures > 0) {
      --transient_failures;
      throw pg::DbError("connection lost", "08006", true);
    }
    for (const auto& [id, adv] : batch.advances) {
      auto it = stored.find(id);
      int64_t current = it == stored.end() ? -1 : it->second;
      if (current != adv.expected_next) throw OffsetFenceError("moved");
    }
    for (const auto& r : batch.records) {
      if (bronze_refused.count(r.source.offset)) throw pg::DbError("bad", "22021", false);
      if (refused_offsets.count(r.source.offset) && std::holds_alternative<SilverOrder>(r.mapped)) {
        throw pg::DbError("numeric field overflow", "22003", false);
      }
    }
    std::vector<int64_t> offsets;
    for (const auto& r : batch.records) {
      offsets.push_back(r.source.offset);
      if (const auto* q = std::get_if<Quarantined>(&r.mapped)) {
        quarantined.emplace_back(r.source.offset, q->reason);
      }
    }
    for (const auto& [id, adv] : batch.advances) stored[id] = adv.new_next;
    committed.push_back(offsets);
    return {};
  }
};

std::vector<BatchRecord> orders(int64_t first, int64_t count, int32_t partition = 0) {
  std::vector<BatchRecord> out;
  for (int64_t o = first; o < first + count; ++o) {
    BatchRecord r;
    r.source.topic = "orders";
    r.source.partition = partition;
    r.source.offset = o;
    r.event_type = "commerce.transaction";
    r.mapped = SilverOrder{};
    out.push_back(std::move(r));
  }
  return out;
}

struct PolicyTest : ::testing::Test {
  FakeSink sink;
  std::vector<int> backoffs;
  bool stopping = false;
  std::string problem;
  CommitPolicy policy{sink, [this] {
                        CommitPolicy::Hooks h;
                        h.backoff = [this](int attempt) {
                          backoffs.push_back(attempt);
                          if (backoffs.size() > 20) stopping = true;  // bound a runaway
                        };
                        h.stopping = [this] { return stopping; };
                        h.problem = [this](const std::string& p) { problem = p; };
                        return h;
                      }()};
  std::map<PartitionId, int64_t> from(int64_t next) { return {{{"orders", 0}, next}}; }
};

TEST_F(PolicyTest, ABatchCommitsWholeWithItsOffsets) {
  EXPECT_EQ(policy.commit(orders(0, 10), from(-1)), CommitPolicy::Outcome::kCommitted);
  ASSERT_EQ(sink.committed.size(), 1u);
  EXPECT_EQ(sink.committed[0].size(), 10u);
  EXPECT_EQ(sink.stored.at({"orders", 0}), 10);
}

TEST_F(PolicyTest, ARefusedRecordIsIsolatedAndQuarantinedAndTheRestCommitsInOrder) {
  sink.stored[{"orders", 0}] = 100;
  sink.refused_offsets = {105};
  EXPECT_EQ(policy.commit(orders(100, 16), from(100)), CommitPolicy::Outcome::kCommitted);
  // Every offset committed exactly once, in order, and the refused one quarantined.
  std::vector<int64_t> all;
  for (const auto& b : sink.committed) all.insert(all.end(), b.begin(), b.end());
  std::vector<int64_t> expected;
  for (int64_t o = 100; o < 116; ++o) expected.push_back(o);
  EXPECT_EQ(all, expected);
  ASSERT_EQ(sink.quarantined.size(), 1u);
  EXPECT_EQ(sink.quarantined[0].first, 105);
  EXPECT_EQ(sink.quarantined[0].second, QuarantineReason::kWarehouseRejected);
  EXPECT_EQ(sink.stored.at({"orders", 0}), 116);
  EXPECT_TRUE(backoffs.empty());  // a data error is not retried as is
}

TEST_F(PolicyTest, ALostConnectionIsRetriedWithBackoffNeverSkipped) {
  sink.transient_failures = 3;
  EXPECT_EQ(policy.commit(orders(0, 5), from(-1)), CommitPolicy::Outcome::kCommitted);
  EXPECT_EQ(backoffs, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(sink.committed.size(), 1u);
  EXPECT_GE(sink.resets, 3);
  EXPECT_EQ(problem, "");  // healthy again after the commit
}

TEST_F(PolicyTest, AnOffsetMovedByAnotherMemberFencesTheBatch) {
  sink.stored[{"orders", 0}] = 50;  // another member wrote up to 50
  EXPECT_EQ(policy.commit(orders(10, 5), from(10)), CommitPolicy::Outcome::kFenced);
  EXPECT_TRUE(sink.committed.empty());
}

TEST_F(PolicyTest, WhenStoppingAFailingBatchIsGivenUpUncommitted) {
  sink.transient_failures = 1000;
  stopping = true;
  EXPECT_EQ(policy.commit(orders(0, 5), from(-1)), CommitPolicy::Outcome::kStopped);
  EXPECT_TRUE(sink.committed.empty());
}

TEST_F(PolicyTest, ARecordEvenBronzeRefusesIsRetriedLoudlyNotDropped) {
  sink.bronze_refused = {2};
  EXPECT_EQ(policy.commit(orders(0, 4), from(-1)), CommitPolicy::Outcome::kStopped);
  // Records before it committed; it and what follows did not.
  std::vector<int64_t> all;
  for (const auto& b : sink.committed) all.insert(all.end(), b.begin(), b.end());
  EXPECT_EQ(all, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(sink.stored.at({"orders", 0}), 2);
  EXPECT_FALSE(backoffs.empty());
  EXPECT_NE(problem.find("cannot be stored"), std::string::npos);
}

TEST_F(PolicyTest, SplittingKeepsEachPartitionContiguous) {
  std::vector<BatchRecord> records = orders(0, 4, 0);
  auto other = orders(0, 4, 1);
  records.insert(records.end(), other.begin(), other.end());
  sink.refused_offsets = {3};  // offset 3 of both partitions
  std::map<PartitionId, int64_t> expected = {{{"orders", 0}, -1}, {{"orders", 1}, -1}};
  EXPECT_EQ(policy.commit(std::move(records), expected), CommitPolicy::Outcome::kCommitted);
  EXPECT_EQ(sink.stored.at({"orders", 0}), 4);
  EXPECT_EQ(sink.stored.at({"orders", 1}), 4);
  EXPECT_EQ(sink.quarantined.size(), 2u);
}

}  // namespace
}  // namespace analytics::transformer
