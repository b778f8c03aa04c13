// Matchmaker commands and the state transitions behind them (idle, queued,
// in_session). Who gets paired with whom lives in matchmaker_matching.cpp.
#include "core/matchmaker.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <functional>
#include <limits>
#include <utility>

#include "core/matchmaker_impl.hpp"

namespace serendip::core {

std::string_view to_string(Mode m) {
  switch (m) {
    case Mode::video: return "video";
    case Mode::text: return "text";
  }
  return "video";
}

std::string_view to_string(Role r) {
  switch (r) {
    case Role::offerer: return "offerer";
    case Role::answerer: return "answerer";
  }
  return "offerer";
}

std::string_view to_string(LeaveReason r) {
  switch (r) {
    case LeaveReason::next: return "next";
    case LeaveReason::leave: return "leave";
    case LeaveReason::disconnect: return "disconnect";
    case LeaveReason::blocked: return "blocked";
  }
  return "leave";
}

void Matchmaker::Impl::set_prefs(Participant& p, Preferences prefs) {
  p.prefs = std::move(prefs);
  p.joined = true;
  p.interests_sorted = p.prefs.interests;
  std::sort(p.interests_sorted.begin(), p.interests_sorted.end());
  const std::hash<std::string_view> hash;
  p.region_key = p.prefs.region.empty() ? 0 : (hash(p.prefs.region) | 1);  // never 0 for a region
  p.interest_keys.clear();
  for (const std::string& tag : p.prefs.interests) p.interest_keys.push_back(hash(tag));
  std::sort(p.interest_keys.begin(), p.interest_keys.end());
}

// idle -> queued. A fresh position unless `keep_position` (re-join while queued).
void Matchmaker::Impl::enqueue(ParticipantId id, Participant& p, bool keep_position) {
  assert(p.state == ParticipantState::idle);
  if (!keep_position) {
    p.seq = next_seq_++;
    p.enqueued_ms = clock_.now_ms();
    // Everyone gets an entry, even without a region: a re-join may add one.
    widening_.push_back({p.enqueued_ms, p.seq, id});
    sweep_widening();
  }
  index_.add(p.prefs.mode, p.prefs.languages, entry(id, p));
  p.state = ParticipantState::queued;
  ++queued_;
}

// queued -> idle. seq and enqueued_ms stay, for a re-join that keeps its place.
void Matchmaker::Impl::dequeue(ParticipantId id, Participant& p) {
  assert(p.state == ParticipantState::queued);
  index_.remove(p.prefs.mode, p.prefs.languages, entry(id, p));
  p.state = ParticipantState::idle;
  --queued_;
}

// in_session -> idle for both. Only the peer is told: the caller knows.
void Matchmaker::Impl::end_session(Participant& p, LeaveReason reason, Events& out) {
  assert(p.state == ParticipantState::in_session);
  Participant* peer = find(p.peer);
  assert(peer != nullptr && peer->state == ParticipantState::in_session && peer->session_id == p.session_id);
  out.push_back(PeerLeftEvent{p.peer, p.session_id, reason});
  for (Participant* q : {&p, peer}) {
    q->state = ParticipantState::idle;
    q->peer = 0;
    q->session_id.clear();
  }
  --active_sessions_;
}

void Matchmaker::Impl::leave_any(ParticipantId id, Participant& p, LeaveReason reason, Events& out) {
  if (p.state == ParticipantState::queued) dequeue(id, p);
  if (p.state == ParticipantState::in_session) end_session(p, reason, out);
}

void Matchmaker::Impl::queue_and_match(ParticipantId id, Participant& p, bool keep_position, Events& out) {
  enqueue(id, p, keep_position);
  out.push_back(QueuedEvent{id, estimated_wait(p.prefs.mode)});
  try_match(id, p, out);
}

void Matchmaker::Impl::forget(ParticipantId id, LeaveReason reason, Events& out) {
  Participant* p = find(id);
  if (p == nullptr) return;
  leave_any(id, *p, reason, out);
  auto [first, last] = by_device_.equal_range(p->device);
  for (auto it = first; it != last; ++it) {
    if (it->second == id) {
      by_device_.erase(it);
      break;
    }
  }
  participants_.erase(id);
}

// The recent average wait for the mode; unknown until a match happened in it.
std::optional<std::int64_t> Matchmaker::Impl::estimated_wait(Mode mode) const {
  const auto& avg = wait_average_ms_[static_cast<std::size_t>(mode)];
  if (!avg) return std::nullopt;
  return static_cast<std::int64_t>(std::llround(*avg));
}

Matchmaker::Matchmaker(MatchmakerConfig config, const Clock& clock, Random& random)
    : impl_(std::make_unique<Impl>(config, clock, random)) {}

Matchmaker::~Matchmaker() = default;

void Matchmaker::connect(ParticipantId id, std::string device_key) {
  auto [it, inserted] = impl_->participants_.try_emplace(id);
  // Ids are never reused, so a second connect is a caller bug. Release builds
  // keep the existing record untouched rather than corrupt the indexes.
  assert(inserted && "connect() on an id that is already connected");
  if (!inserted) return;
  it->second.device = hash_device_key(device_key);
  it->second.device_key = std::move(device_key);
  impl_->by_device_.emplace(it->second.device, id);
}

void Matchmaker::join(ParticipantId id, Preferences prefs, Events& out) {
  Impl::Participant* p = impl_->find(id);
  if (p == nullptr) return;
  bool keep_position = false;
  if (p->state == ParticipantState::in_session) {
    impl_->end_session(*p, LeaveReason::next, out);
  } else if (p->state == ParticipantState::queued) {
    impl_->dequeue(id, *p);  // out of the old languages' buckets; the position is kept
    keep_position = true;
  }
  Impl::set_prefs(*p, std::move(prefs));
  impl_->queue_and_match(id, *p, keep_position, out);
}

bool Matchmaker::next(ParticipantId id, Events& out) {
  Impl::Participant* p = impl_->find(id);
  if (p == nullptr || !p->joined) return false;
  switch (p->state) {
    case ParticipantState::in_session:
      impl_->end_session(*p, LeaveReason::next, out);
      impl_->queue_and_match(id, *p, false, out);
      break;
    case ParticipantState::queued:
      out.push_back(QueuedEvent{id, impl_->estimated_wait(p->prefs.mode)});
      impl_->try_match(id, *p, out);  // normally finds nobody new; harmless if it does
      break;
    case ParticipantState::idle:
    case ParticipantState::unknown: impl_->queue_and_match(id, *p, false, out); break;
  }
  return true;
}

void Matchmaker::leave(ParticipantId id, Events& out) {
  if (Impl::Participant* p = impl_->find(id)) impl_->leave_any(id, *p, LeaveReason::leave, out);
}

void Matchmaker::disconnect(ParticipantId id, Events& out) { impl_->forget(id, LeaveReason::disconnect, out); }

void Matchmaker::remove_blocked(ParticipantId id, Events& out) { impl_->forget(id, LeaveReason::blocked, out); }

void Matchmaker::tick(Events& out) { impl_->tick(out); }

void Matchmaker::exclude_pair(std::string_view device_a, std::string_view device_b, std::int64_t until_unix_ms) {
  std::int64_t until = PairRules::kForever;
  if (until_unix_ms != std::numeric_limits<std::int64_t>::max()) {
    // Onto the matchmaker's own clock (the steady one); an end already past is a no-op.
    const std::int64_t now = impl_->clock_.now_ms();
    const std::int64_t left = until_unix_ms - impl_->clock_.unix_ms();
    if (left <= 0) return;
    until = now + left;
  }
  impl_->pairs_.exclude(DevicePair::of(hash_device_key(device_a), hash_device_key(device_b)), until);
}

void Matchmaker::include_pair(std::string_view device_a, std::string_view device_b) {
  const DevicePair pair = DevicePair::of(hash_device_key(device_a), hash_device_key(device_b));
  // No `out` here: participants kept apart only by this exclusion are retried on the next tick.
  if (impl_->pairs_.include(pair)) {
    impl_->relaxed_devices_.push_back(pair.lo);
    impl_->relaxed_devices_.push_back(pair.hi);
  }
}

ParticipantState Matchmaker::state(ParticipantId id) const {
  const Impl::Participant* p = impl_->find(id);
  return p == nullptr ? ParticipantState::unknown : p->state;
}

std::optional<ParticipantId> Matchmaker::peer_of(ParticipantId id) const {
  const Impl::Participant* p = impl_->find(id);
  if (p == nullptr || p->state != ParticipantState::in_session) return std::nullopt;
  return p->peer;
}

std::optional<std::string> Matchmaker::session_of(ParticipantId id) const {
  const Impl::Participant* p = impl_->find(id);
  if (p == nullptr || p->state != ParticipantState::in_session) return std::nullopt;
  return p->session_id;
}

MatchmakerStats Matchmaker::stats() const {
  MatchmakerStats s;
  s.participants = impl_->participants_.size();
  s.queued = impl_->queued_;
  s.active_sessions = impl_->active_sessions_;
  s.matches_total = impl_->matches_total_;
  s.queued_by_mode_language = impl_->index_.sizes();
  return s;
}

}  // namespace serendip::core
