// The matchmaking scripts (shared_state/lua) on a real Redis: the same rules as
// the in-memory matchmaker (a randomized differential run against it), atomic
// pairing under concurrent joins (nobody matched twice, nobody stranded), and
// the leave and reap scripts. Runs against SERENDIP_TEST_REDIS_URL and, when
// set, SERENDIP_TEST_REDIS_CLUSTER_URL (scripts/redis.sh starts both).
//
// A deliberately small synchronous client (sync_redis.hpp) talks to Redis
// here: these tests check the scripts, not the server's client.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/matchmaker.hpp"
#include "core/random.hpp"
#include "shared_state/lua_scripts.hpp"
#include "shared_state/match_protocol.hpp"
#include "sync_redis.hpp"

namespace serendip::shared_state {
namespace {

using testing::Endpoint;
using testing::SyncRedis;
using testing::targets;

// Each test uses its own mode tag namespace by wiping the mode's keys first.
void wipe(SyncRedis& r, core::Mode mode, const std::vector<std::string>& languages) {
  const std::string tag = mode_tag(mode);
  std::vector<std::string> del{"DEL",        tag + ":tickets", tag + ":pairs", tag + ":excl", tag + ":reported",
                               tag + ":seq", tag + ":stats"};
  for (const auto& l : languages) del.push_back(queue_key(mode, l));
  r.command(del);
}

class MatchScripts : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    auto all = targets();
    ASSERT_FALSE(all.empty()) << "SERENDIP_TEST_REDIS_URL is not set: run under scripts/redis.sh run";
    if (static_cast<std::size_t>(GetParam()) >= all.size()) {
      GTEST_FAIL() << "SERENDIP_TEST_REDIS_CLUSTER_URL is not set: run under scripts/redis.sh run --both";
    }
    endpoint_ = all[static_cast<std::size_t>(GetParam())];
    redis_ = std::make_unique<SyncRedis>(endpoint_);
    wipe(*redis_, core::Mode::video, {"en", "de", "fr"});
  }

  Endpoint endpoint_;
  std::unique_ptr<SyncRedis> redis_;
};

std::string ticket_of(core::ParticipantId id) { return format_ticket("inst", id); }

// --- The same rules as the in-memory matchmaker -------------------------------

struct Op {
  enum Kind { join, leave, next, advance } kind;
  core::ParticipantId id = 0;
  core::Preferences prefs;
  std::int64_t ms = 0;
};

TEST_P(MatchScripts, PairsExactlyAsTheInMemoryMatchmakerDoes) {
  core::MatchmakerConfig config;
  config.scan_limit = 256;
  core::ManualClock clock;
  core::SeededRandom random(7);
  core::Matchmaker mm(config, clock, random);

  std::mt19937_64 gen(20261203);
  const std::vector<std::string> langs{"en", "de", "fr"};
  const std::vector<std::string> regions{"", "eu", "us"};
  const std::vector<std::string> tags{"art", "music", "sport"};
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(gen() % n); };

  constexpr core::ParticipantId kPeople = 40;
  std::map<core::ParticipantId, std::string> device;
  for (core::ParticipantId id = 1; id <= kPeople; ++id) {
    device[id] = "dev" + std::to_string(1 + id % 25);  // some devices have two sockets
    mm.connect(id, device[id]);
  }
  // What the instance knows of its own sockets, as the server will keep it.
  struct Local {
    bool queued = false;
    core::Preferences prefs;
    std::uint64_t seq = 0;
    std::int64_t enqueued_ms = 0;
    core::ParticipantId peer = 0;
  };
  std::map<core::ParticipantId, Local> local;
  std::vector<std::pair<std::uint64_t, core::ParticipantId>> widening;  // (seq, id): enqueue order

  std::size_t matches = 0;
  auto redis_join = [&](core::ParticipantId id, const core::Preferences& p, bool enqueue,
                        std::vector<std::pair<core::ParticipantId, core::ParticipantId>>& made) {
    auto call = join_call({ticket_of(id), "u", device[id], "127.0.0.1"}, p, config, clock.now_ms(), enqueue);
    ASSERT_TRUE(call);
    auto outcome = parse_join_reply(redis_->eval(*call));
    ASSERT_TRUE(outcome);
    if (enqueue) local[id].prefs = p;  // the last preferences, which next() re-uses
    if (auto* m = std::get_if<Matched>(&*outcome)) {
      made.emplace_back(m->offerer.participant, m->answerer.participant);
      for (auto [a, b] : {std::pair{m->offerer.participant, m->answerer.participant},
                          std::pair{m->answerer.participant, m->offerer.participant}}) {
        local[a].queued = false;
        local[a].peer = b;
      }
    } else {
      const auto& q = std::get<Queued>(*outcome);
      if (enqueue) {
        ASSERT_GT(q.seq, 0u);
        if (!local[id].queued) {
          local[id].seq = q.seq;
          local[id].enqueued_ms = q.enqueued_ms;
          widening.emplace_back(q.seq, id);
        }
        local[id].queued = true;
      }
    }
  };
  auto memory_pairs = [](const core::Events& events) {
    std::vector<std::pair<core::ParticipantId, core::ParticipantId>> out;
    for (const auto& e : events) {
      if (const auto* m = std::get_if<core::MatchedEvent>(&e); m && m->role == core::Role::offerer) {
        out.emplace_back(m->who, m->peer);
      }
    }
    return out;
  };
  auto end_session = [&](core::ParticipantId id) {
    if (local[id].peer != 0) {
      local[local[id].peer].peer = 0;
      local[id].peer = 0;
    }
  };

  for (int step = 0; step < 3000; ++step) {
    std::vector<std::pair<core::ParticipantId, core::ParticipantId>> made;
    core::Events events;
    const core::ParticipantId id = 1 + pick(kPeople);
    const auto roll = pick(10);
    if (roll < 5) {
      core::Preferences p;
      p.languages.push_back(langs[pick(langs.size())]);
      if (pick(3) == 0) {
        const auto& extra = langs[pick(langs.size())];
        if (extra != p.languages[0]) p.languages.push_back(extra);
      }
      p.region = regions[pick(regions.size())];
      for (const auto& t : tags) {
        if (pick(3) == 0) p.interests.push_back(t);
      }
      mm.join(id, p, events);
      // The server leaves a session before re-joining (its own command ends it).
      end_session(id);
      // Queued with other languages: the record is replaced, the old entries go stale.
      redis_join(id, p, true, made);
    } else if (roll < 7) {
      mm.leave(id, events);
      end_session(id);
      if (local[id].queued) {
        auto r = redis_->eval(leave_call(core::Mode::video, ticket_of(id), local[id].prefs.languages));
        ASSERT_EQ(r, (std::vector<std::string>{"1"}));
        local[id].queued = false;
      }
    } else if (roll < 8) {
      const bool requeued = mm.next(id, events);
      if (requeued) {
        end_session(id);
        const core::Preferences p = local[id].prefs.languages.empty() ? core::Preferences{} : local[id].prefs;
        ASSERT_FALSE(p.languages.empty());
        redis_join(id, p, true, made);
      }
    } else {
      const std::int64_t ms = static_cast<std::int64_t>(pick(1500));
      clock.advance(ms);
      mm.tick(events);
      // The instance's tick: whoever crossed the widening wait searches again.
      std::sort(widening.begin(), widening.end());
      std::vector<std::pair<std::uint64_t, core::ParticipantId>> keep;
      for (auto [seq, who] : widening) {
        if (!local[who].queued || local[who].seq != seq) continue;
        if (clock.now_ms() - local[who].enqueued_ms >= config.widen_region_after_ms) {
          if (!local[who].prefs.region.empty()) redis_join(who, local[who].prefs, false, made);
        } else {
          keep.emplace_back(seq, who);
        }
      }
      widening = std::move(keep);
    }
    auto expected = memory_pairs(events);
    ASSERT_EQ(made, expected) << "step " << step;
    matches += made.size();
  }
  EXPECT_GT(matches, 300u);  // the run exercised matching, not just queueing
}

// --- Atomic under concurrency ---------------------------------------------

TEST_P(MatchScripts, ThousandSimultaneousJoinsMatchEveryoneExactlyOnce) {
  constexpr int kThreads = 8;
  constexpr int kJoins = 1000;
  core::MatchmakerConfig config;
  std::mutex mu;
  std::map<core::ParticipantId, int> times_matched;
  std::set<core::ParticipantId> queued;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      SyncRedis r(endpoint_);
      for (int i = t; i < kJoins; i += kThreads) {
        const auto id = static_cast<core::ParticipantId>(i + 1);
        core::Preferences p;
        p.languages = {"en"};
        auto call = join_call({ticket_of(id), "u", "d" + std::to_string(id), "127.0.0.1"}, p, config, 1000, true);
        auto outcome = parse_join_reply(r.eval(*call));
        std::lock_guard lock(mu);
        if (!outcome) {
          times_matched[0]++;  // a malformed reply fails the test below
          continue;
        }
        if (auto* m = std::get_if<Matched>(&*outcome)) {
          ++times_matched[m->offerer.participant];
          ++times_matched[m->answerer.participant];
        } else {
          queued.insert(id);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(times_matched.count(0), 0u);
  EXPECT_EQ(times_matched.size(), static_cast<std::size_t>(kJoins));  // everyone: 1000 is even
  for (auto [id, n] : times_matched) EXPECT_EQ(n, 1) << "participant " << id << " matched " << n << " times";
  // Everyone who was queued was later taken by someone.
  for (auto id : queued) EXPECT_EQ(times_matched.count(id), 1u) << "participant " << id << " stranded";
  auto left = redis_->command({"HLEN", "{mm:video}:tickets"});
  EXPECT_EQ(left->integer, 0);
  auto stats = redis_->command({"HGET", "{mm:video}:stats", "matches"});
  EXPECT_EQ(std::string(stats->str, stats->len), std::to_string(kJoins / 2));
}

TEST_P(MatchScripts, MultiLanguageJoinsUnderConcurrencyLeaveNoCompatiblePairWaiting) {
  constexpr int kThreads = 6;
  constexpr int kJoins = 600;
  core::MatchmakerConfig config;
  const std::vector<std::vector<std::string>> choices{{"en"}, {"de"}, {"fr"}, {"en", "de"}, {"de", "fr"}};
  std::mutex mu;
  std::map<core::ParticipantId, int> times_matched;
  std::map<core::ParticipantId, std::vector<std::string>> langs_of;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      SyncRedis r(endpoint_);
      for (int i = t; i < kJoins; i += kThreads) {
        const auto id = static_cast<core::ParticipantId>(i + 1);
        core::Preferences p;
        p.languages = choices[static_cast<std::size_t>(i * 7 % 5)];
        {
          std::lock_guard lock(mu);
          langs_of[id] = p.languages;
        }
        auto call = join_call({ticket_of(id), "u", "d" + std::to_string(id), "127.0.0.1"}, p, config, 1000, true);
        auto outcome = parse_join_reply(r.eval(*call));
        std::lock_guard lock(mu);
        if (outcome) {
          if (auto* m = std::get_if<Matched>(&*outcome)) {
            ++times_matched[m->offerer.participant];
            ++times_matched[m->answerer.participant];
          }
        } else {
          ++times_matched[0];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(times_matched.count(0), 0u);
  for (auto [id, n] : times_matched) EXPECT_EQ(n, 1) << "participant " << id;
  // Whoever still waits: no two of them share a language (they would have been paired).
  auto fields = redis_->command({"HKEYS", "{mm:video}:tickets"});
  std::vector<core::ParticipantId> waiting;
  for (std::size_t i = 0; i < fields->elements; ++i) {
    auto t = parse_ticket(std::string(fields->element[i]->str, fields->element[i]->len));
    ASSERT_TRUE(t);
    EXPECT_EQ(times_matched.count(t->participant), 0u) << "matched and still waiting: " << t->participant;
    waiting.push_back(t->participant);
  }
  for (std::size_t a = 0; a < waiting.size(); ++a) {
    for (std::size_t b = a + 1; b < waiting.size(); ++b) {
      const auto& la = langs_of[waiting[a]];
      const auto& lb = langs_of[waiting[b]];
      const bool share = std::any_of(
          la.begin(), la.end(), [&](const std::string& l) { return std::find(lb.begin(), lb.end(), l) != lb.end(); });
      EXPECT_FALSE(share) << waiting[a] << " and " << waiting[b] << " share a language and both wait";
    }
  }
  EXPECT_EQ(times_matched.size() + waiting.size(), static_cast<std::size_t>(kJoins));
}

// --- Leave and reap ----------------------------------------------------------

TEST_P(MatchScripts, LeaveTellsWhetherItWasStillQueued) {
  core::MatchmakerConfig config;
  core::Preferences p;
  p.languages = {"en", "de"};
  auto joined = parse_join_reply(redis_->eval(*join_call({ticket_of(1), "u", "d1", "127.0.0.1"}, p, config, 10, true)));
  ASSERT_TRUE(joined && std::holds_alternative<Queued>(*joined));
  EXPECT_EQ(redis_->eval(leave_call(core::Mode::video, ticket_of(1), p.languages)), std::vector<std::string>{"1"});
  EXPECT_EQ(redis_->command({"ZCARD", "{mm:video}:q:en"})->integer, 0);
  EXPECT_EQ(redis_->command({"ZCARD", "{mm:video}:q:de"})->integer, 0);
  // Matched a moment ago: leave finds nothing, the caller gets the match instead.
  redis_->eval(*join_call({ticket_of(2), "u", "d2", "127.0.0.1"}, p, config, 20, true));
  auto m = parse_join_reply(redis_->eval(*join_call({ticket_of(3), "u", "d3", "127.0.0.1"}, p, config, 30, true)));
  ASSERT_TRUE(m && std::holds_alternative<Matched>(*m));
  EXPECT_EQ(redis_->eval(leave_call(core::Mode::video, ticket_of(2), p.languages)), std::vector<std::string>{"0"});
  // A search for one that is no longer queued takes nobody.
  redis_->eval(*join_call({ticket_of(4), "u", "d4", "127.0.0.1"}, p, config, 40, true));
  auto s = parse_join_reply(redis_->eval(*join_call({ticket_of(2), "u", "d2", "127.0.0.1"}, p, config, 50, false)));
  ASSERT_TRUE(s);
  ASSERT_TRUE(std::holds_alternative<Queued>(*s));
  EXPECT_EQ(std::get<Queued>(*s).seq, 0u);
  EXPECT_EQ(redis_->command({"HLEN", "{mm:video}:tickets"})->integer, 1);  // 4 still waits
}

TEST_P(MatchScripts, ReapDropsADeadInstancesWaitersAndQueuesHeal) {
  core::MatchmakerConfig config;
  core::Preferences p;
  p.languages = {"en"};
  // 200 waiters of an instance that died: one device with self-pairing off,
  // so none of them pairs with another while they queue.
  config.allow_same_device = false;
  for (core::ParticipantId id = 1; id <= 200; ++id) {
    redis_->eval(*join_call({format_ticket("dead", id), "u", "same", "127.0.0.1"}, p, config, 1, true));
  }
  redis_->eval(*join_call({format_ticket("live", 1), "u", "same", "127.0.0.1"}, p, config, 1, true));
  ASSERT_EQ(redis_->command({"HLEN", "{mm:video}:tickets"})->integer, 201);
  std::string cursor = "0";
  long long removed = 0;
  int calls = 0;
  do {
    auto r = redis_->eval(reap_call(core::Mode::video, "dead", cursor, 50));
    ASSERT_EQ(r.size(), 2u);
    cursor = r[0];
    removed += std::stoll(r[1]);
    ASSERT_LT(++calls, 100);
  } while (cursor != "0");
  EXPECT_EQ(removed, 200);
  EXPECT_EQ(redis_->command({"HLEN", "{mm:video}:tickets"})->integer, 1);
  // The dead entries are still in the queue; the next join skips and removes them.
  config.allow_same_device = true;
  auto m = parse_join_reply(redis_->eval(*join_call({ticket_of(9), "u", "other", "127.0.0.1"}, p, config, 2, true)));
  ASSERT_TRUE(m);
  auto* matched = std::get_if<Matched>(&*m);
  ASSERT_NE(matched, nullptr);
  EXPECT_EQ(matched->offerer, (Ticket{"live", 1}));
  // 200 stale entries, scan limit 256: all met and removed by that one scan.
  EXPECT_EQ(redis_->command({"ZCARD", "{mm:video}:q:en"})->integer, 0);
}

TEST_P(MatchScripts, AReportedPairIsApartUntilItsEnd) {
  core::MatchmakerConfig config;
  config.repeat_pair_cooldown_ms = 0;
  core::Preferences p;
  p.languages = {"en"};
  redis_->command({"ZADD", "{mm:video}:reported", "5000", pair_member("da", "db")});
  redis_->eval(*join_call({ticket_of(1), "u", "da", "127.0.0.1"}, p, config, 1000, true));
  auto before =
      parse_join_reply(redis_->eval(*join_call({ticket_of(2), "u", "db", "127.0.0.1"}, p, config, 4999, true)));
  ASSERT_TRUE(before && std::holds_alternative<Queued>(*before));  // apart until 5000
  auto at_end =
      parse_join_reply(redis_->eval(*join_call({ticket_of(1), "u", "da", "127.0.0.1"}, p, config, 5000, true)));
  ASSERT_TRUE(at_end && std::holds_alternative<Matched>(*at_end));  // together again from 5000 on
}

TEST_P(MatchScripts, ReportedUpkeepForgetsEndedPairsMovesTheOldSetAndSaysWhetherLoaded) {
  const std::string key = reported_key(core::Mode::video);
  const std::string legacy = legacy_excluded_key(core::Mode::video);
  redis_->command({"ZADD", key, "1000", "a|b", "9000", "c|d", std::to_string(kReportedForeverMs), "e|f"});
  redis_->command({"SADD", legacy, "g|h", "i|j", "c|d"});
  // At 5000: a|b ended; the three of the old SET move (kept until 20000,
  // c|d keeps its later end: GT). No marker yet.
  auto up = parse_reported_upkeep(redis_->eval(reported_upkeep_call(core::Mode::video, 5000, 20000, 2)));
  ASSERT_TRUE(up);
  EXPECT_FALSE(up->loaded);
  EXPECT_EQ(up->moved, 2);  // two per call (SPOP: any two; c|d may be one of them)
  EXPECT_GE(up->pairs, 3);
  up = parse_reported_upkeep(redis_->eval(reported_upkeep_call(core::Mode::video, 5000, 20000, 2)));
  ASSERT_TRUE(up);
  EXPECT_EQ(up->moved, 1);
  EXPECT_EQ(up->pairs, 4);  // c|d, e|f, g|h, i|j
  EXPECT_EQ(redis_->command({"EXISTS", legacy})->integer, 0);
  auto score = [&](const std::string& member) {
    auto r = redis_->command({"ZSCORE", key, member});
    return r->type == REDIS_REPLY_STRING ? std::string(r->str, r->len) : std::string("nil");
  };
  EXPECT_EQ(score("a|b"), "nil");
  EXPECT_EQ(score("g|h"), "20000");
  EXPECT_EQ(score("c|d"), "20000");
  EXPECT_EQ(score("e|f"), std::to_string(kReportedForeverMs));
  // The marker, and the end of everything but the pair kept for good.
  redis_->command({"ZADD", key, std::to_string(kReportedForeverMs), std::string(kReportedLoadedMember)});
  up = parse_reported_upkeep(redis_->eval(reported_upkeep_call(core::Mode::video, 30000, 40000, 2)));
  ASSERT_TRUE(up);
  EXPECT_TRUE(up->loaded);
  EXPECT_EQ(up->pairs, 1);
  EXPECT_EQ(up->moved, 0);
}

TEST_P(MatchScripts, ReportedPairsAndCooldownsKeepPeopleApart) {
  core::MatchmakerConfig config;
  core::Preferences p;
  p.languages = {"en"};
  redis_->command({"ZADD", "{mm:video}:reported", std::to_string(kReportedForeverMs), pair_member("da", "db")});
  redis_->eval(*join_call({ticket_of(1), "u", "da", "127.0.0.1"}, p, config, 1000, true));
  auto r = parse_join_reply(redis_->eval(*join_call({ticket_of(2), "u", "db", "127.0.0.1"}, p, config, 1000, true)));
  ASSERT_TRUE(r && std::holds_alternative<Queued>(*r));  // reported: never
  auto m = parse_join_reply(redis_->eval(*join_call({ticket_of(3), "u", "dc", "127.0.0.1"}, p, config, 1000, true)));
  ASSERT_TRUE(m && std::holds_alternative<Matched>(*m));
  EXPECT_EQ(std::get<Matched>(*m).offerer, (Ticket{"inst", 1}));
  // da and dc just met: apart for the cooldown, together again after it.
  redis_->eval(*join_call({ticket_of(1), "u", "da", "127.0.0.1"}, p, config, 2000, true));
  auto again =
      parse_join_reply(redis_->eval(*join_call({ticket_of(3), "u", "dc", "127.0.0.1"}, p, config, 2000, true)));
  ASSERT_TRUE(again);
  // dc pairs with db (waiting since 1000), not da.
  ASSERT_TRUE(std::holds_alternative<Matched>(*again));
  EXPECT_EQ(std::get<Matched>(*again).offerer, (Ticket{"inst", 2}));
  redis_->eval(*join_call({ticket_of(3), "u", "dc", "127.0.0.1"}, p, config, 3000, true));
  auto late = parse_join_reply(redis_->eval(*join_call({ticket_of(5), "u", "dz", "127.0.0.1"}, p, config, 3000, true)));
  ASSERT_TRUE(late && std::holds_alternative<Matched>(*late));  // someone (da, the older) takes dz
  const auto& lm = std::get<Matched>(*late);
  EXPECT_EQ(lm.offerer, (Ticket{"inst", 1}));
  auto after = parse_join_reply(
      redis_->eval(*join_call({ticket_of(6), "u", "da", "127.0.0.1"}, p, config, 1000 + 600'001, true)));
  ASSERT_TRUE(after && std::holds_alternative<Matched>(*after));  // da again, meets dc after the cooldown
  EXPECT_EQ(std::get<Matched>(*after).offerer, (Ticket{"inst", 3}));
}

INSTANTIATE_TEST_SUITE_P(Redis, MatchScripts, ::testing::Values(0, 1), [](const auto& info) {
  return info.param == 0 ? std::string("Standalone") : std::string("Cluster");
});

}  // namespace
}  // namespace serendip::shared_state
