// The abuse detector's and rate limiter's figures on /metrics, read when
// scraped.
#pragma once

#include "abuse/abuse_detector.hpp"
#include "abuse/rate_limiter.hpp"
#include "obs/metrics.hpp"

namespace serendip::app {

void register_abuse_metrics(obs::Registry& registry, const abuse::RateLimiter& limiter,
                            const abuse::AbuseDetector& detector);

}  // namespace serendip::app
