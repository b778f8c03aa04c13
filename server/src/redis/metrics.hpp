// What the Redis client counts. One Metrics may be shared by the clients of
// every worker (the counters are relaxed atomics) and must outlive them and
// the registry it is registered with. Declared here in one place; nothing is
// wired into main.cpp by this library.
#pragma once

#include <string_view>

#include "obs/metrics.hpp"

namespace serendip::redis {

struct Metrics {
  obs::Counter commands;          // commands completed (replied or failed), redirects not counted twice
  obs::Counter command_errors;    // completed with an error reply (from Redis or from the client)
  obs::Counter timeouts;          // commands that hit their timeout
  obs::Counter rejected;          // failed fast: connection down or queue full
  obs::Counter retries;           // extra attempts of idempotent commands
  obs::Counter connects;          // connections established (handshake done)
  obs::Counter reconnects;        // ...of which after a previous connection of the same node was lost
  obs::Counter disconnects;       // connections lost or recycled
  obs::Counter moved;             // MOVED redirections followed
  obs::Counter ask;               // ASK redirections followed
  obs::Counter slot_refreshes;    // CLUSTER SLOTS loaded
  obs::Counter slot_map_changes;  // ...that changed a slot's owner (failover, resharding)
  obs::Counter noscript;          // EVALSHA answered NOSCRIPT (script then sent with EVAL)
  obs::Counter resubscribes;      // SSUBSCRIBE sent again after a reconnect, slot move or probe failure
  obs::Counter messages;          // pub/sub messages delivered
  obs::Counter probe_failures;    // inbox probes not received within their deadline
  // Command latency in seconds, from the call to the callback (redirects and
  // retries included). Optional; register_metrics() points it at a histogram.
  obs::Histogram* latency = nullptr;
};

// Registers every counter above as serendip_redis_* in `registry` (reading
// them at render time) and creates the latency histogram. Call once per
// Metrics.
void register_metrics(obs::Registry& registry, Metrics& metrics, const obs::Labels& labels = {});

}  // namespace serendip::redis
