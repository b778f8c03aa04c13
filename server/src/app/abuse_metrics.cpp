#include "app/abuse_metrics.hpp"

#include <string>

namespace serendip::app {

void register_abuse_metrics(obs::Registry& r, const abuse::RateLimiter& limiter, const abuse::AbuseDetector& detector) {
  for (std::size_t i = 0; i < abuse::kRuleCount; ++i) {
    const auto rule = static_cast<abuse::Rule>(i);
    r.gauge_fn("serendip_abuse_rule_hits", "Abuse detector rule hits since start",
               [&detector, i] { return double(detector.rule_hits()[i]); },
               {{"rule", std::string(abuse::to_string(rule))}});
  }
  for (std::size_t i = 0; i < abuse::kLimitCount; ++i) {
    const auto limit = static_cast<abuse::Limit>(i);
    r.gauge_fn("serendip_rate_limit_refused", "Requests refused by a rate limit since start",
               [&limiter, limit] { return double(limiter.stats()[limit].refused); },
               {{"limit", std::string(abuse::to_string(limit))}});
  }
  r.gauge_fn("serendip_rate_limit_entries", "Buckets held by the rate limiter (bounded)",
             [&limiter] { return double(limiter.stats().entries); });
}

}  // namespace serendip::app
