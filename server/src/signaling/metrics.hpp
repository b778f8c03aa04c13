// Every metric the signaling handler counts, declared in one place. The
// transport's own (connections, frames in and out, closes) are net::NetMetrics.
#pragma once

#include "obs/metrics.hpp"

namespace serendip::signaling {

struct SignalingMetrics {
  explicit SignalingMetrics(obs::Registry& r)
      : relayed(r.counter("serendip_relayed_total", "offer/answer/ice frames relayed to a peer")),
        client_errors(r.counter("serendip_ws_errors_sent_total", "error messages sent to clients")),
        rate_limited(r.counter("serendip_ws_rate_limited_total", "Frames refused by the per-socket rate limit")),
        ice_connected(
            r.counter("serendip_ice_results_total", "Client-reported ICE outcomes", {{"outcome", "connected"}})),
        ice_failed(r.counter("serendip_ice_results_total", "Client-reported ICE outcomes", {{"outcome", "failed"}})),
        ice_host(r.counter("serendip_ice_candidate_type_total", "Selected candidate type of connected calls",
                           {{"type", "host"}})),
        ice_srflx(r.counter("serendip_ice_candidate_type_total", "Selected candidate type of connected calls",
                            {{"type", "srflx"}})),
        ice_prflx(r.counter("serendip_ice_candidate_type_total", "Selected candidate type of connected calls",
                            {{"type", "prflx"}})),
        ice_relay(r.counter("serendip_ice_candidate_type_total", "Selected candidate type of connected calls",
                            {{"type", "relay"}})),
        ice_time_to_connect_seconds(r.histogram("serendip_ice_time_to_connect_seconds",
                                                "Client-reported time from matched to ICE connected",
                                                {0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20})),
        captchas_issued(r.counter("serendip_captcha_total", "CAPTCHA challenges by outcome", {{"outcome", "issued"}})),
        captchas_solved(r.counter("serendip_captcha_total", "CAPTCHA challenges by outcome", {{"outcome", "solved"}})),
        captchas_rejected(
            r.counter("serendip_captcha_total", "CAPTCHA challenges by outcome", {{"outcome", "rejected"}})),
        shield_blurs(r.counter("serendip_shield_blurs_total",
                               "Sessions in which a viewer's safety shield hid the stranger's video (shield_blur)")),
        shield_flags(r.counter("serendip_shield_flags_total",
                               "shield_blur rule hits: enough distinct viewers' shields hid one device")) {}

  obs::Counter& relayed;
  obs::Counter& client_errors;
  obs::Counter& rate_limited;
  obs::Counter& ice_connected;
  obs::Counter& ice_failed;
  obs::Counter& ice_host;
  obs::Counter& ice_srflx;
  obs::Counter& ice_prflx;
  obs::Counter& ice_relay;
  obs::Histogram& ice_time_to_connect_seconds;
  obs::Counter& captchas_issued;
  obs::Counter& captchas_solved;
  obs::Counter& captchas_rejected;
  obs::Counter& shield_blurs;
  obs::Counter& shield_flags;
};

}  // namespace serendip::signaling
