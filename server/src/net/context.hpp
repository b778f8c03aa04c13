// What every connection of the server shares, read-mostly. Owned by Server;
// connections hold a reference (the server outlives them).
#pragma once

#include <atomic>
#include <cstdint>

#include <boost/asio/thread_pool.hpp>

#include "abuse/abuse_detector.hpp"
#include "abuse/altcha.hpp"
#include "abuse/rate_limiter.hpp"
#include "auth/jwt.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "http/client_ip.hpp"
#include "http/router.hpp"
#include "moderation/service.hpp"
#include "net/asio_types.hpp"
#include "net/metrics.hpp"
#include "net/recent_sessions.hpp"
#include "protocol/codec.hpp"

namespace serendip::net {

class Hub;

// Work that may block on the database (reports, session accounting) runs here,
// never on an I/O thread.
using BlockingPool = asio::thread_pool;

struct Context {
  const config::Config& config;
  const core::Clock& clock;
  const auth::JwtCodec& jwt;
  const http::Router* router = nullptr;  // set before the server runs
  Hub& hub;
  NetMetrics& metrics;
  protocol::WireLimits wire_limits;
  http::TrustedProxies trusted_proxies;
  moderation::ModerationService& moderation;
  RecentSessions& recent;
  BlockingPool& blocking;
  abuse::RateLimiter& limiter;
  abuse::AbuseDetector& detector;
  abuse::Altcha& altcha;
  std::atomic<bool> draining{false};
};

}  // namespace serendip::net
