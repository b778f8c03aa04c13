// Who is paired with whom. Among the eligible waiting participants (same mode,
// a common language, not kept apart by PairRules, same region unless either
// side has waited widen_region_after_ms or has no region preference) the best
// is the one with, in order: the same region, more shared interests, the
// longest wait. Plus tick(): the retries that time makes necessary.
#include <algorithm>
#include <cassert>
#include <iterator>
#include <utility>

#include "core/matchmaker_impl.hpp"

namespace serendip::core {

namespace {

// Weight of the newest sample in the per-mode wait average. 1/8, as in TCP's
// smoothed RTT: a handful of matches moves it, one outlier does not.
constexpr double kWaitAverageWeight = 0.125;

// The widening queue may hold entries of participants who are no longer
// waiting; once it is this much longer than twice the queue, it is swept.
constexpr std::size_t kWidenSweepSlack = 1024;

// Both inputs sorted ascending.
std::size_t count_common(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  std::size_t n = 0;
  for (auto i = a.begin(), j = b.begin(); i != a.end() && j != b.end();) {
    if (*i < *j) {
      ++i;
    } else if (*j < *i) {
      ++j;
    } else {
      ++n, ++i, ++j;
    }
  }
  return n;
}

// Region preference: 2 = both named the same region, 1 = at least one has no
// preference, 0 = different regions (eligible only after the widening wait).
// Decided on the keys; equal keys are confirmed on the strings.
int region_rank(const ParticipantRecord& p, const WaitingIndex::Entry& e) {
  if (p.region_key == 0 || e.region_key == 0) return 1;
  if (p.region_key != e.region_key) return 0;
  return p.prefs.region == e.record->prefs.region ? 2 : 0;
}

}  // namespace

// The best candidate found so far; ordered by (region, common, older first).
struct Matchmaker::Impl::Candidate {
  Participant* p = nullptr;
  ParticipantId id = 0;
  std::uint64_t seq = 0;
  int region = 0;          // region_rank()
  std::size_t common = 0;  // shared interests

  bool beaten_by(int r, std::size_t c, std::uint64_t s) const {
    if (p == nullptr) return true;
    if (r != region) return r > region;
    if (c != common) return c > common;
    return s < seq;
  }
};

Matchmaker::Impl::Candidate Matchmaker::Impl::find_peer(ParticipantId id, const Participant& p,
                                                        std::int64_t now) const {
  const std::int64_t widen = config_.widen_region_after_ms;
  const bool self_widened = now - p.enqueued_ms >= widen;
  const int top_region = p.prefs.region.empty() ? 1 : 2;
  const std::size_t top_common = p.interest_keys.size();
  Candidate best;
  bool unbeatable = false;  // best has the top score: only an older candidate could still win
  for (const std::string& language : p.prefs.languages) {
    const WaitingIndex::Bucket* bucket = index_.find(p.prefs.mode, language);
    if (bucket == nullptr) continue;
    std::size_t scanned = 0;
    for (const WaitingIndex::Entry& e : *bucket) {
      if (unbeatable && e.seq > best.seq) break;  // the rest of this bucket is younger
      if (scanned++ == config_.scan_limit) break;
      if (e.id == id) continue;
      // Cheapest tests first, on what the entry carries: most candidates of a
      // long queue fail on the region, without touching their record.
      const int region = region_rank(p, e);
      if (region == 0 && !self_widened && now - e.enqueued_ms < widen) continue;
      if (!best.beaten_by(region, top_common, e.seq)) continue;
      Participant& c = *e.record;
      assert(c.state == ParticipantState::queued);
      const std::size_t common = count_common(p.interest_keys, c.interest_keys);
      if (!best.beaten_by(region, common, e.seq)) continue;
      // Last, as it may miss the cache: only a would-be best pays for the pair rules.
      const bool same_device = p.same_device_as(c);
      if (same_device && !config_.allow_same_device) continue;
      if (!pairs_.allows(DevicePair::of(p.device, c.device), same_device, now)) continue;
      best = Candidate{&c, e.id, e.seq, region, common};
      unbeatable = region == top_region && common == top_common;
    }
  }
  return best;
}

bool Matchmaker::Impl::try_match(ParticipantId id, Participant& p, Events& out) {
  assert(p.state == ParticipantState::queued);
  const std::int64_t now = clock_.now_ms();
  const Candidate c = find_peer(id, p, now);
  if (c.p == nullptr) return false;
  // The one who waited longer offers: usually the one already in the queue,
  // but a re-join keeps its old place and may be the older of the two.
  if (p.seq < c.seq) {
    pair_up(id, p, c.id, *c.p, now, out);
  } else {
    pair_up(c.id, *c.p, id, p, now, out);
  }
  return true;
}

void Matchmaker::Impl::pair_up(ParticipantId offerer_id, Participant& offerer, ParticipantId answerer_id,
                               Participant& answerer, std::int64_t now, Events& out) {
  dequeue(offerer_id, offerer);
  dequeue(answerer_id, answerer);
  // Sorted, so both sides see the same list whatever order they typed.
  std::vector<std::string> common;
  std::set_intersection(offerer.interests_sorted.begin(), offerer.interests_sorted.end(),
                        answerer.interests_sorted.begin(), answerer.interests_sorted.end(), std::back_inserter(common));
  // Two tabs of one device may meet again at once: no cooldown with oneself.
  if (!offerer.same_device_as(answerer)) pairs_.record_match(DevicePair::of(offerer.device, answerer.device), now);
  const std::int64_t offerer_waited = now - offerer.enqueued_ms;
  const std::int64_t answerer_waited = now - answerer.enqueued_ms;
  note_wait(offerer.prefs.mode, offerer_waited);
  note_wait(answerer.prefs.mode, answerer_waited);
  ++matches_total_;
  ++active_sessions_;

  std::string session_id = random_.hex128();
  out.push_back(MatchedEvent{offerer_id, answerer_id, session_id, Role::offerer,
                             PeerInfo{answerer.prefs.languages, answerer.prefs.region, common}, offerer_waited});
  out.push_back(MatchedEvent{answerer_id, offerer_id, session_id, Role::answerer,
                             PeerInfo{offerer.prefs.languages, offerer.prefs.region, std::move(common)},
                             answerer_waited});
  offerer.state = answerer.state = ParticipantState::in_session;
  offerer.peer = answerer_id;
  answerer.peer = offerer_id;
  offerer.session_id = session_id;
  answerer.session_id = std::move(session_id);
}

// Both sides' waits are samples: the average is what a participant of that
// mode has recently waited, joiners who found someone at once included.
void Matchmaker::Impl::note_wait(Mode mode, std::int64_t waited_ms) {
  auto& avg = wait_average_ms_[static_cast<std::size_t>(mode)];
  const double sample = static_cast<double>(waited_ms);
  avg = avg ? *avg + kWaitAverageWeight * (sample - *avg) : sample;
}

void Matchmaker::Impl::tick(Events& out) {
  const std::int64_t now = clock_.now_ms();

  ended_scratch_.clear();
  pairs_.prune(now, ended_scratch_);
  for (const DevicePair& pair : ended_scratch_) {
    relaxed_devices_.push_back(pair.lo);
    relaxed_devices_.push_back(pair.hi);
  }

  // Oldest first: whoever crossed the widening wait now accepts any region.
  while (!widening_.empty() && now - widening_.front().enqueued_ms >= config_.widen_region_after_ms) {
    const Widening w = widening_.front();
    widening_.pop_front();
    if (!still_waiting(w.id, w.seq)) continue;
    Participant& p = *find(w.id);
    // Without a region preference, widening changes nothing for this one.
    if (!p.prefs.region.empty()) try_match(w.id, p, out);
  }

  retry_relaxed_devices(out);
}

void Matchmaker::Impl::retry_relaxed_devices(Events& out) {
  if (relaxed_devices_.empty()) return;
  std::sort(relaxed_devices_.begin(), relaxed_devices_.end());
  relaxed_devices_.erase(std::unique(relaxed_devices_.begin(), relaxed_devices_.end()), relaxed_devices_.end());
  std::vector<std::pair<std::uint64_t, ParticipantId>> waiting;  // (seq, id)
  for (DeviceHash device : relaxed_devices_) {
    auto [first, last] = by_device_.equal_range(device);
    for (auto it = first; it != last; ++it) {
      const Participant& p = participants_.at(it->second);
      if (p.state == ParticipantState::queued) waiting.emplace_back(p.seq, it->second);
    }
  }
  relaxed_devices_.clear();
  std::sort(waiting.begin(), waiting.end());  // oldest first
  for (auto [seq, id] : waiting) {
    // An earlier retry in this loop may have paired this one already.
    if (still_waiting(id, seq)) try_match(id, *find(id), out);
  }
}

void Matchmaker::Impl::sweep_widening() {
  if (widening_.size() <= 2 * queued_ + kWidenSweepSlack) return;
  std::erase_if(widening_, [this](const Widening& w) { return !still_waiting(w.id, w.seq); });
}

}  // namespace serendip::core
