// The abuse detector's and rate limiter's figures on /metrics, read when
// scraped.
#pragma once

#include "abuse/abuse_detector.hpp"
#include "abuse/rate_limiter.hpp"
#include "obs/metrics.hpp"

namespace serendip::net {
class RedisGate;
}

namespace serendip::app {

// `shared`: the gate over Redis when there is one (its hits and refusals add in); may be null.
void register_abuse_metrics(obs::Registry& registry, const abuse::RateLimiter& limiter,
                            const abuse::AbuseDetector& detector, const net::RedisGate* shared = nullptr);

}  // namespace serendip::app
