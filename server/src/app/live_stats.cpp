#include "app/live_stats.hpp"

#include <algorithm>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace serendip::app {

http::LiveStats LiveStatsSource::live_stats() const {
  http::LiveStats out;
  const auto& m = signaling_metrics_;
  // Client-reported call outcomes: this instance's, or the whole service's.
  double ok = static_cast<double>(m.ice_connected.value());
  double failed = static_cast<double>(m.ice_failed.value());
  double relayed = static_cast<double>(m.ice_relay.value());
  double blurs = static_cast<double>(m.shield_blurs.value());
  // Several instances: the counts of the whole service, and the ratios of the
  // summed counts. The wait quantile below stays this instance's (quantiles
  // do not sum).
  if (auto all = hub_.cluster_figures()) {
    ok = static_cast<double>(all->ice_connected);
    failed = static_cast<double>(all->ice_failed);
    relayed = static_cast<double>(all->ice_relay);
    blurs = static_cast<double>(all->shield_blurs);
    out.online_users = static_cast<std::int64_t>(all->online);
    out.active_sessions = static_cast<std::int64_t>(all->active_sessions);
    for (const auto& [key, n] : all->queued_by_mode_language) {
      out.queues.push_back({std::string(core::to_string(key.first)), key.second, static_cast<std::int64_t>(n)});
    }
    out.matches_per_minute = all->matches_per_minute;
  } else {
    auto st = hub_.stats();
    out.online_users = static_cast<std::int64_t>(hub_.online());
    out.active_sessions = static_cast<std::int64_t>(st.active_sessions);
    for (const auto& [key, n] : st.queued_by_mode_language) {
      out.queues.push_back({std::string(core::to_string(key.first)), key.second, static_cast<std::int64_t>(n)});
    }
    out.matches_per_minute = hub_.matches_per_minute();
  }
  const auto& waits = net_metrics_.match_wait_seconds;
  if (waits.count() > 0) out.p95_match_wait_ms = waits.quantile(0.95) * 1000.0;
  if (ok + failed > 0) out.ice_success_rate = ok / (ok + failed);
  if (ok > 0) out.turn_share = relayed / ok;
  out.shield_blurs = static_cast<std::int64_t>(blurs);
  if (ok > 0) out.shield_rate = std::min(1.0, blurs / ok);
  return out;
}

std::string LiveStatsSource::watch_list_json() const {
  boost::json::array out;
  for (const auto& e : watch_list_()) {
    out.push_back(boost::json::object{{"kind", abuse::to_string(e.kind)},
                                      {"subject", e.subject},
                                      {"rule", abuse::to_string(e.rule)},
                                      {"count", e.count},
                                      {"hits", e.hits},
                                      {"firstSeen", e.first_seen_unix_ms},
                                      {"lastSeen", e.last_seen_unix_ms},
                                      {"captchaRequired", e.captcha_required},
                                      {"captchaPending", e.captcha_pending}});
  }
  return boost::json::serialize(boost::json::object{{"items", std::move(out)}});
}

}  // namespace serendip::app
