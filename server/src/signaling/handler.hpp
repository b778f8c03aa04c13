// The signaling handler: the policy of one signaling connection, free of
// sockets. It takes the client's frames and the matchmaker's events, keeps the
// connection's state (hello, identity, the current session, the message
// budget) and acts through its Port: frames to send, a close with a code,
// matchmaking commands, a relay to the peer, a report filed off the I/O thread.
//
// Rows of the wire contract it answers (docs/protocol.md):
//   before hello   anything but a valid `hello` -> close 4001; a bad or admin
//                  token -> error unauthorized + close 4001; draining ->
//                  `draining` + close 1001; blocked -> `banned` + close 4003;
//                  else `welcome` (ICE servers, limits) and the hub knows us
//   join / next    draining -> error unavailable; blocked (join) -> banned;
//                  the region: the address's, else the client's hint;
//                  the admission gate -> captcha_required or rate_limited
//                  (a refused next still ends the session); next outside a
//                  session -> not_in_session; else the hub answers
//   offer/answer/ice  relayed as sent to the peer of the named session, else
//                  not_in_session
//   ice_result     counted once per session (also just after it ended)
//   report         not_in_session for a session the user was not in;
//                  rate_limited; else stored durably, then report_ack
//   shield_blur    once per session (also just after it ended), else ignored;
//                  feeds the detector's shield_blur rule (several viewers: a
//                  CAPTCHA for the peer's device and its reports reviewed first)
//   captcha        captcha_ok, or error captcha_required and a new challenge
//   every frame    the message budget: rate_limited errors, close 1008 when
//                  flooding; binary frames -> bad_request (4001 before hello)
//
// One handler per connection, used on that connection's thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/jwt.hpp"
#include "core/clock.hpp"
#include "core/drain.hpp"
#include "core/error_code.hpp"
#include "core/ice_server.hpp"
#include "core/matchmaker.hpp"
#include "geo/regions.hpp"
#include "protocol/codec.hpp"
#include "signaling/admission.hpp"
#include "signaling/message_budget.hpp"
#include "signaling/metrics.hpp"
#include "signaling/ports.hpp"

namespace serendip::abuse {
class Altcha;
}  // namespace serendip::abuse

namespace serendip::signaling {

// What every handler of the server shares; built once by main. Thread-safe.
struct Services {
  const core::Clock& clock;
  const auth::JwtCodec& jwt;
  const core::DrainFlag& drain;
  protocol::WireLimits limits;  // told to clients in `welcome`; the message budget's rate and burst
  // ICE servers (with TURN credentials) for a user at a time in unix seconds.
  std::function<std::vector<core::IceServer>(std::string_view user_id, std::int64_t now_unix_s)> ice_servers;
  Moderation& moderation;
  AdmissionGate& gate;
  abuse::Altcha& altcha;
  SignalingMetrics& metrics;
  // The region a joiner is matched in: from the address's country (looked up
  // once, at hello), else the client's hints. Null: the client's `region` only.
  const geo::Regions* regions = nullptr;
};

class Handler {
 public:
  // `decoder` is the thread's reused one; `client_ip` as resolved from the
  // socket and trusted proxies.
  Handler(Services& services, Port& port, protocol::Decoder& decoder, std::string client_ip, std::int64_t now_ms);

  // A whole frame from the client at monotonic `now_ms`.
  void on_frame(bool text, std::string_view data, std::int64_t now_ms);
  // The connection is closing or gone: nothing more is sent or asked.
  void on_closed() { phase_ = Phase::closed; }

  // Matchmaker events, on this connection's thread, in the matchmaker's order.
  void on_queued(std::optional<std::int64_t> estimated_wait_ms, std::optional<std::int64_t> re);
  // False when the connection no longer takes a session (closing).
  bool on_matched(const core::MatchedEvent& e);
  // True when `session_id` was the current session (the transport forgets its peer).
  bool on_peer_left(const std::string& session_id, core::LeaveReason reason);
  // This connection's own command ended the session: forget it silently.
  bool on_session_ended(const std::string& session_id);
  void on_left(std::optional<std::int64_t> re);
  // join/next could not be carried out: matchmaking's shared store is unreachable.
  void on_match_unavailable(std::optional<std::int64_t> re, std::int64_t retry_after_ms);
  // A block covers this connection: `banned`, then close 4003.
  void on_banned(std::optional<std::int64_t> until_unix_ms, std::string_view reason);
  // This instance shuts down: tell the client to reconnect elsewhere.
  void on_draining(std::int64_t reconnect_after_ms);

 private:
  enum class Phase : std::uint8_t { awaiting_hello, ready, closed };

  void handle(const protocol::ClientMessage& msg, std::string_view frame);
  void hello(std::string_view token, std::optional<std::int64_t> re);
  void join(const protocol::JoinMsg& msg, std::optional<std::int64_t> re);
  void next(std::optional<std::int64_t> re);
  void relay(std::string_view session_id, std::string_view frame, std::optional<std::int64_t> re);
  void ice_result(const protocol::IceResultMsg& r, std::optional<std::int64_t> re);
  void report(const protocol::ReportMsg& msg, std::optional<std::int64_t> re);
  void report_filed(const moderation::Outcome<std::int64_t>& result, std::optional<std::int64_t> re);
  void captcha(std::string_view payload, std::optional<std::int64_t> re);
  void shield_blur(std::string_view session_id, std::optional<std::int64_t> re);
  // True (and the connection is on its way out) when the IP or device is blocked.
  bool refuse_if_blocked();
  // Answers a refused join/next/report: a CAPTCHA when one is asked and
  // `may_captcha`, else rate_limited.
  void refuse(const Refusal& refusal, bool may_captcha, std::string_view message, std::optional<std::int64_t> re);
  void send_captcha(std::int64_t difficulty, std::optional<std::int64_t> re);
  void send_error(core::ErrorCode code, std::string_view message, std::optional<std::int64_t> re,
                  std::optional<std::int64_t> retry_after_ms = std::nullopt);
  void forget_session();
  // Wraps `f` as the callback of a gate answer: the Port holds the client's
  // later frames until it has run, and keeps the connection alive till then;
  // it does not run once the connection is closed.
  template <class F>
  auto after(F f) {
    port_.hold();
    return [this, keep = port_.keep_alive(), f = std::move(f)](auto&&... args) mutable {
      port_.release();
      if (phase_ == Phase::closed) return;
      f(std::forward<decltype(args)>(args)...);
    };
  }
  // Asks the Port to close; nothing more is handled or sent after it.
  void close(std::uint16_t code, std::string_view reason);

  Services& services_;          // Passed by argument; outlives every connection.
  Port& port_;                  // Passed by argument; the connection that owns this handler.
  protocol::Decoder& decoder_;  // Passed by argument; the thread's.
  const std::string client_ip_;
  Phase phase_ = Phase::awaiting_hello;
  MessageBudget budget_;

  // Identity, from the hello token.
  std::string user_id_;
  std::string device_key_;
  std::string address_region_;  // from client_ip_ at hello; "" = unknown (never the country)

  // The current session (from matchmaker events).
  std::string session_id_;       // empty: none
  std::string last_session_id_;  // ice_result may arrive just after the session ended
  bool ice_reported_ = false;    // one ice_result counted per session
  bool shield_told_ = false;     // one shield_blur counted per session
};

}  // namespace serendip::signaling
