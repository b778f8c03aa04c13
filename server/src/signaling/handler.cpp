#include "signaling/handler.hpp"

#include <memory>
#include <utility>

#include "abuse/altcha.hpp"
#include "core/time_format.hpp"

namespace serendip::signaling {

using core::ErrorCode;
using protocol::ClientType;

Handler::Handler(Services& services, Port& port, protocol::Decoder& decoder, std::string client_ip, std::int64_t now_ms)
    : services_(services),
      port_(port),
      decoder_(decoder),
      client_ip_(std::move(client_ip)),
      budget_(services.limits.messages_per_second, services.limits.messages_burst, now_ms) {}

void Handler::on_frame(bool text, std::string_view data, std::int64_t now_ms) {
  if (phase_ == Phase::closed) return;
  switch (budget_.spend(now_ms)) {
    case MessageBudget::Verdict::admit: break;
    case MessageBudget::Verdict::refuse: services_.metrics.rate_limited.inc(); return;
    case MessageBudget::Verdict::warn:
      services_.metrics.rate_limited.inc();
      send_error(ErrorCode::rate_limited, "too many messages", std::nullopt, budget_.retry_after_ms());
      return;
    case MessageBudget::Verdict::close:
      services_.metrics.rate_limited.inc();
      close(core::close_code::policy_violation, "flooding");
      return;
  }
  const bool before_hello = phase_ == Phase::awaiting_hello;
  if (!text) {
    if (before_hello) {
      close(core::close_code::no_hello, "hello expected");
    } else {
      send_error(ErrorCode::bad_request, "binary frames are not supported", std::nullopt);
    }
    return;
  }
  auto decoded = decoder_.decode(data);
  if (auto* err = std::get_if<protocol::DecodeError>(&decoded)) {
    if (before_hello) {
      close(core::close_code::no_hello, "hello expected");
    } else {
      send_error(err->code, err->message, err->id);
    }
    return;
  }
  const auto& msg = std::get<protocol::ClientMessage>(decoded);
  if (before_hello) {
    if (msg.type != ClientType::hello) {
      close(core::close_code::no_hello, "hello expected");
      return;
    }
    hello(std::get<protocol::HelloMsg>(msg.body).token, msg.id);
    return;
  }
  handle(msg, data);
}

void Handler::handle(const protocol::ClientMessage& msg, std::string_view frame) {
  switch (msg.type) {
    case ClientType::hello: send_error(ErrorCode::bad_request, "already authenticated", msg.id); return;
    case ClientType::join: join(std::get<protocol::JoinMsg>(msg.body), msg.id); return;
    case ClientType::next: next(msg.id); return;
    case ClientType::leave: port_.leave(msg.id); return;
    case ClientType::offer:
    case ClientType::answer:
    case ClientType::ice: relay(std::get<protocol::RelayMsg>(msg.body).session_id, frame, msg.id); return;
    case ClientType::ice_result: ice_result(std::get<protocol::IceResultMsg>(msg.body), msg.id); return;
    case ClientType::report: report(std::get<protocol::ReportMsg>(msg.body), msg.id); return;
    case ClientType::shield_blur: shield_blur(std::get<protocol::ShieldBlurMsg>(msg.body).session_id, msg.id); return;
    case ClientType::captcha: captcha(std::get<protocol::CaptchaMsg>(msg.body).payload, msg.id); return;
  }
}

void Handler::hello(std::string_view token, std::optional<std::int64_t> re) {
  const std::int64_t now_s = services_.clock.unix_ms() / 1000;
  auto result = services_.jwt.verify(token, now_s);
  if (!result.claims || !result.claims->role.empty()) {
    // Admin tokens never open a signaling session.
    send_error(ErrorCode::unauthorized,
               result.claims ? std::string("not a user token")
                             : std::string("invalid token: ") + std::string(auth::to_string(result.error)),
               re);
    close(core::close_code::no_hello, "invalid token");
    return;
  }
  if (services_.drain.draining()) {
    port_.send(protocol::encode_draining(1000));
    close(core::close_code::going_away, "server is draining");
    return;
  }
  user_id_ = std::move(result.claims->sub);
  device_key_ = std::move(result.claims->did);
  if (refuse_if_blocked()) return;
  if (services_.regions != nullptr) address_region_ = services_.regions->region_of_address(client_ip_);
  services_.gate.connected(device_key_, client_ip_);
  phase_ = Phase::ready;
  port_.connect(store::Party{user_id_, device_key_, client_ip_});
  port_.send(protocol::encode_welcome(user_id_, services_.ice_servers(user_id_, now_s), services_.limits, re));
}

void Handler::join(const protocol::JoinMsg& msg, std::optional<std::int64_t> re) {
  if (services_.drain.draining()) {
    send_error(ErrorCode::unavailable, "server is draining; reconnect", re);
    return;
  }
  if (refuse_if_blocked()) return;
  core::Preferences prefs = msg.prefs;
  if (services_.regions != nullptr) {
    prefs.region = services_.regions->choose(address_region_, prefs.region, msg.time_zone_area);
  }
  services_.gate.matchmaking(MatchCommand::join, device_key_, client_ip_,
                             after([this, prefs = std::move(prefs), re](Admission refused) mutable {
                               if (refused) {
                                 refuse(*refused, true, "too many joins", re);
                                 return;
                               }
                               port_.join(std::move(prefs), re);
                             }));
}

void Handler::next(std::optional<std::int64_t> re) {
  if (services_.drain.draining()) {
    send_error(ErrorCode::unavailable, "server is draining; reconnect", re);
    return;
  }
  services_.gate.matchmaking(MatchCommand::next, device_key_, client_ip_, after([this, re](Admission refused) {
                               if (refused) {
                                 refuse(*refused, true, "too many nexts", re);
                                 // Refused: the session still ends (the peer is told), nothing requeues.
                                 port_.leave(std::nullopt);
                                 return;
                               }
                               if (!port_.next(re)) send_error(ErrorCode::not_in_session, "join first", re);
                             }));
}

void Handler::relay(std::string_view session_id, std::string_view frame, std::optional<std::int64_t> re) {
  if (session_id_.empty() || session_id != session_id_) {
    send_error(ErrorCode::not_in_session, "not in that session", re);
    return;
  }
  if (!port_.relay(frame)) {
    send_error(ErrorCode::not_in_session, "the peer is gone", re);
    return;
  }
  services_.metrics.relayed.inc();
}

void Handler::ice_result(const protocol::IceResultMsg& r, std::optional<std::int64_t> re) {
  const bool known = (!session_id_.empty() && r.session_id == session_id_) ||
                     (!last_session_id_.empty() && r.session_id == last_session_id_);
  if (!known) {
    send_error(ErrorCode::not_in_session, "unknown session", re);
    return;
  }
  if (ice_reported_) return;  // one outcome per session
  ice_reported_ = true;
  auto& m = services_.metrics;
  if (!r.connected) {
    m.ice_failed.inc();
    return;
  }
  m.ice_connected.inc();
  if (r.candidate_type) {
    switch (*r.candidate_type) {
      case protocol::CandidateType::host: m.ice_host.inc(); break;
      case protocol::CandidateType::srflx: m.ice_srflx.inc(); break;
      case protocol::CandidateType::prflx: m.ice_prflx.inc(); break;
      case protocol::CandidateType::relay: m.ice_relay.inc(); break;
    }
  }
  if (r.time_to_connect_ms) m.ice_time_to_connect_seconds.observe(static_cast<double>(*r.time_to_connect_ms) / 1000.0);
}

void Handler::shield_blur(std::string_view session_id, std::optional<std::int64_t> re) {
  const bool known = (!session_id_.empty() && session_id == session_id_) ||
                     (!last_session_id_.empty() && session_id == last_session_id_);
  if (!known) {
    send_error(ErrorCode::not_in_session, "unknown session", re);
    return;
  }
  // At most one per session: the rate limit that matters, as a viewer sees a stranger once.
  if (shield_told_) return;
  shield_told_ = true;
  services_.metrics.shield_blurs.inc();
  std::optional<std::string> peer = services_.moderation.peer_device(session_id, user_id_);
  if (!peer || device_key_.empty()) return;
  services_.gate.shield_blur(*peer, device_key_, after([this, peer = *peer](ShieldSignal signal) {
    if (!signal.fired) return;
    services_.metrics.shield_flags.inc();
    port_.offload([&moderation = services_.moderation, peer] { moderation.shield_flagged(peer); }, [] {});
  }));
}

void Handler::report(const protocol::ReportMsg& msg, std::optional<std::int64_t> re) {
  // The session record says who the peer was; the client never names anyone.
  if (!services_.moderation.knows_session(msg.session_id, user_id_)) {
    send_error(ErrorCode::not_in_session, "no such session of yours to report", re);
    return;
  }
  ReportJob job{user_id_, client_ip_,
                moderation::ReportRequest{std::string(msg.session_id), std::string(protocol::to_string(msg.reason)),
                                          std::string(msg.comment)}};
  if (msg.shield) {
    job.request.shield =
        store::ShieldMark{std::string(protocol::to_string(msg.shield->verdict)), msg.shield->score_permille};
  }
  services_.gate.check(abuse::Limit::report_per_device, device_key_,
                       after([this, job = std::move(job), re](Admission refused) mutable {
                         if (refused) {
                           refuse(*refused, false, "too many reports", re);
                           return;
                         }
                         // Filed off this thread (the store commits before answering); answered here.
                         auto result = std::make_shared<std::optional<moderation::Outcome<std::int64_t>>>();
                         port_.offload([&moderation = services_.moderation, job = std::move(job),
                                        result] { result->emplace(moderation.file_report(job)); },
                                       [this, result, re] { report_filed(**result, re); });
                       }));
}

void Handler::report_filed(const moderation::Outcome<std::int64_t>& result, std::optional<std::int64_t> re) {
  if (phase_ != Phase::ready) return;
  if (result) {
    port_.send(protocol::encode_report_ack(std::to_string(*result), re));
  } else {
    send_error(result.error().code, result.error().message, re);
  }
}

void Handler::captcha(std::string_view payload, std::optional<std::int64_t> re) {
  services_.gate.solve_captcha(device_key_, payload, after([this, re](const CaptchaVerdict& v) {
                                 auto& m = services_.metrics;
                                 if (v.status == abuse::AltchaStatus::ok) {
                                   m.captchas_solved.inc();
                                   port_.send(protocol::encode_captcha_ok(re));
                                   return;
                                 }
                                 m.captchas_rejected.inc();
                                 send_error(ErrorCode::captcha_required,
                                            "captcha rejected: " + std::string(abuse::to_string(v.status)), re);
                                 if (v.still_owed) send_captcha(*v.still_owed, std::nullopt);
                               }));
}

bool Handler::refuse_if_blocked() {
  auto block = services_.moderation.active_block(client_ip_, device_key_);
  if (!block) return false;
  if (block->unavailable) {
    // Not banned, not admitted either: the client may try again.
    send_error(ErrorCode::unavailable, "the ban check is unavailable; try again shortly", std::nullopt);
    return true;
  }
  on_banned(block->until, block->reason);
  return true;
}

void Handler::refuse(const Refusal& refusal, bool may_captcha, std::string_view message,
                     std::optional<std::int64_t> re) {
  if (may_captcha && refusal.captcha) {
    send_captcha(*refusal.captcha, re);
  } else {
    send_error(ErrorCode::rate_limited, message, re, refusal.retry_after_ms);
  }
}

void Handler::send_captcha(std::int64_t difficulty, std::optional<std::int64_t> re) {
  services_.metrics.captchas_issued.inc();
  // Bound to this device and difficulty: not solvable on a cheaper challenge elsewhere.
  port_.send(protocol::encode_captcha_required(
      abuse::to_json(services_.altcha.create_challenge(difficulty, 300, device_key_)), re));
}

void Handler::send_error(ErrorCode code, std::string_view message, std::optional<std::int64_t> re,
                         std::optional<std::int64_t> retry_after_ms) {
  services_.metrics.client_errors.inc();
  port_.send(protocol::encode_error(code, message, re, retry_after_ms));
}

void Handler::on_queued(std::optional<std::int64_t> estimated_wait_ms, std::optional<std::int64_t> re) {
  if (phase_ != Phase::ready) return;
  port_.send(protocol::encode_queued(estimated_wait_ms, re));
}

bool Handler::on_matched(const core::MatchedEvent& e) {
  if (phase_ != Phase::ready) return false;
  session_id_ = e.session_id;
  last_session_id_ = e.session_id;
  ice_reported_ = false;
  shield_told_ = false;
  port_.send(protocol::encode_matched(e));
  return true;
}

bool Handler::on_peer_left(const std::string& session_id, core::LeaveReason reason) {
  const bool current = session_id == session_id_;
  if (current) forget_session();
  if (phase_ == Phase::ready) port_.send(protocol::encode_peer_left(session_id, reason));
  return current;
}

bool Handler::on_session_ended(const std::string& session_id) {
  if (session_id != session_id_) return false;
  forget_session();
  return true;
}

void Handler::forget_session() { session_id_.clear(); }

void Handler::close(std::uint16_t code, std::string_view reason) {
  // Closed from here on, whether or not the Port tells us again.
  phase_ = Phase::closed;
  port_.close(code, reason);
}

void Handler::on_left(std::optional<std::int64_t> re) {
  if (phase_ != Phase::ready) return;
  port_.send(protocol::encode_left(re));
}

void Handler::on_match_unavailable(std::optional<std::int64_t> re, std::int64_t retry_after_ms) {
  if (phase_ != Phase::ready) return;
  send_error(ErrorCode::unavailable, "matchmaking is unavailable; retry", re, retry_after_ms);
}

void Handler::on_banned(std::optional<std::int64_t> until_unix_ms, std::string_view reason) {
  if (phase_ == Phase::closed) return;
  std::optional<std::string> until;
  if (until_unix_ms) until = core::rfc3339(*until_unix_ms);
  // Every block can be appealed (contract: `banned.appealable`).
  port_.send(protocol::encode_banned(until ? std::optional<std::string_view>(*until) : std::nullopt,
                                     reason.empty() ? std::string_view("blocked by a moderator") : reason, true));
  close(core::close_code::banned, "banned");
}

void Handler::on_draining(std::int64_t reconnect_after_ms) {
  if (phase_ == Phase::closed) return;
  port_.send(protocol::encode_draining(reconnect_after_ms));
}

}  // namespace serendip::signaling
