// The client against a 6-node Redis 7 cluster, 3 masters and 3 replicas
// (SERENDIP_TEST_REDIS_CLUSTER_URL). Some cases kill a master and start it
// again (as a replica of its successor), or move a slot: each case finds the
// layout it needs from the current map instead of assuming the initial one.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "redis/probe.hpp"
#include "redis/subscriber.hpp"
#include "redistest_support.hpp"

namespace serendip::redis::test {
namespace {

class Cluster : public RedisTest {
 protected:
  void SetUp() override {
    auto url = env("SERENDIP_TEST_REDIS_CLUSTER_URL");
    ASSERT_FALSE(url.empty()) << "SERENDIP_TEST_REDIS_CLUSTER_URL is not set (run under scripts/redis.sh run --both)";
    cfg = config_from(url);
    ASSERT_EQ(cfg.mode, Mode::cluster);
    ASSERT_EQ(cfg.seeds.size(), 6u);
    wait_cluster_settled();
  }

  // Every node up, state ok, three masters each with a replica in sync.
  void wait_cluster_settled() {
    auto settled = [&] {
      int masters = 0;
      int replicas = 0;
      for (auto& ep : cfg.seeds) {
        auto info = node_call(ep, {"CLUSTER", "INFO"}).str();
        if (info.find("cluster_state:ok") == std::string::npos) return false;
        auto repl = node_call(ep, {"INFO", "replication"}).str();
        if (repl.find("role:master") != std::string::npos) {
          ++masters;
        } else if (repl.find("master_link_status:up") != std::string::npos) {
          ++replicas;
        }
      }
      return masters == 3 && replicas == 3;
    };
    ASSERT_TRUE(run_until(settled, 30s)) << "cluster not settled";
  }

  std::unique_ptr<Client> healthy_client() {
    auto c = std::make_unique<Client>(io, cfg, &metrics);
    EXPECT_TRUE(run_until([&] { return c->healthy(); }, 10s)) << "client never healthy";
    EXPECT_EQ(c->mode(), Mode::cluster);
    return c;
  }

  // A key (with `prefix`) whose slot `owner` serves.
  static std::string key_on(Client& c, const Endpoint& owner, const std::string& prefix) {
    for (int i = 0;; ++i) {
      auto key = prefix + std::to_string(i);
      if (c.endpoint_for_slot(key_slot(key)) == owner) return key;
    }
  }

  std::string node_id(const Endpoint& ep) { return node_call(ep, {"CLUSTER", "MYID"}).str(); }

  // Moves `slot` from `from` to `to` the way redis-cli --cluster reshard does:
  // IMPORTING on the target, MIGRATING on the source, MIGRATE of the keys
  // (`between` runs after the first key, while the slot is half moved), then
  // SETSLOT NODE on the target (which bumps its config epoch because it was
  // importing, so gossip cannot hand the slot back), the source and the rest.
  void migrate_slot(Client& c, int slot, const Endpoint& from, const Endpoint& to,
                    const std::function<void(const std::string& moved_key)>& between = {}) {
    auto s = std::to_string(slot);
    auto from_id = node_id(from);
    auto to_id = node_id(to);
    ASSERT_TRUE(node_call(to, {"CLUSTER", "SETSLOT", s, "IMPORTING", from_id}).ok());
    ASSERT_TRUE(node_call(from, {"CLUSTER", "SETSLOT", s, "MIGRATING", to_id}).ok());
    auto keys =
        node_call(from, {"CLUSTER", "GETKEYSINSLOT", s, "1000"}).as_strings().value_or(std::vector<std::string>{});
    auto port = std::to_string(to.port);
    for (std::size_t i = 0; i < keys.size(); ++i) {
      auto r = node_call(from, {"MIGRATE", to.host, port, "", "0", "5000", "KEYS", keys[i]});
      ASSERT_TRUE(r.ok()) << r.to_debug_string();
      if (i == 0 && between) between(keys[0]);
    }
    ASSERT_TRUE(node_call(to, {"CLUSTER", "SETSLOT", s, "NODE", to_id}).ok());
    ASSERT_TRUE(node_call(from, {"CLUSTER", "SETSLOT", s, "NODE", to_id}).ok());
    for (auto& m : c.masters()) {
      if (m == to || m == from) continue;
      auto r = node_call(m, {"CLUSTER", "SETSLOT", s, "NODE", to_id});
      ASSERT_TRUE(r.ok()) << r.to_debug_string();
    }
  }

  Config cfg;
};

TEST_F(Cluster, LoadsTheMapAndRoutesToAllThreeMasters) {
  auto c = healthy_client();
  auto masters = c->masters();
  ASSERT_EQ(masters.size(), 3u);
  std::set<std::string> used;
  for (int i = 0; i < 300; ++i) {
    auto key = "route:" + std::to_string(i);
    ASSERT_TRUE(call_key(*c, {"SET", key, std::to_string(i)}).ok());
    used.insert(c->endpoint_for_slot(key_slot(key))->to_string());
  }
  EXPECT_EQ(used.size(), 3u);
  for (auto& m : masters) {
    // Each master holds keys of its own slots only (no MOVED was needed).
    EXPECT_GT(node_call(m, {"DBSIZE"}).integer(), 0) << m.to_string();
  }
  for (int i = 0; i < 300; ++i) {
    auto key = "route:" + std::to_string(i);
    EXPECT_EQ(call_key(*c, {"GET", key}), Reply::string(std::to_string(i)));
  }
  EXPECT_EQ(metrics.moved.value(), 0u);
  // Keyless commands go to some master.
  EXPECT_EQ(call(*c, {"PING"}).str(), "PONG");
}

TEST_F(Cluster, PipelinesTenThousandCommandsAcrossMasters) {
  auto c = healthy_client();
  auto masters = c->masters();
  ASSERT_EQ(masters.size(), 3u);
  std::vector<std::string> keys;
  for (auto& m : masters) {
    keys.push_back(key_on(*c, m, "pipe:"));
    ASSERT_TRUE(call_key(*c, {"DEL", keys.back()}).is_integer());
  }
  constexpr int kCount = 10'000;
  std::map<std::string, std::vector<std::int64_t>> seen;
  int done = 0;
  for (int i = 0; i < kCount; ++i) {
    const auto& key = keys[static_cast<std::size_t>(i) % keys.size()];
    c->command({"INCR", key}, CommandOptions::key_at(1), [&, key](const Reply& r) {
      seen[key].push_back(r.integer());
      ++done;
    });
  }
  ASSERT_TRUE(run_until([&] { return done == kCount; }));
  for (auto& [key, values] : seen) {
    for (std::size_t i = 0; i < values.size(); ++i) ASSERT_EQ(values[i], static_cast<std::int64_t>(i + 1)) << key;
  }
}

TEST_F(Cluster, FollowsAskDuringAMigrationAndMovedAfterIt) {
  auto c = healthy_client();
  auto masters = c->masters();
  ASSERT_EQ(masters.size(), 3u);
  const std::string k1 = "{mig}one";
  const std::string k2 = "{mig}two";
  int slot = key_slot(k1);
  Endpoint from = *c->endpoint_for_slot(slot);
  Endpoint to = masters[0] == from ? masters[1] : masters[0];
  ASSERT_TRUE(call_key(*c, {"SET", k1, "v1"}).ok());
  ASSERT_TRUE(call_key(*c, {"SET", k2, "v2"}).ok());

  bool half_moved = false;
  migrate_slot(*c, slot, from, to, [&](const std::string& moved_first) {
    // One key has moved, the other not yet: the old owner answers ASK for the
    // moved one (followed with ASKING) and serves the other itself.
    half_moved = true;
    auto other = moved_first == k1 ? k2 : k1;
    EXPECT_EQ(call_key(*c, {"GET", moved_first}), Reply::string(moved_first == k1 ? "v1" : "v2"));
    EXPECT_GE(metrics.ask.value(), 1u);
    EXPECT_EQ(call_key(*c, {"GET", other}), Reply::string(other == k1 ? "v1" : "v2"));
    EXPECT_EQ(c->endpoint_for_slot(slot), from);  // ASK does not touch the map
  });
  EXPECT_TRUE(half_moved);
  // Now the old owner answers MOVED: followed, and the map follows.
  EXPECT_EQ(call_key(*c, {"GET", k2}), Reply::string("v2"));
  EXPECT_GE(metrics.moved.value(), 1u);
  EXPECT_TRUE(run_until([&] { return c->endpoint_for_slot(slot) == to; }, 5s));
  EXPECT_EQ(call_key(*c, {"GET", k1}), Reply::string("v1"));
}

TEST_F(Cluster, AMultiKeyScriptDuringAMigrationGoesAgainUntilTheSlotHasMoved) {
  // TRYAGAIN (and CLUSTERDOWN, LOADING, MASTERDOWN, READONLY) means the
  // command did not run: it goes again even when it is not idempotent, as
  // the matching script is not. Before, it failed at once, and every join
  // during a resharding of a mode's slot was answered `unavailable`.
  auto c = healthy_client();
  auto masters = c->masters();
  ASSERT_EQ(masters.size(), 3u);
  const std::string k1 = "{mig2}one";
  const std::string k2 = "{mig2}two";
  const int slot = key_slot(k1);
  Endpoint from = *c->endpoint_for_slot(slot);
  Endpoint to = masters[0] == from ? masters[1] : masters[0];
  ASSERT_TRUE(call_key(*c, {"SET", k1, "v1"}).ok());
  ASSERT_TRUE(call_key(*c, {"SET", k2, "v2"}).ok());
  Script both("return redis.call('GET', KEYS[1]) .. redis.call('GET', KEYS[2])");
  std::optional<Reply> got;
  const auto retries_before = metrics.retries.value();
  migrate_slot(*c, slot, from, to, [&](const std::string&) {
    // One key on each node: the script cannot run anywhere yet.
    std::vector<std::string_view> keys{k1, k2};
    c->eval(both, keys, {}, CommandOptions{}, [&](Reply r) { got = std::move(r); });
    ASSERT_TRUE(run_until([&] { return metrics.retries.value() > retries_before || got.has_value(); }, 5s));
    EXPECT_FALSE(got.has_value()) << got->to_debug_string();  // refused (TRYAGAIN), to go again
  });
  ASSERT_TRUE(run_until([&] { return got.has_value(); }, 5s));
  EXPECT_EQ(*got, Reply::string("v1v2")) << got->to_debug_string();
}

TEST_F(Cluster, EvalshaLoadsTheScriptOnEachNodeLazily) {
  auto c = healthy_client();
  for (auto& m : c->masters()) ASSERT_TRUE(node_call(m, {"SCRIPT", "FLUSH"}).ok());
  Script script("return redis.call('SET', KEYS[1], ARGV[1])");
  auto run = [&](const std::string& key) {
    std::optional<Reply> r;
    std::vector<std::string_view> keys{key};
    std::vector<std::string_view> args{"x"};
    c->eval(script, keys, args, {}, [&](Reply x) { r = std::move(x); });
    EXPECT_TRUE(run_until([&] { return r.has_value(); }));
    return r.value_or(Reply::error("TEST none"));
  };
  auto before = metrics.noscript.value();
  for (auto& m : c->masters()) EXPECT_TRUE(run(key_on(*c, m, "script:")).ok());
  EXPECT_EQ(metrics.noscript.value() - before, 3u);  // once per master
  for (auto& m : c->masters()) EXPECT_TRUE(run(key_on(*c, m, "script2:")).ok());
  EXPECT_EQ(metrics.noscript.value() - before, 3u);
}

TEST_F(Cluster, ShardedPubSubAcrossAllMasters) {
  auto c = healthy_client();
  Subscriber sub(*c);
  std::map<std::string, std::vector<std::string>> got;
  std::vector<std::string> channels;
  for (auto& m : c->masters()) channels.push_back(key_on(*c, m, "room:"));
  for (auto& ch : channels) {
    sub.subscribe(ch, [&](std::string_view channel, std::string_view payload) {
      got[std::string(channel)].emplace_back(payload);
    });
  }
  ASSERT_TRUE(run_until([&] { return sub.healthy(); }));
  for (auto& ch : channels) EXPECT_EQ(call_key(*c, {"SPUBLISH", ch, "hello " + ch}), Reply::integer(1));
  ASSERT_TRUE(run_until([&] { return got.size() == channels.size(); }));
  for (auto& ch : channels) EXPECT_EQ(got[ch], std::vector<std::string>{"hello " + ch});
}

TEST_F(Cluster, SubscriptionFollowsASlotMove) {
  auto c = healthy_client();
  Subscriber sub(*c);
  const std::string ch = "{movingroom}";
  int slot = key_slot(ch);
  std::vector<std::string> got;
  sub.subscribe(ch, [&](std::string_view, std::string_view p) { got.emplace_back(p); });
  InboxProbe probe(*c, sub, ch, {.interval = 100ms, .deadline = 500ms});
  ASSERT_TRUE(run_until([&] { return sub.active(ch) && probe.probe_ok(); }));
  Endpoint from = *c->endpoint_for_slot(slot);
  auto masters = c->masters();
  Endpoint to = masters[0] == from ? masters[1] : masters[0];
  auto resubscribes = metrics.resubscribes.value();
  migrate_slot(*c, slot, from, to);
  // The old owner pushes sunsubscribe; the subscriber moves to the new one.
  ASSERT_TRUE(run_until([&] { return metrics.resubscribes.value() > resubscribes && sub.active(ch); }, 10s));
  EXPECT_TRUE(run_until([&] { return c->endpoint_for_slot(slot) == to; }, 5s));
  ASSERT_TRUE(run_until([&] { return call_key(*c, {"SPUBLISH", ch, "moved"}) == Reply::integer(1); }, 5s));
  EXPECT_TRUE(run_until([&] { return !got.empty(); }));
  EXPECT_TRUE(run_until([&] { return probe.probe_ok(); }));
}

TEST_F(Cluster, ProbeDetectsASilentlyDroppedSubscriptionAndRecovers) {
  auto c = healthy_client();
  Subscriber sub(*c);
  const std::string ch = "inbox:{worker-7}";
  sub.subscribe(ch, [](std::string_view, std::string_view) {});
  InboxProbe probe(*c, sub, ch, {.interval = 100ms, .deadline = 500ms});
  ASSERT_TRUE(run_until([&] { return probe.probe_ok(); }, 5s));
  ASSERT_TRUE(sub.drop_silently_for_test(ch));
  ASSERT_TRUE(run_until([&] { return probe.failures() >= 1; }, 3s)) << "probe did not notice";
  EXPECT_GE(metrics.probe_failures.value(), 1u);
  ASSERT_TRUE(run_until([&] { return probe.probe_ok(); }, 5s)) << "probe did not recover";
  EXPECT_EQ(call_key(*c, {"SPUBLISH", ch, "x"}), Reply::integer(1));
}

// Kill -9 the master of a key: its replica takes over (~3.6 s with a 2 s node
// timeout) and the same client serves the key again, subscriptions included.
TEST_F(Cluster, SurvivesAMasterKilledByFailingOverToItsReplica) {
  auto c = healthy_client();
  Subscriber sub(*c);
  const std::string key = "failover:{a}";
  const std::string ch = "inbox:{a}";
  int slot = key_slot(key);
  ASSERT_EQ(key_slot(ch), slot);
  std::vector<std::string> got;
  sub.subscribe(ch, [&](std::string_view, std::string_view p) { got.emplace_back(p); });
  InboxProbe probe(*c, sub, ch, {.interval = 200ms, .deadline = 1000ms});
  ASSERT_TRUE(run_until([&] { return probe.probe_ok(); }, 5s));
  ASSERT_TRUE(call_key(*c, {"SET", key, "survives"}).ok());
  CommandOptions wait_opts;
  wait_opts.key = key;
  ASSERT_EQ(call(*c, {"WAIT", "1", "2000"}, wait_opts), Reply::integer(1));  // on the replica too

  Endpoint victim = *c->endpoint_for_slot(slot);
  auto changes = metrics.failovers.value();
  auto start = Clock::now();
  kill_node(victim.port);
  ASSERT_TRUE(run_until([&] { return !probe.probe_ok(); }, 5s));  // readiness would go red
  // Until the replica takes over, commands for the slot fail fast instead of waiting.
  auto asked = Clock::now();
  auto r = call_key(*c, {"SET", key, "lost"});
  EXPECT_TRUE(r.client_error() == ClientError::down) << r.to_debug_string();
  EXPECT_LT(Clock::now() - asked, 200ms);

  auto served = [&] { return call(*c, {"GET", key}, CommandOptions::key_at(1, true)) == Reply::string("survives"); };
  ASSERT_TRUE(run_until(served, 10s)) << "not served again within 10 s";
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  std::cout << "[ info     ] key served again " << took.count() << " ms after the kill\n";
  EXPECT_NE(c->endpoint_for_slot(slot), victim);
  EXPECT_GT(metrics.failovers.value(), changes);
  EXPECT_TRUE(run_until([&] { return c->healthy(); }, 5s));
  // The subscription moved to the promoted replica.
  ASSERT_TRUE(run_until([&] { return probe.probe_ok(); }, 10s)) << "probe not ok after failover";
  EXPECT_EQ(call_key(*c, {"SPUBLISH", ch, "after failover"}), Reply::integer(1));
  EXPECT_TRUE(run_until([&] { return !got.empty(); }));

  // Back to six nodes (the old master rejoins as a replica) for the next cases.
  restart_node(victim.port);
  wait_cluster_settled();
}

}  // namespace
}  // namespace serendip::redis::test
