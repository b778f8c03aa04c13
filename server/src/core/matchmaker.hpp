// Matchmaker: who talks to whom. Pure domain logic, no I/O and no locks; the
// owner serializes calls (the signaling hub holds one mutex around it).
//
// A participant is one signaling socket (ParticipantId, never reused). Its
// device key (a keyed hash of the device id) identifies the person across
// sockets for the "not the same two people again within 10 minutes" and
// "never someone you reported" rules.
//
// Invariants (checked by the randomized interleaving test):
//   - a participant is idle, queued, or in exactly one session, never two;
//   - sessions are symmetric: peer_of(peer_of(a)) == a;
//   - a participant that left, pressed next, or disconnected is never part of
//     a later `matched` event unless it joined again afterwards (next re-joins).
//
// Every command appends the resulting events to `out` in the order the
// clients must see them. A match produces two MatchedEvents (offerer first).
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/clock.hpp"
#include "core/random.hpp"

namespace serendip::core {

using ParticipantId = std::uint64_t;

enum class Mode : std::uint8_t { video, text };
enum class Role : std::uint8_t { offerer, answerer };
enum class LeaveReason : std::uint8_t { next, leave, disconnect, blocked };

std::string_view to_string(Mode m);
std::string_view to_string(Role r);
std::string_view to_string(LeaveReason r);

struct Preferences {
  Mode mode = Mode::video;
  std::vector<std::string> languages;  // 1..5 lowercase BCP-47 primary tags, deduplicated
  std::string region;                  // empty = no preference (matches any region at once)
  std::vector<std::string> interests;  // 0..10 lowercase tags, deduplicated
};

struct MatchmakerConfig {
  std::int64_t widen_region_after_ms = 3'000;      // wait before any region is acceptable
  std::int64_t repeat_pair_cooldown_ms = 600'000;  // same two devices not paired again within this
  std::size_t scan_limit = 256;                    // candidates examined per bucket per attempt
  // Two sockets of one device (two tabs of one browser) may be paired: on a
  // laptop that is "talking to yourself"; a public deployment turns it off.
  bool allow_same_device = true;
};

struct PeerInfo {
  std::vector<std::string> languages;
  std::string region;
  std::vector<std::string> common_interests;  // sorted ascending: both sides get the same list
};

struct QueuedEvent {
  ParticipantId who = 0;
  // Moving average (weight 1/8) of the waits of recently matched participants
  // of this mode; nullopt until a match happened in the mode.
  std::optional<std::int64_t> estimated_wait_ms;
};

struct MatchedEvent {
  ParticipantId who;
  ParticipantId peer;
  std::string session_id;  // 32 hex chars, the same in both events of a match
  Role role;
  PeerInfo peer_info;      // what `who` learns about `peer`
  std::int64_t waited_ms;  // how long `who` waited in the queue
};

struct PeerLeftEvent {
  ParticipantId who;  // the one who is told
  std::string session_id;
  LeaveReason reason;
};

using Event = std::variant<QueuedEvent, MatchedEvent, PeerLeftEvent>;
using Events = std::vector<Event>;

enum class ParticipantState : std::uint8_t { unknown, idle, queued, in_session };

struct MatchmakerStats {
  std::size_t participants = 0;  // known (connected and not disconnected)
  std::size_t queued = 0;
  std::size_t active_sessions = 0;
  std::uint64_t matches_total = 0;
  // (mode, language) -> number waiting; a participant counts once per language.
  std::vector<std::pair<std::pair<Mode, std::string>, std::size_t>> queued_by_mode_language;
};

class Matchmaker {
 public:
  Matchmaker(MatchmakerConfig config, const Clock& clock, Random& random);
  ~Matchmaker();
  Matchmaker(const Matchmaker&) = delete;
  Matchmaker& operator=(const Matchmaker&) = delete;

  // Registers a socket (state idle). Must precede the other commands for `id`.
  void connect(ParticipantId id, std::string device_key);

  // Enter the queue. Queued: preferences replaced, queue position kept.
  // In a session: the session ends (peer told reason `next`), then queued.
  // Emits QueuedEvent for `id`, possibly followed by MatchedEvents.
  void join(ParticipantId id, Preferences prefs, Events& out);

  // Leave the current session (peer told reason `next`) and queue again with the
  // last preferences. Returns false (and does nothing) if `id` never joined.
  bool next(ParticipantId id, Events& out);

  // Leave queue or session (peer told reason `leave`); stay connected and idle.
  void leave(ParticipantId id, Events& out);

  // The socket is gone: leave queue or session (peer told reason `disconnect`)
  // and forget `id`. Unknown ids are ignored.
  void disconnect(ParticipantId id, Events& out);

  // A moderator blocked `id`: like disconnect, but the peer is told `blocked`.
  void remove_blocked(ParticipantId id, Events& out);

  // Periodic work (call every ~250 ms): matches participants whose wait has
  // crossed widen_region_after_ms, and prunes the repeat-pair history.
  void tick(Events& out);

  // The two devices are not matched with each other (a report exists) until
  // `until_unix_ms` (Clock::unix_ms; the default: for good).
  void exclude_pair(std::string_view device_a, std::string_view device_b,
                    std::int64_t until_unix_ms = std::numeric_limits<std::int64_t>::max());
  void include_pair(std::string_view device_a, std::string_view device_b);

  ParticipantState state(ParticipantId id) const;
  std::optional<ParticipantId> peer_of(ParticipantId id) const;
  std::optional<std::string> session_of(ParticipantId id) const;
  MatchmakerStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace serendip::core
