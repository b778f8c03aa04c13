// WsSession<Stream>: the transport behind WsSessionBase, with WebSocket
// framing of our own (RFC 6455, ws_frame.hpp). It reads frames and hands
// whole messages to the handler, answers control frames, writes the queued
// frames, runs the close handshake, and enforces the deadlines the worker's
// sweep checks (hello, heartbeat, close handshake). Included by exactly one
// .cpp per stream type (plain, TLS) so the two compile in parallel.
//
// Plain TCP (the case that carries a service's load, behind its balancer):
// - reading waits for readability with no buffer (async_wait), then reads with
//   one non-blocking recv into a buffer borrowed from the worker's pool, which
//   goes back as soon as the complete frames in it are handled: an idle socket
//   holds no buffer and no Beast stream state;
// - writing sends every queued frame in one non-blocking sendmsg (headers and
//   payloads gathered), and waits for writability only when the kernel's
//   buffer is full; so a `queued` and a `matched` produced together, or a
//   burst of relayed candidates, cost one system call, and a write that the
//   kernel takes at once costs no completion handler.
// TLS: the same framing over the TLS stream's async_read_some and async_write
// (one frame per write; the pending read holds its buffer).
//
// Closing: a close the handler asks for is queued after the frames before it;
// once it is out, the session leaves matchmaking and waits (at most
// kCloseTimeoutMs) for the client's close, then shuts down its side and
// drains what the client still sends (ws_teardown.hpp). A protocol error (1002,
// 1007, 1009) sends its close at once and does not wait for the client's.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <type_traits>

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "net/errors.hpp"
#include "net/worker.hpp"
#include "net/ws_frame.hpp"
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
// Frames gathered into one sendmsg.
constexpr std::size_t kMaxBatch = 32;
}  // namespace ws_limits

template <class Stream>
class WsSession final : public WsSessionBase {
 public:
  static constexpr bool kPlain = std::is_same_v<Stream, Socket>;

  WsSession(Worker& worker, Stream&& stream, std::string client_ip, ConnectionSlots slots);
  ~WsSession() override {
    send_queue_.clear();
    worker_.read_pool().give_back(rbuf_);
  }
  WsSession(const WsSession&) = delete;
  WsSession& operator=(const WsSession&) = delete;

  void start(Upgrade upgrade);

  void deliver_relay(std::uint64_t session_serial, SendNode* node) override;
  void sweep(std::int64_t now_ms) override;
  void close(std::uint16_t code, std::string_view reason) override;

 private:
  enum class Phase : std::uint8_t {
    open,          // frames flow (a close may be queued: close_queued_)
    closing,       // our close frame is out; waiting for the client's
    tearing_down,  // our side shut down, draining what the client still sends
    finished,
  };

  std::shared_ptr<WsSession> self_ptr() { return std::static_pointer_cast<WsSession>(shared_from_this()); }
  Socket& socket() {
    if constexpr (kPlain) {
      return stream_;
    } else {
      return stream_.next_layer();
    }
  }
  void send(std::string frame) override;  // signaling::Port
  void hold() override { held_ = true; }  // signaling::Port
  void release() override;                // signaling::Port

  // Reading.
  void wait_readable();
  void on_readable(boost::system::error_code ec);
  void on_bytes(std::size_t n);
  void process();
  void on_message(bool text, std::string_view data);
  void on_control(std::uint8_t opcode, std::string_view payload, const wsproto::ClosePayload& close);
  void give_back_if_empty();

  // Writing.
  void queue(SendNode* node);
  void enqueue(SendNode* node);
  void queue_control(std::uint8_t opcode, std::string_view payload);
  void queue_close(std::uint16_t code, std::string_view reason);
  void flush() override;
  void flush_plain();
  void write_tls();
  void on_sent(SendNode* node);
  void after_close_sent();

  void fail(std::uint16_t code);  // the client broke the protocol
  void teardown();                // shut down our side and drain
  void abort();                   // drop the TCP connection without a close handshake
  void finish();                  // exactly once

  Stream stream_;
  ReadBuffer rbuf_;           // borrowed while it holds bytes
  std::uint32_t rbegin_ = 0;  // first byte not yet handled
  std::uint32_t rend_ = 0;    // end of the bytes read
  SendQueue send_queue_;
  std::size_t front_sent_ = 0;  // bytes of the front node already written (plain)
  wsproto::FrameReader reader_;
  Phase phase_ = Phase::open;
  bool reading_ = false;  // a read (or the wait for one) is pending
  bool writing_ = false;  // a write (or the wait for writability) is pending
  bool ping_in_flight_ = false;
  bool held_ = false;           // the handler awaits an answer: frames wait in the buffer
  bool read_deferred_ = false;  // process() stopped for held_; release() resumes it
  bool close_queued_ = false;   // our close frame is queued; nothing is queued after it
  bool failing_ = false;        // our close is for a protocol error: no waiting for theirs
  bool peer_closed_ = false;    // the client's close frame has arrived
  bool aborted_ = false;        // the connection was dropped: nothing is queued any more
  ConnectionSlots slots_;       // this connection's places under the connection caps, until finish()

  // Monotonic milliseconds.
  std::int64_t accepted_at_ms_ = 0;
  std::int64_t last_activity_ms_ = 0;
  std::int64_t last_ping_ms_ = 0;
  std::int64_t closing_since_ms_ = 0;
};

template <class Stream>
WsSession<Stream>::WsSession(Worker& worker, Stream&& stream, std::string client_ip, ConnectionSlots slots)
    : WsSessionBase(worker, std::move(client_ip)),
      stream_(std::move(stream)),
      reader_(worker.context().config.max_frame_bytes),
      slots_(std::move(slots)) {}

template <class Stream>
void WsSession<Stream>::start(Upgrade upgrade) {
  auto& ctx = worker_.context();
  accepted_at_ms_ = last_activity_ms_ = ctx.clock.now_ms();
  worker_.add(this);
  ctx.metrics.ws_connections.add(1);
  if constexpr (kPlain) {
    boost::system::error_code ignored;
    stream_.non_blocking(true, ignored);
  }
  SendNode* node = worker_.send_pool().acquire();
  node->opcode = SendNode::kRawOpcode;
  node->data.append("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n");
  node->data.append("Sec-WebSocket-Accept: ").append(upgrade.accept_key).append("\r\nServer: serendip\r\n\r\n");
  queue(node);
  ctx.metrics.ws_accepted.inc();
  if (phase_ != Phase::open) return;
  if (!upgrade.early_bytes.empty()) {
    // At most what the HTTP layer read past the request (its reads are bounded).
    rbuf_ = worker_.read_pool().acquire(upgrade.early_bytes.size());
    std::memcpy(rbuf_.bytes.get(), upgrade.early_bytes.data(), upgrade.early_bytes.size());
    rend_ = static_cast<std::uint32_t>(upgrade.early_bytes.size());
    process();
    return;
  }
  wait_readable();
}

// ---- reading ----

template <class Stream>
void WsSession<Stream>::wait_readable() {
  if (reading_ || phase_ == Phase::tearing_down || phase_ == Phase::finished) return;
  reading_ = true;
  if constexpr (kPlain) {
    stream_.async_wait(tcp::socket::wait_read, asio::bind_allocator(worker_.handler_allocator(),
                                                                    [self = self_ptr()](boost::system::error_code ec) {
                                                                      self->reading_ = false;
                                                                      self->on_readable(ec);
                                                                    }));
  } else {
    if (!rbuf_) rbuf_ = worker_.read_pool().acquire();
    stream_.async_read_some(
        asio::buffer(rbuf_.bytes.get() + rend_, rbuf_.capacity - rend_),
        asio::bind_allocator(worker_.handler_allocator(), [self = self_ptr()](boost::system::error_code ec,
                                                                              std::size_t n) {
          self->reading_ = false;
          if (self->phase_ == Phase::finished || self->phase_ == Phase::tearing_down) return;
          if (ec) {
            if (!is_benign(ec)) {
              obs::log(obs::Level::debug, "ws", "read_failed", {{"participant", self->id_}, {"error", ec.message()}});
            }
            self->finish();
            return;
          }
          self->on_bytes(n);
        }));
  }
}

template <class Stream>
void WsSession<Stream>::on_readable(boost::system::error_code ec) {
  if (phase_ == Phase::finished || phase_ == Phase::tearing_down) return;
  if (ec) {
    finish();
    return;
  }
  if (!rbuf_) rbuf_ = worker_.read_pool().acquire();
  const int fd = stream_.native_handle();
  ssize_t n;
  do {
    n = ::recv(fd, rbuf_.bytes.get() + rend_, rbuf_.capacity - rend_, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      give_back_if_empty();
      wait_readable();
      return;
    }
    obs::log(obs::Level::debug, "ws", "read_failed", {{"participant", id_}, {"error", std::strerror(errno)}});
    finish();
    return;
  }
  if (n == 0) {
    // The client closed TCP without a close frame.
    finish();
    return;
  }
  on_bytes(static_cast<std::size_t>(n));
}

template <class Stream>
void WsSession<Stream>::on_bytes(std::size_t n) {
  rend_ += static_cast<std::uint32_t>(n);
  process();
}

template <class Stream>
void WsSession<Stream>::process() {
  // What the frames read here make other sockets send goes out once they are all handled.
  Worker::Cork cork(worker_);
  using Kind = wsproto::FrameReader::Kind;
  while (!held_ && !peer_closed_ && (phase_ == Phase::open || phase_ == Phase::closing) && rbegin_ < rend_) {
    const std::size_t avail = rend_ - rbegin_;
    const auto e = reader_.next(rbuf_.bytes.get() + rbegin_, avail);
    rbegin_ += static_cast<std::uint32_t>(e.consumed);
    switch (e.kind) {
      case Kind::fail: fail(e.close_code); return;
      case Kind::fragment: continue;
      case Kind::message: on_message(e.opcode == wsproto::kText, e.data); continue;
      case Kind::control: on_control(e.opcode, e.data, e.close); continue;
      case Kind::need_more: break;
    }
    // The frame is not all here: make room for it in one buffer.
    if (rbegin_ > 0) {
      std::memmove(rbuf_.bytes.get(), rbuf_.bytes.get() + rbegin_, avail);
      rbegin_ = 0;
      rend_ = static_cast<std::uint32_t>(avail);
    }
    if (rbuf_.capacity < e.needed) {
      ReadBuffer bigger = worker_.read_pool().acquire(e.needed);
      std::memcpy(bigger.bytes.get(), rbuf_.bytes.get(), avail);
      worker_.read_pool().give_back(rbuf_);
      rbuf_ = std::move(bigger);
    }
    break;
  }
  if (phase_ == Phase::finished || phase_ == Phase::tearing_down) return;
  if (rbegin_ == rend_) {
    rbegin_ = rend_ = 0;
    give_back_if_empty();
  }
  if (held_) {
    read_deferred_ = true;  // release() goes on from here
    return;
  }
  // Nothing the client sends after its close is read.
  if (!peer_closed_) wait_readable();
}

template <class Stream>
void WsSession<Stream>::give_back_if_empty() {
  if (rbegin_ == rend_ && rbuf_ && !reading_) {
    rbegin_ = rend_ = 0;
    worker_.read_pool().give_back(rbuf_);
  }
}

template <class Stream>
void WsSession<Stream>::on_message(bool text, std::string_view data) {
  auto& ctx = worker_.context();
  last_activity_ms_ = ctx.clock.now_ms();
  ctx.metrics.messages_in.inc();
  // After our close, data is read and dropped until the client's close.
  if (phase_ == Phase::open && !close_queued_) handler_.on_frame(text, data, last_activity_ms_);
}

template <class Stream>
void WsSession<Stream>::on_control(std::uint8_t opcode, std::string_view payload, const wsproto::ClosePayload& close) {
  auto& ctx = worker_.context();
  last_activity_ms_ = ctx.clock.now_ms();  // any control frame proves the peer is alive
  switch (opcode) {
    case wsproto::kPing:
      if (phase_ == Phase::open && !close_queued_) queue_control(wsproto::kPong, payload);
      return;
    case wsproto::kPong:
      if (ping_in_flight_) {
        ping_in_flight_ = false;
        ctx.metrics.ping_rtt_seconds.observe(static_cast<double>(last_activity_ms_ - last_ping_ms_) / 1000.0);
      }
      return;
    default: break;
  }
  // The client's close (its payload checked by the reader).
  peer_closed_ = true;
  reader_.reset();
  if (phase_ == Phase::closing) {
    teardown();  // the answer to our close
    return;
  }
  if (close_queued_) return;  // ours is still behind other frames; teardown follows it
  handler_.on_closed();
  closing_since_ms_ = last_activity_ms_;
  // The client's code is echoed; an empty close is answered with an empty one.
  queue_close(close.code.value_or(0), {});
}

template <class Stream>
void WsSession<Stream>::release() {
  held_ = false;
  // Answered at once (inside process(), which goes on by itself): nothing to do.
  if (!read_deferred_) return;
  read_deferred_ = false;
  // Frames that waited in the buffer, handled outside the handler's call.
  asio::post(stream_.get_executor(), asio::bind_allocator(worker_.handler_allocator(), [self = self_ptr()] {
               if (self->phase_ == Phase::finished) return;
               if (self->held_) {
                 self->read_deferred_ = true;
                 return;
               }
               self->process();
             }));
}

// ---- writing ----

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
  // After an abort, frames still arrive (relays posted before it) until
  // finish() runs: they go nowhere, and a slow consumer is cut only once.
  if (phase_ != Phase::open || close_queued_ || aborted_) {
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
  queue(node);
}

template <class Stream>
void WsSession<Stream>::queue(SendNode* node) {
  if (node->opcode != SendNode::kRawOpcode) {
    node->header_bytes =
        static_cast<std::uint8_t>(wsproto::write_server_header(node->header, node->opcode, node->data.size()));
  }
  send_queue_.push(node);
  // Written once the handlers running now are done, with whatever else they queue.
  if (!flush_pending) worker_.defer_flush(shared_from_this());
}

template <class Stream>
void WsSession<Stream>::queue_control(std::uint8_t opcode, std::string_view payload) {
  SendNode* node = worker_.send_pool().acquire();
  node->opcode = opcode;
  node->data.assign(payload.substr(0, wsproto::kMaxControlPayload));
  enqueue(node);
}

template <class Stream>
void WsSession<Stream>::queue_close(std::uint16_t code, std::string_view reason) {
  if (close_queued_) return;
  close_queued_ = true;
  SendNode* node = worker_.send_pool().acquire();
  node->opcode = wsproto::kClose;
  if (code != 0) {
    node->data.push_back(static_cast<char>(code >> 8));
    node->data.push_back(static_cast<char>(code & 0xFF));
    // A close frame's payload is at most 125 bytes; cut the reason on a character boundary.
    std::size_t n = std::min<std::size_t>(reason.size(), wsproto::kMaxControlPayload - 2);
    while (n > 0 && n < reason.size() && (static_cast<unsigned char>(reason[n]) & 0xC0) == 0x80) --n;
    node->data.append(reason.substr(0, n));
  }
  queue(node);
}

template <class Stream>
void WsSession<Stream>::flush() {
  flush_pending = false;
  if (writing_ || phase_ == Phase::finished) return;
  if constexpr (kPlain) {
    flush_plain();
  } else {
    write_tls();
  }
}

template <class Stream>
void WsSession<Stream>::flush_plain() {
  if (!stream_.is_open()) return;
  const int fd = stream_.native_handle();
  while (!send_queue_.empty()) {
    std::array<iovec, 2 * ws_limits::kMaxBatch> iov;
    std::size_t count = 0;
    std::size_t skip = front_sent_;
    for (SendNode* n = send_queue_.front(); n != nullptr && count + 2 <= iov.size(); n = n->next) {
      const std::size_t hb = n->header_bytes;
      if (skip < hb) {
        iov[count++] = {n->header + skip, hb - skip};
        skip = 0;
      } else {
        skip -= hb;
      }
      if (skip < n->data.size()) {
        iov[count++] = {n->data.data() + skip, n->data.size() - skip};
      }
      skip = 0;
    }
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = count;
    ssize_t sent;
    do {
      sent = ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      // The connection broke: nothing more can be sent.
      send_queue_.clear();
      front_sent_ = 0;
      abort();
      return;
    }
    // Pop what went out whole; remember how far into the next one.
    auto left = static_cast<std::size_t>(sent) + front_sent_;
    front_sent_ = 0;
    while (SendNode* n = send_queue_.front()) {
      const std::size_t size = n->header_bytes + n->data.size();
      if (left < size) {
        front_sent_ = left;
        break;
      }
      left -= size;
      on_sent(send_queue_.pop());
      if (phase_ == Phase::finished || phase_ == Phase::tearing_down) return;
    }
    if (front_sent_ > 0) break;  // the kernel took part of a frame: its buffer is full
  }
  if (send_queue_.empty()) return;
  writing_ = true;
  stream_.async_wait(tcp::socket::wait_write, asio::bind_allocator(worker_.handler_allocator(),
                                                                   [self = self_ptr()](boost::system::error_code ec) {
                                                                     self->writing_ = false;
                                                                     if (self->phase_ == Phase::finished) return;
                                                                     if (ec) {
                                                                       self->send_queue_.clear();
                                                                       self->front_sent_ = 0;
                                                                       self->abort();
                                                                       return;
                                                                     }
                                                                     self->flush();
                                                                   }));
}

template <class Stream>
void WsSession<Stream>::write_tls() {
  if constexpr (!kPlain) {
    if (send_queue_.empty()) return;
    writing_ = true;
    SendNode* front = send_queue_.front();
    std::array<asio::const_buffer, 2> buffers{asio::buffer(front->header, front->header_bytes),
                                              asio::buffer(front->data)};
    asio::async_write(stream_, buffers,
                      asio::bind_allocator(worker_.handler_allocator(),
                                           [self = self_ptr()](boost::system::error_code ec, std::size_t) {
                                             self->writing_ = false;
                                             if (self->phase_ == Phase::finished) {
                                               self->send_queue_.clear();
                                               return;
                                             }
                                             if (ec) {
                                               self->send_queue_.clear();
                                               self->abort();
                                               return;
                                             }
                                             self->on_sent(self->send_queue_.pop());
                                             self->flush();
                                           }));
  }
}

// A frame is out.
template <class Stream>
void WsSession<Stream>::on_sent(SendNode* node) {
  const std::uint8_t opcode = node->opcode;
  SendPool::release(node);
  if (opcode == wsproto::kText || opcode == wsproto::kBinary) worker_.context().metrics.messages_out.inc();
  if (opcode == wsproto::kClose) after_close_sent();
}

template <class Stream>
void WsSession<Stream>::after_close_sent() {
  // The client has its answer: the peer hears peer_left now.
  leave_hub();
  if (failing_ || peer_closed_) {
    teardown();
    return;
  }
  phase_ = Phase::closing;  // the client's close comes next (or the sweep's deadline)
  wait_readable();
}

// ---- closing ----

template <class Stream>
void WsSession<Stream>::close(std::uint16_t code, std::string_view reason) {
  if (phase_ != Phase::open || close_queued_) return;
  handler_.on_closed();
  auto& m = worker_.context().metrics;
  switch (code) {
    case core::close_code::no_hello: m.closed_no_hello.inc(); break;
    case core::close_code::policy_violation: m.closed_flood.inc(); break;
    case core::close_code::going_away: m.closed_going_away.inc(); break;
    default: break;
  }
  closing_since_ms_ = worker_.context().clock.now_ms();
  queue_close(code, reason);
  held_ = false;  // frames behind a held read are dropped now; the close handshake needs reading
  if (read_deferred_) {
    read_deferred_ = false;
    asio::post(stream_.get_executor(), asio::bind_allocator(worker_.handler_allocator(), [self = self_ptr()] {
                 if (self->phase_ != Phase::finished) self->process();
               }));
  }
}

template <class Stream>
void WsSession<Stream>::fail(std::uint16_t code) {
  if (phase_ == Phase::finished || phase_ == Phase::tearing_down) return;
  auto& ctx = worker_.context();
  if (code == wsproto::kCloseTooBig) ctx.metrics.closed_too_big.inc();
  obs::log(obs::Level::debug, "ws", "protocol_error", {{"participant", id_}, {"close_code", code}});
  handler_.on_closed();
  if (phase_ == Phase::closing) {
    teardown();  // our close is out already
    return;
  }
  failing_ = true;
  if (close_queued_) return;  // the close already queued goes first; teardown follows it
  closing_since_ms_ = ctx.clock.now_ms();
  // Frames not yet started are dropped: the close goes next.
  SendQueue keep;
  if (front_sent_ > 0 || writing_) {
    if (SendNode* partial = send_queue_.pop()) keep.push(partial);
  }
  send_queue_.clear();
  while (SendNode* n = keep.pop()) send_queue_.push(n);
  queue_close(code, {});
}

template <class Stream>
void WsSession<Stream>::teardown() {
  if (phase_ == Phase::finished || phase_ == Phase::tearing_down) return;
  phase_ = Phase::tearing_down;
  leave_hub();
  reader_.reset();
  rbegin_ = rend_ = 0;
  if (!reading_) {
    worker_.read_pool().give_back(rbuf_);
  }
  if (!closing_since_ms_) closing_since_ms_ = worker_.context().clock.now_ms();
  auto done = [self = self_ptr()](boost::system::error_code) { self->finish(); };
  if constexpr (kPlain) {
    asio::async_compose<decltype(done), void(boost::system::error_code)>(ws_teardown::DrainOp{stream_}, done, stream_);
  } else {
    asio::async_compose<decltype(done), void(boost::system::error_code)>(ws_teardown::TlsOp{stream_}, done, stream_);
  }
}

template <class Stream>
void WsSession<Stream>::abort() {
  if (phase_ == Phase::finished) return;
  aborted_ = true;
  boost::system::error_code ignored;
  socket().shutdown(tcp::socket::shutdown_both, ignored);
  socket().close(ignored);
  // Pending operations fail with operation_aborted and finish us; with none
  // pending, finish once the caller is done with us.
  if (!reading_ && !writing_ && phase_ != Phase::tearing_down) {
    asio::post(stream_.get_executor(), [self = self_ptr()] { self->finish(); });
  }
}

template <class Stream>
void WsSession<Stream>::finish() {
  if (phase_ == Phase::finished) return;
  phase_ = Phase::finished;
  handler_.on_closed();
  worker_.remove(this);
  worker_.context().metrics.ws_connections.add(-1);
  leave_hub();
  if (!reading_) {
    worker_.read_pool().give_back(rbuf_);
  }
  if (!writing_) send_queue_.clear();
  boost::system::error_code ignored;
  socket().close(ignored);
  slots_.release();
}

template <class Stream>
void WsSession<Stream>::sweep(std::int64_t now_ms) {
  const auto& cfg = worker_.context().config;
  switch (phase_) {
    case Phase::closing:
    case Phase::tearing_down:
      if (now_ms - closing_since_ms_ >= ws_limits::kCloseTimeoutMs) abort();
      return;
    case Phase::finished: return;
    case Phase::open: break;
  }
  if (close_queued_) {
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
    queue_control(wsproto::kPing, {});
  }
}

}  // namespace serendip::net
