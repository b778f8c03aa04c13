// Figures for the admin dashboard (GET /api/v1/admin/stats and /watchlist):
// live counts from the hub, ICE and match-wait figures from the metrics, and
// the abuse detector's watch list. Thread-safe, quick: called per request.
#pragma once

#include <functional>
#include <utility>
#include <vector>

#include "abuse/abuse_detector.hpp"
#include "http/admin_api.hpp"
#include "net/match_hub.hpp"
#include "net/metrics.hpp"
#include "signaling/metrics.hpp"

namespace serendip::app {

class LiveStatsSource final : public http::StatsProvider {
 public:
  LiveStatsSource(const net::MatchHub& hub, const net::NetMetrics& net_metrics,
                  const signaling::SignalingMetrics& signaling_metrics,
                  std::function<std::vector<abuse::WatchEntry>()> watch_list)
      : hub_(hub),
        net_metrics_(net_metrics),
        signaling_metrics_(signaling_metrics),
        watch_list_(std::move(watch_list)) {}

  http::LiveStats live_stats() const override;
  std::string watch_list_json() const override;

 private:
  const net::MatchHub& hub_;                                    // Passed by argument.
  const net::NetMetrics& net_metrics_;                          // Passed by argument.
  const signaling::SignalingMetrics& signaling_metrics_;        // Passed by argument.
  std::function<std::vector<abuse::WatchEntry>()> watch_list_;  // most recent first
};

}  // namespace serendip::app
