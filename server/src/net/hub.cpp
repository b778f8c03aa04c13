#include "net/hub.hpp"

#include <boost/asio/post.hpp>

#include "net/ws_session.hpp"

namespace serendip::net {

Hub::Hub(core::MatchmakerConfig config, const core::Clock& clock, NetMetrics& metrics)
    : matchmaker_(config, clock, random_), metrics_(metrics) {}

Hub::~Hub() = default;

void Hub::connect(core::ParticipantId id, std::string device_key, std::shared_ptr<WsSessionBase> session) {
  std::lock_guard lock(mu_);
  matchmaker_.connect(id, std::move(device_key));
  sessions_.emplace(id, std::move(session));
}

void Hub::join(core::ParticipantId id, core::Preferences prefs, std::optional<std::int64_t> re) {
  std::lock_guard lock(mu_);
  scratch_.clear();
  end_own_session(id);
  matchmaker_.join(id, std::move(prefs), scratch_);
  dispatch(scratch_, id, re);
}

bool Hub::next(core::ParticipantId id, std::optional<std::int64_t> re) {
  std::lock_guard lock(mu_);
  scratch_.clear();
  end_own_session(id);
  bool ok = matchmaker_.next(id, scratch_);
  dispatch(scratch_, id, re);
  return ok;
}

void Hub::leave(core::ParticipantId id, std::optional<std::int64_t> re) {
  std::lock_guard lock(mu_);
  scratch_.clear();
  end_own_session(id);
  matchmaker_.leave(id, scratch_);
  dispatch(scratch_, id, re);
  auto it = sessions_.find(id);
  if (it != sessions_.end()) {
    auto s = it->second;
    boost::asio::post(s->executor(), [s, re] { s->on_left(re); });
  }
}

void Hub::disconnect(core::ParticipantId id) {
  std::shared_ptr<WsSessionBase> gone;
  {
    std::lock_guard lock(mu_);
    scratch_.clear();
    matchmaker_.disconnect(id, scratch_);
    dispatch(scratch_, id, std::nullopt);
    auto it = sessions_.find(id);
    if (it != sessions_.end()) {
      gone = std::move(it->second);
      sessions_.erase(it);
    }
  }
  // `gone` may be the last reference: released outside the lock.
}

void Hub::tick() {
  std::lock_guard lock(mu_);
  scratch_.clear();
  matchmaker_.tick(scratch_);
  dispatch(scratch_, 0, std::nullopt);
}

core::MatchmakerStats Hub::stats() const {
  std::lock_guard lock(mu_);
  return matchmaker_.stats();
}

std::size_t Hub::online() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

void Hub::end_own_session(core::ParticipantId id) {
  auto sid = matchmaker_.session_of(id);
  if (!sid) return;
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  auto s = it->second;
  boost::asio::post(s->executor(), [s, sid = std::move(*sid)] { s->on_session_ended(sid); });
}

void Hub::dispatch(core::Events& events, core::ParticipantId caller, std::optional<std::int64_t> re) {
  // The two MatchedEvents of one match are adjacent and share a session id;
  // both sides get the same serial, which guards the relay path.
  std::string serial_for;
  std::uint64_t serial = 0;
  for (auto& ev : events) {
    if (auto* q = std::get_if<core::QueuedEvent>(&ev)) {
      auto it = sessions_.find(q->who);
      if (it == sessions_.end()) continue;
      auto s = it->second;
      auto reply_to = q->who == caller ? re : std::nullopt;
      boost::asio::post(s->executor(), [s, est = q->estimated_wait_ms, reply_to] { s->on_queued(est, reply_to); });
    } else if (auto* m = std::get_if<core::MatchedEvent>(&ev)) {
      auto it = sessions_.find(m->who);
      auto peer_it = sessions_.find(m->peer);
      if (it == sessions_.end() || peer_it == sessions_.end()) continue;
      if (m->session_id != serial_for) {
        serial_for = m->session_id;
        serial = next_serial_++;
        metrics_.matches.inc();
      }
      metrics_.match_wait_seconds.observe(static_cast<double>(m->waited_ms) / 1000.0);
      auto s = it->second;
      std::weak_ptr<WsSessionBase> peer = peer_it->second;
      boost::asio::post(s->executor(), [s, e = std::move(*m), peer = std::move(peer), serial]() {
        s->on_matched(e, peer, serial);
      });
    } else if (auto* p = std::get_if<core::PeerLeftEvent>(&ev)) {
      auto it = sessions_.find(p->who);
      if (it == sessions_.end()) continue;
      auto s = it->second;
      boost::asio::post(s->executor(), [s, sid = std::move(p->session_id), reason = p->reason] {
        s->on_peer_left(sid, reason);
      });
    }
  }
}

}  // namespace serendip::net
