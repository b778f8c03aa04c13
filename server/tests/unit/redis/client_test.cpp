// The client against FakeServer: hermetic cases of what a real Redis does not
// do on demand. No Redis needed; part of unit-redis-tests.
#include "redis/client.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <optional>

#include <boost/asio/io_context.hpp>

#include "fake_server.hpp"
#include "redis/metrics.hpp"

namespace serendip::redis::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class ClientFake : public ::testing::Test {
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
    cfg.backoff_initial = 10ms;
    cfg.backoff_max = 50ms;
    cfg.random_seed = 7;
    return cfg;
  }

  Reply call(Client& c, std::initializer_list<std::string_view> args, CommandOptions opts = {}) {
    std::optional<Reply> out;
    c.command(args, opts, [&](Reply r) { out = std::move(r); });
    if (!run_until([&] { return out.has_value(); })) return Reply::error("TEST no reply");
    return std::move(*out);
  }
};

// Answers the handshake and PING; everything else per `rest`.
FakeServer::Script basic(const std::function<std::optional<std::string>(const Command&, int)>& rest = {}) {
  return [rest](const Command& c, int conn) -> std::optional<std::string> {
    if (c[0] == "CLIENT" || c[0] == "SELECT" || c[0] == "AUTH") return FakeServer::ok();
    if (c[0] == "PING") return std::string("+PONG\r\n");
    if (rest) return rest(c, conn);
    return std::string("-ERR unexpected\r\n");
  };
}

TEST_F(ClientFake, HandshakeComesFirstThenCommandsInOrder) {
  FakeServer server(basic([](const Command& c, int) { return FakeServer::bulk(c[1]); }));
  auto cfg = config_for(server);
  cfg.user = "app";
  cfg.password = "pw";
  cfg.db = 3;
  Client c(io, cfg, &metrics);
  std::vector<std::string> got;
  for (const auto* v : {"a", "b", "c"}) c.command({"ECHO", v}, {}, [&](const Reply& r) { got.push_back(r.str()); });
  ASSERT_TRUE(run_until([&] { return got.size() == 3; }));
  EXPECT_EQ(got, (std::vector<std::string>{"a", "b", "c"}));
  auto rx = server.received();
  ASSERT_GE(rx.size(), 6u);
  EXPECT_EQ(rx[0].second, (Command{"AUTH", "app", "pw"}));
  EXPECT_EQ(rx[1].second, (Command{"SELECT", "3"}));
  EXPECT_EQ(rx[2].second, (Command{"CLIENT", "SETNAME", "serendip"}));
  EXPECT_EQ(rx[3].second, (Command{"ECHO", "a"}));
  EXPECT_TRUE(c.healthy());
}

TEST_F(ClientFake, RepliesArrivingOneByteAtATime) {
  FakeServer server(basic([](const Command&, int) { return std::string("*2\r\n$5\r\nhello\r\n:42\r\n"); }));
  Client c(io, config_for(server), &metrics);
  ASSERT_EQ(call(c, {"PING"}).str(), "PONG");
  server.set_trickle(true);
  auto r = call(c, {"ANYTHING"});
  EXPECT_EQ(r, Reply::array({Reply::string("hello"), Reply::integer(42)})) << r.to_debug_string();
}

TEST_F(ClientFake, GarbageRecyclesTheConnection) {
  FakeServer server(basic(
      [](const Command&, int conn) { return conn == 0 ? std::string("?not resp\r\n") : FakeServer::bulk("fine"); }));
  Client c(io, config_for(server), &metrics);
  auto bad = call(c, {"GET", "k"});
  EXPECT_EQ(bad.client_error(), ClientError::down) << bad.to_debug_string();
  EXPECT_NE(bad.str().find("protocol error"), std::string::npos) << bad.str();
  // A new connection, and the client is usable again.
  ASSERT_TRUE(run_until([&] { return c.healthy(); }));
  EXPECT_EQ(call(c, {"GET", "k"}), Reply::string("fine"));
  EXPECT_EQ(server.connections(), 2);
  EXPECT_EQ(metrics.reconnects.value(), 1u);
}

TEST_F(ClientFake, SilenceTimesOutAndRecycles) {
  // Like a stuck server: from SLOW on, that connection gets no reply at all
  // (Redis answers in order, so nothing after SLOW could be answered either).
  int stuck_conn = -1;  // server thread only
  FakeServer server(basic([&](const Command& c, int conn) -> std::optional<std::string> {
    if (c[0] == "SLOW") stuck_conn = conn;
    if (conn == stuck_conn) return std::nullopt;
    return FakeServer::ok();
  }));
  auto cfg = config_for(server);
  cfg.command_timeout = 150ms;
  Client c(io, cfg, &metrics);
  ASSERT_EQ(call(c, {"PING"}).str(), "PONG");
  std::optional<Reply> slow;
  std::optional<Reply> behind;
  auto start = Clock::now();
  c.command({"SLOW"}, {}, [&](Reply r) { slow = std::move(r); });
  CommandOptions patient;
  patient.timeout = 2s;
  c.command({"SET", "k", "v"}, patient, [&](Reply r) { behind = std::move(r); });  // stuck behind it
  ASSERT_TRUE(run_until([&] { return slow && behind; }));
  EXPECT_GE(Clock::now() - start, 140ms);
  EXPECT_EQ(slow->client_error(), ClientError::timeout);
  // Still within its own timeout, but lost with the connection.
  EXPECT_EQ(behind->client_error(), ClientError::down);
  EXPECT_EQ(metrics.timeouts.value(), 1u);
  ASSERT_TRUE(run_until([&] { return server.connections() == 2 && c.healthy(); }));
  EXPECT_TRUE(call(c, {"SET", "k", "v"}).ok());
}

TEST_F(ClientFake, RefusedAuthKeepsTheClientUnhealthy) {
  FakeServer server([](const Command& c, int) -> std::optional<std::string> {
    if (c[0] == "AUTH") return std::string("-WRONGPASS invalid username-password pair\r\n");
    return std::string("-NOAUTH Authentication required.\r\n");
  });
  auto cfg = config_for(server);
  cfg.password = "nope";
  Client c(io, cfg, &metrics);
  auto r = call(c, {"GET", "k"});
  EXPECT_TRUE(r.is_error());
  // It keeps trying (with backoff) and never calls itself healthy.
  ASSERT_TRUE(run_until([&] { return server.connections() >= 3; }));
  EXPECT_FALSE(c.healthy());
  EXPECT_EQ(metrics.connects.value(), 0u);
}

TEST_F(ClientFake, FollowsMovedAndAsk) {
  FakeServer b(basic([](const Command& c, int) -> std::optional<std::string> {
    if (c[0] == "ASKING") return FakeServer::ok();
    return FakeServer::bulk("from-b");
  }));
  std::string moved = "-MOVED 12182 127.0.0.1:" + std::to_string(b.port()) + "\r\n";
  std::string ask = "-ASK 5061 127.0.0.1:" + std::to_string(b.port()) + "\r\n";
  FakeServer a(basic([&](const Command& c, int) -> std::optional<std::string> { return c[1] == "foo" ? moved : ask; }));
  Client c(io, config_for(a), &metrics);
  EXPECT_EQ(call(c, {"GET", "foo"}, CommandOptions::key_at(1)), Reply::string("from-b"));
  EXPECT_EQ(metrics.moved.value(), 1u);
  EXPECT_EQ(call(c, {"GET", "bar"}, CommandOptions::key_at(1)), Reply::string("from-b"));
  EXPECT_EQ(metrics.ask.value(), 1u);
  // ASKING goes right before the command, on the same connection.
  auto rx = b.received();
  ASSERT_GE(rx.size(), 2u);
  EXPECT_EQ(rx[rx.size() - 2].second, (Command{"ASKING"}));
  EXPECT_EQ(rx.back().second, (Command{"GET", "bar"}));
}

TEST_F(ClientFake, RedirectLoopsEnd) {
  std::string self;
  FakeServer a(basic([&](const Command&, int) -> std::optional<std::string> { return self; }));
  self = "-MOVED 12182 127.0.0.1:" + std::to_string(a.port()) + "\r\n";
  Client c(io, config_for(a), &metrics);
  auto r = call(c, {"GET", "foo"}, CommandOptions::key_at(1));
  EXPECT_EQ(r.client_error(), ClientError::redirect) << r.to_debug_string();
}

TEST_F(ClientFake, DownFailsFastAndIdempotentRetriesAreBounded) {
  std::optional<FakeServer> server(std::in_place, basic());
  auto cfg = config_for(*server);
  cfg.backoff_initial = 1000ms;  // stay down for the test
  cfg.backoff_max = 1000ms;
  cfg.retry_delay = 10ms;
  Client c(io, cfg, &metrics);
  ASSERT_EQ(call(c, {"PING"}).str(), "PONG");
  server.reset();  // gone: the client sees the close and goes down
  ASSERT_TRUE(run_until([&] { return c.state() == State::down; }));
  auto start = Clock::now();
  EXPECT_EQ(call(c, {"PING"}).client_error(), ClientError::down);
  EXPECT_LT(Clock::now() - start, 50ms);
  auto retries = metrics.retries.value();
  CommandOptions idempotent;
  idempotent.idempotent = true;
  EXPECT_EQ(call(c, {"PING"}, idempotent).client_error(), ClientError::down);
  EXPECT_EQ(metrics.retries.value() - retries, static_cast<std::uint64_t>(cfg.max_retries));
}

TEST_F(ClientFake, AutoModeTriesTheNextSeedAndFindsAStandaloneServer) {
  std::uint16_t dead_port = 0;
  {
    FakeServer gone(basic());
    dead_port = gone.port();
  }
  FakeServer server(basic([](const Command& c, int) -> std::optional<std::string> {
    if (c[0] == "CLUSTER") return std::string("-ERR This instance has cluster support disabled\r\n");
    return FakeServer::bulk("v");
  }));
  Config cfg = config_for(server);
  cfg.seeds.insert(cfg.seeds.begin(), Endpoint{"127.0.0.1", dead_port});
  cfg.mode = Mode::automatic;
  cfg.refresh_interval = 50ms;
  Client c(io, cfg, &metrics);
  ASSERT_TRUE(run_until([&] { return c.mode() == Mode::standalone && c.healthy(); }));
  EXPECT_EQ(call(c, {"GET", "k"}, CommandOptions::key_at(1)), Reply::string("v"));
}

TEST_F(ClientFake, ClusterSlotsRouteEachKeyToItsMaster) {
  auto answer = [](const char* who) {
    return basic([who](const Command&, int) -> std::optional<std::string> { return FakeServer::bulk(who); });
  };
  FakeServer a(answer("a"));
  FakeServer b(answer("b"));
  auto node = [](const FakeServer& s) {
    return "*3\r\n$9\r\n127.0.0.1\r\n:" + std::to_string(s.port()) + "\r\n$2\r\nid\r\n";
  };
  std::string slots = "*2\r\n*3\r\n:0\r\n:8191\r\n" + node(a) + "*3\r\n:8192\r\n:16383\r\n" + node(b);
  FakeServer seed(basic([&](const Command& c, int) -> std::optional<std::string> {
    if (c[0] == "CLUSTER") return slots;
    return std::string("-ERR seed only\r\n");
  }));
  Config cfg = config_for(seed);
  cfg.mode = Mode::cluster;
  Client c(io, cfg, &metrics);
  ASSERT_TRUE(run_until([&] { return c.healthy(); }));
  EXPECT_EQ(c.masters().size(), 2u);
  EXPECT_EQ(call(c, {"GET", "bar"}, CommandOptions::key_at(1)), Reply::string("a"));  // slot 5061
  EXPECT_EQ(call(c, {"GET", "foo"}, CommandOptions::key_at(1)), Reply::string("b"));  // slot 12182
  EXPECT_EQ(c.endpoint_for_slot(12182), (Endpoint{"127.0.0.1", b.port()}));
  EXPECT_EQ(metrics.slot_refreshes.value(), 1u);
  // The seed is no master: its connection was dropped.
  EXPECT_TRUE(run_until([&] { return seed.received().size() == 2; }));  // SETNAME + CLUSTER SLOTS only
}

}  // namespace
}  // namespace serendip::redis::test
