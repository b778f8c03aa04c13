// One signaling WebSocket: the socket (WsSession<Stream>, in
// ws_session_impl.hpp) around a socket-free signaling::Handler that holds the
// policy. Owned by one Worker (one thread); every member is touched only on
// that thread. Other threads reach it only by posting to its executor (the
// hub's events, a peer's relayed frames).
//
// WsSessionBase is what the hub, the worker's sweep and a peer see, whatever
// the transport (plain TCP or TLS). It owns the handler, forwards the hub's
// events to it and carries out the handler's matchmaking and relay requests
// (ws_session.cpp); reading, writing, queueing, the sweep and closing are the
// transport's (WsSession<Stream>).
//
// Hot path (offer/answer/ice): the frame is read into a buffer borrowed from
// the worker's pool (an idle socket holds none), unmasked in place, validated
// by the worker's reused decoder, and its original bytes are copied once into
// a pooled send node that goes to the peer's queue. The WebSocket framing is
// our own (ws_frame.hpp): the frames queued on a socket go out in one write.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/matchmaker.hpp"
#include "net/asio_types.hpp"
#include "net/buffer_pool.hpp"
#include "net/connection_limits.hpp"
#include "net/match_hub.hpp"
#include "signaling/handler.hpp"

namespace serendip::net {

class Worker;

class WsSessionBase : public std::enable_shared_from_this<WsSessionBase>, protected signaling::Port {
 public:
  WsSessionBase(Worker& worker, std::string client_ip);
  ~WsSessionBase() override = default;

  core::ParticipantId id() const { return id_; }
  Worker& worker() { return worker_; }
  Executor executor();

  // Hub events, delivered on the owner thread in the hub's order.
  void on_queued(std::optional<std::int64_t> estimated_wait_ms, std::optional<std::int64_t> re) {
    handler_.on_queued(estimated_wait_ms, re);
  }
  void on_matched(const core::MatchedEvent& e, std::weak_ptr<WsSessionBase> peer, std::uint64_t session_serial);
  // Matched with a peer on another instance: relayed frames go through the hub.
  void on_matched_remote(const core::MatchedEvent& e, RemotePeer peer, std::uint64_t session_serial);
  // Matchmaking could not take the command (its shared store is unreachable).
  void on_match_unavailable(std::optional<std::int64_t> re, std::int64_t retry_after_ms) {
    handler_.on_match_unavailable(re, retry_after_ms);
  }
  const RemotePeer* remote_peer() const { return remote_peer_.get(); }
  std::uint64_t session_serial() const { return session_serial_; }
  void on_peer_left(const std::string& session_id, core::LeaveReason reason) {
    if (handler_.on_peer_left(session_id, reason)) forget_peer();
  }
  void on_left(std::optional<std::int64_t> re) { handler_.on_left(re); }
  // The socket's own command (next, leave, join) ended its session: forget it
  // silently (the peer is told by on_peer_left).
  void on_session_ended(const std::string& session_id) {
    if (handler_.on_session_ended(session_id)) forget_peer();
  }
  // A moderator blocked this socket's IP or device: `banned`, then close 4003.
  void on_banned(std::optional<std::int64_t> until_unix_ms, const std::string& reason) {
    handler_.on_banned(until_unix_ms, reason);
  }
  void begin_drain(std::int64_t reconnect_after_ms) { handler_.on_draining(reconnect_after_ms); }

  // A frame relayed by the peer; dropped unless still in that session.
  virtual void deliver_relay(std::uint64_t session_serial, SendNode* node) = 0;
  // Called by the worker's periodic sweep with the current monotonic time.
  virtual void sweep(std::int64_t now_ms) = 0;
  // Writes what is queued (Worker::defer_flush).
  virtual void flush() = 0;
  void close(std::uint16_t code, std::string_view reason) override = 0;

  std::size_t worker_slot = 0;  // index in the worker's session list (worker-owned)
  bool flush_pending = false;   // in the worker's deferred flushes (worker-owned)

 protected:
  // signaling::Port: the requests that need no socket.
  bool relay(std::string_view frame) override;
  void connect(store::Party who) override;
  void join(core::Preferences prefs, std::optional<std::int64_t> re) override;
  bool next(std::optional<std::int64_t> re) override;
  void leave(std::optional<std::int64_t> re) override;
  void offload(std::function<void()> work, std::function<void()> done) override;
  std::shared_ptr<void> keep_alive() override { return shared_from_this(); }

  // Teardown shared by both transports: leave the hub, drop the peer.
  // Idempotent; also run as soon as the close frame is out, so the peer hears
  // `peer_left` at once rather than when the client finally closes its side.
  void leave_hub();
  void forget_peer() {
    peer_.reset();
    remote_peer_.reset();
    session_serial_ = 0;
  }
  bool in_hub() const { return joined_hub_; }

  Worker& worker_;  // Passed by argument; outlives the session.
  const core::ParticipantId id_;
  signaling::Handler handler_;
  // Routing of the current session: relayed frames go to peer_, and arrive
  // only while their serial is still ours (0 = none).
  std::weak_ptr<WsSessionBase> peer_;
  std::unique_ptr<RemotePeer> remote_peer_;  // set instead of peer_ when the peer is on another instance
  std::uint64_t session_serial_ = 0;

 private:
  bool joined_hub_ = false;
};

// An upgrade the HTTP layer has checked and admitted.
struct Upgrade {
  std::string accept_key;   // Sec-WebSocket-Accept
  std::string early_bytes;  // what the client sent after the request, before our 101
};

// Complete the upgrade on `stream` (the 101) and run the session, which holds
// `slots` until its socket closes.
void start_ws_session(Worker& worker, Socket&& stream, std::string client_ip, Upgrade upgrade, ConnectionSlots slots);
void start_ws_session(Worker& worker, TlsSocket&& stream, std::string client_ip, Upgrade upgrade,
                      ConnectionSlots slots);

}  // namespace serendip::net
