// The signaling hub: the matchmaker behind one mutex, and the registry that
// turns its events into deliveries on each socket's own thread.
//
// Ordering: events are posted to the sockets' executors while the lock is
// held, so every socket sees events in the matchmaker's order.
// Relayed frames never pass through here (sockets hold their peer directly).
//
// The hub also remembers who was in which session (RecentSessions, for
// reports), feeds match waits to the analytics heatmap, reports finished
// sessions to `on_session_end`, and kicks the sockets of a blocked IP/device.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/matchmaker.hpp"
#include "moderation/match_wait_heatmap.hpp"
#include "net/match_hub.hpp"
#include "net/metrics.hpp"
#include "net/recent_sessions.hpp"
#include "store/model.hpp"

namespace serendip::net {

class WsSessionBase;

struct HubDeps {
  core::MatchmakerConfig matchmaker;
  const core::Clock& clock;                   // Passed by argument.
  NetMetrics& metrics;                        // Passed by argument.
  RecentSessions& recent;                     // Passed by argument.
  moderation::MatchWaitHeatmap& match_waits;  // Passed by argument.
  // Called outside the hub's lock for each side of a finished session
  // (identity, length in milliseconds). May be empty.
  std::function<void(const store::Party&, std::int64_t)> on_session_end;
};

class Hub final : public MatchHub {
 public:
  explicit Hub(HubDeps deps);
  ~Hub() override;
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  void connect(core::ParticipantId id, store::Party who, std::shared_ptr<WsSessionBase> session) override;
  void join(core::ParticipantId id, core::Preferences prefs, std::optional<std::int64_t> re) override;
  bool next(core::ParticipantId id, std::optional<std::int64_t> re) override;
  void leave(core::ParticipantId id, std::optional<std::int64_t> re) override;
  void disconnect(core::ParticipantId id) override;
  void tick() override;

  // A report exists between these devices: never match them again.
  void exclude_pair(const std::string& device_a, const std::string& device_b, std::int64_t until_unix_ms) override;
  // Every socket of the blocked IP or device: its peer is told `blocked`, the
  // socket gets `banned` and close 4003. Returns how many sockets were kicked.
  std::size_t kick_blocked(const store::Block& block) override;

  core::MatchmakerStats stats() const override;
  std::size_t online() const override;
  // Matches made in the last minute (sampled by tick()).
  double matches_per_minute() const override;

 private:
  struct Member {
    std::shared_ptr<WsSessionBase> session;
    store::Party who;
    std::string region;  // from the last join, for analytics
  };
  struct Ended {
    store::Party who;
    std::int64_t length_ms = 0;
  };

  void dispatch(core::Events& events, core::ParticipantId caller, std::optional<std::int64_t> re);
  // Before a command of `id`: if it is in a session, tell its socket that the
  // session ends (its own command ends it; the matchmaker only tells the peer).
  void end_own_session(core::ParticipantId id);
  void flush_ended();  // outside the lock

  HubDeps deps_;
  mutable std::mutex mu_;
  core::SeededRandom random_;                                // guarded by mu_
  core::Matchmaker matchmaker_;                              // guarded by mu_
  std::unordered_map<core::ParticipantId, Member> members_;  // guarded by mu_
  std::uint64_t next_serial_ = 1;                            // guarded by mu_
  core::Events scratch_;                                     // guarded by mu_; reused to avoid allocating per command
  std::vector<Ended> ended_;  // guarded by mu_; handed to on_session_end outside the lock
  std::deque<std::pair<std::int64_t, std::uint64_t>> match_samples_;  // (now_ms, matches_total), guarded by mu_
};

}  // namespace serendip::net
