#include "partition_positions.hpp"

#include <gtest/gtest.h>

namespace analytics::transformer {
namespace {

using Kind = StartDecision::Kind;

kafka::Message msg(const std::string& topic, int32_t partition, int64_t offset) {
  kafka::Message m;
  m.topic = topic;
  m.partition = partition;
  m.offset = offset;
  return m;
}

std::vector<int64_t> offsets(const std::vector<const kafka::Message*>& selected) {
  std::vector<int64_t> out;
  for (const auto* m : selected) out.push_back(m->offset);
  return out;
}

TEST(DecideStartTest, NothingStoredReadsTheWholeLog) {
  auto d = decide_start(-1, std::make_pair<int64_t, int64_t>(5, 10));
  EXPECT_EQ(d.kind, Kind::kBeginning);
  EXPECT_EQ(d.fetch_from, kafka::TopicPartition::kOffsetBeginning);
  EXPECT_EQ(d.position.stored, -1);
  EXPECT_EQ(d.position.accept_from, -1);
}

TEST(DecideStartTest, StoredOffsetInsideTheLogContinuesThere) {
  for (int64_t stored : {5, 7, 10}) {  // the high watermark itself is "nothing new yet"
    auto d = decide_start(stored, std::make_pair<int64_t, int64_t>(5, 10));
    EXPECT_EQ(d.kind, Kind::kStored) << stored;
    EXPECT_EQ(d.fetch_from, stored);
    EXPECT_EQ(d.position.stored, stored);
    EXPECT_EQ(d.position.accept_from, stored);
  }
}

TEST(DecideStartTest, RecordsDeletedBeforeBeingReadAreAGapNotASkip) {
  auto d = decide_start(3, std::make_pair<int64_t, int64_t>(8, 20));
  EXPECT_EQ(d.kind, Kind::kGap);
  EXPECT_EQ(d.fetch_from, 8);
  EXPECT_EQ(d.position.stored, 3);  // the compare-and-set still expects what is stored
  EXPECT_EQ(d.position.accept_from, 8);
}

TEST(DecideStartTest, WarehouseAheadOfTheLogIsRefused) {
  auto d = decide_start(500, std::make_pair<int64_t, int64_t>(0, 40));
  EXPECT_EQ(d.kind, Kind::kAhead);
  EXPECT_EQ(d.fetch_from, 500);  // out of range: with auto.offset.reset=error it stops there
}

TEST(DecideStartTest, UnknownWatermarksTrustTheStoredOffset) {
  auto d = decide_start(42, std::nullopt);
  EXPECT_EQ(d.kind, Kind::kStored);
  EXPECT_EQ(d.fetch_from, 42);
}

TEST(PartitionPositionsTest, SelectKeepsOnlyOwnedPartitionsAndNewOffsets) {
  PartitionPositions p;
  p.assign({"t", 0}, Position{10, 10});
  p.assign({"t", 1}, Position{-1, -1});
  std::vector<kafka::Message> batch = {msg("t", 0, 8), msg("t", 0, 10), msg("t", 2, 0),
                                       msg("t", 1, 0), msg("t", 0, 11), msg("u", 0, 50)};
  auto selected = p.select(batch);
  EXPECT_EQ(offsets(selected), (std::vector<int64_t>{10, 0, 11}));
}

TEST(PartitionPositionsTest, RefetchedRecordsInOneBatchAreWrittenOnce) {
  // Revoked and re-assigned while polling: the partition's records arrive twice.
  PartitionPositions p;
  p.assign({"t", 0}, Position{100, 100});
  std::vector<kafka::Message> batch = {msg("t", 0, 100), msg("t", 0, 101), msg("t", 0, 102),
                                       msg("t", 0, 100), msg("t", 0, 101), msg("t", 0, 102),
                                       msg("t", 0, 103)};
  EXPECT_EQ(offsets(p.select(batch)), (std::vector<int64_t>{100, 101, 102, 103}));
}

TEST(PartitionPositionsTest, RevokedPartitionsAreDropped) {
  PartitionPositions p;
  p.assign({"t", 0}, Position{0, 0});
  p.revoke({"t", 0});
  EXPECT_TRUE(p.select({msg("t", 0, 0)}).empty());
  EXPECT_EQ(p.size(), 0u);
}

TEST(PartitionPositionsTest, AdvancesExpectTheStoredOffsetAndMoveToTheLastPlusOne) {
  PartitionPositions p;
  p.assign({"t", 0}, Position{10, 10});
  p.assign({"t", 1}, Position{-1, -1});
  std::vector<kafka::Message> batch = {msg("t", 0, 10), msg("t", 1, 0), msg("t", 0, 11),
                                       msg("t", 1, 1), msg("t", 1, 2)};
  auto adv = p.advances(p.select(batch));
  ASSERT_EQ(adv.size(), 2u);
  EXPECT_EQ(adv.at(PartitionId{"t", 0}).expected_next, 10);
  EXPECT_EQ(adv.at(PartitionId{"t", 0}).new_next, 12);
  EXPECT_EQ(adv.at(PartitionId{"t", 1}).expected_next, -1);
  EXPECT_EQ(adv.at(PartitionId{"t", 1}).new_next, 3);

  p.committed(adv);
  EXPECT_EQ(p.all().at(PartitionId{"t", 0}).stored, 12);
  EXPECT_EQ(p.all().at(PartitionId{"t", 1}).stored, 3);
  // The next batch expects the new positions and skips what was committed.
  std::vector<kafka::Message> next = {msg("t", 0, 11), msg("t", 0, 12)};
  auto selected = p.select(next);
  EXPECT_EQ(offsets(selected), (std::vector<int64_t>{12}));
  EXPECT_EQ(p.advances(selected).at(PartitionId{"t", 0}).expected_next, 12);
}

TEST(PartitionPositionsTest, AfterAGapTheFirstRecordsAreAcceptedFromTheLowWatermark) {
  PartitionPositions p;
  p.assign({"t", 0}, decide_start(3, std::make_pair<int64_t, int64_t>(8, 20)).position);
  std::vector<kafka::Message> batch = {msg("t", 0, 8), msg("t", 0, 9)};
  auto selected = p.select(batch);
  EXPECT_EQ(offsets(selected), (std::vector<int64_t>{8, 9}));
  auto adv = p.advances(selected);
  EXPECT_EQ(adv.at(PartitionId{"t", 0}).expected_next, 3);
  EXPECT_EQ(adv.at(PartitionId{"t", 0}).new_next, 10);
}

}  // namespace
}  // namespace analytics::transformer
