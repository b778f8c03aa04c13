// What moderation's decisions do to the live service (moderation's
// BlockListener):
//   - a block takes effect at once on this instance: the hub kicks its sockets;
//   - a report (over WebSocket or REST) keeps the pair apart in the matchmaker
//     and feeds the abuse detector, which may block the reported device
//     pending review and put its reports first in the queue;
//   - moderators' decisions teach the detector how much each reporter is worth.
// Called on whichever thread committed the change; everything it calls is
// thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <utility>

#include "abuse/abuse_detector.hpp"
#include "core/clock.hpp"
#include "moderation/service.hpp"
#include "net/match_hub.hpp"

namespace serendip::app {

// Several instances: the distinct-reporters rule counts the reports in the
// shared database (each instance's detector sees only its own), and its hits
// go to the shared watch list.
struct SharedReportRule {
  abuse::AbuseConfig config;
  std::function<void(const abuse::RuleHit&)> watch;  // any thread
};

// How long two devices with a report between them stay apart.
struct ReportedPairWindow {
  const core::Clock& clock;    // Passed by argument.
  std::int64_t window_ms = 0;  // 0: for good
};

class ModerationEvents final : public moderation::BlockListener {
 public:
  ModerationEvents(net::MatchHub& hub, abuse::AbuseDetector& detector, moderation::ModerationService& moderation,
                   ReportedPairWindow apart, std::optional<SharedReportRule> shared = std::nullopt)
      : hub_(hub), detector_(detector), moderation_(moderation), apart_(apart), shared_(std::move(shared)) {}

  void on_block(const store::Block& block) override;
  void on_block_lifted(const store::Block& block) override;
  void on_report(const std::string& reporter_device, const std::string& reported_device) override;
  void on_report_decided(const std::string& reporter_device, bool accepted) override;

 private:
  void auto_block(const std::string& reported_device, const abuse::AutoBlock& verdict);
  // The distinct-reporters rule over the shared database.
  abuse::DetectorVerdict judge_shared(const std::string& reported_device);

  net::MatchHub& hub_;                         // Passed by argument.
  abuse::AbuseDetector& detector_;             // Passed by argument.
  moderation::ModerationService& moderation_;  // Passed by argument.
  const ReportedPairWindow apart_;
  const std::optional<SharedReportRule> shared_;
};

}  // namespace serendip::app
