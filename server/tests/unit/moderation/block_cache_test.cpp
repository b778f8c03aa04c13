// BlockCache: answers from memory only while valid, never a stale answer;
// expiry needs no reload; a change during a reload keeps it stale; the
// longer of two blocks answers.
#include "moderation/block_cache.hpp"

#include <gtest/gtest.h>

namespace serendip::moderation {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;

store::Block block(std::int64_t id, std::string ip, std::string device, std::optional<std::int64_t> expires,
                   std::string reason = "r") {
  store::Block b;
  b.id = id;
  b.ip = std::move(ip);
  b.device_key = std::move(device);
  b.expires_at = expires;
  b.reason = std::move(reason);
  return b;
}

BlockCache::Loader loader_of(std::vector<store::Block> blocks, int* calls = nullptr) {
  return [blocks = std::move(blocks), calls](std::int64_t) -> store::Result<std::vector<store::Block>> {
    if (calls != nullptr) ++*calls;
    return blocks;
  };
}

TEST(BlockCache, AnswersNothingUntilLoadedThenFromMemory) {
  BlockCache cache(30'000, 60'000);
  BlockCache::Entry e;
  EXPECT_EQ(cache.find("192.0.2.1", "d1", kNow, e), BlockCache::Answer::unknown);
  EXPECT_TRUE(cache.needs_reload(kNow));
  ASSERT_TRUE(
      cache.reload(loader_of({block(7, "192.0.2.1", "", kNow + 1'000, "ip ban"), block(8, "", "d2", {})}), kNow));
  EXPECT_TRUE(cache.valid());
  EXPECT_FALSE(cache.needs_reload(kNow + 1));
  ASSERT_EQ(cache.find("192.0.2.1", "d1", kNow, e), BlockCache::Answer::blocked);
  EXPECT_EQ(e.block_id, 7);
  EXPECT_EQ(e.reason, "ip ban");
  EXPECT_EQ(cache.find("", "d2", kNow, e), BlockCache::Answer::blocked);
  EXPECT_EQ(e.until, std::nullopt);
  EXPECT_EQ(cache.find("192.0.2.9", "d9", kNow, e), BlockCache::Answer::clear);
  // Expired: clear without a reload.
  EXPECT_EQ(cache.find("192.0.2.1", "", kNow + 1'000, e), BlockCache::Answer::clear);
}

TEST(BlockCache, InvalidatedOrTooOldItAsksTheDatabase) {
  BlockCache cache(5'000, 10'000);
  ASSERT_TRUE(cache.reload(loader_of({}), kNow));
  BlockCache::Entry e;
  EXPECT_EQ(cache.find("", "d1", kNow + 10'000, e), BlockCache::Answer::clear);
  EXPECT_EQ(cache.find("", "d1", kNow + 10'001, e), BlockCache::Answer::unknown);
  EXPECT_FALSE(cache.needs_reload(kNow + 4'999));
  EXPECT_TRUE(cache.needs_reload(kNow + 5'000));  // reloads long before it is too old
  ASSERT_TRUE(cache.reload(loader_of({}), kNow + 6'000));
  cache.invalidate();
  EXPECT_EQ(cache.find("", "d1", kNow + 6'000, e), BlockCache::Answer::unknown);
  EXPECT_TRUE(cache.needs_reload(kNow + 6'000));
}

// Issue 14 (faults): a wall clock stepped back an hour after a load. Measured from that
// load the next reload was an hour and 30 s away, and the copy answered all the while.
TEST(BlockCache, AWallClockSteppedBackMakesItStaleAndAReloadDueAtOnce) {
  BlockCache cache(30'000, 600'000);
  ASSERT_TRUE(cache.reload(loader_of({block(1, "", "d1", kNow + 7'200'000)}), kNow));
  BlockCache::Entry e;
  ASSERT_EQ(cache.find("", "d1", kNow, e), BlockCache::Answer::blocked);
  const std::int64_t back = kNow - 3'600'000;
  EXPECT_TRUE(cache.needs_reload(back));
  EXPECT_EQ(cache.find("", "d2", back, e), BlockCache::Answer::unknown);  // a block made elsewhere may be missing
  // Reloaded at the new time: trusted again, and due 30 s later by that clock.
  ASSERT_TRUE(cache.reload(loader_of({block(1, "", "d1", kNow + 7'200'000), block(2, "", "d2", {})}), back));
  EXPECT_EQ(cache.find("", "d2", back, e), BlockCache::Answer::blocked);
  EXPECT_FALSE(cache.needs_reload(back + 29'999));
  EXPECT_TRUE(cache.needs_reload(back + 30'000));
}

TEST(BlockCache, ABlockMadeHereIsKnownAtOnceAndAChangeDuringAReloadKeepsItStale) {
  BlockCache cache;
  ASSERT_TRUE(cache.reload(loader_of({}), kNow));
  cache.add(block(1, "", "d1", kNow + 60'000, "made here"));
  BlockCache::Entry e;
  ASSERT_EQ(cache.find("", "d1", kNow, e), BlockCache::Answer::blocked);
  EXPECT_EQ(e.reason, "made here");

  // The load read the database before block 2 was committed and added here.
  const bool ok = cache.reload(
      [&cache](std::int64_t) -> store::Result<std::vector<store::Block>> {
        cache.add(block(2, "", "d2", {}));
        return std::vector<store::Block>{block(1, "", "d1", kNow + 60'000)};
      },
      kNow + 1);
  EXPECT_TRUE(ok);
  EXPECT_FALSE(cache.valid());
  EXPECT_EQ(cache.find("", "d2", kNow + 1, e), BlockCache::Answer::unknown);
}

TEST(BlockCache, TheLongerBlockAnswersAndAFailedLoadChangesNothing) {
  BlockCache cache;
  ASSERT_TRUE(cache.reload(loader_of({block(1, "192.0.2.1", "", kNow + 1'000), block(2, "", "d1", kNow + 9'000),
                                      block(3, "192.0.2.1", "", {})}),
                           kNow));
  BlockCache::Entry e;
  ASSERT_EQ(cache.find("192.0.2.1", "d1", kNow, e), BlockCache::Answer::blocked);
  EXPECT_EQ(e.block_id, 3);  // permanent beats any end
  ASSERT_EQ(cache.find("", "d1", kNow, e), BlockCache::Answer::blocked);
  EXPECT_EQ(e.block_id, 2);
  EXPECT_FALSE(cache.reload(
      [](std::int64_t) -> store::Result<std::vector<store::Block>> {
        return store::Error{store::ErrorKind::unavailable, "down"};
      },
      kNow + 1));
  EXPECT_EQ(cache.find("", "d1", kNow + 1, e), BlockCache::Answer::blocked);
}

}  // namespace
}  // namespace serendip::moderation
