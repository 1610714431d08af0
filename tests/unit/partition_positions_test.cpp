#include "partition_positions.hpp"

#include <gtest/gtest.h>

namespace analytics::transformer {
namespace {

using Kind = StartDecision::Kind;

SourceRecord msg(const std::string& topic, int32_t partition, int64_t offset) {
  SourceRecord r;
  r.topic = topic;
  r.partition = partition;
  r.offset = offset;
  return r;
}

std::vector<int64_t> offsets(const Selection& selected) {
  std::vector<int64_t> out;
  for (const auto& r : selected.records) out.push_back(r.offset);
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

TEST(PartitionPositionsTest, TakeKeepsOnlyOwnedPartitionsAndNewOffsets) {
  PartitionPositions p;
  p.assign({"t", 0}, Position{10, 10});
  p.assign({"t", 1}, Position{-1, -1});
  auto selected = p.take({msg("t", 0, 8), msg("t", 0, 10), msg("t", 2, 0), msg("t", 1, 0),
                          msg("t", 0, 11), msg("u", 0, 50)});
  EXPECT_EQ(offsets(selected), (std::vector<int64_t>{10, 0, 11}));
}

TEST(PartitionPositionsTest, RefetchedRecordsInOneBatchAreWrittenOnce) {
  // Revoked and re-assigned while polling: the partition's records arrive twice.
  PartitionPositions p;
  p.assign({"t", 0}, Position{100, 100});
  auto selected = p.take({msg("t", 0, 100), msg("t", 0, 101), msg("t", 0, 102), msg("t", 0, 100),
                          msg("t", 0, 101), msg("t", 0, 102), msg("t", 0, 103)});
  EXPECT_EQ(offsets(selected), (std::vector<int64_t>{100, 101, 102, 103}));
}

TEST(PartitionPositionsTest, RevokedPartitionsAreDropped) {
  PartitionPositions p;
  p.assign({"t", 0}, Position{0, 0});
  p.revoke({"t", 0});
  EXPECT_TRUE(p.take({msg("t", 0, 0)}).records.empty());
  EXPECT_EQ(p.size(), 0u);
}

TEST(PartitionPositionsTest, TakeExpectsTheStoredOffsetAndMovesPastWhatItHandsOut) {
  PartitionPositions p;
  p.assign({"t", 0}, Position{10, 10});
  p.assign({"t", 1}, Position{-1, -1});
  auto first = p.take(
      {msg("t", 0, 10), msg("t", 1, 0), msg("t", 0, 11), msg("t", 1, 1), msg("t", 1, 2)});
  ASSERT_EQ(first.expected_next.size(), 2u);
  EXPECT_EQ(first.expected_next.at(PartitionId{"t", 0}), 10);
  EXPECT_EQ(first.expected_next.at(PartitionId{"t", 1}), -1);
  EXPECT_EQ(p.all().at(PartitionId{"t", 0}).stored, 12);
  EXPECT_EQ(p.all().at(PartitionId{"t", 1}).stored, 3);
  // The next batch (taken while the first may still be committing) continues from there and
  // skips what was handed out.
  auto next = p.take({msg("t", 0, 11), msg("t", 0, 12)});
  EXPECT_EQ(offsets(next), (std::vector<int64_t>{12}));
  EXPECT_EQ(next.expected_next.at(PartitionId{"t", 0}), 12);
}

TEST(PartitionPositionsTest, AfterAGapTheFirstRecordsAreAcceptedFromTheLowWatermark) {
  PartitionPositions p;
  p.assign({"t", 0}, decide_start(3, std::make_pair<int64_t, int64_t>(8, 20)).position);
  auto selected = p.take({msg("t", 0, 8), msg("t", 0, 9)});
  EXPECT_EQ(offsets(selected), (std::vector<int64_t>{8, 9}));
  EXPECT_EQ(selected.expected_next.at(PartitionId{"t", 0}), 3);
  EXPECT_EQ(p.all().at(PartitionId{"t", 0}).stored, 10);
}

}  // namespace
}  // namespace analytics::transformer
