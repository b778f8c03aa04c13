#include "redis/slot.hpp"

#include <gtest/gtest.h>

namespace serendip::redis {
namespace {

TEST(Crc16, CheckValueOfTheXmodemVariant) { EXPECT_EQ(crc16("123456789"), 0x31C3); }

TEST(Crc16, EmptyIsZero) { EXPECT_EQ(crc16(""), 0); }

// Expected slots read from a Redis 7.0 cluster with CLUSTER KEYSLOT.
TEST(KeySlot, MatchesRedis) {
  struct Case {
    const char* key;
    int slot;
  };
  for (auto c : {Case{"foo", 12182}, Case{"bar", 5061}, Case{"hello", 866}, Case{"{user1000}.following", 3443},
                 Case{"{user1000}.followers", 3443}, Case{"foo{}{bar}", 8363}, Case{"foo{{bar}}zap", 4015},
                 Case{"foo{bar}{zap}", 5061}, Case{"{}", 15257}, Case{"", 0}, Case{"a{b}c", 3300}, Case{"{a", 10276}}) {
    EXPECT_EQ(key_slot(c.key), c.slot) << c.key;
  }
}

TEST(KeySlot, HashTagSharesTheSlot) {
  EXPECT_EQ(key_slot("{user1000}.following"), key_slot("{user1000}.followers"));
  EXPECT_EQ(key_slot("{inbox:7}:a"), key_slot("inbox:7"));
}

TEST(HashTag, FirstBracePairOnlyAndNeverEmpty) {
  EXPECT_EQ(hash_tag("plain"), "plain");
  EXPECT_EQ(hash_tag("{tag}rest"), "tag");
  EXPECT_EQ(hash_tag("foo{}{bar}"), "foo{}{bar}");  // empty tag: the whole key
  EXPECT_EQ(hash_tag("foo{{bar}}zap"), "{bar");     // from the first '{' to the first '}'
  EXPECT_EQ(hash_tag("foo{bar}{zap}"), "bar");
  EXPECT_EQ(hash_tag("{unclosed"), "{unclosed");
}

TEST(KeySlot, AlwaysInRange) {
  for (int i = 0; i < 10000; ++i) {
    int s = key_slot("key:" + std::to_string(i));
    ASSERT_GE(s, 0);
    ASSERT_LT(s, kSlotCount);
  }
}

}  // namespace
}  // namespace serendip::redis
