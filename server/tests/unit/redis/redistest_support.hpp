// Helpers for the tests against real Redis servers started by scripts/redis.sh
// (SERENDIP_TEST_REDIS_URL, SERENDIP_TEST_REDIS_CLUSTER_URL, SERENDIP_TEST_REDIS_DIR).
// The tests drive one io_context on the test thread, like a worker does.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): kill() is POSIX, not in <csignal>
#include <sys/types.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "redis/client.hpp"
#include "redis/config.hpp"
#include "redis/metrics.hpp"
#include "redis/reply.hpp"
#include "redis/slot.hpp"

namespace serendip::redis::test {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

inline std::string env(const char* name) {
  // NOLINTNEXTLINE(concurrency-mt-unsafe): the tests never call setenv.
  const char* v = std::getenv(name);
  return v ? v : "";
}

class RedisTest : public ::testing::Test {
 protected:
  boost::asio::io_context io;
  Metrics metrics;

  // Runs the loop until `pred` holds or `timeout` passes; returns pred().
  bool run_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 10s) {
    auto end = Clock::now() + timeout;
    while (!pred()) {
      if (Clock::now() >= end) return false;
      io.restart();
      io.run_for(5ms);
    }
    return true;
  }
  void run_for(std::chrono::milliseconds d) {
    run_until([] { return false; }, d);
  }

  static Config config_from(const std::string& url) {
    Config cfg;
    std::string error;
    EXPECT_TRUE(parse_url(url, cfg, error)) << error;
    cfg.random_seed = 42;
    return cfg;
  }

  // One command, waited for.
  Reply call(Client& c, std::initializer_list<std::string_view> args, CommandOptions opts = {},
             std::chrono::milliseconds timeout = 10s) {
    std::optional<Reply> out;
    c.command(args, opts, [&](Reply r) { out = std::move(r); });
    if (!run_until([&] { return out.has_value(); }, timeout)) {
      ADD_FAILURE() << "no reply within " << timeout.count() << " ms";
      return Reply::error("TEST no reply");
    }
    return std::move(*out);
  }
  Reply call_key(Client& c, std::initializer_list<std::string_view> args) {
    return call(c, args, CommandOptions::key_at(1));
  }

  // A command on one node, outside of any cluster logic (a throwaway client).
  Reply node_call(const Endpoint& ep, std::initializer_list<std::string_view> args) {
    Config cfg;
    cfg.seeds = {ep};
    cfg.mode = Mode::standalone;
    cfg.client_name = "test-side";
    Client side(io, cfg);
    return call(side, args);
  }

  // The pid file scripts/redis.sh keeps per node.
  static pid_t pid_of(int port) {
    std::ifstream f(env("SERENDIP_TEST_REDIS_DIR") + "/redis-" + std::to_string(port) + ".pid");
    long pid = 0;
    f >> pid;
    return static_cast<pid_t>(pid);
  }
  void kill_node(int port) {
    pid_t pid = pid_of(port);
    ASSERT_GT(pid, 1);
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    // Dead once it no longer answers.
    ASSERT_TRUE(run_until([&] { return ::kill(pid, 0) != 0 || !node_answers(port); }, 5s));
  }
  bool node_answers(int port) {
    return node_call(Endpoint{"127.0.0.1", static_cast<std::uint16_t>(port)}, {"PING"}).str() == "PONG";
  }
  void restart_node(int port) {
    auto cmd = "redis-server '" + env("SERENDIP_TEST_REDIS_DIR") + "/redis-" + std::to_string(port) + ".conf'";
    // NOLINTNEXTLINE(concurrency-mt-unsafe): the test thread is the only one.
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    ASSERT_TRUE(run_until([&] { return node_answers(port); }, 10s));
  }
};

}  // namespace serendip::redis::test
