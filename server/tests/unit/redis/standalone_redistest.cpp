// The client against one standalone Redis 7 (SERENDIP_TEST_REDIS_URL).
#include <optional>
#include <string>
#include <vector>

#include "redis/probe.hpp"
#include "redis/subscriber.hpp"
#include "redistest_support.hpp"

namespace serendip::redis::test {
namespace {

class Standalone : public RedisTest {
 protected:
  void SetUp() override {
    url = env("SERENDIP_TEST_REDIS_URL");
    ASSERT_FALSE(url.empty()) << "SERENDIP_TEST_REDIS_URL is not set (run under scripts/redis.sh run --both)";
    cfg = config_from(url);
    port = cfg.seeds.at(0).port;
  }
  std::string url;
  Config cfg;
  int port = 0;
};

TEST_F(Standalone, DetectsStandaloneAndRoundTrips) {
  Client c(io, cfg, &metrics);
  EXPECT_TRUE(call_key(c, {"SET", "greeting", "hello"}).ok());
  EXPECT_EQ(call_key(c, {"GET", "greeting"}), Reply::string("hello"));
  EXPECT_TRUE(call_key(c, {"GET", "missing"}).is_nil());
  EXPECT_TRUE(run_until([&] { return c.mode() == Mode::standalone; }));
  EXPECT_TRUE(c.healthy());
  EXPECT_EQ(c.endpoint_for_slot(key_slot("anything")), cfg.seeds[0]);
  EXPECT_EQ(call(c, {}).client_error(), ClientError::protocol);  // would desynchronise the pipeline
  EXPECT_EQ(call(c, {"PING"}).str(), "PONG");
  auto err = call_key(c, {"INCR", "greeting"});
  EXPECT_TRUE(err.is_error());
  EXPECT_EQ(err.client_error(), ClientError::none);
  EXPECT_GE(metrics.connects.value(), 1u);
}

TEST_F(Standalone, ReportsHealthAndLatencyThroughTheRegistry) {
  obs::Registry registry;
  register_metrics(registry, metrics);
  {
    Client c(io, cfg, &metrics);
    EXPECT_NE(registry.render().find("serendip_redis_up 0"), std::string::npos);
    ASSERT_TRUE(call_key(c, {"SET", "m", "1"}).ok());
    ASSERT_TRUE(run_until([&] { return c.healthy(); }));
    auto text = registry.render();
    EXPECT_NE(text.find("serendip_redis_up 1"), std::string::npos) << text;
    EXPECT_NE(text.find("serendip_redis_command_seconds_count{command=\"SET\"} 1"), std::string::npos) << text;
    EXPECT_NE(text.find("\nserendip_redis_commands_total 1\n"), std::string::npos) << text;
  }
  EXPECT_NE(registry.render().find("serendip_redis_up 0"), std::string::npos);  // no client left
  EXPECT_EQ(metrics.clients.value(), 0);
  EXPECT_EQ(metrics.unhealthy_clients.value(), 0);
}

TEST_F(Standalone, PipelinesTenThousandCommandsInOrder) {
  Client c(io, cfg, &metrics);
  ASSERT_TRUE(call_key(c, {"DEL", "pipeline-counter"}).is_integer());
  constexpr int kCount = 10'000;
  std::vector<std::int64_t> seen;
  seen.reserve(kCount);
  for (int i = 0; i < kCount; ++i) {
    c.command({"INCR", "pipeline-counter"}, CommandOptions::key_at(1),
              [&](const Reply& r) { seen.push_back(r.integer()); });
  }
  ASSERT_TRUE(run_until([&] { return seen.size() == kCount; }));
  for (int i = 0; i < kCount; ++i) ASSERT_EQ(seen[static_cast<std::size_t>(i)], i + 1);
}

TEST_F(Standalone, WhenIdleWaitsForEveryCommandSentBeforeAndThoseTheirCallbacksSend) {
  Client c(io, cfg, &metrics);
  bool idle_at_once = false;
  c.when_idle([&] { idle_at_once = true; });  // nothing pending: runs, but not inside the call
  EXPECT_FALSE(idle_at_once);
  ASSERT_TRUE(run_until([&] { return idle_at_once; }));

  constexpr int kCount = 500;
  int answered = 0;
  bool follow_up_answered = false;
  int answered_when_idle = -1;
  bool follow_up_when_idle = false;
  for (int i = 0; i < kCount; ++i) {
    c.command({"INCR", "idle-counter"}, CommandOptions::key_at(1), [&, i](const Reply&) {
      ++answered;
      // The last callback sends one more: the waiter waits for it too.
      if (i == kCount - 1) {
        c.command({"GET", "idle-counter"}, CommandOptions::key_at(1), [&](const Reply&) { follow_up_answered = true; });
      }
    });
  }
  bool idle = false;
  c.when_idle([&] {
    idle = true;
    answered_when_idle = answered;
    follow_up_when_idle = follow_up_answered;
  });
  ASSERT_TRUE(run_until([&] { return idle; }));
  EXPECT_EQ(answered_when_idle, kCount);
  EXPECT_TRUE(follow_up_when_idle);

  // A command that times out finishes too: the waiter runs after its
  // callback, not never.
  ASSERT_TRUE(node_call(cfg.seeds[0], {"CLIENT", "PAUSE", "1000", "ALL"}).ok());
  CommandOptions opts;
  opts.timeout = 200ms;
  std::optional<ClientError> error;
  bool timed_out_idle = false;
  bool error_seen_first = false;
  c.command({"PING"}, opts, [&](const Reply& r) { error = r.client_error(); });
  c.when_idle([&] {
    timed_out_idle = true;
    error_seen_first = error.has_value();
  });
  const bool idle_after_timeout = run_until([&] { return timed_out_idle; }, 3s);
  // The next test gets a server that answers at once.
  EXPECT_TRUE(node_call(cfg.seeds[0], {"CLIENT", "UNPAUSE"}).ok());
  ASSERT_TRUE(idle_after_timeout);
  EXPECT_TRUE(error_seen_first);
  EXPECT_EQ(error, ClientError::timeout);
}

TEST_F(Standalone, QueueCapFailsFast) {
  cfg.max_queued = 100;
  Client c(io, cfg, &metrics);
  ASSERT_TRUE(call(c, {"PING"}).str() == "PONG");
  int ok = 0;
  int overload = 0;
  for (int i = 0; i < 1000; ++i) {
    c.command({"PING"}, {}, [&](const Reply& r) { r.client_error() == ClientError::overload ? ++overload : ++ok; });
  }
  ASSERT_TRUE(run_until([&] { return ok + overload == 1000; }));
  EXPECT_EQ(ok, 100);
  EXPECT_EQ(overload, 900);
  EXPECT_EQ(metrics.rejected.value(), 900u);
}

TEST_F(Standalone, CommandTimeoutRecyclesTheConnection) {
  Client c(io, cfg, &metrics);
  ASSERT_EQ(call(c, {"PING"}).str(), "PONG");
  // Another client pauses the server: our command gets no answer.
  ASSERT_TRUE(node_call(cfg.seeds[0], {"CLIENT", "PAUSE", "1500", "ALL"}).ok());
  auto start = Clock::now();
  CommandOptions opts;
  opts.timeout = 300ms;
  auto r = call(c, {"PING"}, opts);
  auto took = Clock::now() - start;
  EXPECT_EQ(r.client_error(), ClientError::timeout) << r.to_debug_string();
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 1200ms);
  EXPECT_EQ(metrics.timeouts.value(), 1u);
  // Once the pause is over the client works again on a new connection.
  EXPECT_TRUE(run_until([&] { return call(c, {"PING"}).str() == "PONG"; }, 5s));
  EXPECT_GE(metrics.reconnects.value(), 1u);
}

TEST_F(Standalone, FailsFastWhileDownAndRecoversAfterRestart) {
  Client c(io, cfg, &metrics);
  ASSERT_TRUE(call_key(c, {"SET", "k", "v"}).ok());
  kill_node(port);
  // The loss is noticed; then every command fails fast instead of waiting.
  ASSERT_TRUE(run_until([&] { return c.state() == State::down; }, 3s));
  int fast_failures = 0;
  for (int i = 0; i < 5; ++i) {
    auto start = Clock::now();
    auto r = call_key(c, {"GET", "k"});
    EXPECT_EQ(r.client_error(), ClientError::down) << r.to_debug_string();
    if (Clock::now() - start < 100ms) ++fast_failures;
    run_for(100ms);
  }
  EXPECT_GE(fast_failures, 4);  // one attempt may meet a connect in progress
  EXPECT_FALSE(c.healthy());
  EXPECT_EQ(metrics.unhealthy_clients.value(), 1);
  restart_node(port);
  // Backoff is capped at 2 s: reconnected well within 5 s, commands work again.
  ASSERT_TRUE(run_until([&] { return c.healthy(); }, 5s));
  EXPECT_TRUE(call_key(c, {"SET", "k", "again"}).ok());
  EXPECT_GE(metrics.reconnects.value(), 1u);
}

TEST_F(Standalone, IdempotentCommandsAreRetriedAcrossABlip) {
  Client c(io, cfg, &metrics);
  ASSERT_TRUE(call_key(c, {"SET", "blip", "1"}).ok());
  // Kill our connection from the side: the next idempotent command may meet
  // the dead socket but is retried on the new one.
  ASSERT_TRUE(node_call(cfg.seeds[0], {"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"}).is_integer());
  auto r = call(c, {"GET", "blip"}, CommandOptions::key_at(1, /*idempotent=*/true));
  EXPECT_EQ(r, Reply::string("1")) << r.to_debug_string();
}

TEST_F(Standalone, AuthOnConnect) {
  ASSERT_TRUE(node_call(cfg.seeds[0], {"CONFIG", "SET", "requirepass", "s3cret"}).ok());
  {
    Config good = config_from("redis://:s3cret@" + cfg.seeds[0].to_string() + "/2");
    Client c(io, good, &metrics);
    EXPECT_TRUE(call_key(c, {"SET", "in-db-2", "x"}).ok());
    EXPECT_EQ(call(c, {"CLIENT", "INFO"}).str().find("db=2") != std::string::npos, true);
    Config bad = config_from("redis://:wrong@" + cfg.seeds[0].to_string());
    Client b(io, bad, &metrics);
    EXPECT_TRUE(call_key(b, {"GET", "in-db-2"}).is_error());
    EXPECT_FALSE(b.healthy());
    // Clear the password with an authenticated client.
    EXPECT_TRUE(call(c, {"CONFIG", "SET", "requirepass", ""}).ok());
  }
}

TEST_F(Standalone, EvalshaFallsBackToEvalOnNoscript) {
  Client c(io, cfg, &metrics);
  Script script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  ASSERT_TRUE(call(c, {"SCRIPT", "FLUSH"}).ok());
  ASSERT_TRUE(call_key(c, {"DEL", "scripted"}).is_integer());
  std::vector<std::string_view> keys{"scripted"};
  std::vector<std::string_view> args{"5"};
  std::optional<Reply> r;
  c.eval(script, keys, args, {}, [&](Reply x) { r = std::move(x); });
  ASSERT_TRUE(run_until([&] { return r.has_value(); }));
  EXPECT_EQ(*r, Reply::integer(5));
  EXPECT_EQ(metrics.noscript.value(), 1u);
  r.reset();
  c.eval(script, keys, args, {}, [&](Reply x) { r = std::move(x); });
  ASSERT_TRUE(run_until([&] { return r.has_value(); }));
  EXPECT_EQ(*r, Reply::integer(10));
  EXPECT_EQ(metrics.noscript.value(), 1u);  // loaded now: EVALSHA hit
}

TEST_F(Standalone, ShardedPubSubDelivers) {
  Client c(io, cfg, &metrics);
  Subscriber sub(c);
  std::vector<std::string> got;
  sub.subscribe("news", [&](std::string_view ch, std::string_view payload) {
    EXPECT_EQ(ch, "news");
    got.emplace_back(payload);
  });
  ASSERT_TRUE(run_until([&] { return sub.active("news"); }));
  EXPECT_TRUE(sub.sharded());  // Redis 7 standalone knows SSUBSCRIBE
  EXPECT_EQ(call_key(c, {"SPUBLISH", "news", "one"}), Reply::integer(1));
  EXPECT_EQ(call_key(c, {"SPUBLISH", "news", "two"}), Reply::integer(1));
  ASSERT_TRUE(run_until([&] { return got.size() == 2; }));
  EXPECT_EQ(got, (std::vector<std::string>{"one", "two"}));
  sub.unsubscribe("news");
  EXPECT_TRUE(run_until([&] { return call_key(c, {"SPUBLISH", "news", "three"}) == Reply::integer(0); }, 2s));
}

TEST_F(Standalone, SubscriberComesBackAfterItsConnectionIsKilled) {
  Client c(io, cfg, &metrics);
  Subscriber sub(c);
  int got = 0;
  sub.subscribe("inbox:1", [&](std::string_view, std::string_view) { ++got; });
  InboxProbe probe(c, sub, "inbox:1", {.interval = 100ms, .deadline = 500ms});
  ASSERT_TRUE(run_until([&] { return probe.probe_ok(); }, 5s));
  auto before = metrics.resubscribes.value();
  ASSERT_GE(node_call(cfg.seeds[0], {"CLIENT", "KILL", "TYPE", "pubsub"}).integer(), 1);
  ASSERT_TRUE(run_until([&] { return metrics.resubscribes.value() > before && sub.active("inbox:1"); }, 5s));
  ASSERT_TRUE(run_until([&] { return call_key(c, {"SPUBLISH", "inbox:1", "hi"}) == Reply::integer(1); }, 5s));
  EXPECT_TRUE(run_until([&] { return got >= 1 && probe.probe_ok(); }, 5s));
}

TEST_F(Standalone, ProbeDetectsASilentlyDroppedSubscriptionAndRecovers) {
  Client c(io, cfg, &metrics);
  Subscriber sub(c);
  int got = 0;
  sub.subscribe("inbox:2", [&](std::string_view, std::string_view) { ++got; });
  InboxProbe probe(c, sub, "inbox:2", {.interval = 100ms, .deadline = 500ms});
  ASSERT_TRUE(run_until([&] { return probe.probe_ok(); }, 5s));
  EXPECT_EQ(got, 0);  // probes are filtered out of the channel's handler
  // The server forgets the subscription; the subscriber does not notice.
  ASSERT_TRUE(sub.drop_silently_for_test("inbox:2"));
  run_for(50ms);
  EXPECT_TRUE(sub.active("inbox:2"));
  ASSERT_TRUE(run_until([&] { return !probe.probe_ok(); }, 3s)) << "probe did not notice";
  EXPECT_GE(probe.failures(), 1u);
  EXPECT_GE(metrics.probe_failures.value(), 1u);
  ASSERT_TRUE(run_until([&] { return probe.probe_ok(); }, 5s)) << "probe did not recover";
  EXPECT_EQ(call_key(c, {"SPUBLISH", "inbox:2", "after"}), Reply::integer(1));
  EXPECT_TRUE(run_until([&] { return got == 1; }));
}

}  // namespace
}  // namespace serendip::redis::test
