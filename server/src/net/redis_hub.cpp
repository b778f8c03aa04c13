#include "net/redis_hub.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdlib>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <span>
#include <unordered_map>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "auth/crypto.hpp"
#include "net/worker.hpp"
#include "net/ws_session.hpp"
#include "obs/log.hpp"
#include "redis/client.hpp"
#include "redis/info.hpp"
#include "redis/metrics.hpp"
#include "redis/probe.hpp"
#include "redis/script.hpp"
#include "redis/subscriber.hpp"
#include "shared_state/cluster_figures.hpp"
#include "shared_state/lua_scripts.hpp"
#include "shared_state/match_protocol.hpp"
#include "shared_state/presence.hpp"

namespace serendip::net {

namespace ss = shared_state;

namespace {

constexpr std::string_view kInstancesKey = "{serendip}:instances";
constexpr std::int64_t kHeartbeatEveryMs = 1'000;
constexpr std::int64_t kMemoryCheckEveryMs = 10'000;  // INFO memory stats of every master
// Reported pairs: ended ones forgotten, the release before's moved, and a
// reload from the database when Redis lost them (reported.lua), per mode.
constexpr std::int64_t kReportedUpkeepEveryMs = 10'000;
constexpr int kReportedMovePerCall = 1'000;
constexpr std::size_t kReportedAddChunk = 500;    // pairs per ZADD
constexpr std::size_t kReportedLoadInFlight = 4;  // ZADD chunks of a load awaiting their answer
// Pairs written here stay listed this long and are added again at every
// upkeep: a failover of the matching slot's master may lose writes it had
// answered but not yet sent to its replica (Redis replicates asynchronously),
// and the marker, written long before, would not tell. This covers a
// partition up to cluster-node-timeout, the election and the instances
// finding the new master, with room to spare.
constexpr std::int64_t kReportedRestoreWindowMs = 300'000;
// One instance loads the database's reported pairs into Redis at a time.
constexpr std::string_view kReportedLoadLockKey = "{serendip}:reported:loading";
constexpr std::int64_t kReportedLoadLockMs = 120'000;
// Each instance's match-wait heatmap accumulators (MatchWaitHeatmap::encode), by instance id.
constexpr std::string_view kHeatmapKey = "{serendip}:heatmap";
// A queued socket searches again this often: pair rules that relaxed
// (cooldown over, report dismissed) and matches lost with a dead instance
// are picked up by it.
constexpr std::int64_t kResearchEveryMs = 5'000;
constexpr std::int64_t kRetryAfterMs = 1'000;  // told to clients when Redis is unreachable
constexpr std::size_t kReapBatch = 200;
constexpr std::array<core::Mode, 2> kModes{core::Mode::video, core::Mode::text};
// An undelivered inbox message is sent again this often, this many times in
// all: about as long as an instance may be silent before it counts as dead.
constexpr auto kRedeliverAfter = std::chrono::milliseconds(100);
constexpr int kDeliveryAttempts = 30;
// Presence writes per tick at most (a rewrite of every socket's presence,
// after Redis lost it, is spread over ticks: 4,000 sockets a second).
constexpr std::size_t kPresenceWritesPerTick = 1'000;
constexpr std::int64_t kPresenceRetryMs = 5'000;  // after a failed presence write
constexpr std::string_view kInboxKinds = "MLQRKB";

// The Redis client of the worker this thread runs, and the hub it belongs to
// (set on each worker's thread before it serves anything).
thread_local const void* t_lane_owner = nullptr;
thread_local redis::Client* t_lane_client = nullptr;

std::string inbox_of(std::string_view instance) {
  std::string c = "inbox:{";
  c += instance;
  c += '}';
  return c;
}

// Splits `s` at tabs into at most `n` fields (the last takes the rest).
std::vector<std::string_view> fields(std::string_view s, std::size_t n) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < n) {
    const auto tab = s.find('\t');
    if (tab == std::string_view::npos) break;
    out.push_back(s.substr(0, tab));
    s.remove_prefix(tab + 1);
  }
  out.push_back(s);
  return out;
}

std::optional<core::LeaveReason> reason_from(std::string_view s) {
  for (auto r :
       {core::LeaveReason::next, core::LeaveReason::leave, core::LeaveReason::disconnect, core::LeaveReason::blocked}) {
    if (core::to_string(r) == s) return r;
  }
  return std::nullopt;
}

}  // namespace

std::string make_instance_id() { return auth::random_hex(8); }

struct RedisHub::Impl : std::enable_shared_from_this<RedisHub::Impl> {
  enum class State : std::uint8_t { idle, queued, in_session };

  struct Member {
    std::shared_ptr<WsSessionBase> session;
    store::Party who;
    std::size_t worker = 0;
    State state = State::idle;
    bool joined = false;
    core::Preferences prefs;  // the last join's, which next() re-uses
    // What the queue in Redis holds for it while queued.
    core::Mode queued_mode = core::Mode::video;
    std::vector<std::string> queued_languages;
    std::int64_t enqueued_ms = 0;
    std::int64_t searched_ms = 0;
    // When a search found no record of it in Redis although it waits here
    // (reaped as if its instance were dead, or lost with a Redis restart):
    // queued again if that still holds a second later (a match may be on its way).
    std::int64_t missing_since_ms = 0;
    bool widened = false;
    // Bumped by every command: a reply to an older one is stale.
    std::uint64_t op = 0;
    // The session, while in_session.
    std::string session_id;
    std::uint64_t serial = 0;
    core::ParticipantId local_peer = 0;  // when the peer is on this instance
    std::optional<ss::Ticket> remote;    // when it is on another
    // When its presence records are written next (steady ms; 0 = at the next tick).
    std::int64_t presence_due_ms = 0;
  };
  struct Ended {
    store::Party who;
    std::int64_t length_ms = 0;
  };
  struct Exclusion {     // a reported pair, kept apart until (shared clock)
    std::string member;  // ss::pair_member
    std::int64_t until_ms = 0;
  };
  struct Outgoing {  // an inbox message to send once the lock is released
    std::string instance;
    std::string payload;
  };
  // A Redis call to make once the lock is released, on `worker`'s thread
  // (a socket's calls go through its own worker's client, in order).
  struct Deferred {
    std::size_t worker;
    std::function<void()> fn;
  };
  using DeferredList = std::vector<Deferred>;
  // One worker's Redis side; used only on that worker's thread.
  struct Lane {
    Worker* worker = nullptr;
    std::unique_ptr<redis::Client> client;
  };

  explicit Impl(RedisHubDeps d)
      : deps(std::move(d)),
        join_script(std::string(ss::lua_script("match_join"))),
        leave_script(std::string(ss::lua_script("match_leave"))),
        reap_script(std::string(ss::lua_script("match_reap"))),
        beat_script(std::string(ss::lua_script("beat"))),
        presence_script(std::string(ss::lua_script("presence_touch"))),
        reported_script(std::string(ss::lua_script("reported"))),
        reported_restored(deps.registry.counter(
            "serendip_reported_pairs_restored_total",
            "Reported pairs this instance wrote to Redis that were missing there when it added them again (a "
            "failover lost writes its master had answered)")),
        cross_relays(deps.registry.counter("serendip_relay_cross_instance_total",
                                           "Relayed frames sent to a peer on another instance")),
        cross_relays_in(deps.registry.counter("serendip_relay_cross_instance_received_total",
                                              "Relayed frames received from a peer on another instance")),
        dead_instances(deps.registry.counter("serendip_instances_dead_total",
                                             "Instances found dead (heartbeat lost) by this instance")),
        unavailable(deps.registry.counter("serendip_match_unavailable_total",
                                          "join/next refused because Redis could not be reached")),
        redelivered(deps.registry.counter("serendip_inbox_redelivered_total",
                                          "Inbox messages sent again because no subscriber got them (the receiving "
                                          "instance was resubscribing, or Redis was unreachable)")),
        undelivered(deps.registry.counter("serendip_inbox_undelivered_total",
                                          "Inbox messages given up on after every redelivery attempt")),
        kicks_targeted(deps.registry.counter("serendip_kicks_sent_total",
                                             "Kick (K) messages sent to other instances: to those the presence "
                                             "records name, or to every live one when they could not be read",
                                             {{"route", "presence"}})),
        kicks_broadcast(deps.registry.counter("serendip_kicks_sent_total",
                                              "Kick (K) messages sent to other instances: to those the presence "
                                              "records name, or to every live one when they could not be read",
                                              {{"route", "broadcast"}})) {
    for (std::size_t i = 0; i < kInboxKinds.size(); ++i) {
      inbox_received[i] = &deps.registry.counter("serendip_inbox_received_total",
                                                 "Inbox messages received from other instances, by kind",
                                                 {{"kind", std::string(1, kInboxKinds[i])}});
    }
    deps.registry.gauge_fn("serendip_instances_live", "Instances whose heartbeat is alive, as seen by this one",
                           [this] { return static_cast<double>(live_count.load(std::memory_order_relaxed)); });
    deps.registry.gauge_fn("serendip_shared_state_ready",
                           "1 while matchmaking through Redis works: the first worker's client is connected and "
                           "the inbox probe comes back",
                           [this] { return ready_flag.load(std::memory_order_relaxed) ? 1.0 : 0.0; });
    deps.registry.gauge_fn("serendip_redis_evicted_keys",
                           "Keys the Redis masters have evicted since they started (INFO evicted_keys, summed; "
                           "queues, presence and abuse state are lost that way)",
                           [this] { return static_cast<double>(evicted_keys.load(std::memory_order_relaxed)); });
    deps.registry.gauge_fn(
        "serendip_redis_clock_offset_seconds",
        "Redis' clock minus this instance's wall clock, at the last heartbeat (shared state uses Redis' clock; "
        "tokens, block expiry and audit times use this instance's own)",
        [this] { return static_cast<double>(redis_offset_ms.load(std::memory_order_relaxed)) / 1000.0; });
    deps.registry.gauge_fn("serendip_reported_pairs",
                           "Device pairs the matchmaker keeps apart because of a report (in Redis, for the "
                           "reported-pair window), as of this instance's last upkeep",
                           [this] { return static_cast<double>(reported_pairs.load(std::memory_order_relaxed)); });
    deps.registry.gauge_fn("serendip_redis_masters_may_evict",
                           "Redis masters with a memory limit and an eviction policy other than noeviction",
                           [this] { return static_cast<double>(masters_may_evict.load(std::memory_order_relaxed)); });
  }

  // The time every instance agrees on: this instance's wall clock corrected
  // by how far it was from Redis' clock at the last beat (Redis' TIME, read
  // in the beat). Queue times, presence, session starts and ends and the
  // abuse windows use it, so an instance whose clock is off by seconds or
  // minutes decides like the others. Own wall clock until the first beat.
  std::int64_t shared_now() const { return deps.clock.unix_ms() + redis_offset_ms.load(std::memory_order_relaxed); }

  // --- Redis calls (on the lane's own thread) --------------------------------

  redis::Client& client(std::size_t worker) { return *lanes[worker].client; }

  void eval(std::size_t worker, const redis::Script& script, const ss::ScriptCall& call, redis::Callback cb) {
    std::vector<std::string_view> keys(call.keys.begin(), call.keys.end());
    std::vector<std::string_view> args(call.args.begin(), call.args.end());
    client(worker).eval(script, keys, args, redis::CommandOptions{}, std::move(cb));
  }

  // An inbox message on its way: kept until Redis says a subscriber got it.
  struct Letter {
    std::string channel;
    std::string payload;
    std::string instance;
  };

  void publish(std::size_t worker, const std::string& instance, std::string payload) {
    auto letter = std::make_shared<Letter>(Letter{inbox_of(instance), std::move(payload), instance});
    send_letter(worker, letter, 0);
  }

  // SPUBLISH answers how many subscribers got the message. None (the
  // receiving instance is resubscribing after a reconnect or failover) or an
  // error (Redis unreachable) is not a delivery: try again for as long as an
  // instance may be silent before it counts as dead, then give up and count it.
  void send_letter(std::size_t worker, const std::shared_ptr<Letter>& letter, int attempt) {
    const Letter& l = *letter;
    client(worker).command({"SPUBLISH", l.channel, l.payload}, redis::CommandOptions::key_at(1),
                           [self = shared_from_this(), worker, letter, attempt](const redis::Reply& r) {
                             if (!r.is_error() && r.as_integer().value_or(0) > 0) return;
                             if (self->stopped.load()) return;
                             if (attempt + 1 >= kDeliveryAttempts) {
                               self->undelivered.inc();
                               obs::log(obs::Level::warn, "redis_hub", "inbox_undelivered",
                                        {{"instance", letter->instance},
                                         {"kind", letter->payload.substr(0, 1)},
                                         {"error", r.is_error() ? r.str() : std::string("no subscriber")}});
                               return;
                             }
                             self->redelivered.inc();
                             auto timer = std::make_shared<boost::asio::steady_timer>(self->lanes[worker].worker->io(),
                                                                                      kRedeliverAfter);
                             timer->async_wait([self, timer, worker, letter, attempt](boost::system::error_code ec) {
                               if (!ec && !self->stopped.load()) self->send_letter(worker, letter, attempt + 1);
                             });
                           });
  }

  // Runs `fn` on `worker`'s thread (later, even when already on it).
  template <class F>
  void on_worker(std::size_t worker, F&& fn) {
    if (stopped.load()) return;
    boost::asio::post(lanes[worker].worker->executor(),
                      [self = shared_from_this(), fn = std::forward<F>(fn)]() mutable {
                        if (!self->stopped.load()) fn();
                      });
  }
  // Now when on `worker`'s thread, else posted there.
  void dispatch_on(std::size_t worker, std::function<void()> fn) {
    if (stopped.load()) return;
    if (lanes[worker].worker->executor().running_in_this_thread()) {
      fn();
    } else {
      on_worker(worker, std::move(fn));
    }
  }
  // The worker whose thread this is, if any.
  std::optional<std::size_t> current_worker() const {
    for (std::size_t i = 0; i < lanes.size(); ++i) {
      if (lanes[i].worker->executor().running_in_this_thread()) return i;
    }
    return std::nullopt;
  }

  // --- Commands ----------------------------------------------------------------

  std::string ticket(core::ParticipantId id) const { return ss::format_ticket(deps.instance_id, id); }

  // Sends match_join for `id` (queue when nobody fits, unless search_only).
  // Under the lock; the call itself goes out after it.
  void send_join(core::ParticipantId id, Member& m, bool search_only, std::optional<std::int64_t> re,
                 DeferredList& after) {
    const std::uint64_t op = m.op;
    if (leaving.load()) {
      // Stopping: this instance has left (or is leaving) the cluster, and a
      // record queued now would be one nobody reaps.
      if (!search_only) {
        m.state = State::idle;
        post_unavailable(m, re);
      }
      return;
    }
    m.searched_ms = deps.clock.now_ms();
    // Times in the queue are on the shared clock: each instance's monotonic
    // clock starts at its own machine's boot, and wall clocks drift, so
    // enqueue times, waits and the no-rematch deadlines written by one
    // instance would mean little to another.
    auto call = ss::join_call({ticket(id), m.who.user_id, m.who.device_key, m.who.ip}, m.prefs, deps.matchmaker,
                              shared_now(), !search_only);
    if (!call) {
      // The signaling layer validates tags; a device key or address with a
      // separator cannot be queued.
      obs::log(obs::Level::error, "redis_hub", "unqueueable_participant", {{"participant", std::int64_t(id)}});
      if (!search_only) {
        m.state = State::idle;
        post_unavailable(m, re);
      }
      return;
    }
    if (!search_only) {
      m.state = State::queued;
      m.queued_mode = m.prefs.mode;
      m.queued_languages = m.prefs.languages;
      m.missing_since_ms = 0;
    }
    const std::size_t worker = m.worker;
    after.push_back({worker, [this, worker, id, op, search_only, re, call = std::move(*call)] {
                       eval(worker, join_script, call,
                            [self = shared_from_this(), id, op, search_only, re](const redis::Reply& r) {
                              self->on_join_reply(id, op, search_only, re, r);
                            });
                     }});
  }

  void send_leave(const Member& m, core::ParticipantId id, DeferredList& after) {
    auto call = ss::leave_call(m.queued_mode, ticket(id), m.queued_languages);
    const std::size_t worker = m.worker;
    after.push_back({worker, [this, worker, call = std::move(call)] {
                       eval(worker, leave_script, call, [](const redis::Reply& r) {
                         if (r.is_error()) {
                           obs::log(obs::Level::warn, "redis_hub", "leave_failed", {{"error", r.str()}});
                         }
                       });
                     }});
  }

  void post_unavailable(Member& m, std::optional<std::int64_t> re) {
    unavailable.inc();
    auto s = m.session;
    boost::asio::post(s->executor(), [s, re] { s->on_match_unavailable(re, kRetryAfterMs); });
  }

  void on_join_reply(core::ParticipantId id, std::uint64_t op, bool search_only, std::optional<std::int64_t> re,
                     const redis::Reply& reply) {
    DeferredList after;
    std::vector<Outgoing> out;
    {
      std::lock_guard lock(mu);
      std::optional<ss::JoinOutcome> outcome;
      if (auto strings = reply.as_strings(); strings && !reply.is_error()) outcome = ss::parse_join_reply(*strings);
      if (!outcome) {
        if (!search_only) {
          obs::log(obs::Level::warn, "redis_hub", "join_failed", {{"error", reply.to_debug_string()}});
          auto it = members.find(id);
          if (it != members.end() && it->second.op == op && it->second.state == State::queued) {
            it->second.state = State::idle;
            post_unavailable(it->second, re);
          }
        }
      } else if (auto* q = std::get_if<ss::Queued>(&*outcome)) {
        auto it = members.find(id);
        if (search_only && q->seq == 0 && it != members.end() && it->second.op == op &&
            it->second.state == State::queued && it->second.missing_since_ms == 0) {
          it->second.missing_since_ms = deps.clock.now_ms();
        }
        if (!search_only && q->seq != 0 && it != members.end() && it->second.op == op &&
            it->second.state == State::queued) {
          Member& m = it->second;
          if (m.enqueued_ms == 0 || m.enqueued_ms != q->enqueued_ms) {
            m.enqueued_ms = q->enqueued_ms;
            m.widened = false;
          }
          auto s = m.session;
          boost::asio::post(s->executor(), [s, est = q->estimated_wait_ms, re] { s->on_queued(est, re); });
        }
      } else {
        apply_match(std::get<ss::Matched>(*outcome), id, op, after, out);
      }
    }
    run(after, out);
  }

  // A match made by a script this instance ran: tell our side(s), send the
  // other side's instance its part.
  void apply_match(const ss::Matched& m, core::ParticipantId caller, std::uint64_t caller_op, DeferredList& after,
                   std::vector<Outgoing>& out) {
    const bool offerer_here = m.offerer.instance == deps.instance_id;
    const bool answerer_here = m.answerer.instance == deps.instance_id;
    std::string session_id = auth::random_hex(16);
    const std::int64_t now = m.now_ms;
    // Raw: an enqueue time may be a ms ahead of `now` (each instance tracks
    // the shared clock on its own). Shown and counted at 0 or more; sent as
    // is, so the other side's instance can rebuild `now` from it exactly.
    const std::int64_t offerer_waited = now - m.offerer_record.enqueued_ms;
    const std::int64_t answerer_waited = now - m.answerer_record.enqueued_ms;

    // Who still wants it: a local side that left, disconnected or moved on
    // since the script ran turns the match down; the other side, which was
    // never told, goes back to the queue.
    auto wants = [&](const ss::Ticket& t) {
      auto it = members.find(t.participant);
      if (it == members.end() || it->second.state != State::queued) return false;
      // The caller's own command must still be the latest: a leave and a new
      // join since would have queued it afresh.
      return t.participant != caller || it->second.op == caller_op;
    };
    const bool offerer_ok = !offerer_here || wants(m.offerer);
    const bool answerer_ok = !answerer_here || wants(m.answerer);
    if (!offerer_ok || !answerer_ok) {
      for (const auto* t : {&m.offerer, &m.answerer}) {
        const bool here = t->instance == deps.instance_id;
        const bool ok = t == &m.offerer ? offerer_ok : answerer_ok;
        if (!ok) continue;
        if (here) {
          requeue(t->participant, after);
        } else {
          out.push_back({t->instance, "Q\t" + std::to_string(t->participant)});
        }
      }
      return;
    }

    deps.metrics.matches.inc();
    note_match();
    // The call starts at the match's one time (the script's `now`); the other
    // side's instance rebuilds it from the wait it is sent (on_remote_match).
    const std::int64_t unix_now = now;
    auto party_of = [](const ss::Record& r) { return store::Party{r.user_id, r.device, r.ip}; };
    deps.recent.started(session_id, party_of(m.offerer_record), party_of(m.answerer_record), unix_now);
    record_session_start(session_id, m.offerer, m.answerer, unix_now);

    const std::uint64_t serial = next_serial++;
    auto tell_local = [&](const ss::Ticket& who, const ss::Ticket& peer, core::Role role, const ss::Record& mine,
                          const ss::Record& theirs, std::int64_t raw_waited) {
      const std::int64_t waited = std::max<std::int64_t>(0, raw_waited);
      Member& me = members.at(who.participant);
      me.state = State::in_session;
      me.session_id = session_id;
      me.serial = serial;
      const bool peer_here = peer.instance == deps.instance_id;
      me.local_peer = peer_here ? peer.participant : 0;
      if (peer_here) {
        me.remote.reset();
      } else {
        me.remote = peer;
      }
      deps.metrics.match_wait_seconds.observe(static_cast<double>(waited) / 1000.0);
      deps.match_waits.record_match_wait(me.prefs.region, unix_now, waited);
      core::MatchedEvent e{who.participant, peer.participant, session_id, role, ss::peer_info(mine, theirs), waited};
      auto s = me.session;
      if (peer_here) {
        std::weak_ptr<WsSessionBase> p = members.at(peer.participant).session;
        boost::asio::post(s->executor(),
                          [s, e = std::move(e), p = std::move(p), serial] { s->on_matched(e, p, serial); });
      } else {
        RemotePeer rp{peer.instance, peer.participant, session_id};
        boost::asio::post(s->executor(), [s, e = std::move(e), rp = std::move(rp), serial]() mutable {
          s->on_matched_remote(e, std::move(rp), serial);
        });
      }
    };
    auto tell_remote = [&](const ss::Ticket& who, const ss::Ticket& peer, core::Role role, const ss::Record& theirs,
                           std::int64_t waited) {
      std::string msg = "M\t";
      msg += std::to_string(who.participant);
      msg += '\t';
      msg += session_id;
      msg += '\t';
      msg += core::to_string(role);
      msg += '\t';
      msg += std::to_string(waited);
      msg += '\t';
      msg += ss::format_ticket(peer.instance, peer.participant);
      msg += '\t';
      msg += format_record(theirs);
      out.push_back({who.instance, std::move(msg)});
    };
    if (offerer_here) {
      tell_local(m.offerer, m.answerer, core::Role::offerer, m.offerer_record, m.answerer_record, offerer_waited);
    } else {
      tell_remote(m.offerer, m.answerer, core::Role::offerer, m.answerer_record, offerer_waited);
    }
    if (answerer_here) {
      tell_local(m.answerer, m.offerer, core::Role::answerer, m.answerer_record, m.offerer_record, answerer_waited);
    } else {
      tell_remote(m.answerer, m.offerer, core::Role::answerer, m.offerer_record, answerer_waited);
    }
  }

  static std::string format_record(const ss::Record& r) {
    auto csv = [](const std::vector<std::string>& v) {
      std::string s;
      for (const auto& x : v) {
        if (!s.empty()) s += ',';
        s += x;
      }
      return s;
    };
    std::string out = std::to_string(r.seq);
    for (const std::string& f :
         {std::to_string(r.enqueued_ms), r.device, r.region, csv(r.interests), csv(r.languages), r.user_id, r.ip}) {
      out += '|';
      out += f;
    }
    return out;
  }

  // Back into the queue with its last preferences, silently (it was never
  // told of the match that fell through).
  void requeue(core::ParticipantId id, DeferredList& after) {
    auto it = members.find(id);
    if (it == members.end() || !it->second.joined) return;
    Member& m = it->second;
    if (m.state != State::queued) return;  // it left, or is in a session already
    ++m.op;
    send_join(id, m, false, std::nullopt, after);
  }

  // `m`'s peer on another instance ended the session (or its instance died):
  // `m` hears `reason`, its session length is counted, and it is idle again.
  void remote_peer_left(Member& m, core::LeaveReason reason) {
    const std::string sid = m.session_id;
    const std::int64_t unix_now = shared_now();
    record_session_end(sid);
    if (auto rec = deps.recent.ended(sid, unix_now)) ended.push_back({m.who, unix_now - rec->started_at});
    m.state = State::idle;
    m.remote.reset();
    m.session_id.clear();
    m.serial = 0;
    auto s = m.session;
    boost::asio::post(s->executor(), [s, sid, reason] { s->on_peer_left(sid, reason); });
  }

  // Ends `m`'s session: the peer is told `reason`, and `m` itself only when
  // `tell_self` (a moderator's block, an instance that died) rather than by
  // its own command.
  void end_session(core::ParticipantId id, Member& m, core::LeaveReason reason, bool tell_self,
                   std::vector<Outgoing>& out) {
    if (m.state != State::in_session) return;
    const std::string sid = m.session_id;
    const std::int64_t unix_now = shared_now();
    record_session_end(sid);
    std::optional<std::int64_t> length;
    if (auto rec = deps.recent.ended(sid, unix_now)) length = unix_now - rec->started_at;
    if (length) ended.push_back({m.who, *length});
    if (m.local_peer != 0) {
      auto pit = members.find(m.local_peer);
      if (pit != members.end() && pit->second.state == State::in_session && pit->second.session_id == sid) {
        Member& p = pit->second;
        p.state = State::idle;
        p.local_peer = 0;
        p.remote.reset();
        if (length) ended.push_back({p.who, *length});
        auto ps = p.session;
        boost::asio::post(ps->executor(), [ps, sid, reason] { ps->on_peer_left(sid, reason); });
      }
    } else if (m.remote) {
      std::string msg = "L\t";
      msg += std::to_string(m.remote->participant);
      msg += '\t';
      msg += sid;
      msg += '\t';
      msg += core::to_string(reason);
      out.push_back({m.remote->instance, std::move(msg)});
    }
    auto s = m.session;
    if (tell_self) {
      boost::asio::post(s->executor(), [s, sid, reason] { s->on_peer_left(sid, reason); });
    } else {
      boost::asio::post(s->executor(), [s, sid] { s->on_session_ended(sid); });
    }
    m.state = State::idle;
    m.local_peer = 0;
    m.remote.reset();
    m.session_id.clear();
    m.serial = 0;
  }

  // Out of the queue (in Redis too) or out of the session.
  void leave_any(core::ParticipantId id, Member& m, core::LeaveReason reason, DeferredList& after,
                 std::vector<Outgoing>& out) {
    ++m.op;
    if (m.state == State::queued) {
      send_leave(m, id, after);
      m.state = State::idle;
    } else if (m.state == State::in_session) {
      end_session(id, m, reason, false, out);
    }
  }

  // Sends the Redis calls and inbox messages gathered under the lock, then
  // reports finished sessions. Any thread.
  void run(DeferredList& after, std::vector<Outgoing>& out) {
    if (!stopped.load()) {
      for (auto& d : after) dispatch_on(d.worker, std::move(d.fn));
      if (!out.empty()) {
        if (auto w = current_worker()) {
          for (auto& o : out) publish(*w, o.instance, std::move(o.payload));
        } else {
          on_worker(0, [this, out = std::move(out)] {
            for (const auto& o : out) publish(0, o.instance, o.payload);
          });
        }
      }
    }
    flush_ended();
  }

  void flush_ended() {
    std::vector<Ended> done;
    {
      std::lock_guard lock(mu);
      done.swap(ended);
    }
    if (!deps.on_session_end) return;
    for (const auto& e : done) deps.on_session_end(e.who, e.length_ms);
  }

  void note_match() {
    ++matches_total;
    ++matches_made;
  }

  // --- Inbox -------------------------------------------------------------------

  void on_inbox(std::string_view payload) {
    if (payload.empty()) return;
    if (auto k = kInboxKinds.find(payload[0]); k != std::string_view::npos) inbox_received[k]->inc();
    DeferredList after;
    std::vector<Outgoing> out;
    switch (payload[0]) {
      case 'R': on_relay(payload); return;
      case 'M': {
        std::lock_guard lock(mu);
        on_remote_match(payload, out);
        break;
      }
      case 'L': {
        std::lock_guard lock(mu);
        on_remote_left(payload);
        break;
      }
      case 'Q': {
        std::lock_guard lock(mu);
        auto f = fields(payload, 2);
        if (f.size() == 2) {
          if (auto id = ss::parse_int<core::ParticipantId>(f[1])) requeue(*id, after);
        }
        break;
      }
      case 'K': on_remote_kick(payload); return;
      case 'B':
        if (deps.on_blocks_changed) deps.on_blocks_changed();
        return;
      default:
        obs::log(obs::Level::warn, "redis_hub", "unknown_inbox_message", {{"kind", std::string(1, payload[0])}});
        return;
    }
    run(after, out);
  }

  void on_remote_match(std::string_view payload, std::vector<Outgoing>& out) {
    // M, to, session, role, waited, peer ticket, peer record (the format of
    // the release before too, so instances of both can run side by side).
    auto f = fields(payload, 7);
    if (f.size() != 7) return;
    auto to = ss::parse_int<core::ParticipantId>(f[1]);
    auto waited = ss::parse_int<std::int64_t>(f[4]);
    auto peer = ss::parse_ticket(f[5]);
    auto record = ss::parse_record(f[6]);
    const bool offerer = f[3] == core::to_string(core::Role::offerer);
    if (!to || !waited || !peer || !record) return;
    const std::string session_id(f[2]);
    auto it = members.find(*to);
    if (it == members.end() || it->second.state != State::queued) {
      // Gone or moved on while the match was on its way: the peer, already
      // told, hears that this side left.
      const bool gone = it == members.end();
      out.push_back({peer->instance, "L\t" + std::to_string(peer->participant) + "\t" + session_id + "\t" +
                                         std::string(core::to_string(gone ? core::LeaveReason::disconnect
                                                                          : core::LeaveReason::leave))});
      return;
    }
    Member& m = it->second;
    m.state = State::in_session;
    m.session_id = session_id;
    m.serial = next_serial++;
    m.local_peer = 0;
    m.remote = *peer;
    ++matches_total;
    // The call starts at the match's own time, which is our enqueue time plus
    // the wait the matching instance measured from it (both from the record
    // the script read): the two instances' records of the call agree. Our
    // enqueue time is unknown if the match overtook our join's answer, and a
    // time far from our clock (an instance of the release before measured
    // waits on another clock) is not believed.
    const std::int64_t unix_now = [&] {
      const std::int64_t here = shared_now();
      const std::int64_t started = m.enqueued_ms + *waited;
      const bool plausible = m.enqueued_ms != 0 && std::abs(started - here) <= 60'000;
      return plausible ? started : here;
    }();
    *waited = std::max<std::int64_t>(0, *waited);
    deps.recent.started(session_id, m.who, store::Party{record->user_id, record->device, record->ip}, unix_now);
    const ss::Ticket self_ticket{deps.instance_id, *to};
    record_session_start(session_id, offerer ? self_ticket : *peer, offerer ? *peer : self_ticket, unix_now);
    deps.metrics.match_wait_seconds.observe(static_cast<double>(*waited) / 1000.0);
    deps.match_waits.record_match_wait(m.prefs.region, unix_now, *waited);
    ss::Record mine;
    mine.interests = m.prefs.interests;
    std::sort(mine.interests.begin(), mine.interests.end());
    core::MatchedEvent e{*to,
                         peer->participant,
                         session_id,
                         offerer ? core::Role::offerer : core::Role::answerer,
                         ss::peer_info(mine, *record),
                         *waited};
    RemotePeer rp{peer->instance, peer->participant, session_id};
    auto s = m.session;
    const std::uint64_t serial = m.serial;
    boost::asio::post(s->executor(), [s, e = std::move(e), rp = std::move(rp), serial]() mutable {
      s->on_matched_remote(e, std::move(rp), serial);
    });
  }

  void on_remote_left(std::string_view payload) {
    auto f = fields(payload, 4);
    if (f.size() != 4) return;
    auto to = ss::parse_int<core::ParticipantId>(f[1]);
    auto reason = reason_from(f[3]);
    if (!to || !reason) return;
    auto it = members.find(*to);
    if (it == members.end()) return;
    Member& m = it->second;
    if (m.state != State::in_session || m.session_id != f[2]) return;
    remote_peer_left(m, *reason);
  }

  void on_relay(std::string_view payload) {
    const auto nl = payload.find('\n');
    if (nl == std::string_view::npos) return;
    auto f = fields(payload.substr(0, nl), 3);
    if (f.size() != 3) return;
    auto to = ss::parse_int<core::ParticipantId>(f[1]);
    if (!to) return;
    std::shared_ptr<WsSessionBase> target;
    std::uint64_t serial = 0;
    {
      std::lock_guard lock(mu);
      auto it = members.find(*to);
      if (it == members.end() || it->second.state != State::in_session || it->second.session_id != f[2]) return;
      target = it->second.session;
      serial = it->second.serial;
    }
    cross_relays_in.inc();
    const std::string_view frame = payload.substr(nl + 1);
    Worker& here = *lanes[0].worker;
    SendNode* node = here.send_pool().acquire();
    node->data.assign(frame.data(), frame.size());
    Worker& owner = target->worker();
    if (&owner == &here) {
      target->deliver_relay(serial, node);
    } else {
      owner.post_relay(std::move(target), serial, node);
    }
  }

  void on_remote_kick(std::string_view payload) {
    auto f = fields(payload, 5);
    if (f.size() != 5) return;
    // A kick is a new block: the block cache learns of it with the kick, not
    // only with the `B` broadcast (which misses an instance that others do
    // not list yet).
    if (deps.on_blocks_changed) deps.on_blocks_changed();
    store::Block b;
    b.ip = std::string(f[1]);
    b.device_key = std::string(f[2]);
    if (f[3] != "-") b.expires_at = ss::parse_int<std::int64_t>(f[3]);
    b.reason = std::string(f[4]);
    kick_local(b);
  }

  std::size_t kick_local(const store::Block& block) {
    std::size_t kicked = 0;
    DeferredList after;
    std::vector<Outgoing> out;
    {
      std::lock_guard lock(mu);
      for (auto& [id, m] : members) {
        const bool hit = (!block.ip.empty() && block.ip == m.who.ip) ||
                         (!block.device_key.empty() && block.device_key == m.who.device_key);
        if (!hit) continue;
        ++m.op;
        if (m.state == State::queued) {
          send_leave(m, id, after);
          m.state = State::idle;
        } else if (m.state == State::in_session) {
          // The peer is told `blocked`; this socket gets `banned` below.
          end_session(id, m, core::LeaveReason::blocked, false, out);
        }
        auto s = m.session;
        boost::asio::post(s->executor(),
                          [s, until = block.expires_at, reason = block.reason] { s->on_banned(until, reason); });
        ++kicked;
      }
    }
    run(after, out);
    return kicked;
  }

  // --- Presence, session records, kicks ---------------------------------------

  // Writes `id`'s presence records (device and address) on its worker, unless
  // it disconnected before that ran (its removal went out already, on the
  // same connection). Under the lock.
  void touch_presence(core::ParticipantId id, Member& m, DeferredList& after) {
    m.presence_due_ms = deps.clock.now_ms() + ss::kPresenceRefreshMs;
    auto keys = ss::presence_keys(m.who.device_key, m.who.ip);
    if (keys.empty()) return;
    const std::size_t worker = m.worker;
    after.push_back({worker, [this, worker, id, keys = std::move(keys)] {
                       {
                         std::lock_guard lock(mu);
                         if (!members.contains(id)) return;
                       }
                       const std::string member = ticket(id);
                       const std::int64_t now = shared_now();
                       for (const auto& key : keys) {
                         eval(worker, presence_script, ss::presence_touch_call(key, member, now),
                              [self = shared_from_this(), id](const redis::Reply& r) {
                                if (!r.is_error()) return;
                                std::lock_guard lock(self->mu);
                                auto it = self->members.find(id);
                                if (it == self->members.end()) return;
                                it->second.presence_due_ms =
                                    std::min(it->second.presence_due_ms, self->deps.clock.now_ms() + kPresenceRetryMs);
                              });
                       }
                     }});
  }

  // Under the lock: every socket's presence is written again over the next ticks.
  void rewrite_presence() {
    for (auto& [id, m] : members) m.presence_due_ms = 0;
  }

  // This instance's session records (sessions:{<instance>}): a call a side
  // of which it holds is noted here and written by the next tick; one that
  // ends before it is written never is. Under the lock.
  void record_session_start(const std::string& session_id, const ss::Ticket& offerer, const ss::Ticket& answerer,
                            std::int64_t unix_now) {
    sessions_started[session_id] =
        ss::session_value(ss::format_ticket(offerer.instance, offerer.participant),
                          ss::format_ticket(answerer.instance, answerer.participant), unix_now);
  }
  void record_session_end(const std::string& session_id) {
    if (sessions_started.erase(session_id) == 0) sessions_ended.push_back(session_id);
  }

  // The session records noted since the last flush: one HSET, one HDEL (per
  // kSessionsBatch fields), sent without waiting. First worker.
  void flush_sessions() {
    std::vector<std::pair<std::string, std::string>> started;
    std::vector<std::string> ended_ids;
    {
      std::lock_guard lock(mu);
      started.reserve(sessions_started.size());
      for (auto& [id, value] : sessions_started) started.emplace_back(id, std::move(value));
      sessions_started.clear();
      ended_ids.swap(sessions_ended);
    }
    if ((started.empty() && ended_ids.empty()) || stopped.load()) return;
    for (const auto& c : ss::sessions_commands(deps.instance_id, started, ended_ids)) {
      std::vector<std::string_view> args(c.begin(), c.end());
      client(0).command(args, redis::CommandOptions::key_at(1, true), [](const redis::Reply& r) {
        if (r.is_error()) obs::log(obs::Level::warn, "redis_hub", "session_record_failed", {{"error", r.str()}});
      });
    }
  }

  // Sends the kick `msg` to the other instances holding a socket of the
  // block's device or address, as their presence records say; to every live
  // instance when those cannot be read (a ban is never lost). First worker.
  void send_kick(std::vector<std::string> keys, std::string msg) {
    if (keys.empty()) {
      broadcast_kick(msg);
      return;
    }
    struct Reads {
      std::vector<std::string> keys;
      std::vector<std::vector<std::string>> replies;
      std::string msg;
      std::size_t left = 0;
      bool failed = false;
    };
    auto reads = std::make_shared<Reads>();
    reads->replies.resize(keys.size());
    reads->left = keys.size();
    reads->keys = std::move(keys);
    reads->msg = std::move(msg);
    const std::int64_t now = shared_now();
    for (std::size_t i = 0; i < reads->keys.size(); ++i) {
      const auto cmd = ss::presence_read_command(reads->keys[i], now);
      std::vector<std::string_view> args(cmd.begin(), cmd.end());
      client(0).command(args, redis::CommandOptions::key_at(1, true),
                        [self = shared_from_this(), reads, i, now](const redis::Reply& r) {
                          auto items = r.as_strings();
                          if (r.is_error() || !items) {
                            reads->failed = true;
                          } else {
                            reads->replies[i] = std::move(*items);
                          }
                          if (--reads->left == 0)
                            self->on_presence_read(reads->keys, reads->replies, reads->failed, reads->msg, now);
                        });
    }
  }

  void on_presence_read(const std::vector<std::string>& keys, const std::vector<std::vector<std::string>>& replies,
                        bool failed, const std::string& msg, std::int64_t now) {
    if (stopped.load()) return;
    if (failed) {
      obs::log(obs::Level::warn, "redis_hub", "kick_presence_unread");
      broadcast_kick(msg);
      return;
    }
    std::vector<std::string> live;
    {
      std::lock_guard lock(mu);
      live = live_instances;
    }
    // The live list is only as good as the last instance list read: right
    // after start, or while `{serendip}` cannot be read, every member counts
    // as live (a kick to a dead inbox costs retries; one skipped costs a ban).
    const bool list_fresh = last_ok_mono_ms != 0 && deps.clock.now_ms() - last_ok_mono_ms <= 2 * kHeartbeatEveryMs;
    const std::int64_t grace = list_fresh ? 2 * RedisHub::kDeadAfterMs : std::numeric_limits<std::int64_t>::max();
    const auto plan = ss::plan_kick(replies, live, deps.instance_id, now, grace);
    for (std::size_t k = 0; k < keys.size(); ++k) {
      if (plan.stale[k].empty()) continue;
      std::vector<std::string_view> args{"ZREM", keys[k]};
      args.insert(args.end(), plan.stale[k].begin(), plan.stale[k].end());
      client(0).command(args, redis::CommandOptions::key_at(1, true), [](const redis::Reply&) {});
    }
    if (plan.broadcast) {
      broadcast_kick(msg);
      return;
    }
    for (const auto& i : plan.instances) {
      kicks_targeted.inc();
      publish(0, i, msg);
    }
  }

  void broadcast_kick(const std::string& msg) {
    std::vector<std::string> others;
    {
      std::lock_guard lock(mu);
      for (const auto& i : live_instances) {
        if (i != deps.instance_id) others.push_back(i);
      }
    }
    for (const auto& i : others) {
      if (msg.starts_with('K')) kicks_broadcast.inc();  // the counter is of kicks only
      publish(0, i, msg);
    }
  }

  // This instance's figures as the others read them. Under the lock.
  ss::InstanceFigures own_figures(std::int64_t unix_now) const {
    ss::InstanceFigures f;
    f.written_unix_ms = unix_now;
    f.online = members.size();
    std::map<std::pair<core::Mode, std::string>, std::size_t> by;
    for (const auto& [id, m] : members) {
      if (m.state == State::queued) {
        ++f.queued;
        for (const auto& l : m.queued_languages) ++by[{m.queued_mode, l}];
      } else if (m.state == State::in_session) {
        ++f.session_sides;
      }
    }
    f.queued_by_mode_language.assign(by.begin(), by.end());
    if (deps.call_counts) f.calls = deps.call_counts();
    if (match_samples.size() >= 2) {
      const auto& first = match_samples.front();
      const auto& last = match_samples.back();
      if (last.at_ms > first.at_ms) {
        f.matches_per_minute =
            static_cast<double>(last.made - first.made) * 60'000.0 / static_cast<double>(last.at_ms - first.at_ms);
      }
    }
    return f;
  }

  // The other live instances' figures (those of a dead one stay in the hash
  // until it is reaped). Live as the beat, on Redis' clock, says: the time
  // each instance wrote into its figures is its own clock's.
  void on_figures(const redis::Reply& r) {
    auto items = r.as_strings();
    if (!items || r.is_error()) return;
    std::lock_guard lock(mu);
    std::vector<ss::InstanceFigures> others;
    for (std::size_t i = 0; i + 1 < items->size(); i += 2) {
      const std::string& id = (*items)[i];
      if (id == deps.instance_id ||
          std::find(live_instances.begin(), live_instances.end(), id) == live_instances.end()) {
        continue;
      }
      if (auto f = ss::parse_figures((*items)[i + 1])) others.push_back(std::move(*f));
    }
    peer_figures = std::move(others);
    peer_figures_at_ms = deps.clock.now_ms();
  }

  // --- Liveness ----------------------------------------------------------------

  void heartbeat() {
    const std::int64_t now = deps.clock.unix_ms();
    redis::Client& c = client(0);
    // The beat is stamped with Redis' clock and the list read back in the
    // same script: whether an instance is alive is judged on one clock.
    std::vector<std::string_view> keys{kInstancesKey};
    std::vector<std::string_view> args{deps.instance_id};
    c.eval(beat_script, keys, args, redis::CommandOptions{},
           [self = shared_from_this()](const redis::Reply& r) { self->on_beat(r); });
    std::string figures;
    {
      std::lock_guard lock(mu);
      figures = ss::format_figures(own_figures(now));
    }
    // The session records live while this instance beats (a field written
    // later than this creates the key without a TTL until the next beat).
    c.command({"PEXPIRE", ss::sessions_key(deps.instance_id), std::to_string(ss::kSessionsTtlMs)},
              redis::CommandOptions::key_at(1, true), [](const redis::Reply&) {});
    c.command({"HSET", ss::kFiguresKey, deps.instance_id, figures}, redis::CommandOptions::key_at(1, true),
              [](const redis::Reply&) {});
    c.command({"HGETALL", ss::kFiguresKey}, redis::CommandOptions::key_at(1, true),
              [self = shared_from_this()](const redis::Reply& r) { self->on_figures(r); });
    // The dashboard's match-wait heatmap covers every instance: each writes
    // its own accumulators and merges the others' (a few lines per region).
    c.command({"HSET", kHeatmapKey, deps.instance_id, deps.match_waits.encode()},
              redis::CommandOptions::key_at(1, true), [](const redis::Reply&) {});
    c.command({"HGETALL", kHeatmapKey}, redis::CommandOptions::key_at(1, true),
              [self = shared_from_this()](const redis::Reply& r) { self->on_heatmaps(r); });
  }

  // The beat's answer: Redis' time, whether our entry was new, and every
  // instance's last beat (Redis ms).
  void on_beat(const redis::Reply& r) {
    auto items = r.as_strings();
    if (!items || r.is_error() || items->size() < 2 || items->size() % 2 != 0) return;
    auto now = ss::parse_int<std::int64_t>((*items)[0]);
    if (!now) return;
    // New after the first beat: Redis lost it (a restart or failover that
    // lost data) or another instance took this one for dead. Either way the
    // presence records may be gone too.
    if ((*items)[1] == "1" && beaten) {
      obs::log(obs::Level::warn, "redis_hub", "heartbeat_entry_lost");
      std::lock_guard lock(mu);
      rewrite_presence();
    }
    beaten = true;
    redis_offset_ms.store(*now - deps.clock.unix_ms(), std::memory_order_relaxed);
    on_instances(std::span(*items).subspan(2), *now);
  }

  void on_heatmaps(const redis::Reply& r) {
    auto items = r.as_strings();
    if (!items || r.is_error()) return;
    std::vector<std::string> others;
    for (std::size_t i = 0; i + 1 < items->size(); i += 2) {
      if ((*items)[i] != deps.instance_id) others.push_back(std::move((*items)[i + 1]));
    }
    deps.match_waits.set_others(others);
  }

  // `entries`: id, last beat, ... (Redis ms); `now`: Redis' time.
  void on_instances(std::span<const std::string> entries, std::int64_t now) {
    std::vector<std::string> live;
    std::vector<std::string> dead;
    for (std::size_t i = 0; i + 1 < entries.size(); i += 2) {
      auto score = ss::parse_int<std::int64_t>(entries[i + 1]);
      if (!score) continue;
      if (now - *score > kDeadAfterMs) {
        dead.push_back(entries[i]);
      } else {
        live.push_back(entries[i]);
      }
    }
    live_count.store(live.size(), std::memory_order_relaxed);
    // The instances our sessions' peers are on: each is dead once this
    // instance has not seen it alive for kDeadAfterMs, whether its entry went
    // stale or another instance already removed it (or Redis lost the set
    // and it has not beaten since: a restarted Redis gets every live
    // instance's beat within a second, well inside the window).
    // Beat times and `now` are Redis' clock, so this instance's own clock
    // being off changes nothing here.
    for (std::size_t i = 0; i + 1 < entries.size(); i += 2) {
      if (auto score = ss::parse_int<std::int64_t>(entries[i + 1])) {
        auto& seen = last_seen[entries[i]];
        seen = std::max(seen, *score);
      }
    }
    // After this instance itself could not reach Redis for a while, nobody
    // could beat: every peer instance gets the window again instead of
    // being declared dead for an outage they shared.
    if (last_ok_unix_ms != 0 && now - last_ok_unix_ms > 2 * kHeartbeatEveryMs) {
      for (auto& kv : last_seen) kv.second = std::max(kv.second, now);
    }
    last_ok_unix_ms = now;
    last_ok_mono_ms = deps.clock.now_ms();
    std::vector<std::string> gone;
    {
      std::lock_guard lock(mu);
      live_instances = live;
      for (const auto& [id, m] : members) {
        if (m.state != State::in_session || !m.remote) continue;
        auto [it, first] = last_seen.try_emplace(m.remote->instance, now);
        if (!first && now - it->second > kDeadAfterMs && std::find(gone.begin(), gone.end(), it->first) == gone.end()) {
          gone.push_back(it->first);
        }
      }
    }
    for (const std::string& g : gone) on_instance_dead(g);
    std::erase_if(last_seen, [&](const auto& kv) { return now - kv.second > 10 * kDeadAfterMs; });
    // Until every other instance lists this one (they read the list on their
    // own beat, up to a beat after ours), blocks they make are not broadcast
    // here: the block cache is invalidated on each of the first beats (it then
    // asks the database until it reloads), so none of them is missed.
    if (settle_beats > 0) {
      --settle_beats;
      if (deps.on_blocks_changed) deps.on_blocks_changed();
    }
    for (const std::string& d : dead) {
      if (d == deps.instance_id) continue;  // our own beat was late (a stall): not dead
      // Whoever removes it reaps its queue records (once, by one instance).
      client(0).command({"ZREM", kInstancesKey, d}, redis::CommandOptions::key_at(1),
                        [self = shared_from_this(), d](const redis::Reply& rr) {
                          if (rr.as_integer().value_or(0) == 1) {
                            self->dead_instances.inc();
                            obs::log(obs::Level::warn, "redis_hub", "instance_dead", {{"instance", d}});
                            for (core::Mode mode : kModes) self->reap(d, mode, "0");
                            // Its presence records are skipped by readers and removed by the next
                            // kick or write that meets them; its session records and figures go now.
                            self->client(0).command({"DEL", ss::sessions_key(d)},
                                                    redis::CommandOptions::key_at(1, true), [](const redis::Reply&) {});
                            self->client(0).command({"HDEL", ss::kFiguresKey, d},
                                                    redis::CommandOptions::key_at(1, true), [](const redis::Reply&) {});
                            self->client(0).command({"HDEL", kHeatmapKey, d}, redis::CommandOptions::key_at(1, true),
                                                    [](const redis::Reply&) {});
                          }
                        });
    }
  }

  // Partners held by a dead instance: their sessions end (peer_left disconnect).
  void on_instance_dead(const std::string& instance) {
    {
      std::lock_guard lock(mu);
      for (auto& [id, m] : members) {
        if (m.state == State::in_session && m.remote && m.remote->instance == instance) {
          remote_peer_left(m, core::LeaveReason::disconnect);
        }
      }
    }
    flush_ended();
  }

  void reap(const std::string& instance, core::Mode mode, const std::string& cursor) {
    auto call = ss::reap_call(mode, instance, cursor, kReapBatch);
    eval(0, reap_script, call, [self = shared_from_this(), instance, mode](const redis::Reply& r) {
      auto items = r.as_strings();
      if (!items || r.is_error() || items->empty()) return;
      if ((*items)[0] != "0") self->reap(instance, mode, (*items)[0]);
    });
  }

  // --- Periodic work (first worker) ------------------------------------------

  // A clean stop: out of the instance list, its figures, heatmap and session
  // records gone and its queue records reaped now, so the others neither
  // count it for the 3 s until it would look dead nor report it dead. First
  // worker only.
  void leave_cluster() {
    leaving.store(true);
    flush_exclusions();  // pairs reported since the last beat
    redis::Client& c = client(0);
    c.command({"ZREM", kInstancesKey, deps.instance_id}, redis::CommandOptions::key_at(1), [](const redis::Reply&) {});
    c.command({"HDEL", ss::kFiguresKey, deps.instance_id}, redis::CommandOptions::key_at(1),
              [](const redis::Reply&) {});
    c.command({"HDEL", kHeatmapKey, deps.instance_id}, redis::CommandOptions::key_at(1), [](const redis::Reply&) {});
    c.command({"DEL", ss::sessions_key(deps.instance_id)}, redis::CommandOptions::key_at(1),
              [](const redis::Reply&) {});
    for (core::Mode mode : kModes) reap(deps.instance_id, mode, "0");
    obs::log(obs::Level::info, "redis_hub", "left_cluster", {{"instance", deps.instance_id}});
  }

  // Whether Redis may evict our keys, and whether it has: INFO of every
  // master (first worker, every kMemoryCheckEveryMs). Logged when the set of
  // masters that may evict changes.
  void check_memory() {
    auto masters = client(0).masters();
    if (masters.empty()) return;
    struct Sum {
      std::size_t left = 0;
      std::int64_t evicted = 0;
      std::vector<std::string> may_evict;  // "host:port policy"
      bool complete = true;
    };
    auto sum = std::make_shared<Sum>();
    sum->left = masters.size();
    for (const auto& ep : masters) {
      redis::CommandOptions o;
      o.node = ep;
      client(0).command({"INFO", "memory", "stats"}, o, [self = shared_from_this(), sum, ep](const redis::Reply& r) {
        if (auto text = r.as_string(); text && !r.is_error()) {
          const auto info = redis::parse_memory_info(*text);
          sum->evicted += info.evicted_keys;
          if (info.may_evict()) sum->may_evict.push_back(ep.to_string() + " " + info.maxmemory_policy);
        } else {
          sum->complete = false;
        }
        if (--sum->left == 0 && sum->complete) self->on_memory(*sum);
      });
    }
  }

  template <class Sum>
  void on_memory(const Sum& sum) {
    evicted_keys.store(sum.evicted, std::memory_order_relaxed);
    masters_may_evict.store(static_cast<std::int64_t>(sum.may_evict.size()), std::memory_order_relaxed);
    std::string nodes;
    for (const auto& n : sum.may_evict) nodes += (nodes.empty() ? "" : ", ") + n;
    if (nodes == evicting_nodes) return;
    evicting_nodes = nodes;
    if (nodes.empty()) {
      obs::log(obs::Level::info, "redis_hub", "redis_eviction_off");
    } else {
      obs::log(obs::Level::warn, "redis_hub", "redis_may_evict",
               {{"masters", nodes},
                {"hint",
                 "set maxmemory-policy noeviction: queues, presence and abuse state are live data, and an "
                 "evicted key loses a waiting user or a rate limit"}});
    }
  }

  void on_tick() {
    // Stopping: no beats, session records, presence or searches after the
    // instance left the cluster (they would outlive it in Redis).
    if (leaving.load()) return;
    const std::int64_t now = deps.clock.now_ms();
    const std::int64_t unix_now = shared_now();  // for enqueue times, which are on the shared clock
    if (now - last_memory_check_ms >= kMemoryCheckEveryMs && client(0).healthy()) {
      last_memory_check_ms = now;
      check_memory();
    }
    if (now - last_beat_ms >= kHeartbeatEveryMs) {
      last_beat_ms = now;
      heartbeat();
      flush_exclusions();
    }
    if (now - last_reported_upkeep_ms >= kReportedUpkeepEveryMs && client(0).healthy()) {
      last_reported_upkeep_ms = now;
      reported_upkeep();
    }
    flush_sessions();
    // Ready when every worker's connection is up, not only this one's: a join
    // lands on the worker of its socket, and would be refused while that
    // worker's client is still reconnecting.
    bool ok = subscriber && subscriber->healthy() && probe && probe->probe_ok();
    for (const auto& lane : lanes) ok = ok && lane.client->healthy();
    if (ok != ready_flag.load()) {
      obs::log(ok ? obs::Level::info : obs::Level::warn, "redis_hub", ok ? "redis_ready" : "redis_not_ready");
    }
    ready_flag.store(ok);

    // Widening and periodic searches, each on the member's own worker.
    DeferredList work;
    {
      std::lock_guard lock(mu);
      std::size_t presence_writes = 0;
      for (auto& [id, m] : members) {
        if (m.presence_due_ms <= now && presence_writes < kPresenceWritesPerTick) {
          ++presence_writes;
          touch_presence(id, m, work);
        }
        if (m.state == State::queued && m.missing_since_ms != 0 && now - m.missing_since_ms >= 1'000) {
          obs::log(obs::Level::warn, "redis_hub", "queue_record_lost", {{"participant", std::int64_t(id)}});
          ++m.op;
          m.enqueued_ms = 0;
          send_join(id, m, false, std::nullopt, work);
          continue;
        }
        if (m.state != State::queued || m.enqueued_ms == 0) continue;
        const bool widen =
            !m.widened && !m.prefs.region.empty() && unix_now - m.enqueued_ms >= deps.matchmaker.widen_region_after_ms;
        if (widen) m.widened = true;
        if (!widen && now - m.searched_ms < kResearchEveryMs) continue;
        send_join(id, m, true, std::nullopt, work);
      }
      while (!match_samples.empty() && match_samples.front().at_ms < now - 60'000) match_samples.pop_front();
      match_samples.push_back({now, matches_total, matches_made});
    }
    std::vector<Outgoing> none;
    run(work, none);
    deps.recent.prune(unix_now);
  }

  // Reported pairs into every mode's set, a chunk per ZADD (GT: a pair
  // reported again keeps the later end). First worker only.
  void flush_exclusions() {
    std::vector<Exclusion> pairs;
    {
      std::lock_guard lock(mu);
      pairs.swap(pending_exclusions);
    }
    for (core::Mode mode : kModes) add_reported(mode, pairs);
  }

  // ZADD GT of pairs[at, end) into `mode`'s reported set; `done` gets the reply.
  void add_reported_chunk(core::Mode mode, const std::vector<Exclusion>& pairs, std::size_t at, std::size_t end,
                          redis::Callback done) {
    const std::string key = ss::reported_key(mode);
    std::vector<std::string> cmd{"ZADD", key, "GT"};
    cmd.reserve(3 + 2 * (end - at));
    for (std::size_t i = at; i < end; ++i) {
      cmd.push_back(std::to_string(pairs[i].until_ms));
      cmd.push_back(pairs[i].member);
    }
    const std::vector<std::string_view> views(cmd.begin(), cmd.end());
    client(0).command(views, redis::CommandOptions::key_at(1, true), std::move(done));
  }

  // Pairs reported here since the last flush: a chunk that fails goes back to
  // pending_exclusions for the next beat.
  void add_reported(core::Mode mode, const std::vector<Exclusion>& pairs) {
    for (std::size_t at = 0; at < pairs.size(); at += kReportedAddChunk) {
      const std::size_t end = std::min(pairs.size(), at + kReportedAddChunk);
      std::vector<Exclusion> chunk(pairs.begin() + static_cast<std::ptrdiff_t>(at),
                                   pairs.begin() + static_cast<std::ptrdiff_t>(end));
      add_reported_chunk(mode, pairs, at, end,
                         [self = shared_from_this(), mode, chunk = std::move(chunk)](const redis::Reply& r) mutable {
                           if (!r.is_error()) {
                             self->remember_written(mode, std::move(chunk));  // for the restore
                             return;
                           }
                           std::lock_guard lock(self->mu);
                           // Into one mode only would do; every mode again is harmless (GT).
                           for (auto& e : chunk) self->pending_exclusions.push_back(std::move(e));
                         });
    }
  }

  // Pairs this instance wrote, listed for kReportedRestoreWindowMs and added
  // again at every upkeep (first worker only): Redis answers a write before
  // its replica has it, so a failover can lose a report that was answered,
  // under a marker that says the set is whole.
  struct Written {
    core::Mode mode;
    Exclusion pair;
    std::int64_t at_ms = 0;  // monotonic
  };
  static constexpr std::size_t kWrittenMax = 200'000;  // ~40/s per instance for the window; the oldest go first

  void remember_written(core::Mode mode, std::vector<Exclusion> chunk) {
    const std::int64_t now = deps.clock.now_ms();
    for (auto& e : chunk) written_pairs.push_back({mode, std::move(e), now});
    while (written_pairs.size() > kWrittenMax) written_pairs.pop_front();
  }

  // Adds the listed pairs of `modes` again; ZADD answers how many were new,
  // that is, lost since they were written.
  void restore_written(const std::vector<core::Mode>& modes) {
    const std::int64_t now = deps.clock.now_ms();
    while (!written_pairs.empty() && now - written_pairs.front().at_ms > kReportedRestoreWindowMs) {
      written_pairs.pop_front();
    }
    for (core::Mode mode : modes) {
      auto pairs = std::make_shared<std::vector<Exclusion>>();
      for (const auto& w : written_pairs) {
        if (w.mode == mode) pairs->push_back(w.pair);
      }
      for (std::size_t at = 0; at < pairs->size(); at += kReportedAddChunk) {
        const std::size_t end = std::min(pairs->size(), at + kReportedAddChunk);
        add_reported_chunk(mode, *pairs, at, end, [self = shared_from_this(), mode, pairs](const redis::Reply& r) {
          const auto added = r.is_error() ? std::nullopt : r.as_integer();
          if (!added || *added <= 0) return;
          self->reported_restored.inc(static_cast<std::uint64_t>(*added));
          obs::log(obs::Level::warn, "redis_hub", "reported_pairs_restored",
                   {{"mode", core::to_string(mode)},
                    {"pairs", *added},
                    {"hint", "Redis lost reported pairs it had acknowledged (a failover); added again"}});
        });
      }
    }
  }

  // A load from the database into Redis: its chunks go out a few at a time
  // (a large window is millions of pairs: neither the I/O thread nor the
  // connection's buffers take them at once); the marker only once every
  // chunk was answered without an error, so a load that failed anywhere is
  // made again at a later upkeep (ZADD GT makes that harmless).
  struct ReportedLoad {
    std::vector<core::Mode> modes;
    std::vector<Exclusion> pairs;
    std::size_t chunks_per_mode = 0;
    std::size_t next = 0;  // over modes x chunks
    std::size_t in_flight = 0;
    bool failed = false;
  };

  void pump_reported_load(const std::shared_ptr<ReportedLoad>& load) {
    const std::size_t total = load->modes.size() * load->chunks_per_mode;
    while (!load->failed && load->in_flight < kReportedLoadInFlight && load->next < total) {
      const std::size_t task = load->next++;
      const core::Mode mode = load->modes[task / load->chunks_per_mode];
      const std::size_t at = (task % load->chunks_per_mode) * kReportedAddChunk;
      const std::size_t end = std::min(load->pairs.size(), at + kReportedAddChunk);
      ++load->in_flight;
      add_reported_chunk(mode, load->pairs, at, end, [self = shared_from_this(), load](const redis::Reply& r) {
        --load->in_flight;
        if (r.is_error()) load->failed = true;
        self->pump_reported_load(load);
      });
    }
    if (load->in_flight > 0 || (!load->failed && load->next < total)) return;
    std::string names;
    for (core::Mode mode : load->modes) names += (names.empty() ? "" : ",") + std::string(core::to_string(mode));
    if (load->failed) {
      obs::log(obs::Level::error, "redis_hub", "reported_pairs_load_failed", {{"modes", names}, {"cause", "redis"}});
    } else {
      // The same connection, after every chunk's answer: the marker says the whole load is in.
      const std::vector<Exclusion> marker{{std::string(ss::kReportedLoadedMember), ss::kReportedForeverMs}};
      for (core::Mode mode : load->modes) add_reported_chunk(mode, marker, 0, 1, [](const redis::Reply&) {});
      obs::log(obs::Level::info, "redis_hub", "reported_pairs_loaded",
               {{"modes", names}, {"pairs", static_cast<std::int64_t>(load->pairs.size())}});
      // The lock stays until it expires: an instance whose upkeep saw the
      // marker missing just before it was written cannot load the pairs again.
      // (Lost with the pairs when Redis loses its data.)
      reported_loading = false;
      return;
    }
    client(0).command({"DEL", std::string(kReportedLoadLockKey)}, redis::CommandOptions::key_at(1),
                      [self = shared_from_this()](const redis::Reply&) { self->reported_loading = false; });
  }

  // A pair reported at `at_ms` (unix) stays apart until this (shared clock).
  std::int64_t reported_until(std::int64_t at_ms) const {
    if (deps.reported_pair_window_ms <= 0) return ss::kReportedForeverMs;
    return std::min(ss::kReportedForeverMs, at_ms + deps.reported_pair_window_ms);
  }

  // Every kReportedUpkeepEveryMs, first worker: reported.lua on each mode,
  // then a load from the database when a mode's set lost its marker (a fresh
  // Redis, or one that lost its data).
  void reported_upkeep() {
    const std::int64_t now = shared_now();
    auto missing = std::make_shared<std::vector<core::Mode>>();
    auto answered = std::make_shared<std::size_t>(0);
    auto counted = std::make_shared<std::int64_t>(0);
    for (core::Mode mode : kModes) {
      eval(0, reported_script, ss::reported_upkeep_call(mode, now, reported_until(now), kReportedMovePerCall),
           [self = shared_from_this(), mode, missing, answered, counted](const redis::Reply& r) {
             ++*answered;
             auto strings = r.is_error() ? std::nullopt : r.as_strings();
             auto upkeep = strings ? ss::parse_reported_upkeep(*strings) : std::nullopt;
             if (upkeep) {
               *counted = std::max(*counted, upkeep->pairs);
               if (!upkeep->loaded) missing->push_back(mode);
               if (upkeep->moved > 0) {
                 obs::log(obs::Level::info, "redis_hub", "reported_pairs_moved",
                          {{"mode", core::to_string(mode)}, {"pairs", upkeep->moved}});
               }
             }
             if (*answered < kModes.size()) return;
             self->reported_pairs.store(*counted, std::memory_order_relaxed);
             if (!missing->empty()) self->load_reported(*missing);
             // The modes whose marker was there get this instance's recent pairs again
             // (a mode whose upkeep failed too: ZADD GT changes nothing that is there).
             std::vector<core::Mode> whole;
             for (core::Mode m : kModes) {
               if (std::find(missing->begin(), missing->end(), m) == missing->end()) whole.push_back(m);
             }
             self->restore_written(whole);
           });
    }
  }

  // The database's reported pairs (within the window) into the modes whose
  // set lost them, by one instance at a time (a lock key). First worker.
  void load_reported(const std::vector<core::Mode>& modes) {
    if (!deps.load_reported_pairs || reported_loading.exchange(true)) return;
    client(0).command(
        {"SET", std::string(kReportedLoadLockKey), deps.instance_id, "NX", "PX", std::to_string(kReportedLoadLockMs)},
        redis::CommandOptions::key_at(1), [self = shared_from_this(), modes](const redis::Reply& r) {
          if (r.is_error() || r.is_nil()) {  // another instance is at it, or Redis failed: the next upkeep looks again
            self->reported_loading = false;
            return;
          }
          const std::int64_t since =
              self->deps.reported_pair_window_ms > 0 ? self->shared_now() - self->deps.reported_pair_window_ms : 0;
          std::weak_ptr<Impl> weak = self;
          self->deps.load_reported_pairs(since, [weak, modes](std::optional<std::vector<store::ReportedPair>> got) {
            auto s = weak.lock();
            if (!s) return;
            s->on_worker(0, [s, modes, got = std::move(got)]() { s->store_reported(modes, got); });
          });
        });
  }

  void store_reported(const std::vector<core::Mode>& modes,
                      const std::optional<std::vector<store::ReportedPair>>& got) {
    if (!got) {
      obs::log(obs::Level::error, "redis_hub", "reported_pairs_load_failed", {{"cause", "database"}});
      client(0).command({"DEL", std::string(kReportedLoadLockKey)}, redis::CommandOptions::key_at(1),
                        [self = shared_from_this()](const redis::Reply&) { self->reported_loading = false; });
      return;
    }
    const std::int64_t now = shared_now();
    auto load = std::make_shared<ReportedLoad>();
    load->modes = modes;
    load->pairs.reserve(got->size());
    for (const auto& p : *got) {
      const std::int64_t until = reported_until(p.last_at);
      if (until > now) load->pairs.push_back({ss::pair_member(p.reporter_device, p.reported_device), until});
    }
    load->chunks_per_mode = (load->pairs.size() + kReportedAddChunk - 1) / kReportedAddChunk;
    pump_reported_load(load);
  }

  RedisHubDeps deps;
  redis::Script join_script, leave_script, reap_script, beat_script, presence_script, reported_script;
  obs::Counter& reported_restored;
  obs::Counter& cross_relays;
  obs::Counter& cross_relays_in;
  obs::Counter& dead_instances;
  obs::Counter& unavailable;
  obs::Counter& redelivered;
  obs::Counter& undelivered;
  obs::Counter& kicks_targeted;
  obs::Counter& kicks_broadcast;
  std::array<obs::Counter*, kInboxKinds.size()> inbox_received{};

  std::vector<Lane> lanes;
  std::unique_ptr<redis::Subscriber> subscriber;  // first worker
  std::unique_ptr<redis::InboxProbe> probe;       // first worker
  std::atomic<bool> stopped{false};
  std::atomic<bool> leaving{false};              // left the cluster (a clean stop): no more beats
  std::atomic<std::int64_t> redis_offset_ms{0};  // Redis' clock minus ours, at the last beat (see shared_now)
  std::atomic<bool> ready_flag{false};
  std::atomic<std::size_t> live_count{0};
  std::int64_t last_beat_ms = 0;                                                     // first worker only
  std::int64_t last_memory_check_ms = std::numeric_limits<std::int64_t>::min() / 2;  // first worker only
  std::string evicting_nodes;                                                        // first worker only
  std::atomic<std::int64_t> evicted_keys{0};
  std::atomic<std::int64_t> masters_may_evict{0};
  // Instance id -> its latest heartbeat seen (unix ms); first worker only.
  std::unordered_map<std::string, std::int64_t> last_seen;
  std::int64_t last_ok_unix_ms = 0;  // the last instance list read (Redis' clock, ms); first worker only
  std::int64_t last_ok_mono_ms = 0;  // the same read on this instance's monotonic clock; first worker only
  bool beaten = false;               // a heartbeat got through once; first worker only

  mutable std::mutex mu;
  std::unordered_map<core::ParticipantId, Member> members;  // guarded by mu
  std::vector<Ended> ended;                                 // guarded by mu
  std::vector<std::string> live_instances;                  // guarded by mu
  int settle_beats = 3;                       // heartbeats after start that invalidate the block cache (worker 0)
  std::vector<Exclusion> pending_exclusions;  // guarded by mu
  std::deque<Written> written_pairs;          // first worker only
  std::atomic<bool> reported_loading{false};
  std::atomic<std::int64_t> reported_pairs{0};
  std::int64_t last_reported_upkeep_ms = std::numeric_limits<std::int64_t>::min() / 2;  // first worker only
  std::uint64_t next_serial = 1;                                                        // guarded by mu
  std::uint64_t matches_total = 0;                                                      // guarded by mu
  struct MatchSample {
    std::int64_t at_ms = 0;
    std::uint64_t total = 0;  // matches this instance took part in
    std::uint64_t made = 0;   // matches its scripts made (a match across instances counts on one only)
  };
  std::deque<MatchSample> match_samples;                          // guarded by mu
  std::uint64_t matches_made = 0;                                 // guarded by mu
  std::unordered_map<std::string, std::string> sessions_started;  // guarded by mu: not written yet
  std::vector<std::string> sessions_ended;                        // guarded by mu: not deleted yet
  // The other live instances' figures, as of the last heartbeat's read.
  std::vector<ss::InstanceFigures> peer_figures;  // guarded by mu
  std::int64_t peer_figures_at_ms = 0;            // monotonic ms of their read; guarded by mu
};

RedisHub::RedisHub(RedisHubDeps deps) : impl_(std::make_shared<Impl>(std::move(deps))) {}

RedisHub::~RedisHub() { stop(); }

const std::string& RedisHub::instance_id() const { return impl_->deps.instance_id; }

void RedisHub::start(std::span<Worker* const> workers) {
  auto& im = *impl_;
  for (Worker* w : workers) {
    Impl::Lane lane;
    lane.worker = w;
    auto cfg = im.deps.redis;
    cfg.client_name = "serendip-" + im.deps.instance_id + "-w" + std::to_string(w->index());
    lane.client = std::make_unique<redis::Client>(w->io(), std::move(cfg), im.deps.redis_metrics);
    im.lanes.push_back(std::move(lane));
  }
  for (auto& lane : im.lanes) {
    boost::asio::post(lane.worker->io(), [owner = impl_.get(), client = lane.client.get()] {
      t_lane_owner = owner;
      t_lane_client = client;
    });
  }
  // The inbox is served on the first worker (sessions on other workers are
  // reached through their relay inbox or executor).
  im.subscriber = std::make_unique<redis::Subscriber>(*im.lanes[0].client);
  const std::string inbox = inbox_of(im.deps.instance_id);
  im.subscriber->subscribe(inbox, [w = std::weak_ptr<Impl>(impl_)](std::string_view, std::string_view payload) {
    if (auto self = w.lock()) self->on_inbox(payload);
  });
  im.probe = std::make_unique<redis::InboxProbe>(*im.lanes[0].client, *im.subscriber, inbox);
  obs::log(obs::Level::info, "redis_hub", "started",
           {{"instance", im.deps.instance_id}, {"workers", static_cast<std::int64_t>(workers.size())}});
}

void RedisHub::finish(std::function<void()> done) {
  auto& im = *impl_;
  if (im.lanes.empty() || im.stopped.load()) return done();
  // No more beats, searches or queue writes from here. First every worker's
  // client answers what it had sent (the last sockets' leaves and peer_left
  // messages, a beat in flight); then the first worker leaves the cluster
  // and, once that is answered too, `done` runs. Leaving last means nothing
  // written before can bring this instance's records back after the reap.
  im.leaving.store(true);
  struct Countdown {
    std::atomic<std::size_t> left;
    std::function<void()> then;
  };
  auto countdown = std::make_shared<Countdown>();
  countdown->left.store(im.lanes.size());
  countdown->then = [&im, done = std::move(done)] {
    im.on_worker(0, [&im, done] {
      im.leave_cluster();
      im.client(0).when_idle(done);
    });
  };
  for (std::size_t i = 0; i < im.lanes.size(); ++i) {
    im.on_worker(i, [&im, i, countdown] {
      im.client(i).when_idle([countdown] {
        if (countdown->left.fetch_sub(1) == 1) countdown->then();
      });
    });
  }
}

void RedisHub::stop() {
  auto& im = *impl_;
  if (im.stopped.exchange(true)) return;
  im.probe.reset();
  im.subscriber.reset();
  for (auto& lane : im.lanes) lane.client.reset();
}

bool RedisHub::ready() const { return impl_->ready_flag.load(); }

std::int64_t RedisHub::shared_now_ms() const { return impl_->shared_now(); }

void RedisHub::post(std::function<void()> fn) const {
  if (!impl_->lanes.empty()) impl_->on_worker(0, std::move(fn));
}

redis::Client* RedisHub::client_here() const {
  if (t_lane_owner != impl_.get() || impl_->stopped.load()) return nullptr;
  return t_lane_client;
}

void RedisHub::connect(core::ParticipantId id, store::Party who, std::shared_ptr<WsSessionBase> session) {
  auto& im = *impl_;
  Impl::DeferredList after;
  std::vector<Impl::Outgoing> none;
  {
    std::lock_guard lock(im.mu);
    Impl::Member m;
    m.worker = session->worker().index();
    m.session = std::move(session);
    m.who = std::move(who);
    auto [it, added] = im.members.emplace(id, std::move(m));
    if (!added) return;
    im.touch_presence(id, it->second, after);
  }
  im.run(after, none);
}

void RedisHub::join(core::ParticipantId id, core::Preferences prefs, std::optional<std::int64_t> re) {
  auto& im = *impl_;
  Impl::DeferredList after;
  std::vector<Impl::Outgoing> out;
  {
    std::lock_guard lock(im.mu);
    auto it = im.members.find(id);
    if (it == im.members.end()) return;
    Impl::Member& m = it->second;
    ++m.op;
    if (m.state == Impl::State::in_session) im.end_session(id, m, core::LeaveReason::next, false, out);
    // Queued in another mode: out of that queue first (its records are in another slot).
    if (m.state == Impl::State::queued && m.queued_mode != prefs.mode) {
      im.send_leave(m, id, after);
      m.state = Impl::State::idle;
      m.enqueued_ms = 0;
    }
    if (m.state != Impl::State::queued) m.enqueued_ms = 0;
    m.prefs = std::move(prefs);
    m.joined = true;
    im.send_join(id, m, false, re, after);
  }
  im.run(after, out);
}

bool RedisHub::next(core::ParticipantId id, std::optional<std::int64_t> re) {
  auto& im = *impl_;
  Impl::DeferredList after;
  std::vector<Impl::Outgoing> out;
  {
    std::lock_guard lock(im.mu);
    auto it = im.members.find(id);
    if (it == im.members.end() || !it->second.joined) return false;
    Impl::Member& m = it->second;
    ++m.op;
    if (m.state == Impl::State::in_session) im.end_session(id, m, core::LeaveReason::next, false, out);
    if (m.state != Impl::State::queued) m.enqueued_ms = 0;
    // Queued already: the search runs again and the place in line is kept.
    im.send_join(id, m, false, re, after);
  }
  im.run(after, out);
  return true;
}

void RedisHub::leave(core::ParticipantId id, std::optional<std::int64_t> re) {
  auto& im = *impl_;
  Impl::DeferredList after;
  std::vector<Impl::Outgoing> out;
  {
    std::lock_guard lock(im.mu);
    auto it = im.members.find(id);
    if (it == im.members.end()) return;
    Impl::Member& m = it->second;
    im.leave_any(id, m, core::LeaveReason::leave, after, out);
    m.enqueued_ms = 0;
    auto s = m.session;
    boost::asio::post(s->executor(), [s, re] { s->on_left(re); });
  }
  im.run(after, out);
}

void RedisHub::disconnect(core::ParticipantId id) {
  auto& im = *impl_;
  Impl::DeferredList after;
  std::vector<Impl::Outgoing> out;
  std::shared_ptr<WsSessionBase> gone;
  {
    std::lock_guard lock(im.mu);
    auto it = im.members.find(id);
    if (it == im.members.end()) return;
    Impl::Member& m = it->second;
    im.leave_any(id, m, core::LeaveReason::disconnect, after, out);
    if (auto keys = ss::presence_keys(m.who.device_key, m.who.ip); !keys.empty()) {
      after.push_back({m.worker, [&im, worker = m.worker, member = im.ticket(id), keys = std::move(keys)] {
                         for (const auto& key : keys) {
                           im.client(worker).command({"ZREM", key, member}, redis::CommandOptions::key_at(1, true),
                                                     [](const redis::Reply&) {});
                         }
                       }});
    }
    gone = std::move(m.session);
    im.members.erase(it);
  }
  if (im.stopped.load()) return;
  im.run(after, out);
}

void RedisHub::tick() {
  if (impl_->stopped.load() || impl_->lanes.empty()) return;
  impl_->on_tick();
}

void RedisHub::exclude_pair(const std::string& device_a, const std::string& device_b, std::int64_t until_unix_ms) {
  auto& im = *impl_;
  const std::int64_t until = std::min(until_unix_ms, ss::kReportedForeverMs);
  std::lock_guard lock(im.mu);
  im.pending_exclusions.push_back({ss::pair_member(device_a, device_b), until});
}

std::size_t RedisHub::kick_blocked(const store::Block& block) {
  auto& im = *impl_;
  const std::size_t kicked = im.kick_local(block);
  // The other instances kick theirs.
  std::string msg = "K\t";
  msg += block.ip;
  msg += '\t';
  msg += block.device_key;
  msg += '\t';
  msg += block.expires_at ? std::to_string(*block.expires_at) : std::string("-");
  msg += '\t';
  msg += block.reason;
  if (!im.lanes.empty()) {
    im.on_worker(0, [self = impl_.get(), keys = ss::presence_keys(block.device_key, block.ip),
                     msg = std::move(msg)]() mutable { self->send_kick(std::move(keys), std::move(msg)); });
  }
  return kicked;
}

void RedisHub::blocks_changed() {
  auto& im = *impl_;
  if (im.lanes.empty()) return;
  // Every live instance (their caches hold every block, not only their sockets').
  im.on_worker(0, [self = impl_.get()] { self->broadcast_kick("B"); });
}

core::MatchmakerStats RedisHub::stats() const {
  auto& im = *impl_;
  std::lock_guard lock(im.mu);
  core::MatchmakerStats st;
  st.participants = im.members.size();
  std::size_t local_pair_sides = 0;
  std::map<std::pair<core::Mode, std::string>, std::size_t> by;
  for (const auto& [id, m] : im.members) {
    if (m.state == Impl::State::queued) {
      ++st.queued;
      for (const auto& l : m.queued_languages) ++by[{m.queued_mode, l}];
    } else if (m.state == Impl::State::in_session) {
      if (m.local_peer != 0) {
        ++local_pair_sides;
      } else {
        ++st.active_sessions;
      }
    }
  }
  st.active_sessions += local_pair_sides / 2;
  st.matches_total = im.matches_total;
  st.queued_by_mode_language.assign(by.begin(), by.end());
  return st;
}

std::size_t RedisHub::online() const {
  std::lock_guard lock(impl_->mu);
  return impl_->members.size();
}

double RedisHub::matches_per_minute() const {
  auto& im = *impl_;
  std::lock_guard lock(im.mu);
  if (im.match_samples.size() < 2) return 0;
  const auto& first = im.match_samples.front();
  const auto& last = im.match_samples.back();
  if (last.at_ms <= first.at_ms) return 0;
  return static_cast<double>(last.total - first.total) * 60'000.0 / static_cast<double>(last.at_ms - first.at_ms);
}

std::optional<ClusterFigures> RedisHub::cluster_figures() const {
  auto& im = *impl_;
  const std::int64_t now = im.deps.clock.unix_ms();
  std::vector<ss::InstanceFigures> all;
  {
    std::lock_guard lock(im.mu);
    all.push_back(im.own_figures(now));
    // Read within the window (not while Redis is out of reach).
    if (im.deps.clock.now_ms() - im.peer_figures_at_ms <= kDeadAfterMs) {
      all.insert(all.end(), im.peer_figures.begin(), im.peer_figures.end());
    }
  }
  const auto sum = ss::sum_figures(all);
  return ClusterFigures{.instances = sum.instances,
                        .online = sum.online,
                        .queued = sum.queued,
                        .active_sessions = sum.active_sessions,
                        .matches_per_minute = sum.matches_per_minute,
                        .queued_by_mode_language = sum.queued_by_mode_language,
                        .ice_connected = sum.calls.ice_connected,
                        .ice_failed = sum.calls.ice_failed,
                        .ice_relay = sum.calls.ice_relay,
                        .shield_blurs = sum.calls.shield_blurs};
}

bool RedisHub::relay_remote(WsSessionBase& from, std::string_view frame) {
  const RemotePeer* peer = from.remote_peer();
  if (peer == nullptr) return false;
  auto& im = *impl_;
  if (im.stopped.load()) return false;
  std::string msg;
  msg.reserve(frame.size() + 64);
  msg += "R\t";
  msg += std::to_string(peer->id);
  msg += '\t';
  msg += peer->session_id;
  msg += '\n';
  msg += frame;
  im.cross_relays.inc();
  im.publish(from.worker().index(), peer->instance, std::move(msg));
  return true;
}

}  // namespace serendip::net
