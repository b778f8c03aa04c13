#include "net/hub.hpp"

#include <boost/asio/post.hpp>

#include "net/ws_session.hpp"

namespace serendip::net {

Hub::Hub(HubDeps deps) : deps_(std::move(deps)), matchmaker_(deps_.matchmaker, deps_.clock, random_) {}

Hub::~Hub() = default;

void Hub::connect(core::ParticipantId id, store::Party who, std::shared_ptr<WsSessionBase> session) {
  std::lock_guard lock(mu_);
  matchmaker_.connect(id, who.device_key);
  members_.emplace(id, Member{std::move(session), std::move(who), {}});
}

void Hub::join(core::ParticipantId id, core::Preferences prefs, std::optional<std::int64_t> re) {
  {
    std::lock_guard lock(mu_);
    scratch_.clear();
    end_own_session(id);
    if (auto it = members_.find(id); it != members_.end()) it->second.region = prefs.region;
    matchmaker_.join(id, std::move(prefs), scratch_);
    dispatch(scratch_, id, re);
  }
  flush_ended();
}

bool Hub::next(core::ParticipantId id, std::optional<std::int64_t> re) {
  bool ok = false;
  {
    std::lock_guard lock(mu_);
    scratch_.clear();
    end_own_session(id);
    ok = matchmaker_.next(id, scratch_);
    dispatch(scratch_, id, re);
  }
  flush_ended();
  return ok;
}

void Hub::leave(core::ParticipantId id, std::optional<std::int64_t> re) {
  {
    std::lock_guard lock(mu_);
    scratch_.clear();
    end_own_session(id);
    matchmaker_.leave(id, scratch_);
    dispatch(scratch_, id, re);
    auto it = members_.find(id);
    if (it != members_.end()) {
      auto s = it->second.session;
      boost::asio::post(s->executor(), [s, re] { s->on_left(re); });
    }
  }
  flush_ended();
}

void Hub::disconnect(core::ParticipantId id) {
  std::shared_ptr<WsSessionBase> gone;
  {
    std::lock_guard lock(mu_);
    scratch_.clear();
    matchmaker_.disconnect(id, scratch_);
    dispatch(scratch_, id, std::nullopt);
    auto it = members_.find(id);
    if (it != members_.end()) {
      gone = std::move(it->second.session);
      members_.erase(it);
    }
  }
  flush_ended();
  // `gone` may be the last reference: released outside the lock.
}

void Hub::tick() {
  const std::int64_t now = deps_.clock.now_ms();
  {
    std::lock_guard lock(mu_);
    scratch_.clear();
    matchmaker_.tick(scratch_);
    dispatch(scratch_, 0, std::nullopt);
    match_samples_.emplace_back(now, deps_.metrics.matches.value());
    while (match_samples_.size() > 1 && match_samples_.front().first < now - 60'000) match_samples_.pop_front();
  }
  flush_ended();
  deps_.recent.prune(deps_.clock.unix_ms());
}

void Hub::exclude_pair(const std::string& device_a, const std::string& device_b, std::int64_t until_unix_ms) {
  std::lock_guard lock(mu_);
  matchmaker_.exclude_pair(device_a, device_b, until_unix_ms);
}

std::size_t Hub::kick_blocked(const store::Block& block) {
  std::size_t kicked = 0;
  {
    std::lock_guard lock(mu_);
    const std::optional<std::int64_t> until = block.expires_at;
    for (auto& [id, m] : members_) {
      bool hit = (!block.ip.empty() && block.ip == m.who.ip) ||
                 (!block.device_key.empty() && block.device_key == m.who.device_key);
      if (!hit) continue;
      scratch_.clear();
      end_own_session(id);
      matchmaker_.remove_blocked(id, scratch_);
      dispatch(scratch_, id, std::nullopt);
      auto s = m.session;
      boost::asio::post(s->executor(), [s, until, reason = block.reason] { s->on_banned(until, reason); });
      ++kicked;
    }
  }
  flush_ended();
  return kicked;
}

core::MatchmakerStats Hub::stats() const {
  std::lock_guard lock(mu_);
  return matchmaker_.stats();
}

std::size_t Hub::online() const {
  std::lock_guard lock(mu_);
  return members_.size();
}

double Hub::matches_per_minute() const {
  std::lock_guard lock(mu_);
  if (match_samples_.size() < 2) return 0;
  const auto& [t0, c0] = match_samples_.front();
  const auto& [t1, c1] = match_samples_.back();
  if (t1 <= t0) return 0;
  return static_cast<double>(c1 - c0) * 60'000.0 / static_cast<double>(t1 - t0);
}

void Hub::end_own_session(core::ParticipantId id) {
  auto sid = matchmaker_.session_of(id);
  if (!sid) return;
  auto it = members_.find(id);
  if (it == members_.end()) return;
  auto s = it->second.session;
  boost::asio::post(s->executor(), [s, sid = std::move(*sid)] { s->on_session_ended(sid); });
}

void Hub::flush_ended() {
  std::vector<Ended> ended;
  {
    std::lock_guard lock(mu_);
    if (ended_.empty()) return;
    ended.swap(ended_);
  }
  if (!deps_.on_session_end) return;
  for (const auto& e : ended) deps_.on_session_end(e.who, e.length_ms);
}

void Hub::dispatch(core::Events& events, core::ParticipantId caller, std::optional<std::int64_t> re) {
  // The two MatchedEvents of one match are adjacent and share a session id;
  // both sides get the same serial, which guards the relay path.
  std::string serial_for;
  std::uint64_t serial = 0;
  const std::int64_t unix_now = deps_.clock.unix_ms();
  for (auto& ev : events) {
    if (auto* q = std::get_if<core::QueuedEvent>(&ev)) {
      auto it = members_.find(q->who);
      if (it == members_.end()) continue;
      auto s = it->second.session;
      auto reply_to = q->who == caller ? re : std::nullopt;
      boost::asio::post(s->executor(), [s, est = q->estimated_wait_ms, reply_to] { s->on_queued(est, reply_to); });
    } else if (auto* m = std::get_if<core::MatchedEvent>(&ev)) {
      auto it = members_.find(m->who);
      auto peer_it = members_.find(m->peer);
      if (it == members_.end() || peer_it == members_.end()) continue;
      if (m->session_id != serial_for) {
        serial_for = m->session_id;
        serial = next_serial_++;
        deps_.metrics.matches.inc();
        deps_.recent.started(m->session_id, it->second.who, peer_it->second.who, unix_now);
      }
      deps_.metrics.match_wait_seconds.observe(static_cast<double>(m->waited_ms) / 1000.0);
      deps_.match_waits.record_match_wait(it->second.region, unix_now, m->waited_ms);
      auto s = it->second.session;
      std::weak_ptr<WsSessionBase> peer = peer_it->second.session;
      boost::asio::post(s->executor(),
                        [s, e = std::move(*m), peer = std::move(peer), serial]() { s->on_matched(e, peer, serial); });
    } else if (auto* p = std::get_if<core::PeerLeftEvent>(&ev)) {
      if (auto rec = deps_.recent.ended(p->session_id, unix_now)) {
        const std::int64_t length = unix_now - rec->started_at;
        ended_.push_back({rec->reporter, length});
        ended_.push_back({rec->peer, length});
      }
      auto it = members_.find(p->who);
      if (it == members_.end()) continue;
      auto s = it->second.session;
      boost::asio::post(s->executor(),
                        [s, sid = std::move(p->session_id), reason = p->reason] { s->on_peer_left(sid, reason); });
    }
  }
}

}  // namespace serendip::net
