#include "abuse/rate_limiter.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <charconv>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "abuse/lru_map.hpp"

namespace serendip::abuse {
namespace {

// Token levels are kept in integer units of (token x millisecond): one token
// is `per_ms` units and a bucket gains `tokens` units per millisecond. Refill
// and retry-after are then exact integer arithmetic, with no drift.
struct Bucket {
  std::int64_t level = 0;  // token-milliseconds
  std::int64_t at_ms = 0;  // when `level` was last brought up to date
};

struct Units {
  std::int64_t capacity;  // burst * per_ms
  std::int64_t rate;      // units gained per millisecond (= tokens)

  explicit Units(const LimitSpec& s) : capacity(s.burst * s.per_ms), rate(s.tokens) {}

  void refill(Bucket& b, std::int64_t now_ms) const {
    const std::int64_t elapsed = now_ms - b.at_ms;
    if (elapsed <= 0) return;  // the clock is monotonic; equal times add nothing
    const std::int64_t missing = capacity - b.level;
    // Compare before multiplying, so a long idle time cannot overflow.
    b.level = elapsed >= (missing + rate - 1) / rate ? capacity : b.level + elapsed * rate;
    b.at_ms = now_ms;
  }

  bool full_at(const Bucket& b, std::int64_t now_ms) const {
    const std::int64_t missing = capacity - b.level;
    return missing <= 0 || now_ms - b.at_ms >= (missing + rate - 1) / rate;
  }
};

std::size_t round_up_pow2(std::size_t n) {
  std::size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

std::string_view to_string(Limit limit) {
  switch (limit) {
    case Limit::session_per_ip: return "session_per_ip";
    case Limit::session_per_device: return "session_per_device";
    case Limit::connect_per_ip: return "connect_per_ip";
    case Limit::join_per_device: return "join_per_device";
    case Limit::next_per_device: return "next_per_device";
    case Limit::report_per_device: return "report_per_device";
  }
  return "unknown";
}

std::string apply_rate_limit_overrides(std::string_view text, RateLimitConfig& config) {
  auto trim = [](std::string_view v) {
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    return v;
  };
  auto number = [](std::string_view v, std::int64_t& out) {
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    return ec == std::errc() && p == v.data() + v.size() && out > 0;
  };
  while (!text.empty()) {
    auto comma = text.find(',');
    std::string_view item = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (item.empty()) continue;
    auto eq = item.find('=');
    if (eq == std::string_view::npos)
      return "expected <limit>=<tokens>/<seconds>s/<burst>, got '" + std::string(item) + "'";
    std::string_view name = trim(item.substr(0, eq));
    std::string_view spec = trim(item.substr(eq + 1));
    std::optional<Limit> limit;
    for (std::size_t i = 0; i < kLimitCount; ++i) {
      if (to_string(static_cast<Limit>(i)) == name) limit = static_cast<Limit>(i);
    }
    if (!limit) return "unknown rate limit '" + std::string(name) + "'";
    if (spec == "off") {
      config[*limit] = LimitSpec{0, 60'000, 0};
      continue;
    }
    auto s1 = spec.find('/');
    auto s2 = s1 == std::string_view::npos ? s1 : spec.find('/', s1 + 1);
    std::int64_t tokens = 0;
    std::int64_t seconds = 0;
    std::int64_t burst = 0;
    std::string_view per = s2 == std::string_view::npos ? std::string_view{} : spec.substr(s1 + 1, s2 - s1 - 1);
    if (!per.empty() && per.back() == 's') per.remove_suffix(1);
    if (s2 == std::string_view::npos || !number(spec.substr(0, s1), tokens) || !number(per, seconds) ||
        !number(spec.substr(s2 + 1), burst)) {
      return "rate limit '" + std::string(name) + "': expected <tokens>/<seconds>s/<burst>, got '" + std::string(spec) +
             "'";
    }
    config[*limit] = LimitSpec{tokens, seconds * 1000, burst};
  }
  return {};
}

struct MemoryRateLimiter::Table {
  struct Shard {
    explicit Shard(std::size_t cap) : buckets(cap) {}
    mutable std::mutex mu;
    LruMap<Bucket> buckets;  // guarded by mu
  };

  Table(const LimitSpec& spec, std::size_t max_entries, std::size_t shard_count)
      : spec(spec), units(spec.enabled() ? Units(spec) : Units(LimitSpec{1, 1, 1})) {
    const std::size_t n = round_up_pow2(std::max<std::size_t>(1, shard_count));
    shift = 64 - static_cast<unsigned>(std::countr_zero(n));  // n is a power of two
    // Per-shard caps add up to at most max_entries (rounded up by < n).
    const std::size_t per_shard = std::max<std::size_t>(1, (max_entries + n - 1) / n);
    shards.reserve(n);
    for (std::size_t i = 0; i < n; ++i) shards.push_back(std::make_unique<Shard>(per_shard));
  }

  Shard& shard_for(std::string_view key) {
    if (shards.size() == 1) return *shards[0];
    // Fibonacci mixing, top bits: independent of the bits the shard's own
    // hash table uses for its buckets.
    const std::uint64_t raw = std::hash<std::string_view>{}(key);
    const std::uint64_t h = raw * 0x9E3779B97F4A7C15ull;
    return *shards[static_cast<std::size_t>(h >> shift)];
  }

  const LimitSpec spec;
  const Units units;
  unsigned shift = 64;
  std::vector<std::unique_ptr<Shard>> shards;
  std::atomic<std::uint64_t> allowed{0};
  std::atomic<std::uint64_t> refused{0};
};

MemoryRateLimiter::MemoryRateLimiter(RateLimitConfig config, const core::Clock& clock)
    : config_(std::move(config)), clock_(clock) {
  for (std::size_t i = 0; i < kLimitCount; ++i) {
    tables_[i] = std::make_unique<Table>(config_.limits[i], config_.max_entries_per_limit, config_.shards);
  }
}

MemoryRateLimiter::~MemoryRateLimiter() = default;

RateDecision MemoryRateLimiter::check(Limit limit, std::string_view key, std::int64_t cost) {
  Table& t = *tables_[static_cast<std::size_t>(limit)];
  if (!t.spec.enabled() || cost <= 0) return {};
  // A cost above the burst could never pass; treat it as a whole bucket.
  const std::int64_t need = std::min(cost, t.spec.burst) * t.spec.per_ms;
  const std::int64_t now = clock_.now_ms();
  const Units& u = t.units;

  RateDecision decision;
  {
    auto& shard = t.shard_for(key);
    std::lock_guard lock(shard.mu);
    // Lazy expiry first, so a refilled bucket is never counted as evicted and
    // the bucket touched below is never the one dropped.
    shard.buckets.pop_stale([&](std::string_view, const Bucket& b) { return u.full_at(b, now); }, 2);
    Bucket& b = shard.buckets.touch(key, [&] { return Bucket{u.capacity, now}; });
    u.refill(b, now);
    if (b.level >= need) {
      b.level -= need;
    } else {
      decision.allowed = false;
      decision.retry_after_ms = (need - b.level + u.rate - 1) / u.rate;
    }
  }
  (decision.allowed ? t.allowed : t.refused).fetch_add(1, std::memory_order_relaxed);
  return decision;
}

std::size_t MemoryRateLimiter::sweep() {
  const std::int64_t now = clock_.now_ms();
  std::size_t dropped = 0;
  for (auto& table : tables_) {
    const Units& u = table->units;
    for (auto& shard : table->shards) {
      std::lock_guard lock(shard->mu);
      dropped += shard->buckets.erase_if([&](std::string_view, const Bucket& b) { return u.full_at(b, now); });
    }
  }
  return dropped;
}

RateLimiterStats MemoryRateLimiter::stats() const {
  RateLimiterStats out;
  for (std::size_t i = 0; i < kLimitCount; ++i) {
    const Table& t = *tables_[i];
    LimitStats& s = out.per_limit[i];
    for (const auto& shard : t.shards) {
      std::lock_guard lock(shard->mu);
      s.entries += shard->buckets.size();
      s.approx_bytes += shard->buckets.approx_bytes();
      s.evicted += shard->buckets.evictions();
    }
    s.allowed = t.allowed.load(std::memory_order_relaxed);
    s.refused = t.refused.load(std::memory_order_relaxed);
    out.entries += s.entries;
    out.approx_bytes += s.approx_bytes;
  }
  return out;
}

}  // namespace serendip::abuse
