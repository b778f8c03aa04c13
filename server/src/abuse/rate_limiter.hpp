// Rate limits: one token bucket per (limit, key), where the key is a client
// IP or a device key. A request takes a token; an empty bucket answers with
// the milliseconds until the next token (`rate_limited` + `retryAfterMs`, or
// HTTP 429 + Retry-After). Refused requests take nothing.
//
// RateLimiter is the interface the server talks to; MemoryRateLimiter keeps
// the buckets in this process. A Redis implementation (several instances
// sharing one budget) replaces it without touching callers.
//
// Memory is bounded whatever keys arrive: a bucket that has refilled is the
// same as no bucket and is dropped (lazily on each check, and by sweep());
// each limit holds at most `max_entries_per_limit` buckets and evicts the
// least recently used one past that, so a flood of spoofed addresses or
// invented device ids costs a fixed amount of memory. (An evicted bucket
// comes back full: under such a flood the limit errs towards letting a
// real client through.)
//
// The per-socket message limit (contract: 50/s burst 100) is not here: it
// needs no map and lives on the socket itself (net/).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "core/clock.hpp"

namespace serendip::abuse {

enum class Limit : std::uint8_t {
  session_per_ip,      // POST /api/v1/session (and refresh), keyed by client IP
  session_per_device,  // the same, keyed by device key
  connect_per_ip,      // WebSocket upgrades, keyed by client IP
  join_per_device,     // `join` messages, keyed by device key
  next_per_device,     // `next` messages, keyed by device key
  report_per_device,   // `report` messages, keyed by the reporter's device key
};
inline constexpr std::size_t kLimitCount = 6;

// Stable snake_case names, for metric labels, logs and config keys.
std::string_view to_string(Limit limit);

// A bucket of `burst` tokens that refills at `tokens` per `per_ms`
// milliseconds. tokens <= 0 or burst <= 0 switches the limit off.
struct LimitSpec {
  std::int64_t tokens = 0;
  std::int64_t per_ms = 60'000;  // milliseconds
  std::int64_t burst = 0;        // tokens

  bool enabled() const { return tokens > 0 && burst > 0 && per_ms > 0; }
};

struct RateLimitConfig {
  // Defaults are generous enough that a person never meets them: a page load
  // takes one token and one connect; tokens are refreshed every few minutes;
  // a fast skipper presses next every 3-5 s. Per-IP limits allow for many
  // people behind one NAT.
  std::array<LimitSpec, kLimitCount> limits{{
      /* session_per_ip     */ {30, 60'000, 30},
      /* session_per_device */ {10, 60'000, 5},
      /* connect_per_ip     */ {60, 60'000, 30},
      /* join_per_device    */ {20, 60'000, 10},
      /* next_per_device    */ {60, 60'000, 20},
      /* report_per_device  */ {10, 3'600'000, 5},
  }};
  std::size_t max_entries_per_limit = 100'000;
  std::size_t shards = 16;  // mutexes per limit; rounded up to a power of two

  LimitSpec& operator[](Limit l) { return limits[static_cast<std::size_t>(l)]; }
  const LimitSpec& operator[](Limit l) const { return limits[static_cast<std::size_t>(l)]; }
};

struct RateDecision {
  bool allowed = true;
  std::int64_t retry_after_ms = 0;  // > 0 exactly when refused

  explicit operator bool() const { return allowed; }
};

// Overrides from configuration: a comma-separated list of
// "<limit>=<tokens>/<seconds>s/<burst>" (e.g. "join_per_device=20/60s/10");
// "<limit>=off" switches one off. Returns an error message, or empty on success.
std::string apply_rate_limit_overrides(std::string_view text, RateLimitConfig& config);

struct LimitStats {
  std::size_t entries = 0;
  std::size_t approx_bytes = 0;
  std::uint64_t allowed = 0;
  std::uint64_t refused = 0;
  std::uint64_t evicted = 0;  // dropped by the cap before they had refilled
};

struct RateLimiterStats {
  std::array<LimitStats, kLimitCount> per_limit{};
  std::size_t entries = 0;       // sum over limits
  std::size_t approx_bytes = 0;  // sum over limits

  const LimitStats& operator[](Limit l) const { return per_limit[static_cast<std::size_t>(l)]; }
};

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;

  // Takes `cost` tokens from `key`'s bucket for `limit` when it holds them.
  // Thread-safe.
  [[nodiscard]] virtual RateDecision check(Limit limit, std::string_view key, std::int64_t cost = 1) = 0;

  // Drops every bucket that has refilled; returns how many. Call it now and
  // then (say every 30 s); checks also drop a few idle buckets as they go.
  virtual std::size_t sweep() = 0;

  virtual RateLimiterStats stats() const = 0;
};

class MemoryRateLimiter final : public RateLimiter {
 public:
  MemoryRateLimiter(RateLimitConfig config, const core::Clock& clock);
  ~MemoryRateLimiter() override;
  MemoryRateLimiter(const MemoryRateLimiter&) = delete;
  MemoryRateLimiter& operator=(const MemoryRateLimiter&) = delete;

  RateDecision check(Limit limit, std::string_view key, std::int64_t cost = 1) override;
  std::size_t sweep() override;
  RateLimiterStats stats() const override;

  const RateLimitConfig& config() const { return config_; }

 private:
  struct Table;

  const RateLimitConfig config_;
  const core::Clock& clock_;  // Passed by argument; outlives this.
  std::array<std::unique_ptr<Table>, kLimitCount> tables_;
};

}  // namespace serendip::abuse
