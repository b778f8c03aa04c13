#include "redis/info.hpp"

#include <gtest/gtest.h>

namespace serendip::redis {
namespace {

TEST(MemoryInfo, ReadsTheFieldsOfInfoMemoryStats) {
  const auto m = parse_memory_info(
      "# Memory\r\nused_memory:1030528\r\nmaxmemory:104857600\r\nmaxmemory_human:100.00M\r\n"
      "maxmemory_policy:allkeys-lru\r\n\r\n# Stats\r\ntotal_connections_received:4\r\nevicted_keys:37\r\n"
      "evicted_clients:0\r\n");
  EXPECT_EQ(m.maxmemory, 104857600);
  EXPECT_EQ(m.maxmemory_policy, "allkeys-lru");
  EXPECT_EQ(m.evicted_keys, 37);
  EXPECT_TRUE(m.may_evict());
}

TEST(MemoryInfo, NoLimitOrNoevictionNeverEvicts) {
  EXPECT_FALSE(parse_memory_info("maxmemory:0\nmaxmemory_policy:allkeys-lru\n").may_evict());
  EXPECT_FALSE(parse_memory_info("maxmemory:1000\nmaxmemory_policy:noeviction\n").may_evict());
  EXPECT_TRUE(parse_memory_info("maxmemory:1000\nmaxmemory_policy:volatile-ttl\n").may_evict());
  EXPECT_FALSE(parse_memory_info("").may_evict());
}

TEST(MemoryInfo, MalformedValuesKeepTheirDefaults) {
  const auto m = parse_memory_info("maxmemory:lots\nevicted_keys:-3\nevicted_keys\n:5\nmaxmemory_policy:\n");
  EXPECT_EQ(m.maxmemory, 0);
  EXPECT_EQ(m.evicted_keys, 0);
  EXPECT_EQ(m.maxmemory_policy, "");
  EXPECT_FALSE(m.may_evict());
  // A prefix of a field is not the field.
  EXPECT_EQ(parse_memory_info("evicted_keys_total:9\nmaxmemory_x:5\n").evicted_keys, 0);
}

}  // namespace
}  // namespace serendip::redis
