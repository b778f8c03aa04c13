// The subscriber against FakeServer: confirmation, and a node that never
// confirms. Deliveries, moves and failovers are in redis_redistest.
#include "redis/subscriber.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>

#include <boost/asio/io_context.hpp>

#include "fake_server.hpp"
#include "redis/client.hpp"
#include "redis/metrics.hpp"
#include "redis/probe.hpp"

namespace serendip::redis::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class SubscriberFake : public ::testing::Test {
 protected:
  boost::asio::io_context io;
  Metrics metrics;

  bool run_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 5s) {
    auto end = Clock::now() + timeout;
    while (!pred()) {
      if (Clock::now() >= end) return false;
      io.restart();
      io.run_for(2ms);
    }
    return true;
  }

  static Config config_for(const FakeServer& server) {
    Config cfg;
    cfg.seeds = {Endpoint{"127.0.0.1", server.port()}};
    cfg.mode = Mode::standalone;
    cfg.command_timeout = 150ms;
    cfg.backoff_initial = 10ms;
    cfg.backoff_max = 50ms;
    cfg.random_seed = 3;
    return cfg;
  }
};

std::string push(const std::string& kind, const std::string& channel, int count) {
  return "*3\r\n" + FakeServer::bulk(kind) + FakeServer::bulk(channel) + ":" + std::to_string(count) + "\r\n";
}

TEST_F(SubscriberFake, ConfirmedChannelIsActive) {
  FakeServer server([](const Command& c, int) -> std::optional<std::string> {
    if (c[0] == "SSUBSCRIBE") return push("ssubscribe", c[1], 1);
    return FakeServer::ok();
  });
  Client client(io, config_for(server), &metrics);
  Subscriber sub(client);
  sub.subscribe("ch", nullptr);
  EXPECT_TRUE(sub.subscribed("ch"));
  ASSERT_TRUE(run_until([&] { return sub.active("ch"); }));
  EXPECT_TRUE(sub.healthy());
  auto rx = server.received();
  EXPECT_EQ(rx.back().second, (Command{"SSUBSCRIBE", "ch"}));
  // Subscriber connections name themselves apart from the client's.
  EXPECT_TRUE(std::any_of(rx.begin(), rx.end(), [](auto& r) {
    return r.second == Command{"CLIENT", "SETNAME", "serendip-sub"};
  }));
  sub.unsubscribe("ch");
  EXPECT_FALSE(sub.subscribed("ch"));
  EXPECT_EQ(sub.channel_count(), 0u);
}

TEST_F(SubscriberFake, UnconfirmedSubscriptionRecyclesItsConnection) {
  int silent_conn = -1;  // server thread only
  FakeServer server([&](const Command& c, int conn) -> std::optional<std::string> {
    if (c[0] == "SSUBSCRIBE") {
      if (silent_conn < 0) silent_conn = conn;  // a node that has stopped answering...
      if (conn == silent_conn) return std::nullopt;
      return push("ssubscribe", c[1], 1);  // ...until the subscriber reconnects
    }
    return FakeServer::ok();
  });
  Client client(io, config_for(server), &metrics);
  ASSERT_TRUE(run_until([&] { return client.healthy(); }));
  Subscriber sub(client);
  sub.subscribe("ch", nullptr);
  // Client and subscriber connection, then a second subscriber connection.
  ASSERT_TRUE(run_until([&] { return sub.active("ch"); }, 3s));
  EXPECT_EQ(server.connections(), 3);
  EXPECT_EQ(metrics.disconnects.value(), 1u);
}

// A subscriber connection that confirms but never delivers (publishes are
// "received by 1" and vanish): the probe fails, resubscribes, fails again and
// then replaces the connection.
TEST_F(SubscriberFake, ProbeReplacesAConnectionThatDoesNotDeliver) {
  FakeServer server([](const Command& c, int) -> std::optional<std::string> {
    if (c[0] == "SSUBSCRIBE") return push("ssubscribe", c[1], 1);
    if (c[0] == "SPUBLISH") return std::string(":1\r\n");
    return FakeServer::ok();
  });
  Client client(io, config_for(server), &metrics);
  Subscriber sub(client);
  sub.subscribe("inbox", nullptr);
  InboxProbe probe(client, sub, "inbox", {.interval = 30ms, .deadline = 100ms});
  ASSERT_TRUE(run_until([&] { return probe.failures() >= 2 && server.connections() >= 3; }));
  EXPECT_FALSE(probe.probe_ok());
  EXPECT_GE(metrics.probe_failures.value(), 2u);
  ASSERT_TRUE(run_until([&] { return sub.active("inbox"); }));  // subscribed again on the new connection
}

}  // namespace
}  // namespace serendip::redis::test
