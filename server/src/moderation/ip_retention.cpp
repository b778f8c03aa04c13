#include "moderation/ip_retention.hpp"

#include <limits>

#include "obs/log.hpp"

namespace serendip::moderation {

bool IpRetention::try_start() {
  if (clock_.now_ms() < next_run_ms_.load(std::memory_order_relaxed)) return false;
  return !running_.exchange(true);
}

std::int64_t IpRetention::cutoff(std::int64_t now_unix_ms) const {
  if (retention_days_ <= 0) return std::numeric_limits<std::int64_t>::min();  // nothing is ever old enough
  return now_unix_ms - retention_days_ * kDayMs;
}

bool IpRetention::run() {
  auto r = store_.erase_ips(cutoff(clock_.unix_ms()));
  const bool ok = r.has_value();
  if (!ok) {
    obs::log(obs::Level::warn, "moderation", "ip_retention_failed", {{"error", r.error().message}});
  } else if (r->total() > 0) {
    obs::log(obs::Level::info, "moderation", "ip_retention_run",
             {{"counters", r->counters}, {"reports", r->reports}, {"appeals", r->appeals}, {"blocks", r->blocks}});
  }
  next_run_ms_.store(clock_.now_ms() + (ok ? kEveryMs : kRetryMs), std::memory_order_relaxed);
  running_ = false;
  return ok;
}

}  // namespace serendip::moderation
