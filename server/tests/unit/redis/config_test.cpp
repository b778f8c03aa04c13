#include "redis/config.hpp"

#include <gtest/gtest.h>

namespace serendip::redis {
namespace {

Config parse_ok(std::string_view url) {
  Config cfg;
  std::string error;
  EXPECT_TRUE(parse_url(url, cfg, error)) << url << ": " << error;
  return cfg;
}

std::string parse_error(std::string_view url) {
  Config cfg;
  std::string error;
  EXPECT_FALSE(parse_url(url, cfg, error)) << url;
  return error;
}

TEST(ParseUrl, HostPortAndDefaults) {
  auto cfg = parse_ok("redis://127.0.0.1:6380");
  ASSERT_EQ(cfg.seeds.size(), 1u);
  EXPECT_EQ(cfg.seeds[0], (Endpoint{"127.0.0.1", 6380}));
  EXPECT_EQ(cfg.mode, Mode::automatic);
  EXPECT_EQ(cfg.db, 0);
  EXPECT_TRUE(cfg.password.empty());
  EXPECT_EQ(parse_ok("redis://redis.internal").seeds[0], (Endpoint{"redis.internal", 6379}));
}

TEST(ParseUrl, Database) {
  EXPECT_EQ(parse_ok("redis://h:1/3").db, 3);
  EXPECT_EQ(parse_ok("redis://h:1/").db, 0);
  EXPECT_NE(parse_error("redis://h:1/x").find("database"), std::string::npos);
  EXPECT_NE(parse_error("redis+cluster://h:1/2").find("cluster"), std::string::npos);
}

TEST(ParseUrl, PasswordAndUser) {
  auto cfg = parse_ok("redis://:s3cret@h:7000");
  EXPECT_EQ(cfg.password, "s3cret");
  EXPECT_TRUE(cfg.user.empty());
  cfg = parse_ok("redis://app:p%40ss%3Aword@h:7000/1");
  EXPECT_EQ(cfg.user, "app");
  EXPECT_EQ(cfg.password, "p@ss:word");
  EXPECT_EQ(cfg.db, 1);
  EXPECT_EQ(parse_ok("redis://justpassword@h").password, "justpassword");
  EXPECT_FALSE(parse_error("redis://:bad%zz@h").empty());
  EXPECT_FALSE(parse_error("redis://:bad%4@h").empty());
}

TEST(ParseUrl, ClusterSeedList) {
  auto cfg = parse_ok("redis+cluster://10.0.0.1:7000,10.0.0.2:7001,[::1]:7002");
  EXPECT_EQ(cfg.mode, Mode::cluster);
  ASSERT_EQ(cfg.seeds.size(), 3u);
  EXPECT_EQ(cfg.seeds[1], (Endpoint{"10.0.0.2", 7001}));
  EXPECT_EQ(cfg.seeds[2], (Endpoint{"::1", 7002}));
  EXPECT_EQ(cfg.seeds[2].to_string(), "[::1]:7002");
}

TEST(ParseUrl, SeveralHostsOnPlainRedisMeansAuto) {
  auto cfg = parse_ok("redis://:pw@h1:1,h2:2");
  EXPECT_EQ(cfg.mode, Mode::automatic);
  EXPECT_EQ(cfg.seeds.size(), 2u);
  EXPECT_EQ(cfg.password, "pw");
}

TEST(ParseUrl, TlsSchemesTurnTlsOnAndPlainOnesOff) {
  auto cfg = parse_ok("rediss://app:pw@cache.example:6380/3");
  ASSERT_TRUE(cfg.tls.has_value());
  EXPECT_EQ(cfg.mode, Mode::automatic);
  EXPECT_EQ(cfg.seeds.at(0), (Endpoint{"cache.example", 6380}));
  EXPECT_EQ(cfg.user, "app");
  EXPECT_EQ(cfg.db, 3);
  cfg = parse_ok("rediss+cluster://10.0.0.1:7000,10.0.0.2:7001");
  ASSERT_TRUE(cfg.tls.has_value());
  EXPECT_EQ(cfg.mode, Mode::cluster);
  EXPECT_EQ(cfg.seeds.size(), 2u);
  // Parsing a plain URL into a config that had TLS turns it off.
  Config reused = cfg;
  std::string error;
  ASSERT_TRUE(parse_url("redis://h:1", reused, error)) << error;
  EXPECT_FALSE(reused.tls.has_value());
  EXPECT_FALSE(parse_error("rediss//h:6380").empty());
  EXPECT_FALSE(parse_error("redis-tls://h:6380").empty());
}

TEST(ParseUrl, Malformed) {
  for (const auto* url : {"http://h:1", "redis://", "redis://h:0", "redis://h:65536", "redis://h:port", "redis://h:1,",
                          "redis://::1:6379", "redis://[::1", "redis://h:1?db=2", "redis://:pw@"}) {
    EXPECT_FALSE(parse_error(url).empty()) << url;
  }
}

TEST(ParseUrl, FailureLeavesConfigUntouched) {
  Config cfg;
  cfg.seeds.push_back({"keep", 1});
  cfg.command_timeout = std::chrono::milliseconds(5);
  std::string error;
  EXPECT_FALSE(parse_url("nope://", cfg, error));
  EXPECT_EQ(cfg.seeds[0].host, "keep");
  EXPECT_TRUE(parse_url("redis://h", cfg, error));
  EXPECT_EQ(cfg.command_timeout.count(), 5);  // tuning survives
}

TEST(ParseEndpoint, Forms) {
  EXPECT_EQ(parse_endpoint("h:1"), (Endpoint{"h", 1}));
  EXPECT_EQ(parse_endpoint("h"), (Endpoint{"h", 6379}));
  EXPECT_EQ(parse_endpoint("[fe80::1]:9"), (Endpoint{"fe80::1", 9}));
  EXPECT_FALSE(parse_endpoint(":1"));
  EXPECT_FALSE(parse_endpoint("[]:1"));
  EXPECT_FALSE(parse_endpoint("[::1]x"));
}

}  // namespace
}  // namespace serendip::redis
