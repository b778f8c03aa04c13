// The signaling hub: the matchmaker behind one mutex, and the registry that
// turns its events into deliveries on each socket's own thread.
//
// Ordering: events are posted to the sockets' executors while the lock is
// held, so every socket sees events in the matchmaker's order.
// Relayed frames never pass through here (sockets hold their peer directly).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/matchmaker.hpp"
#include "net/metrics.hpp"

namespace serendip::net {

class WsSessionBase;

class Hub {
 public:
  Hub(core::MatchmakerConfig config, const core::Clock& clock, NetMetrics& metrics);
  ~Hub();

  void connect(core::ParticipantId id, std::string device_key, std::shared_ptr<WsSessionBase> session);
  void join(core::ParticipantId id, core::Preferences prefs, std::optional<std::int64_t> re);
  bool next(core::ParticipantId id, std::optional<std::int64_t> re);
  void leave(core::ParticipantId id, std::optional<std::int64_t> re);
  void disconnect(core::ParticipantId id);
  void tick();

  core::MatchmakerStats stats() const;
  std::size_t online() const;

 private:
  void dispatch(core::Events& events, core::ParticipantId caller, std::optional<std::int64_t> re);
  // Before a command of `id`: if it is in a session, tell its socket that the
  // session ends (its own command ends it; the matchmaker only tells the peer).
  void end_own_session(core::ParticipantId id);

  mutable std::mutex mu_;
  core::SeededRandom random_;  // guarded by mu_
  core::Matchmaker matchmaker_;  // guarded by mu_
  NetMetrics& metrics_;  // Passed by argument.
  std::unordered_map<core::ParticipantId, std::shared_ptr<WsSessionBase>> sessions_;  // guarded by mu_
  std::uint64_t next_serial_ = 1;  // guarded by mu_
  core::Events scratch_;  // guarded by mu_; reused to avoid allocating per command
};

}  // namespace serendip::net
