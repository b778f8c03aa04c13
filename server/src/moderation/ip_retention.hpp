// The IP retention job (docs/moderation.md section 13): raw IP addresses are
// kept only while a moderator may act on them and for `ip-retention-days`
// after that; then the database keeps a keyed hash instead
// (store::IpPrivacy::erase_ips). Each run also moves session counters left
// keyed by a plain IP (from before this version) to the hash.
//
// Threads: try_start() on the server's tick; run() on the blocking pool, at
// most one at a time (try_start() says who runs). The first run is due at
// once, then one an hour (a minute after a failure). Every instance sharing a
// database runs it; the store makes concurrent runs harmless.
#pragma once

#include <atomic>
#include <cstdint>

#include "core/clock.hpp"
#include "store/database.hpp"

namespace serendip::moderation {

class IpRetention {
 public:
  static constexpr std::int64_t kEveryMs = 3'600'000;  // between runs
  static constexpr std::int64_t kRetryMs = 60'000;     // after a failed run
  static constexpr std::int64_t kDayMs = 86'400'000;

  // retention_days 0: raw IPs are never erased (counters are hashed all the same).
  IpRetention(store::IpPrivacy& store, const core::Clock& clock, std::int64_t retention_days)
      : store_(store), clock_(clock), retention_days_(retention_days) {}

  // True when a run is due and none is running; the caller must then run().
  bool try_start();
  // One run; false when the database refused (logged; retried in kRetryMs).
  bool run();
  // The cutoff a run at `now_unix_ms` uses: rows that stopped being live
  // before it lose their raw IPs.
  std::int64_t cutoff(std::int64_t now_unix_ms) const;

 private:
  store::IpPrivacy& store_;   // Passed by argument.
  const core::Clock& clock_;  // Passed by argument.
  const std::int64_t retention_days_;
  std::atomic<bool> running_{false};
  std::atomic<std::int64_t> next_run_ms_{0};  // Clock::now_ms; 0 = at once
};

}  // namespace serendip::moderation
