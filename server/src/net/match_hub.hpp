// MatchHub: what a signaling socket and the rest of the server ask of
// matchmaking, whichever way it is shared. Two implementations:
//   Hub       (hub.hpp)       one process: the matchmaker in memory;
//   RedisHub  (redis_hub.hpp) several instances: queues in Redis, peers on
//                             other instances reached through their inboxes.
// Commands come from a session's own worker thread; events go back to each
// session on its own executor, in order. Free of Asio types.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/matchmaker.hpp"
#include "store/model.hpp"

namespace serendip::net {

class WsSessionBase;
class Worker;

// Where a session's peer lives when it is on another instance.
struct RemotePeer {
  std::string instance;  // its instance id (its inbox channel follows from it)
  core::ParticipantId id = 0;
  std::string session_id;
};

// The whole service's live figures, summed over every live instance (see
// MatchHub::cluster_figures).
struct ClusterFigures {
  std::size_t instances = 0;  // live instances whose figures were summed, this one included
  std::size_t online = 0;
  std::size_t queued = 0;
  std::size_t active_sessions = 0;  // a call across two instances counts once
  double matches_per_minute = 0;
  std::vector<std::pair<std::pair<core::Mode, std::string>, std::size_t>> queued_by_mode_language;
  // Client-reported call outcomes, summed (each instance's since its start).
  std::uint64_t ice_connected = 0;
  std::uint64_t ice_failed = 0;
  std::uint64_t ice_relay = 0;
  std::uint64_t shield_blurs = 0;
};

class MatchHub {
 public:
  virtual ~MatchHub() = default;

  virtual void connect(core::ParticipantId id, store::Party who, std::shared_ptr<WsSessionBase> session) = 0;
  virtual void join(core::ParticipantId id, core::Preferences prefs, std::optional<std::int64_t> re) = 0;
  // False when `id` never joined (nothing to go on with).
  virtual bool next(core::ParticipantId id, std::optional<std::int64_t> re) = 0;
  virtual void leave(core::ParticipantId id, std::optional<std::int64_t> re) = 0;
  virtual void disconnect(core::ParticipantId id) = 0;
  // Every 250 ms, on the first worker's thread.
  virtual void tick() = 0;

  // A report exists between these devices: do not match them again until
  // `until_unix_ms` (the reported-pair window after the report; kForever:
  // for good). Any thread.
  static constexpr std::int64_t kForever = std::numeric_limits<std::int64_t>::max();
  virtual void exclude_pair(const std::string& device_a, const std::string& device_b, std::int64_t until_unix_ms) = 0;
  // Every socket of the blocked IP or device (on every instance): its peer is
  // told `blocked`, the socket gets `banned` and close 4003. Returns how many
  // sockets of this instance were kicked. Any thread.
  virtual std::size_t kick_blocked(const store::Block& block) = 0;
  // Blocks were created or lifted on this instance: the others drop their
  // block caches (RedisHub broadcasts it; one process has nothing to tell).
  virtual void blocks_changed() {}

  // This instance's figures.
  virtual core::MatchmakerStats stats() const = 0;
  virtual std::size_t online() const = 0;
  virtual double matches_per_minute() const = 0;
  // The same summed over every live instance, for the admin dashboard (the
  // Prometheus gauges stay per instance: Prometheus sums them). nullopt when
  // this instance is the whole service. Any thread, quick (no I/O).
  virtual std::optional<ClusterFigures> cluster_figures() const { return std::nullopt; }

  // A frame for the peer of `from` when that peer is on another instance
  // (called on from's worker thread). False when it cannot be sent.
  virtual bool relay_remote(WsSessionBase& /*from*/, std::string_view /*frame*/) { return false; }

  // The workers exist and are about to run: per-worker resources start.
  virtual void start(std::span<Worker* const> /*workers*/) {}
  // The server closed its sockets and is about to stop its workers: `done`
  // runs (on any thread) once a shared hub has left the cluster and written
  // what it still had to (the server stops after a grace even if it does not).
  virtual void finish(std::function<void()> done) { done(); }
  // The workers stopped running; before their io_contexts go away.
  virtual void stop() {}
  // Whether matchmaking can take commands now (for /readyz).
  virtual bool ready() const { return true; }
};

}  // namespace serendip::net
