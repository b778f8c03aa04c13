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

#include "abuse/abuse_detector.hpp"
#include "moderation/service.hpp"
#include "net/match_hub.hpp"

namespace serendip::app {

class ModerationEvents final : public moderation::BlockListener {
 public:
  ModerationEvents(net::MatchHub& hub, abuse::AbuseDetector& detector, moderation::ModerationService& moderation)
      : hub_(hub), detector_(detector), moderation_(moderation) {}

  void on_block(const store::Block& block) override;
  void on_report(const std::string& reporter_device, const std::string& reported_device) override;
  void on_report_decided(const std::string& reporter_device, bool accepted) override;

 private:
  void auto_block(const std::string& reported_device, const abuse::AutoBlock& verdict);

  net::MatchHub& hub_;                         // Passed by argument.
  abuse::AbuseDetector& detector_;             // Passed by argument.
  moderation::ModerationService& moderation_;  // Passed by argument.
};

}  // namespace serendip::app
