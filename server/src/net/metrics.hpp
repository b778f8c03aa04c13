// Every metric of the transport (connections, frames, closes, matches), declared
// in one place. What the signaling handler counts is signaling::SignalingMetrics.
#pragma once

#include "obs/metrics.hpp"

namespace serendip::net {

struct NetMetrics {
  explicit NetMetrics(obs::Registry& r)
      : http_requests(r.counter("serendip_http_requests_total", "HTTP requests answered (excluding upgrades)")),
        ws_connections(r.gauge("serendip_ws_connections", "Open signaling WebSockets")),
        ws_authenticated(r.gauge("serendip_ws_authenticated", "Signaling WebSockets past hello")),
        ws_accepted(r.counter("serendip_ws_accepted_total", "WebSocket upgrades accepted")),
        ws_refused_origin(r.counter("serendip_ws_refused_total", "WebSocket upgrades refused", {{"reason", "origin"}})),
        ws_refused_draining(
            r.counter("serendip_ws_refused_total", "WebSocket upgrades refused", {{"reason", "draining"}})),
        messages_in(r.counter("serendip_ws_messages_in_total", "Frames received from clients")),
        messages_out(r.counter("serendip_ws_messages_out_total", "Frames sent to clients")),
        closed_no_hello(
            r.counter("serendip_ws_closed_total", "Signaling sockets closed by the server", {{"code", "4001"}})),
        closed_flood(
            r.counter("serendip_ws_closed_total", "Signaling sockets closed by the server", {{"code", "1008"}})),
        closed_too_big(
            r.counter("serendip_ws_closed_total", "Signaling sockets closed by the server", {{"code", "1009"}})),
        closed_going_away(
            r.counter("serendip_ws_closed_total", "Signaling sockets closed by the server", {{"code", "1001"}})),
        closed_dead(r.counter("serendip_ws_dead_total", "Sockets closed after missing heartbeats")),
        matches(r.counter("serendip_matches_total", "Pairs matched")),
        match_wait_seconds(r.histogram("serendip_match_wait_seconds", "Time from join to matched",
                                       {0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120})),
        ws_refused_rate(
            r.counter("serendip_ws_refused_total", "WebSocket upgrades refused", {{"reason", "rate_limited"}})),
        connections_refused_address(r.counter("serendip_connections_refused_total",
                                              "Connections refused by a connection cap (docs/abuse.md)",
                                              {{"reason", "per_address"}})),
        connections_refused_total(r.counter("serendip_connections_refused_total",
                                            "Connections refused by a connection cap (docs/abuse.md)",
                                            {{"reason", "total"}})),
        ws_slow_consumer(
            r.counter("serendip_ws_slow_consumer_total",
                      "Signaling sockets cut because their send queue was full (the client did not read)")),
        ping_rtt_seconds(r.histogram("serendip_ws_ping_rtt_seconds",
                                     "Heartbeat ping to pong round trip of idle signaling sockets (network and "
                                     "event-loop latency)",
                                     {0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5})) {}

  obs::Counter& http_requests;
  obs::Gauge& ws_connections;
  obs::Gauge& ws_authenticated;
  obs::Counter& ws_accepted;
  obs::Counter& ws_refused_origin;
  obs::Counter& ws_refused_draining;
  obs::Counter& messages_in;
  obs::Counter& messages_out;
  obs::Counter& closed_no_hello;
  obs::Counter& closed_flood;
  obs::Counter& closed_too_big;
  obs::Counter& closed_going_away;
  obs::Counter& closed_dead;
  obs::Counter& matches;
  obs::Histogram& match_wait_seconds;
  obs::Counter& ws_refused_rate;
  obs::Counter& connections_refused_address;  // max-connections-per-ip, at accept or at the upgrade
  obs::Counter& connections_refused_total;    // max-connections
  obs::Counter& ws_slow_consumer;
  obs::Histogram& ping_rtt_seconds;
};

}  // namespace serendip::net
