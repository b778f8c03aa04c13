// RedisHub: matchmaking shared by several instances through Redis.
//
// The queues live in Redis and every pairing is one atomic script
// (shared_state/lua/match_join.lua): a waiting socket on any instance can be
// matched by a joiner on any other. This instance keeps only its own sockets:
// their state, their session, and where their peer is. A peer on this
// instance is reached directly, as in the one-process Hub (the relay path does
// not touch Redis); a peer on another instance through that instance's inbox,
// a sharded pub/sub channel `inbox:{<instance id>}` that only it subscribes
// to: one hop, in order per sender.
//
// Each worker has its own Redis client on its own event loop (no lock, no
// blocking call on an I/O thread); a socket's commands use its worker's
// client, so they reach Redis in the order the socket sent them.
//
// Liveness: every instance refreshes its score in `{serendip}:instances`
// each second. An instance not heard from for kDeadAfterMs is dead: the
// partners it held are told `peer_left` (disconnect) and its waiting sockets
// leave the queues (match_reap.lua). Redis unreachable: join/next answer
// `unavailable` with a retry hint, sockets stay open, /readyz turns red until
// the clients and the inbox probe recover by themselves.
//
// Presence: each socket is recorded under its device key and its address
// (`presence:device:{<device>}`, `presence:ip:{<ip>}`, members
// `<instance>/<participant>`, with TTLs; shared_state/presence.hpp), so that a
// ban made on any instance sends K to the instances holding the banned
// sockets and no other. When the records cannot be read (Redis error, or a
// key at the read cap) the kick goes to every live instance instead: a ban is
// never lost. Each instance keeps `sessions:{<instance>}`: the calls it holds
// a side of (both tickets, start), written in batches each tick.
//
// Figures: every heartbeat also writes this instance's live figures to
// `{serendip}:figures` and reads the others', so cluster_figures() can answer
// for the whole service without a Redis call.
//
// Inbox messages (text, tab-separated header; a relayed frame follows a newline):
//   M <to> <session> <role> <waited_ms> <peer ticket> <peer record>   matched
//   L <to> <session> <reason>                                          peer_left
//   Q <to>                                                             requeue (a match it never saw fell through)
//   R <to> <session>\n<frame>                                          relayed offer/answer/ice
//   K <ip> <device> <until_unix_ms|-> <reason>                         kick a blocked IP/device
//   B                                                                  blocks changed: drop the block cache (the
//   instances
//                                                                      its presence names)
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/matchmaker.hpp"
#include "moderation/match_wait_heatmap.hpp"
#include "net/match_hub.hpp"
#include "net/metrics.hpp"
#include "net/recent_sessions.hpp"
#include "obs/metrics.hpp"
#include "redis/config.hpp"
#include "shared_state/cluster_figures.hpp"
#include "store/model.hpp"

namespace serendip::redis {
class Client;
struct Metrics;
}  // namespace serendip::redis

namespace serendip::net {

struct RedisHubDeps {
  core::MatchmakerConfig matchmaker;
  redis::Config redis;
  std::string instance_id;                    // unique per process: [0-9a-z]+
  const core::Clock& clock;                   // Passed by argument.
  NetMetrics& metrics;                        // Passed by argument.
  obs::Registry& registry;                    // Passed by argument: the hub registers its own figures.
  redis::Metrics* redis_metrics;              // Passed by argument; may be null.
  RecentSessions& recent;                     // Passed by argument.
  moderation::MatchWaitHeatmap& match_waits;  // Passed by argument.
  // Called outside the hub's lock for each side of a finished session that is
  // on this instance (identity, length in milliseconds). May be empty.
  std::function<void(const store::Party&, std::int64_t)> on_session_end;
  // Another instance's blocks changed (its `B` message), on the first
  // worker's thread. May be empty.
  std::function<void()> on_blocks_changed;
  // This instance's client-reported call outcomes so far (ICE connected,
  // failed, relayed; shield blurs), published with its figures so that every
  // dashboard shows the whole service's ratios. May be empty.
  std::function<shared_state::CallCounts()> call_counts;
  // How long a reported pair stays apart after its last report (0: for good).
  std::int64_t reported_pair_window_ms = 0;
  // Reads the pairs reported at or after `since_unix_ms` from the database,
  // off the I/O threads, and calls `done` with them (nullopt: the database
  // failed) on any thread. Run when Redis holds no reported pairs (a fresh
  // or emptied Redis), by one instance at a time. May be empty.
  std::function<void(std::int64_t since_unix_ms,
                     std::function<void(std::optional<std::vector<store::ReportedPair>>)> done)>
      load_reported_pairs;
};

class RedisHub final : public MatchHub {
 public:
  explicit RedisHub(RedisHubDeps deps);
  ~RedisHub() override;
  RedisHub(const RedisHub&) = delete;
  RedisHub& operator=(const RedisHub&) = delete;

  // An instance is dead when its heartbeat is older than this.
  static constexpr std::int64_t kDeadAfterMs = 3'000;

  void connect(core::ParticipantId id, store::Party who, std::shared_ptr<WsSessionBase> session) override;
  void join(core::ParticipantId id, core::Preferences prefs, std::optional<std::int64_t> re) override;
  bool next(core::ParticipantId id, std::optional<std::int64_t> re) override;
  void leave(core::ParticipantId id, std::optional<std::int64_t> re) override;
  void disconnect(core::ParticipantId id) override;
  void tick() override;

  void exclude_pair(const std::string& device_a, const std::string& device_b, std::int64_t until_unix_ms) override;
  std::size_t kick_blocked(const store::Block& block) override;
  void blocks_changed() override;

  core::MatchmakerStats stats() const override;
  std::size_t online() const override;
  double matches_per_minute() const override;
  // Every live instance's figures as of its last heartbeat (this one's as of now).
  std::optional<ClusterFigures> cluster_figures() const override;

  bool relay_remote(WsSessionBase& from, std::string_view frame) override;
  void start(std::span<Worker* const> workers) override;
  void finish(std::function<void()> done) override;
  void stop() override;
  bool ready() const override;
  // Unix ms on the clock the instances share (Redis' TIME, tracked at each
  // heartbeat): for every time written into or compared with shared state.
  std::int64_t shared_now_ms() const;

  const std::string& instance_id() const;
  // The Redis client of the worker whose thread calls this (for other shared
  // state: rate limits, the abuse detector); null on any other thread, before
  // start() reached the worker, and after stop(). Use it on this thread only.
  redis::Client* client_here() const;
  // Runs `fn` on the first worker's thread (where client_here() answers), for
  // callers on other threads. Dropped before start() and after stop().
  void post(std::function<void()> fn) const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// A random instance id (16 lowercase hex characters).
std::string make_instance_id();

}  // namespace serendip::net
