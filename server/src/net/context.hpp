// What every connection of a server shares, read-mostly: the few services the
// transport itself needs, and the signaling services it hands to each
// connection's handler. Built by Server from its ServerDeps; connections hold
// a reference (the server outlives them).
#pragma once

#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/drain.hpp"
#include "http/client_ip.hpp"
#include "net/metrics.hpp"
#include "signaling/handler.hpp"

namespace serendip::http {
class Router;
}  // namespace serendip::http

namespace serendip::net {

class BlockingPool;
class ConnectionLimits;
class MatchHub;

struct Context {
  const config::Config& config;  // transport limits, timeouts, the Origin allow-list
  const core::Clock& clock;
  const core::DrainFlag& drain;
  const http::Router& router;  // plain HTTP requests
  http::TrustedProxies trusted_proxies;
  MatchHub& hub;
  NetMetrics& metrics;
  ConnectionLimits& connections;  // max-connections, max-connections-per-ip
  BlockingPool& blocking;
  signaling::Services& signaling;
};

}  // namespace serendip::net
