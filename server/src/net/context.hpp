// What every connection of the server shares, read-mostly. Owned by Server;
// connections hold a reference (the server outlives them).
#pragma once

#include <atomic>
#include <cstdint>

#include "auth/jwt.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "http/client_ip.hpp"
#include "http/router.hpp"
#include "net/metrics.hpp"
#include "protocol/codec.hpp"

namespace serendip::net {

class Hub;

struct Context {
  const config::Config& config;
  const core::Clock& clock;
  const auth::JwtCodec& jwt;
  const http::Router& router;
  Hub& hub;
  NetMetrics& metrics;
  protocol::WireLimits wire_limits;
  http::TrustedProxies trusted_proxies;
  std::atomic<bool> draining{false};
};

}  // namespace serendip::net
