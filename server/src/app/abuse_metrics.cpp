#include "app/abuse_metrics.hpp"

#include <string>

#include "net/redis_gate.hpp"

namespace serendip::app {

void register_abuse_metrics(obs::Registry& r, const abuse::RateLimiter& limiter, const abuse::AbuseDetector& detector,
                            const net::RedisGate* shared) {
  // With Redis the shared gate decides and counts; the local limiter and
  // detector count only what they decided (report rules, fallbacks).
  for (std::size_t i = 0; i < abuse::kRuleCount; ++i) {
    const auto rule = static_cast<abuse::Rule>(i);
    r.gauge_fn(
        "serendip_abuse_rule_hits", "Abuse detector rule hits since start (this instance)",
        [&detector, shared, i] { return double(detector.rule_hits()[i] + (shared ? shared->rule_hits()[i] : 0)); },
        {{"rule", std::string(abuse::to_string(rule))}});
  }
  for (std::size_t i = 0; i < abuse::kLimitCount; ++i) {
    const auto limit = static_cast<abuse::Limit>(i);
    r.gauge_fn("serendip_rate_limit_refused", "Requests refused by a rate limit since start (this instance)",
               [&limiter, shared, limit] {
                 return double(limiter.stats()[limit].refused + (shared ? shared->refused(limit) : 0));
               },
               {{"limit", std::string(abuse::to_string(limit))}});
  }
  r.gauge_fn("serendip_rate_limit_entries", "Buckets held by the rate limiter (bounded)",
             [&limiter] { return double(limiter.stats().entries); });
}

}  // namespace serendip::app
