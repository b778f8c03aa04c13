// What the Redis client counts. One Metrics may be shared by the clients of
// every worker (the counters are relaxed atomics) and must outlive them and
// the registry it is registered with. Declared here in one place; nothing is
// wired into main.cpp by this library.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

#include "obs/metrics.hpp"

namespace serendip::redis {

struct Metrics {
  obs::Counter commands;         // commands completed (replied or failed), redirects not counted twice
  obs::Counter command_errors;   // completed with an error reply (from Redis or from the client)
  obs::Counter timeouts;         // commands that hit their timeout
  obs::Counter rejected;         // failed fast: connection down or queue full
  obs::Counter retries;          // extra attempts of idempotent commands
  obs::Counter connects;         // connections established (handshake done)
  obs::Counter reconnects;       // ...of which after a previous connection of the same node was lost
  obs::Counter disconnects;      // connections lost or recycled
  obs::Counter moved;            // MOVED redirections followed
  obs::Counter ask;              // ASK redirections followed
  obs::Counter slot_refreshes;   // CLUSTER SLOTS loaded
  obs::Counter failovers;        // ...that changed a slot's owner (a failover, or resharding)
  obs::Counter noscript;         // EVALSHA answered NOSCRIPT (script then sent with EVAL)
  obs::Counter readonly;         // answered READONLY: the node is a replica now (reconnected, or the map reloaded)
  obs::Counter resubscribes;     // SSUBSCRIBE sent again after a reconnect, slot move or probe failure
  obs::Counter messages;         // pub/sub messages delivered
  obs::Counter probe_failures;   // inbox probes not received within their deadline
  obs::Gauge clients;            // live Clients using this Metrics
  obs::Gauge unhealthy_clients;  // ...of which not healthy(): serendip_redis_up is 1 only if none
  // Command latency in seconds, from the call to the callback (redirects and
  // retries included), per command name. Optional: register_metrics() sets
  // it. Each Client calls it once per distinct command name (at most
  // kMaxLatencyCommands, then "other") and keeps the histogram it returns.
  std::function<obs::Histogram*(std::string_view command)> latency;
};

inline constexpr std::size_t kMaxLatencyCommands = 32;

// Registers everything above in `registry`, read at render time, under the
// names the alert rules and the dashboard use (deploy/prometheus,
// deploy/grafana): serendip_redis_up, serendip_redis_*_total (among them
// serendip_redis_reconnects_total and serendip_redis_failovers_total),
// serendip_inbox_probe_failures_total and
// serendip_redis_command_seconds{command="GET"...}. Call once per Metrics;
// `metrics` must outlive the registry's renders.
void register_metrics(obs::Registry& registry, Metrics& metrics, const obs::Labels& labels = {});

}  // namespace serendip::redis
