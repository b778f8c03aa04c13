// Every metric of the network and signaling layer, declared in one place.
#pragma once

#include "obs/metrics.hpp"

namespace serendip::net {

struct NetMetrics {
  explicit NetMetrics(obs::Registry& r)
      : http_requests(r.counter("serendip_http_requests_total", "HTTP requests answered (excluding upgrades)")),
        ws_connections(r.gauge("serendip_ws_connections", "Open signaling WebSockets")),
        ws_authenticated(r.gauge("serendip_ws_authenticated", "Signaling WebSockets past hello")),
        ws_accepted(r.counter("serendip_ws_accepted_total", "WebSocket upgrades accepted")),
        ws_refused_origin(r.counter("serendip_ws_refused_total", "WebSocket upgrades refused",
                                    {{"reason", "origin"}})),
        ws_refused_draining(r.counter("serendip_ws_refused_total", "WebSocket upgrades refused",
                                      {{"reason", "draining"}})),
        messages_in(r.counter("serendip_ws_messages_in_total", "Frames received from clients")),
        messages_out(r.counter("serendip_ws_messages_out_total", "Frames sent to clients")),
        relayed(r.counter("serendip_relayed_total", "offer/answer/ice frames relayed to a peer")),
        client_errors(r.counter("serendip_ws_errors_sent_total", "error messages sent to clients")),
        rate_limited(r.counter("serendip_ws_rate_limited_total", "Frames refused by the per-socket rate limit")),
        closed_no_hello(r.counter("serendip_ws_closed_total", "Signaling sockets closed by the server",
                                  {{"code", "4001"}})),
        closed_flood(r.counter("serendip_ws_closed_total", "Signaling sockets closed by the server",
                               {{"code", "1008"}})),
        closed_too_big(r.counter("serendip_ws_closed_total", "Signaling sockets closed by the server",
                                 {{"code", "1009"}})),
        closed_going_away(r.counter("serendip_ws_closed_total", "Signaling sockets closed by the server",
                                    {{"code", "1001"}})),
        closed_dead(r.counter("serendip_ws_dead_total", "Sockets closed after missing heartbeats")),
        matches(r.counter("serendip_matches_total", "Pairs matched")),
        match_wait_seconds(r.histogram("serendip_match_wait_seconds", "Time from join to matched",
                                       {0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120})),
        ice_connected(r.counter("serendip_ice_results_total", "Client-reported ICE outcomes",
                                {{"outcome", "connected"}})),
        ice_failed(r.counter("serendip_ice_results_total", "Client-reported ICE outcomes",
                             {{"outcome", "failed"}})),
        ice_host(r.counter("serendip_ice_candidate_type_total", "Selected candidate type of connected calls",
                           {{"type", "host"}})),
        ice_srflx(r.counter("serendip_ice_candidate_type_total", "Selected candidate type of connected calls",
                            {{"type", "srflx"}})),
        ice_prflx(r.counter("serendip_ice_candidate_type_total", "Selected candidate type of connected calls",
                            {{"type", "prflx"}})),
        ice_relay(r.counter("serendip_ice_candidate_type_total", "Selected candidate type of connected calls",
                            {{"type", "relay"}})),
        captchas_issued(r.counter("serendip_captcha_total", "CAPTCHA challenges by outcome", {{"outcome", "issued"}})),
        captchas_solved(r.counter("serendip_captcha_total", "CAPTCHA challenges by outcome", {{"outcome", "solved"}})),
        captchas_rejected(r.counter("serendip_captcha_total", "CAPTCHA challenges by outcome",
                                    {{"outcome", "rejected"}})),
        ws_refused_rate(r.counter("serendip_ws_refused_total", "WebSocket upgrades refused", {{"reason", "rate_limited"}})),
        ice_time_to_connect_seconds(r.histogram("serendip_ice_time_to_connect_seconds",
                                                "Client-reported time from matched to ICE connected",
                                                {0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20})),
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
  obs::Counter& relayed;
  obs::Counter& client_errors;
  obs::Counter& rate_limited;
  obs::Counter& closed_no_hello;
  obs::Counter& closed_flood;
  obs::Counter& closed_too_big;
  obs::Counter& closed_going_away;
  obs::Counter& closed_dead;
  obs::Counter& matches;
  obs::Histogram& match_wait_seconds;
  obs::Counter& ice_connected;
  obs::Counter& ice_failed;
  obs::Counter& ice_host;
  obs::Counter& ice_srflx;
  obs::Counter& ice_prflx;
  obs::Counter& ice_relay;
  obs::Counter& captchas_issued;
  obs::Counter& captchas_solved;
  obs::Counter& captchas_rejected;
  obs::Counter& ws_refused_rate;
  obs::Histogram& ice_time_to_connect_seconds;
  obs::Histogram& ping_rtt_seconds;
};

}  // namespace serendip::net
