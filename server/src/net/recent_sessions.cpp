#include "net/recent_sessions.hpp"

namespace serendip::net {

void RecentSessions::started(const std::string& session_id, store::Party a, store::Party b, std::int64_t unix_ms) {
  std::lock_guard lock(mu_);
  sessions_[session_id] = Entry{std::move(a), std::move(b), unix_ms, std::nullopt};
}

std::optional<moderation::SessionRecord> RecentSessions::ended(const std::string& session_id, std::int64_t unix_ms) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(session_id);
  if (it == sessions_.end() || it->second.ended_at) return std::nullopt;
  it->second.ended_at = unix_ms;
  end_order_.emplace_back(unix_ms, session_id);
  return moderation::SessionRecord{session_id, it->second.a, it->second.b, it->second.started_at, unix_ms};
}

void RecentSessions::prune(std::int64_t unix_ms) {
  std::lock_guard lock(mu_);
  while (!end_order_.empty() && end_order_.front().first + keep_after_end_ms_ < unix_ms) {
    sessions_.erase(end_order_.front().second);
    end_order_.pop_front();
  }
}

std::optional<moderation::SessionRecord> RecentSessions::find_for_report(std::string_view session_id,
                                                                         std::string_view reporter_user_id) const {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(std::string(session_id));
  if (it == sessions_.end()) return std::nullopt;
  const Entry& e = it->second;
  if (e.a.user_id == reporter_user_id) {
    return moderation::SessionRecord{std::string(session_id), e.a, e.b, e.started_at, e.ended_at};
  }
  if (e.b.user_id == reporter_user_id) {
    return moderation::SessionRecord{std::string(session_id), e.b, e.a, e.started_at, e.ended_at};
  }
  return std::nullopt;
}

}  // namespace serendip::net
