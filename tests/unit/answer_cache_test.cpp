#include "answer_cache.hpp"

#include <gtest/gtest.h>

namespace analytics::kpi {
namespace {

Answer answer(const std::string& body) { return {body, "application/json", "\"e\""}; }

TEST(EtagTest, IsStrongQuotedAndDependsOnRequestAndVersion) {
  std::string tag = derive_etag("/v1/kpi/summary json", "100:100:");
  EXPECT_EQ(tag.size(), 34u);
  EXPECT_EQ(tag.front(), '"');
  EXPECT_EQ(tag.back(), '"');
  EXPECT_EQ(tag, derive_etag("/v1/kpi/summary json", "100:100:"));
  EXPECT_NE(tag, derive_etag("/v1/kpi/summary csv", "100:100:"));
  EXPECT_NE(tag, derive_etag("/v1/kpi/summary json", "100:101:"));
  EXPECT_NE(tag, derive_etag("/v1/kpi/summary json\nregion=APAC", "100:100:"));
}

TEST(EtagTest, IfNoneMatchComparesWeaklyAcrossAList) {
  std::string tag = "\"abc\"";
  EXPECT_TRUE(etag_matches("\"abc\"", tag));
  EXPECT_TRUE(etag_matches("W/\"abc\"", tag));
  EXPECT_TRUE(etag_matches("\"x\", \"abc\"", tag));
  EXPECT_TRUE(etag_matches("\"x\",W/\"abc\"  ", tag));
  EXPECT_TRUE(etag_matches("*", tag));
  EXPECT_FALSE(etag_matches("", tag));
  EXPECT_FALSE(etag_matches("abc", tag));
  EXPECT_FALSE(etag_matches("\"abcd\"", tag));
  EXPECT_FALSE(etag_matches(",,", tag));
}

TEST(AnswerCacheTest, AnAnswerIsReusedOnlyAtTheVersionItWasComputedAt) {
  AnswerCache cache(10, 1 << 20);
  EXPECT_FALSE(cache.find("k", "v1"));
  cache.store("k", "v1", answer("one"));
  auto kept = cache.find("k", "v1");
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->body, "one");
  // A batch committed: the warehouse moved to v2 and the old answer is never served again.
  EXPECT_FALSE(cache.find("k", "v2"));
  cache.store("k", "v2", answer("two"));
  EXPECT_EQ(cache.find("k", "v2")->body, "two");
  EXPECT_FALSE(cache.find("k", "v1"));
  EXPECT_EQ(cache.entries(), 1u);
  EXPECT_FALSE(cache.find("other", "v2"));
}

TEST(AnswerCacheTest, TheLeastRecentlyUsedGoFirstPastTheEntryLimit) {
  AnswerCache cache(2, 1 << 20);
  cache.store("a", "v", answer("a"));
  cache.store("b", "v", answer("b"));
  ASSERT_TRUE(cache.find("a", "v"));  // a is now the most recent
  cache.store("c", "v", answer("c"));
  EXPECT_TRUE(cache.find("a", "v"));
  EXPECT_FALSE(cache.find("b", "v"));
  EXPECT_TRUE(cache.find("c", "v"));
  EXPECT_EQ(cache.entries(), 2u);
}

TEST(AnswerCacheTest, BytesAreBoundedAndAnAnswerLargerThanTheCacheIsNotKept) {
  AnswerCache cache(100, 1000);
  cache.store("a", "v", answer(std::string(400, 'a')));
  cache.store("b", "v", answer(std::string(400, 'b')));
  cache.store("c", "v", answer(std::string(400, 'c')));
  EXPECT_LE(cache.bytes(), 1000u);
  EXPECT_FALSE(cache.find("a", "v"));
  EXPECT_TRUE(cache.find("c", "v"));
  cache.store("huge", "v", answer(std::string(5000, 'h')));
  EXPECT_FALSE(cache.find("huge", "v"));
  EXPECT_TRUE(cache.find("c", "v"));
}

}  // namespace
}  // namespace analytics::kpi
