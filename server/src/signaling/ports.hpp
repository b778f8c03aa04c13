// What the signaling handler needs of the world, as small interfaces: the
// connection it serves (Port, one per socket) and moderation (shared). net/
// implements Port over a WebSocket; the unit tests record its calls.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/matchmaker.hpp"
#include "moderation/service.hpp"
#include "store/model.hpp"

namespace serendip::signaling {

// One connection, as its handler drives it. Called on the connection's own
// thread only.
class Port {
 public:
  virtual ~Port() = default;

  // Queue one text frame for the client.
  virtual void send(std::string frame) = 0;
  // Close with `code` once the queued frames are out. No frame is handed to
  // the handler after this.
  virtual void close(std::uint16_t code, std::string_view reason) = 0;
  // Forward `frame` (the client's original bytes, already validated) to the
  // peer of the current session. False when the peer's connection is gone.
  virtual bool relay(std::string_view frame) = 0;

  // Matchmaking commands. Their answers come back later as Handler events
  // (on_queued, on_matched, on_peer_left, on_left), in the matchmaker's order.
  virtual void connect(store::Party who) = 0;
  virtual void join(core::Preferences prefs, std::optional<std::int64_t> re) = 0;
  // False when not in a session nor waiting (nothing to skip).
  virtual bool next(std::optional<std::int64_t> re) = 0;
  virtual void leave(std::optional<std::int64_t> re) = 0;

  // Run `work` where it may block (a database commit), then `done` back on
  // this connection's thread. `done` runs even if the connection closed
  // meanwhile (the connection, and so its handler, is kept alive until then);
  // the handler checks its own state there.
  virtual void offload(std::function<void()> work, std::function<void()> done) = 0;

  // Hand no further frame to the handler until release(): it awaits an answer
  // (a shared rate limit, a CAPTCHA's replay check) and the client's next
  // frames must wait their turn. Safe to call in any state, also closed.
  virtual void hold() = 0;
  virtual void release() = 0;
  // Keeps the connection, and so its handler, alive for as long as it is held.
  virtual std::shared_ptr<void> keep_alive() = 0;
};

// A report as the handler files it: who reports (the client never names the
// other side; the session record does) and what they said.
struct ReportJob {
  std::string reporter_user_id;
  std::string reporter_ip;
  moderation::ReportRequest request;
};

// What signaling needs of moderation. Thread-safe.
class Moderation {
 public:
  virtual ~Moderation() = default;
  // The block covering this IP or device, if any.
  virtual std::optional<moderation::BlockInfo> active_block(std::string_view ip, std::string_view device_key) = 0;
  // Whether `user_id` took part in `session_id` and it is still remembered
  // (running, or ended within the report window).
  virtual bool knows_session(std::string_view session_id, std::string_view user_id) const = 0;
  // Stores the report durably; blocks (a database commit): call it through Port::offload.
  virtual moderation::Outcome<std::int64_t> file_report(const ReportJob& job) = 0;
  // The device key of `user_id`'s peer in `session_id` (as knows_session), if known.
  virtual std::optional<std::string> peer_device(std::string_view session_id, std::string_view user_id) const = 0;
  // Several viewers' shields hid `device`: its pending reports go first in the
  // queue. Blocks (a database commit): call it through Port::offload.
  virtual void shield_flagged(const std::string& device) = 0;
};

// Moderation over the ModerationService and the recent-sessions directory.
class ModerationDesk final : public Moderation {
 public:
  ModerationDesk(moderation::ModerationService& service, const moderation::SessionDirectory& sessions)
      : service_(service), sessions_(sessions) {}

  std::optional<moderation::BlockInfo> active_block(std::string_view ip, std::string_view device_key) override {
    return service_.active_block(ip, device_key);
  }
  bool knows_session(std::string_view session_id, std::string_view user_id) const override {
    return sessions_.find_for_report(session_id, user_id).has_value();
  }
  moderation::Outcome<std::int64_t> file_report(const ReportJob& job) override {
    // The service's block listener keeps the pair apart and feeds the abuse detector.
    return service_.report_session(sessions_, job.reporter_user_id, job.reporter_ip, job.request);
  }
  std::optional<std::string> peer_device(std::string_view session_id, std::string_view user_id) const override {
    auto rec = sessions_.find_for_report(session_id, user_id);
    if (!rec || rec->peer.device_key.empty()) return std::nullopt;
    return rec->peer.device_key;
  }
  void shield_flagged(const std::string& device) override {
    (void)service_.prioritize_reports_against(moderation::Actor::system_actor("auto"), device,
                                              "several viewers' safety shields hid this device's video");
  }

 private:
  moderation::ModerationService& service_;        // Passed by argument.
  const moderation::SessionDirectory& sessions_;  // Passed by argument.
};

}  // namespace serendip::signaling
