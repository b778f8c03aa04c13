// Private to the matchmaker: its participant records and indexes, shared by
// matchmaker.cpp (commands and state transitions) and matchmaker_matching.cpp
// (who is paired with whom). Nothing else includes this header.
//
// Bookkeeping invariants (every command keeps them):
//   - state == queued     <=> the participant is in index_ under (prefs.mode,
//                             each of prefs.languages) with key {seq, id};
//   - state == in_session <=> peer names a participant whose peer names this
//                             one, and both hold the same session_id;
//   - queued_ / active_sessions_ count exactly those states;
//   - widening_ holds an entry {enqueued_ms, seq, id} for every participant
//     that is queued and has not yet crossed widen_region_after_ms (and stale
//     entries, recognised by a seq or state that no longer matches).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/matchmaker.hpp"
#include "core/pair_history.hpp"
#include "core/waiting_index.hpp"

namespace serendip::core {

// One connected socket. Records live in Impl::participants_ (node-based, so
// the pointers held by WaitingIndex entries stay valid until erase).
struct ParticipantRecord {
  std::string device_key;
  DeviceHash device = 0;
  ParticipantState state = ParticipantState::idle;
  bool joined = false;  // has preferences: next() may requeue
  Preferences prefs;
  // Derived from prefs by set_prefs(), for the matching loop: the region and the
  // interests as 64-bit keys. Ranking by keys is exact except for a hash
  // collision, which can only make a candidate look a little better; eligibility
  // and the reported common interests always use the strings.
  std::uint64_t region_key = 0;               // 0 = no region preference
  std::vector<std::uint64_t> interest_keys;   // ascending
  std::vector<std::string> interests_sorted;  // prefs.interests, ascending
  std::uint64_t seq = 0;                      // queue position (valid while queued)
  std::int64_t enqueued_ms = 0;               // milliseconds, Clock::now_ms
  ParticipantId peer = 0;                     // valid while in_session
  std::string session_id;                     // valid while in_session

  // Exact, not by hash: the self-pairing exception must not leak to a collision.
  bool same_device_as(const ParticipantRecord& o) const { return device == o.device && device_key == o.device_key; }
};

struct Matchmaker::Impl {
  using Participant = ParticipantRecord;

  // A queued participant whose wait will cross widen_region_after_ms.
  struct Widening {
    std::int64_t enqueued_ms;
    std::uint64_t seq;
    ParticipantId id;
  };

  struct Candidate;  // matchmaker_matching.cpp

  Impl(MatchmakerConfig c, const Clock& cl, Random& r)
      : config_(c), clock_(cl), random_(r), pairs_(c.repeat_pair_cooldown_ms) {}

  Participant* find(ParticipantId id) {
    auto it = participants_.find(id);
    return it == participants_.end() ? nullptr : &it->second;
  }
  const Participant* find(ParticipantId id) const {
    auto it = participants_.find(id);
    return it == participants_.end() ? nullptr : &it->second;
  }
  // Still queued at the position `seq` (not matched, left, or re-queued since).
  bool still_waiting(ParticipantId id, std::uint64_t seq) const {
    const Participant* p = find(id);
    return p != nullptr && p->state == ParticipantState::queued && p->seq == seq;
  }

  static WaitingIndex::Entry entry(ParticipantId id, Participant& p) {
    return {p.seq, id, &p, p.region_key, p.enqueued_ms};
  }

  // State transitions (matchmaker.cpp).
  static void set_prefs(Participant& p, Preferences prefs);
  void enqueue(ParticipantId id, Participant& p, bool keep_position);
  void dequeue(ParticipantId id, Participant& p);
  void end_session(Participant& p, LeaveReason reason, Events& out);
  void leave_any(ParticipantId id, Participant& p, LeaveReason reason, Events& out);
  void queue_and_match(ParticipantId id, Participant& p, bool keep_position, Events& out);
  void forget(ParticipantId id, LeaveReason reason, Events& out);
  std::optional<std::int64_t> estimated_wait(Mode mode) const;

  // Matching (matchmaker_matching.cpp).
  Candidate find_peer(ParticipantId id, const Participant& p, std::int64_t now) const;
  bool try_match(ParticipantId id, Participant& p, Events& out);
  void pair_up(ParticipantId offerer_id, Participant& offerer, ParticipantId answerer_id, Participant& answerer,
               std::int64_t now, Events& out);
  void note_wait(Mode mode, std::int64_t waited_ms);
  void tick(Events& out);
  void retry_relaxed_devices(Events& out);
  void sweep_widening();

  MatchmakerConfig config_;
  const Clock& clock_;  // Passed by argument; outlives the matchmaker.
  Random& random_;      // Passed by argument; outlives the matchmaker.
  std::unordered_map<ParticipantId, Participant> participants_;
  std::unordered_multimap<DeviceHash, ParticipantId> by_device_;  // every connected participant
  WaitingIndex index_;
  PairRules pairs_;
  // Queued participants in enqueue order (so also in order of crossing the
  // widening wait); tick() retries each once it crosses. Entries of those who
  // stopped waiting are skipped when they come up, or swept in bulk.
  std::deque<Widening> widening_;
  // Devices whose pair rules were relaxed (cooldown over, exclusion lifted):
  // their waiting participants are retried on the next tick.
  std::vector<DeviceHash> relaxed_devices_;
  std::vector<DevicePair> ended_scratch_;  // reused by tick() to avoid allocating
  std::uint64_t next_seq_ = 1;
  std::size_t queued_ = 0;
  std::size_t active_sessions_ = 0;
  std::uint64_t matches_total_ = 0;
  std::array<std::optional<double>, 2> wait_average_ms_;  // by Mode; milliseconds
};

}  // namespace serendip::core
