// WsSession<Stream>: the transport behind WsSessionBase. It reads frames and
// hands them to the handler, writes one queued frame at a time, closes, and
// enforces the deadlines the worker's sweep checks (hello, heartbeat, close
// handshake). Included by exactly one .cpp per stream type (plain, TLS) so the
// two compile in parallel. The streams are WsSocket and WsTlsStream
// (ws_teardown.hpp), so that a close frame the server sends reaches a client
// that is still sending.
#pragma once

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/websocket.hpp>

#include "net/errors.hpp"
#include "net/worker.hpp"
#include "net/ws_session.hpp"
#include "net/ws_teardown.hpp"
#include "obs/log.hpp"

namespace serendip::net {
namespace ws_limits {
// Outbound bytes a socket may have queued before it counts as dead weight: a
// client that does not read is cut (no close frame: it would wait behind the
// queue), so a peer relaying at its rate limit costs us at most this much.
constexpr std::size_t kMaxQueuedBytes = 1024 * 1024;
// How long a close handshake may take before the socket is dropped.
constexpr std::int64_t kCloseTimeoutMs = 5'000;
}  // namespace ws_limits

template <class Stream>
class WsSession final : public WsSessionBase {
 public:
  WsSession(Worker& worker, Stream&& stream, std::string client_ip, ConnectionSlots slots);
  ~WsSession() override { send_queue_.clear(); }
  WsSession(const WsSession&) = delete;
  WsSession& operator=(const WsSession&) = delete;

  void start(UpgradeRequest req);

  void deliver_relay(std::uint64_t session_serial, SendNode* node) override;
  void sweep(std::int64_t now_ms) override;
  void close(std::uint16_t code, std::string_view reason) override;

 private:
  enum class Phase : std::uint8_t { upgrading, open, closing, finished };

  std::shared_ptr<WsSession> self_ptr() { return std::static_pointer_cast<WsSession>(shared_from_this()); }
  void send(std::string frame) override;  // signaling::Port
  void hold() override { held_ = true; }  // signaling::Port
  void release() override;                // signaling::Port
  void do_read();
  void on_read(boost::system::error_code ec, std::size_t bytes);
  void enqueue(SendNode* node);
  void do_write();
  void do_close();
  void abort();   // drop the TCP connection without a close handshake
  void finish();  // teardown, exactly once

  websocket::stream<Stream> ws_;
  LazyReadBuffer read_buf_;
  SendQueue send_queue_;
  Phase phase_ = Phase::upgrading;
  bool writing_ = false;
  bool ping_in_flight_ = false;
  // The handler awaits an answer: the next read waits for release().
  bool held_ = false;
  bool read_deferred_ = false;
  std::optional<std::uint16_t> close_code_;  // close requested, sent after queued frames
  std::string close_reason_;
  ConnectionSlots slots_;  // this connection's places under the connection caps, until finish()

  // Monotonic milliseconds.
  std::int64_t accepted_at_ms_ = 0;
  std::int64_t last_activity_ms_ = 0;
  std::int64_t last_ping_ms_ = 0;
  std::int64_t closing_since_ms_ = 0;
};

template <class Stream>
WsSession<Stream>::WsSession(Worker& worker, Stream&& stream, std::string client_ip, ConnectionSlots slots)
    : WsSessionBase(worker, std::move(client_ip)),
      ws_(std::move(stream)),
      read_buf_(worker.read_pool(), worker.context().config.max_frame_bytes + kReadHeadroom),
      slots_(std::move(slots)) {
  ws_.next_layer().session = this;  // leaves matchmaking when the close frame is out (ws_teardown.hpp)
}

template <class Stream>
void WsSession<Stream>::start(UpgradeRequest req) {
  auto& ctx = worker_.context();
  ws_.read_message_max(ctx.config.max_frame_bytes);
  ws_.auto_fragment(false);
  // Deadlines come from the worker's sweep, not from per-operation timers.
  ws_.set_option(
      websocket::stream_base::timeout{websocket::stream_base::none(), websocket::stream_base::none(), false});
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(boost::beast::http::field::server, "serendip"); }));
  ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
    // Any control frame (pong above all) proves the peer is alive.
    auto& c = worker_.context();
    last_activity_ms_ = c.clock.now_ms();
    if (kind == websocket::frame_type::pong && ping_in_flight_) {
      ping_in_flight_ = false;
      c.metrics.ping_rtt_seconds.observe(static_cast<double>(last_activity_ms_ - last_ping_ms_) / 1000.0);
    }
  });
  accepted_at_ms_ = last_activity_ms_ = ctx.clock.now_ms();
  worker_.add(this);
  ctx.metrics.ws_connections.add(1);
  ws_.async_accept(req, [self = self_ptr()](boost::system::error_code ec) {
    if (ec) {
      self->finish();
      return;
    }
    self->worker_.context().metrics.ws_accepted.inc();
    self->phase_ = Phase::open;
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
    if (ec == websocket::error::message_too_big) {
      ctx.metrics.closed_too_big.inc();
    } else if (!is_benign(ec)) {
      obs::log(obs::Level::debug, "ws", "read_failed", {{"participant", id_}, {"error", ec.message()}});
    }
    finish();
    return;
  }
  last_activity_ms_ = ctx.clock.now_ms();
  ctx.metrics.messages_in.inc();
  if (phase_ == Phase::open && !close_code_) {
    auto data = read_buf_.data();
    handler_.on_frame(ws_.got_text(), std::string_view(static_cast<const char*>(data.data()), data.size()),
                      last_activity_ms_);
  }
  read_buf_.consume(read_buf_.size());
  read_buf_.give_back();
  if (phase_ == Phase::finished) return;
  if (held_) {
    read_deferred_ = true;
    return;
  }
  do_read();
}

template <class Stream>
void WsSession<Stream>::release() {
  held_ = false;
  if (!read_deferred_) return;
  read_deferred_ = false;
  if (phase_ != Phase::finished) do_read();
}

template <class Stream>
void WsSession<Stream>::deliver_relay(std::uint64_t session_serial, SendNode* node) {
  if (phase_ != Phase::open || session_serial != session_serial_) {
    SendPool::release(node);
    return;
  }
  enqueue(node);
}

template <class Stream>
void WsSession<Stream>::send(std::string frame) {
  SendNode* node = worker_.send_pool().acquire();
  node->data = std::move(frame);
  enqueue(node);
}

template <class Stream>
void WsSession<Stream>::enqueue(SendNode* node) {
  if (phase_ != Phase::open || close_code_) {
    SendPool::release(node);
    return;
  }
  if (send_queue_.bytes() + node->data.size() > ws_limits::kMaxQueuedBytes) {
    // The client does not read: it cannot be helped by more frames.
    SendPool::release(node);
    worker_.context().metrics.ws_slow_consumer.inc();
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
  ws_.async_write(
      asio::buffer(front->data),
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
  handler_.on_closed();
  auto& m = worker_.context().metrics;
  switch (code) {
    case core::close_code::no_hello: m.closed_no_hello.inc(); break;
    case core::close_code::policy_violation: m.closed_flood.inc(); break;
    case core::close_code::going_away: m.closed_going_away.inc(); break;
    default: break;
  }
  closing_since_ms_ = worker_.context().clock.now_ms();
  if (read_deferred_) {
    // The close handshake and teardown ride on a pending read.
    read_deferred_ = false;
    do_read();
  }
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
  if (read_deferred_) {
    // No read pending to fail: finish once the caller is done with us.
    read_deferred_ = false;
    asio::post(ws_.get_executor(), [self = self_ptr()] { self->finish(); });
  }
  // The pending read fails with operation_aborted and finishes us.
}

template <class Stream>
void WsSession<Stream>::finish() {
  if (phase_ == Phase::finished) return;
  phase_ = Phase::finished;
  handler_.on_closed();
  worker_.remove(this);
  worker_.context().metrics.ws_connections.add(-1);
  leave_hub();
  read_buf_.give_back();
  if (!writing_) send_queue_.clear();
  boost::system::error_code ignored;
  beast::get_lowest_layer(ws_).close(ignored);
  slots_.release();
}

template <class Stream>
void WsSession<Stream>::sweep(std::int64_t now_ms) {
  const auto& cfg = worker_.context().config;
  switch (phase_) {
    case Phase::upgrading:
      if (now_ms - accepted_at_ms_ >= cfg.hello_timeout_ms) abort();
      return;
    case Phase::closing:
      if (now_ms - closing_since_ms_ >= ws_limits::kCloseTimeoutMs) abort();
      return;
    case Phase::finished: return;
    case Phase::open: break;
  }
  if (close_code_) {
    if (now_ms - closing_since_ms_ >= ws_limits::kCloseTimeoutMs) abort();
    return;
  }
  if (!in_hub()) {
    // Still waiting for a valid hello.
    if (now_ms - accepted_at_ms_ >= cfg.hello_timeout_ms) close(core::close_code::no_hello, "no hello");
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

}  // namespace serendip::net
