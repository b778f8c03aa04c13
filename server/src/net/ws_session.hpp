// One signaling WebSocket. Owned by one Worker (one thread); every member is
// touched only on that thread. Other threads reach it only by posting to its
// executor (the hub's events, a peer's relayed frames).
//
// Hot path (offer/answer/ice): the frame is read into a buffer borrowed from
// the worker's pool, validated by the worker's reused decoder, and its
// original bytes are copied once into a pooled send node that goes to the
// peer's queue; one write is in flight per socket.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "core/error_code.hpp"
#include "core/matchmaker.hpp"
#include "net/asio_types.hpp"
#include "net/buffer_pool.hpp"

namespace serendip::net {

class Worker;

class WsSession : public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(Worker& worker, Socket&& socket, std::string client_ip);
  ~WsSession();

  // Completes the upgrade for `req` and starts reading.
  void start(boost::beast::http::request<boost::beast::http::string_body> req);

  core::ParticipantId id() const { return id_; }
  Worker& worker() { return worker_; }
  Executor executor();

  // Hub events, delivered on the owner thread in the hub's order.
  void on_queued(std::optional<std::int64_t> estimated_wait_ms, std::optional<std::int64_t> re);
  void on_matched(const core::MatchedEvent& e, std::weak_ptr<WsSession> peer, std::uint64_t session_serial);
  void on_peer_left(const std::string& session_id, core::LeaveReason reason);
  void on_left(std::optional<std::int64_t> re);
  // A frame relayed by the peer; dropped unless still in that session.
  void deliver_relay(std::uint64_t session_serial, SendNode* node);

  // Called by the worker's periodic sweep with the current monotonic time.
  void sweep(std::int64_t now_ms);
  void begin_drain(std::int64_t reconnect_after_ms);
  void close(std::uint16_t code, std::string_view reason);

  std::size_t worker_slot = 0;  // index in the worker's session list (worker-owned)

 private:
  enum class Phase : std::uint8_t { upgrading, awaiting_hello, ready, closing, finished };

  void do_read();
  void on_read(boost::system::error_code ec, std::size_t bytes);
  void handle_frame(std::string_view frame);
  void handle_hello(std::string_view token, std::optional<std::int64_t> re);
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

  Worker& worker_;  // Passed by argument; outlives the session.
  WsStream ws_;
  LazyReadBuffer read_buf_;
  SendQueue send_queue_;
  std::string client_ip_;
  core::ParticipantId id_;
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
  std::weak_ptr<WsSession> peer_;
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
  int refused_in_row_ = 0;
  std::int64_t last_rate_error_ms_ = -1'000'000;
};

}  // namespace serendip::net
