// A short memory of who was in which session, so a user can report a session
// for a few minutes after it ended (contract section 3) and so moderation can
// learn both sides' identities without the client naming anyone.
// Fed by the hub (under its lock), read by report handling on any thread.
//
// Sized for churn: an instance making 3,000 matches a second remembers close
// to a million sessions over a 5-minute window, so an entry is compact (the
// session id as 16 bytes, both parties' six strings in one allocation, about
// 300 bytes in all) and the number of ended sessions kept is capped (the
// oldest goes first once `max_ended` is reached).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "moderation/session_directory.hpp"

namespace serendip::net {

class RecentSessions final : public moderation::SessionDirectory {
 public:
  static constexpr std::size_t kDefaultMaxEnded = 500'000;

  explicit RecentSessions(std::int64_t keep_after_end_ms, std::size_t max_ended = kDefaultMaxEnded)
      : keep_after_end_ms_(keep_after_end_ms), max_ended_(max_ended) {}

  // Session ids are 32 hexadecimal digits (the hubs make them so); any other
  // id is not remembered.
  void started(std::string_view session_id, const store::Party& a, const store::Party& b, std::int64_t unix_ms);
  // Returns the record as it ended (for session-length accounting), if known.
  std::optional<moderation::SessionRecord> ended(std::string_view session_id, std::int64_t unix_ms);
  // Forgets what ended more than the window ago.
  void prune(std::int64_t unix_ms);

  std::optional<moderation::SessionRecord> find_for_report(std::string_view session_id,
                                                           std::string_view reporter_user_id) const override;

  // Sessions remembered (running and ended), and the ended ones forgotten
  // early because of max_ended. Thread-safe.
  std::size_t size() const;
  std::uint64_t dropped_early() const;

 private:
  using Id = std::array<std::uint64_t, 2>;
  struct IdHash {
    std::size_t operator()(const Id& id) const noexcept { return id[0] ^ (id[1] * 0x9e3779b97f4a7c15ULL); }
  };
  // Both parties' strings, back to back: a.user_id, a.device_key, a.ip, then b's.
  struct Entry {
    std::unique_ptr<char[]> text;
    std::array<std::uint16_t, 6> lengths{};
    std::int64_t started_at = 0;          // unix ms
    std::int64_t ended_at = -1;           // unix ms; -1 while running
    std::string_view field(int i) const;  // 0..5 in the order above
    store::Party party(int side) const;
  };
  static std::optional<Id> parse_id(std::string_view session_id);
  static moderation::SessionRecord record(std::string_view session_id, const Entry& e, int reporter_side);

  const std::int64_t keep_after_end_ms_;
  const std::size_t max_ended_;
  mutable std::mutex mu_;
  std::unordered_map<Id, Entry, IdHash> sessions_;     // guarded by mu_
  std::deque<std::pair<std::int64_t, Id>> end_order_;  // (ended_at, id), guarded by mu_
  std::uint64_t dropped_early_ = 0;                    // guarded by mu_
};

}  // namespace serendip::net
