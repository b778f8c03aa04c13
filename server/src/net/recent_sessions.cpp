#include "net/recent_sessions.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

namespace serendip::net {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // the hubs write lowercase; another spelling is another id
}

}  // namespace

std::optional<RecentSessions::Id> RecentSessions::parse_id(std::string_view session_id) {
  if (session_id.size() != 32) return std::nullopt;
  Id id{0, 0};
  for (std::size_t i = 0; i < 32; ++i) {
    const int d = hex_digit(session_id[i]);
    if (d < 0) return std::nullopt;
    id[i / 16] = (id[i / 16] << 4) | static_cast<std::uint64_t>(d);
  }
  return id;
}

std::string_view RecentSessions::Entry::field(int i) const {
  std::size_t offset = 0;
  for (int k = 0; k < i; ++k) offset += lengths[k];
  return {text.get() + offset, lengths[i]};
}

store::Party RecentSessions::Entry::party(int side) const {
  return store::Party{std::string(field(side * 3)), std::string(field(side * 3 + 1)), std::string(field(side * 3 + 2))};
}

moderation::SessionRecord RecentSessions::record(std::string_view session_id, const Entry& e, int reporter_side) {
  moderation::SessionRecord r{std::string(session_id), e.party(reporter_side), e.party(1 - reporter_side), e.started_at,
                              std::nullopt};
  if (e.ended_at >= 0) r.ended_at = e.ended_at;
  return r;
}

void RecentSessions::started(std::string_view session_id, const store::Party& a, const store::Party& b,
                             std::int64_t unix_ms) {
  auto id = parse_id(session_id);
  if (!id) return;
  Entry e;
  const std::string_view parts[] = {a.user_id, a.device_key, a.ip, b.user_id, b.device_key, b.ip};
  std::size_t total = 0;
  for (std::size_t i = 0; i < 6; ++i) {
    // Each is bounded far below this where it is made (ids, keys, addresses).
    const std::size_t n = std::min<std::size_t>(parts[i].size(), std::numeric_limits<std::uint16_t>::max());
    e.lengths[i] = static_cast<std::uint16_t>(n);
    total += n;
  }
  e.text = std::make_unique_for_overwrite<char[]>(std::max<std::size_t>(total, 1));
  std::size_t offset = 0;
  for (std::size_t i = 0; i < 6; ++i) {
    std::memcpy(e.text.get() + offset, parts[i].data(), e.lengths[i]);
    offset += e.lengths[i];
  }
  e.started_at = unix_ms;
  std::lock_guard lock(mu_);
  sessions_.insert_or_assign(*id, std::move(e));
}

std::optional<moderation::SessionRecord> RecentSessions::ended(std::string_view session_id, std::int64_t unix_ms) {
  auto id = parse_id(session_id);
  if (!id) return std::nullopt;
  std::lock_guard lock(mu_);
  auto it = sessions_.find(*id);
  if (it == sessions_.end() || it->second.ended_at >= 0) return std::nullopt;
  it->second.ended_at = unix_ms;
  end_order_.emplace_back(unix_ms, *id);
  auto out = record(session_id, it->second, 0);
  // Past the cap, the oldest ended session goes now rather than at the end of its window.
  while (end_order_.size() > max_ended_) {
    sessions_.erase(end_order_.front().second);
    end_order_.pop_front();
    ++dropped_early_;
  }
  return out;
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
  auto id = parse_id(session_id);
  if (!id) return std::nullopt;
  std::lock_guard lock(mu_);
  auto it = sessions_.find(*id);
  if (it == sessions_.end()) return std::nullopt;
  const Entry& e = it->second;
  for (int side = 0; side < 2; ++side) {
    if (e.field(side * 3) == reporter_user_id) return record(session_id, e, side);
  }
  return std::nullopt;
}

std::size_t RecentSessions::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

std::uint64_t RecentSessions::dropped_early() const {
  std::lock_guard lock(mu_);
  return dropped_early_;
}

}  // namespace serendip::net
