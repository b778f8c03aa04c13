// BlockCache: the active blocks in memory, so the ban checks on every token,
// WebSocket upgrade, hello and join answer without a database query (which on
// PostgreSQL is a network round trip on an I/O thread).
//
// The database stays the source. The cache is either valid (a full copy of
// the active blocks as of its last load, plus the blocks this process made
// since) or stale, and a stale cache answers nothing: the caller asks the
// database, as without a cache, until a reload makes it valid again. It goes
// stale when a block is lifted here, when another instance says its blocks
// changed (RedisHub's `B` inbox message), while that news could be lost
// (Redis unreachable), and after max_age (10 minutes) without a reload. Expiry needs no
// news: an entry past its end answers "not blocked".
//
// Times are wall-clock (unix ms), because block expiry is. A wall clock stepped back
// since the last load (NTP, a resumed VM) makes the cache stale and a reload due at
// once: measured from a load "in the future", the next reload would otherwise wait
// out the step (an hour back = an hour of other instances' blocks not seen here).
//
// Thread-safe: lookups take a shared lock; reload() does its database reads
// outside it (call it off the I/O threads).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/model.hpp"
#include "store/result.hpp"

namespace serendip::moderation {

class BlockCache {
 public:
  struct Entry {
    std::int64_t block_id = 0;
    std::optional<std::int64_t> until;  // unix ms; nullopt = permanent
    std::string reason;
  };
  enum class Answer : std::uint8_t { blocked, clear, unknown };  // unknown: stale, ask the database

  // Reads every active block at a time (unix ms), for reload().
  using Loader = std::function<store::Result<std::vector<store::Block>>(std::int64_t now_ms)>;

  // Reloaded every `reload_every_ms`; trusted for `max_age_ms` after a load.
  // The age limit is a safety net only (news of other instances' changes
  // comes as invalidate()): it is long, so that a reload delayed behind a
  // backlog of database writes does not turn every ban check into a
  // database query on an I/O thread.
  explicit BlockCache(std::int64_t reload_every_ms = 30'000, std::int64_t max_age_ms = 600'000)
      : reload_every_ms_(reload_every_ms), max_age_ms_(max_age_ms) {}

  // `ip` already canonical; either may be empty. Fills `out` when blocked.
  Answer find(std::string_view ip, std::string_view device_key, std::int64_t now_ms, Entry& out) const;

  // A block committed by this process: valid caches learn it at once.
  void add(const store::Block& block);
  // Drops validity: lookups answer unknown until the next reload().
  void invalidate();
  // Whether a reload is due (stale, or loaded reload_every_ms before `now_ms`).
  bool needs_reload(std::int64_t now_ms) const;
  // Loads every active block; valid afterwards unless add() or invalidate()
  // ran meanwhile (the load may have missed that change: still stale).
  // False when the loader failed.
  bool reload(const Loader& load, std::int64_t now_ms);

  bool valid() const;
  std::size_t size() const;

 private:
  bool stepped_back(std::int64_t now_ms) const { return now_ms < loaded_at_ms_; }  // mu_ held

  const std::int64_t reload_every_ms_;
  const std::int64_t max_age_ms_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, Entry> by_ip_;      // guarded by mu_
  std::unordered_map<std::string, Entry> by_device_;  // guarded by mu_
  bool valid_ = false;                                // guarded by mu_
  std::int64_t loaded_at_ms_ = 0;                     // guarded by mu_
  std::uint64_t generation_ = 0;                      // guarded by mu_; bumped by add() and invalidate()
};

}  // namespace serendip::moderation
