// The per-IP and per-device session counters (sessions, total length, last
// seen: what a moderator's reputation page shows), summed in memory as
// sessions end and written to the database in batches, one transaction per
// write, instead of one transaction per ended session on the matching path.
//
// Threads: add() on any I/O thread (a short lock that only I/O threads take);
// take() on the server's tick; write() on the blocking pool, one at a time
// (the caller keeps one write in flight). main.cpp takes and writes once a
// second and once more after the server has stopped, so the counts are at most
// about a second behind and none is lost at a clean shutdown.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "store/database.hpp"

namespace serendip::moderation {

class SessionCounts {
 public:
  // A failed write keeps its totals for the next one, up to this many keys;
  // beyond it the least recently seen are dropped (and counted): the database has been
  // down for a long while, and memory must stay bounded.
  static constexpr std::size_t kMaxCarried = 200'000;

  SessionCounts(store::ReputationStore& store, const core::Clock& clock) : store_(store), clock_(clock) {}

  // One participant's finished session (empty ip or device_key: not counted for it).
  void add(std::string_view ip, std::string_view device_key, std::int64_t length_ms);
  // Everything added since the last take.
  std::vector<store::SessionTotals> take();
  // Writes `batch` and whatever an earlier failed write kept, in one
  // transaction; false when the database refused (the totals are kept).
  bool write(std::vector<store::SessionTotals> batch);

  // Totals kept from failed writes (any thread).
  std::size_t carried() const { return carried_count_.load(std::memory_order_relaxed); }
  // Totals dropped because too many were kept (any thread).
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  struct Sum {
    std::int64_t sessions = 0;
    std::int64_t session_ms = 0;
    std::int64_t last_seen = 0;
  };
  static void merge(std::unordered_map<std::string, Sum>& into, const std::string& key, const Sum& s);
  static std::vector<store::SessionTotals> to_totals(std::unordered_map<std::string, Sum>&& sums);

  store::ReputationStore& store_;  // Passed by argument.
  const core::Clock& clock_;       // Passed by argument.
  std::mutex mu_;
  // "i<ip>" or "d<device key>" -> sums; guarded by mu_.
  std::unordered_map<std::string, Sum> sums_;
  std::vector<store::SessionTotals> carried_;  // write() only
  std::atomic<std::size_t> carried_count_{0};
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace serendip::moderation
