// WsSession<Stream>: the implementation behind WsSessionBase, included by
// exactly one .cpp per stream type (plain, TLS) so the two compile in parallel.
#pragma once

#include "net/ws_session.hpp"

#include <algorithm>
#include <atomic>

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/websocket.hpp>

#include "auth/jwt.hpp"
#include "http/admin_api.hpp"
#include "http/router.hpp"
#include "net/hub.hpp"
#include "net/worker.hpp"
#include "obs/log.hpp"
#include "protocol/codec.hpp"

namespace serendip::net {
namespace ws_detail {

// Benign ends of a connection: not worth a warning.
inline bool benign(const boost::system::error_code& ec) {
  return ec == asio::error::operation_aborted || ec == websocket::error::closed || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == beast::error::timeout;
}

// Outbound bytes a socket may have queued before it counts as dead weight.
constexpr std::size_t kMaxQueuedBytes = 1024 * 1024;
// How long a close handshake may take before the socket is dropped.
constexpr std::int64_t kCloseTimeoutMs = 5'000;

}  // namespace ws_detail
using namespace ws_detail;

template <class Stream>
class WsSession final : public WsSessionBase {
 public:
  WsSession(Worker& worker, Stream&& stream, std::string client_ip);
  ~WsSession() override;

  void start(UpgradeRequest req);

  void on_queued(std::optional<std::int64_t> estimated_wait_ms, std::optional<std::int64_t> re) override;
  void on_matched(const core::MatchedEvent& e, std::weak_ptr<WsSessionBase> peer, std::uint64_t session_serial) override;
  void on_peer_left(const std::string& session_id, core::LeaveReason reason) override;
  void on_left(std::optional<std::int64_t> re) override;
  void on_session_ended(const std::string& session_id) override;
  void on_banned(std::optional<std::int64_t> until_unix_ms, std::string reason, bool appealable) override;
  void on_report_result(std::optional<std::int64_t> report_id, core::ErrorCode error, std::string message,
                        std::optional<std::int64_t> re) override;
  void deliver_relay(std::uint64_t session_serial, SendNode* node) override;
  void sweep(std::int64_t now_ms) override;
  void begin_drain(std::int64_t reconnect_after_ms) override;
  void close(std::uint16_t code, std::string_view reason) override;

 private:
  enum class Phase : std::uint8_t { upgrading, awaiting_hello, ready, closing, finished };

  std::shared_ptr<WsSession> self_ptr() { return std::static_pointer_cast<WsSession>(shared_from_this()); }
  void do_read();
  void on_read(boost::system::error_code ec, std::size_t bytes);
  void handle_frame(std::string_view frame);
  void handle_hello(std::string_view token, std::optional<std::int64_t> re);
  void handle_report(const protocol::ReportMsg& msg, std::optional<std::int64_t> re);
  // join/next pass the device's rate limit, any pending CAPTCHA and the abuse
  // detector; false (and the client has been answered) when refused.
  bool admit_matchmaking(bool is_next, std::optional<std::int64_t> re);
  void send_captcha(std::int64_t difficulty, std::optional<std::int64_t> re);
  void handle_captcha(std::string_view payload, std::optional<std::int64_t> re);
  // True (and the socket is on its way out) when the IP or device is blocked.
  bool refuse_if_blocked();
  void handle_relay(std::string_view session_id, std::string_view frame, std::optional<std::int64_t> re);
  bool admit_by_rate_limit(std::int64_t now_ms);

  void send(std::string frame);
  void send_error(core::ErrorCode code, std::string_view message, std::optional<std::int64_t> re,
                  std::optional<std::int64_t> retry_after_ms = std::nullopt);
  void enqueue(SendNode* node);
  void do_write();
  void do_close();
  void abort();     // drop the TCP connection without a close handshake
  void finish();    // teardown, exactly once

  websocket::stream<Stream> ws_;
  LazyReadBuffer read_buf_;
  SendQueue send_queue_;
  std::string client_ip_;
  Phase phase_ = Phase::upgrading;
  bool writing_ = false;
  bool ping_in_flight_ = false;
  bool joined_hub_ = false;
  std::optional<std::uint16_t> close_code_;  // close requested, sent after queued frames
  std::string close_reason_;

  // Authenticated identity.
  std::string user_id_;
  std::string device_key_;

  // Current session (set by hub events).
  std::string session_id_;
  std::uint64_t session_serial_ = 0;  // 0 = none
  std::weak_ptr<WsSessionBase> peer_;
  std::string last_session_id_;  // for ice_result after the session ended
  bool ice_reported_ = false;    // one ice_result counted per session

  // Time stamps (monotonic milliseconds).
  std::int64_t accepted_at_ms_ = 0;
  std::int64_t last_activity_ms_ = 0;
  std::int64_t last_ping_ms_ = 0;
  std::int64_t closing_since_ms_ = 0;

  // Per-socket token bucket (messages).
  double tokens_ = 0;
  std::int64_t tokens_at_ms_ = 0;
  double flood_score_ = 0;  // refused frames, draining at messages_per_second
  std::int64_t flood_at_ms_ = 0;
  std::int64_t last_rate_error_ms_ = -1'000'000;
};

template <class Stream>
WsSession<Stream>::WsSession(Worker& worker, Stream&& stream, std::string client_ip)
    : WsSessionBase(worker),
      ws_(std::move(stream)),
      read_buf_(worker.read_pool(), worker.context().config.max_frame_bytes),
      client_ip_(std::move(client_ip)) {}

template <class Stream>
WsSession<Stream>::~WsSession() { send_queue_.clear(); }

template <class Stream>
void WsSession<Stream>::start(UpgradeRequest req) {
  auto& ctx = worker_.context();
  ws_.read_message_max(ctx.config.max_frame_bytes);
  ws_.auto_fragment(false);
  // Deadlines come from the worker's sweep, not from per-operation timers.
  ws_.set_option(websocket::stream_base::timeout{websocket::stream_base::none(), websocket::stream_base::none(),
                                                 false});
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(boost::beast::http::field::server, "serendip");
  }));
  ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
    // Any control frame (pong above all) proves the peer is alive.
    auto& ctx = worker_.context();
    last_activity_ms_ = ctx.clock.now_ms();
    if (kind == websocket::frame_type::pong && ping_in_flight_) {
      ping_in_flight_ = false;
      ctx.metrics.ping_rtt_seconds.observe(static_cast<double>(last_activity_ms_ - last_ping_ms_) / 1000.0);
    }
  });
  accepted_at_ms_ = last_activity_ms_ = ctx.clock.now_ms();
  tokens_ = ctx.config.messages_burst;
  tokens_at_ms_ = flood_at_ms_ = accepted_at_ms_;
  worker_.add(this);
  ctx.metrics.ws_connections.add(1);
  ws_.async_accept(req, [self = self_ptr()](boost::system::error_code ec) {
    if (ec) {
      self->finish();
      return;
    }
    self->worker_.context().metrics.ws_accepted.inc();
    self->phase_ = Phase::awaiting_hello;
    self->do_read();
  });
}

template <class Stream>
void WsSession<Stream>::do_read() {
  ws_.async_read(read_buf_, asio::bind_allocator(worker_.handler_allocator(),
                                                  [self = self_ptr()](boost::system::error_code ec, std::size_t n) {
                                                    self->on_read(ec, n);
                                                  }));
}

template <class Stream>
void WsSession<Stream>::on_read(boost::system::error_code ec, std::size_t) {
  auto& ctx = worker_.context();
  if (ec) {
    if (ec == websocket::error::message_too_big) ctx.metrics.closed_too_big.inc();
    if (!benign(ec) && ec != websocket::error::message_too_big) {
      obs::log(obs::Level::debug, "ws", "read_failed", {{"participant", id_}, {"error", ec.message()}});
    }
    finish();
    return;
  }
  last_activity_ms_ = ctx.clock.now_ms();
  ctx.metrics.messages_in.inc();
  if ((phase_ == Phase::awaiting_hello || phase_ == Phase::ready) && !close_code_ &&
      admit_by_rate_limit(last_activity_ms_)) {
    if (!ws_.got_text()) {
      if (phase_ == Phase::awaiting_hello) {
        close(core::close_code::no_hello, "hello expected");
      } else {
        send_error(core::ErrorCode::bad_request, "binary frames are not supported", std::nullopt);
      }
    } else {
      auto data = read_buf_.data();
      handle_frame(std::string_view(static_cast<const char*>(data.data()), data.size()));
    }
  }
  read_buf_.consume(read_buf_.size());
  read_buf_.give_back();
  if (phase_ != Phase::finished) do_read();
}

template <class Stream>
bool WsSession<Stream>::admit_by_rate_limit(std::int64_t now_ms) {
  const auto& cfg = worker_.context().config;
  const double rate = cfg.messages_per_second;  // tokens per second
  tokens_ = std::min<double>(cfg.messages_burst, tokens_ + (now_ms - tokens_at_ms_) * rate / 1000.0);
  tokens_at_ms_ = now_ms;
  // Refused frames raise a flood score that drains at the allowed rate: a
  // client slightly over the limit only gets rate_limited errors, one that
  // keeps sending far beyond it (or dumps more than a burst at once) is closed.
  flood_score_ = std::max(0.0, flood_score_ - (now_ms - flood_at_ms_) * rate / 1000.0);
  flood_at_ms_ = now_ms;
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return true;
  }
  worker_.context().metrics.rate_limited.inc();
  flood_score_ += 1.0;
  if (flood_score_ > cfg.messages_burst) {
    close(core::close_code::policy_violation, "flooding");
    return false;
  }
  if (now_ms - last_rate_error_ms_ >= 1000) {
    last_rate_error_ms_ = now_ms;
    auto retry = static_cast<std::int64_t>((1.0 - tokens_) * 1000.0 / rate) + 1;
    send_error(core::ErrorCode::rate_limited, "too many messages", std::nullopt, retry);
  }
  return false;
}

template <class Stream>
void WsSession<Stream>::handle_frame(std::string_view frame) {
  auto& ctx = worker_.context();
  auto decoded = worker_.decoder().decode(frame);
  if (auto* err = std::get_if<protocol::DecodeError>(&decoded)) {
    if (phase_ == Phase::awaiting_hello) {
      close(core::close_code::no_hello, "hello expected");
      return;
    }
    send_error(err->code, err->message, err->id);
    return;
  }
  auto& msg = std::get<protocol::ClientMessage>(decoded);
  using protocol::ClientType;

  if (phase_ == Phase::awaiting_hello) {
    if (msg.type != ClientType::hello) {
      close(core::close_code::no_hello, "hello expected");
      return;
    }
    handle_hello(std::get<protocol::HelloMsg>(msg.body).token, msg.id);
    return;
  }

  switch (msg.type) {
    case ClientType::hello:
      send_error(core::ErrorCode::bad_request, "already authenticated", msg.id);
      return;
    case ClientType::join:
      if (ctx.draining.load(std::memory_order_relaxed)) {
        send_error(core::ErrorCode::unavailable, "server is draining; reconnect", msg.id);
        return;
      }
      if (refuse_if_blocked()) return;
      if (!admit_matchmaking(false, msg.id)) return;
      ctx.hub.join(id_, std::move(std::get<protocol::JoinMsg>(msg.body).prefs), msg.id);
      return;
    case ClientType::next:
      if (ctx.draining.load(std::memory_order_relaxed)) {
        send_error(core::ErrorCode::unavailable, "server is draining; reconnect", msg.id);
        return;
      }
      if (!admit_matchmaking(true, msg.id)) {
        // Refused: the session still ends (the peer is told), nothing requeues.
        ctx.hub.leave(id_, std::nullopt);
        return;
      }
      if (!ctx.hub.next(id_, msg.id)) send_error(core::ErrorCode::not_in_session, "join first", msg.id);
      return;
    case ClientType::leave:
      ctx.hub.leave(id_, msg.id);
      return;
    case ClientType::offer:
    case ClientType::answer:
    case ClientType::ice:
      handle_relay(std::get<protocol::RelayMsg>(msg.body).session_id, frame, msg.id);
      return;
    case ClientType::ice_result: {
      const auto& r = std::get<protocol::IceResultMsg>(msg.body);
      bool known = (!session_id_.empty() && r.session_id == session_id_) ||
                   (!last_session_id_.empty() && r.session_id == last_session_id_);
      if (!known) {
        send_error(core::ErrorCode::not_in_session, "unknown session", msg.id);
        return;
      }
      if (ice_reported_) return;  // one outcome per session
      ice_reported_ = true;
      auto& m = ctx.metrics;
      if (r.connected) {
        m.ice_connected.inc();
        if (r.candidate_type) {
          switch (*r.candidate_type) {
            case protocol::CandidateType::host: m.ice_host.inc(); break;
            case protocol::CandidateType::srflx: m.ice_srflx.inc(); break;
            case protocol::CandidateType::prflx: m.ice_prflx.inc(); break;
            case protocol::CandidateType::relay: m.ice_relay.inc(); break;
          }
        }
        if (r.time_to_connect_ms) m.ice_time_to_connect_seconds.observe(*r.time_to_connect_ms / 1000.0);
      } else {
        m.ice_failed.inc();
      }
      return;
    }
    case ClientType::report:
      handle_report(std::get<protocol::ReportMsg>(msg.body), msg.id);
      return;
    case ClientType::captcha:
      handle_captcha(std::get<protocol::CaptchaMsg>(msg.body).payload, msg.id);
      return;
  }
}

template <class Stream>
void WsSession<Stream>::handle_hello(std::string_view token, std::optional<std::int64_t> re) {
  auto& ctx = worker_.context();
  const std::int64_t now_s = ctx.clock.unix_ms() / 1000;
  auto result = ctx.jwt.verify(token, now_s);
  if (!result.claims || !result.claims->role.empty()) {
    send_error(core::ErrorCode::unauthorized,
               result.claims ? "not a user token" : std::string("invalid token: ") + std::string(auth::to_string(result.error)),
               re);
    close(core::close_code::no_hello, "invalid token");
    return;
  }
  if (ctx.draining.load(std::memory_order_relaxed)) {
    send(protocol::encode_draining(1000));
    close(core::close_code::going_away, "server is draining");
    return;
  }
  user_id_ = std::move(result.claims->sub);
  device_key_ = std::move(result.claims->did);
  if (refuse_if_blocked()) return;
  (void)ctx.detector.on_connect(device_key_, client_ip_);  // feeds the devices-per-IP / IPs-per-device rules
  phase_ = Phase::ready;
  ctx.metrics.ws_authenticated.add(1);
  ctx.hub.connect(id_, store::Party{user_id_, device_key_, client_ip_}, shared_from_this());
  joined_hub_ = true;
  send(protocol::encode_welcome(user_id_, http::ice_servers_for(ctx.config, user_id_, now_s), ctx.wire_limits, re));
}

template <class Stream>
bool WsSession<Stream>::refuse_if_blocked() {
  auto& ctx = worker_.context();
  auto block = ctx.moderation.active_block(client_ip_, device_key_);
  if (!block) return false;
  on_banned(block->until, block->reason, block->appealable);
  return true;
}

template <class Stream>
void WsSession<Stream>::on_banned(std::optional<std::int64_t> until_unix_ms, std::string reason, bool appealable) {
  if (phase_ == Phase::finished || close_code_) return;
  std::optional<std::string> until;
  if (until_unix_ms) until = http::rfc3339(*until_unix_ms);
  send(protocol::encode_banned(until ? std::optional<std::string_view>(*until) : std::nullopt,
                               reason.empty() ? std::string_view("blocked by a moderator") : std::string_view(reason),
                               appealable));
  close(core::close_code::banned, "banned");
}

template <class Stream>
void WsSession<Stream>::handle_report(const protocol::ReportMsg& msg, std::optional<std::int64_t> re) {
  auto& ctx = worker_.context();
  // The record says who the peer was; the client never names anyone.
  auto record = ctx.recent.find_for_report(msg.session_id, user_id_);
  if (!record) {
    send_error(core::ErrorCode::not_in_session, "no such session of yours to report", re);
    return;
  }
  if (auto d = ctx.limiter.check(abuse::Limit::report_per_device, device_key_); !d) {
    (void)ctx.detector.on_rate_limited(abuse::Limit::report_per_device, device_key_);
    send_error(core::ErrorCode::rate_limited, "too many reports", re, d.retry_after_ms);
    return;
  }
  moderation::ReportRequest request{std::string(msg.session_id), std::string(protocol::to_string(msg.reason)),
                                    std::string(msg.comment)};
  // The store commits (fsync) before answering: off the I/O thread.
  asio::post(ctx.blocking, [self = self_ptr(), request = std::move(request), re]() mutable {
    auto& c = self->worker_.context();
    // The service's listener excludes the pair and feeds the abuse detector.
    auto result = c.moderation.report_session(c.recent, self->user_id_, self->client_ip_, request);
    std::optional<std::int64_t> id;
    core::ErrorCode code = core::ErrorCode::internal;
    std::string message;
    if (result) {
      id = *result;
    } else {
      code = result.error().code;
      message = result.error().message;
    }
    asio::post(self->executor(), [self, id, code, message = std::move(message), re]() mutable {
      self->on_report_result(id, code, std::move(message), re);
    });
  });
}

template <class Stream>
void WsSession<Stream>::on_report_result(std::optional<std::int64_t> report_id, core::ErrorCode error,
                                         std::string message, std::optional<std::int64_t> re) {
  if (phase_ != Phase::ready) return;
  if (report_id) {
    send(protocol::encode_report_ack(std::to_string(*report_id), re));
  } else {
    send_error(error, message, re);
  }
}

template <class Stream>
bool WsSession<Stream>::admit_matchmaking(bool is_next, std::optional<std::int64_t> re) {
  auto& ctx = worker_.context();
  const auto limit = is_next ? abuse::Limit::next_per_device : abuse::Limit::join_per_device;
  if (auto d = ctx.limiter.check(limit, device_key_); !d) {
    auto v = ctx.detector.on_rate_limited(limit, device_key_);
    if (v.captcha_required) {
      send_captcha(v.difficulty, re);
    } else {
      send_error(core::ErrorCode::rate_limited, is_next ? "too many nexts" : "too many joins", re, d.retry_after_ms);
    }
    return false;
  }
  if (auto difficulty = ctx.detector.needs_captcha(device_key_)) {
    send_captcha(*difficulty, re);
    return false;
  }
  auto v = is_next ? ctx.detector.on_next(device_key_, client_ip_) : ctx.detector.on_join(device_key_, client_ip_);
  if (v.captcha_required) {
    send_captcha(v.difficulty, re);
    return false;
  }
  return true;
}

template <class Stream>
void WsSession<Stream>::send_captcha(std::int64_t difficulty, std::optional<std::int64_t> re) {
  auto& ctx = worker_.context();
  ctx.metrics.captchas_issued.inc();
  send(protocol::encode_captcha_required(abuse::to_json(ctx.altcha.create_challenge(difficulty)), re));
}

template <class Stream>
void WsSession<Stream>::handle_captcha(std::string_view payload, std::optional<std::int64_t> re) {
  auto& ctx = worker_.context();
  const auto status = ctx.altcha.verify(payload);
  if (status == abuse::AltchaStatus::ok) {
    ctx.metrics.captchas_solved.inc();
    ctx.detector.captcha_solved(device_key_);
    send(protocol::encode_captcha_ok(re));
    return;
  }
  ctx.metrics.captchas_rejected.inc();
  send_error(core::ErrorCode::captcha_required, "captcha rejected: " + std::string(abuse::to_string(status)), re);
  if (auto difficulty = ctx.detector.needs_captcha(device_key_)) send_captcha(*difficulty, std::nullopt);
}

template <class Stream>
void WsSession<Stream>::handle_relay(std::string_view session_id, std::string_view frame, std::optional<std::int64_t> re) {
  if (session_serial_ == 0 || session_id != session_id_) {
    send_error(core::ErrorCode::not_in_session, "not in that session", re);
    return;
  }
  auto peer = peer_.lock();
  if (!peer) {
    send_error(core::ErrorCode::not_in_session, "the peer is gone", re);
    return;
  }
  SendNode* node = worker_.send_pool().acquire();
  node->data.assign(frame.data(), frame.size());
  worker_.context().metrics.relayed.inc();
  if (&peer->worker() == &worker_) {
    peer->deliver_relay(session_serial_, node);
    return;
  }
  Worker& target = peer->worker();
  target.post_relay(std::move(peer), session_serial_, node);
}

template <class Stream>
void WsSession<Stream>::deliver_relay(std::uint64_t session_serial, SendNode* node) {
  if (phase_ != Phase::ready || session_serial != session_serial_) {
    SendPool::release(node);
    return;
  }
  enqueue(node);
}

template <class Stream>
void WsSession<Stream>::on_queued(std::optional<std::int64_t> estimated_wait_ms, std::optional<std::int64_t> re) {
  if (phase_ != Phase::ready) return;
  send(protocol::encode_queued(estimated_wait_ms, re));
}

template <class Stream>
void WsSession<Stream>::on_matched(const core::MatchedEvent& e, std::weak_ptr<WsSessionBase> peer, std::uint64_t session_serial) {
  if (phase_ != Phase::ready) return;
  session_id_ = e.session_id;
  last_session_id_ = e.session_id;
  session_serial_ = session_serial;
  peer_ = std::move(peer);
  ice_reported_ = false;
  send(protocol::encode_matched(e));
}

template <class Stream>
void WsSession<Stream>::on_peer_left(const std::string& session_id, core::LeaveReason reason) {
  if (session_id == session_id_) {
    session_id_.clear();
    session_serial_ = 0;
    peer_.reset();
  }
  if (phase_ != Phase::ready) return;
  send(protocol::encode_peer_left(session_id, reason));
}

template <class Stream>
void WsSession<Stream>::on_session_ended(const std::string& session_id) {
  if (session_id != session_id_) return;
  session_id_.clear();
  session_serial_ = 0;
  peer_.reset();
}

template <class Stream>
void WsSession<Stream>::on_left(std::optional<std::int64_t> re) {
  if (phase_ != Phase::ready) return;
  send(protocol::encode_left(re));
}

template <class Stream>
void WsSession<Stream>::send(std::string frame) {
  SendNode* node = worker_.send_pool().acquire();
  node->data = std::move(frame);
  enqueue(node);
}

template <class Stream>
void WsSession<Stream>::send_error(core::ErrorCode code, std::string_view message, std::optional<std::int64_t> re,
                           std::optional<std::int64_t> retry_after_ms) {
  worker_.context().metrics.client_errors.inc();
  send(protocol::encode_error(code, message, re, retry_after_ms));
}

template <class Stream>
void WsSession<Stream>::enqueue(SendNode* node) {
  if (phase_ == Phase::finished || phase_ == Phase::upgrading || close_code_) {
    SendPool::release(node);
    return;
  }
  if (send_queue_.bytes() + node->data.size() > kMaxQueuedBytes) {
    // The client does not read: it cannot be helped by more frames.
    SendPool::release(node);
    obs::log(obs::Level::info, "ws", "slow_consumer_dropped", {{"participant", id_}});
    abort();
    return;
  }
  send_queue_.push(node);
  if (!writing_) do_write();
}

template <class Stream>
void WsSession<Stream>::do_write() {
  writing_ = true;
  ws_.text(true);
  SendNode* front = send_queue_.front();
  ws_.async_write(asio::buffer(front->data),
                  asio::bind_allocator(worker_.handler_allocator(), [self = self_ptr()](boost::system::error_code ec, std::size_t) {
                    SendPool::release(self->send_queue_.pop());
                    if (ec) {
                      self->writing_ = false;
                      self->send_queue_.clear();
                      self->abort();
                      return;
                    }
                    self->worker_.context().metrics.messages_out.inc();
                    if (!self->send_queue_.empty()) {
                      self->do_write();
                      return;
                    }
                    self->writing_ = false;
                    if (self->close_code_) self->do_close();
                  }));
}

template <class Stream>
void WsSession<Stream>::close(std::uint16_t code, std::string_view reason) {
  if (phase_ == Phase::finished || phase_ == Phase::closing || close_code_) return;
  close_code_ = code;
  close_reason_ = std::string(reason);
  auto& m = worker_.context().metrics;
  switch (code) {
    case core::close_code::no_hello: m.closed_no_hello.inc(); break;
    case core::close_code::policy_violation: m.closed_flood.inc(); break;
    case core::close_code::going_away: m.closed_going_away.inc(); break;
    default: break;
  }
  closing_since_ms_ = worker_.context().clock.now_ms();
  if (!writing_) do_close();
}

template <class Stream>
void WsSession<Stream>::do_close() {
  if (phase_ == Phase::finished || phase_ == Phase::closing) return;
  phase_ = Phase::closing;
  websocket::close_reason cr(static_cast<websocket::close_code>(*close_code_), close_reason_);
  ws_.async_close(cr, [self = self_ptr()](boost::system::error_code) {
    // The pending read completes with `closed` (or an error) and finishes us.
  });
}

template <class Stream>
void WsSession<Stream>::abort() {
  if (phase_ == Phase::finished) return;
  boost::system::error_code ignored;
  beast::get_lowest_layer(ws_).shutdown(tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(ws_).close(ignored);
  // The pending read fails with operation_aborted and finishes us.
}

template <class Stream>
void WsSession<Stream>::finish() {
  if (phase_ == Phase::finished) return;
  auto& ctx = worker_.context();
  phase_ = Phase::finished;
  worker_.remove(this);
  ctx.metrics.ws_connections.add(-1);
  if (joined_hub_) {
    joined_hub_ = false;
    ctx.metrics.ws_authenticated.add(-1);
    ctx.hub.disconnect(id_);
  }
  peer_.reset();
  session_serial_ = 0;
  read_buf_.give_back();
  if (!writing_) send_queue_.clear();
  boost::system::error_code ignored;
  beast::get_lowest_layer(ws_).close(ignored);
}

template <class Stream>
void WsSession<Stream>::sweep(std::int64_t now_ms) {
  const auto& cfg = worker_.context().config;
  switch (phase_) {
    case Phase::upgrading:
      if (now_ms - accepted_at_ms_ >= cfg.hello_timeout_ms) abort();
      return;
    case Phase::awaiting_hello:
      if (close_code_) {
        if (now_ms - closing_since_ms_ >= kCloseTimeoutMs) abort();
      } else if (now_ms - accepted_at_ms_ >= cfg.hello_timeout_ms) {
        close(core::close_code::no_hello, "no hello");
      }
      return;
    case Phase::closing:
      if (now_ms - closing_since_ms_ >= kCloseTimeoutMs) abort();
      return;
    case Phase::finished:
      return;
    case Phase::ready:
      break;
  }
  if (close_code_) {
    if (now_ms - closing_since_ms_ >= kCloseTimeoutMs) abort();
    return;
  }
  const std::int64_t silent_ms = now_ms - last_activity_ms_;
  if (silent_ms >= cfg.dead_after_ms) {
    // No frame and no pong: the other end is gone without a TCP close.
    worker_.context().metrics.closed_dead.inc();
    obs::log(obs::Level::debug, "ws", "heartbeat_timeout", {{"participant", id_}, {"silent_ms", silent_ms}});
    abort();
    return;
  }
  if (silent_ms >= cfg.ping_interval_ms && !ping_in_flight_ && now_ms - last_ping_ms_ >= cfg.ping_interval_ms) {
    ping_in_flight_ = true;
    last_ping_ms_ = now_ms;
    ws_.async_ping({}, [self = self_ptr()](boost::system::error_code ec) {
      if (ec) self->ping_in_flight_ = false;
    });
  }
}

template <class Stream>
void WsSession<Stream>::begin_drain(std::int64_t reconnect_after_ms) {
  if (phase_ != Phase::ready && phase_ != Phase::awaiting_hello) return;
  send(protocol::encode_draining(reconnect_after_ms));
}

}  // namespace serendip::net
