// A short memory of who was in which session, so a user can report a session
// for a few minutes after it ended (contract section 3) and so moderation can
// learn both sides' identities without the client naming anyone.
// Fed by the hub (under its lock), read by report handling on any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "moderation/session_directory.hpp"

namespace serendip::net {

class RecentSessions final : public moderation::SessionDirectory {
 public:
  explicit RecentSessions(std::int64_t keep_after_end_ms) : keep_after_end_ms_(keep_after_end_ms) {}

  void started(const std::string& session_id, store::Party a, store::Party b, std::int64_t unix_ms);
  // Returns the record as it ended (for session-length accounting), if known.
  std::optional<moderation::SessionRecord> ended(const std::string& session_id, std::int64_t unix_ms);
  void prune(std::int64_t unix_ms);

  std::optional<moderation::SessionRecord> find_for_report(std::string_view session_id,
                                                           std::string_view reporter_user_id) const override;

 private:
  struct Entry {
    store::Party a, b;
    std::int64_t started_at = 0;           // unix ms
    std::optional<std::int64_t> ended_at;  // unix ms
  };
  const std::int64_t keep_after_end_ms_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> sessions_;             // guarded by mu_
  std::deque<std::pair<std::int64_t, std::string>> end_order_;  // (ended_at, id), guarded by mu_
};

}  // namespace serendip::net
