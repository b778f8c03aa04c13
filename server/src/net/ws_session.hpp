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

// What the hub, the worker's sweep and a peer see of a signaling socket,
// whatever its transport (plain TCP or TLS). Implemented by WsSession<Stream>
// in ws_session.cpp.
class WsSessionBase : public std::enable_shared_from_this<WsSessionBase> {
 public:
  explicit WsSessionBase(Worker& worker);
  virtual ~WsSessionBase() = default;

  core::ParticipantId id() const { return id_; }
  Worker& worker() { return worker_; }
  Executor executor();

  // Hub events, delivered on the owner thread in the hub's order.
  virtual void on_queued(std::optional<std::int64_t> estimated_wait_ms, std::optional<std::int64_t> re) = 0;
  virtual void on_matched(const core::MatchedEvent& e, std::weak_ptr<WsSessionBase> peer,
                          std::uint64_t session_serial) = 0;
  virtual void on_peer_left(const std::string& session_id, core::LeaveReason reason) = 0;
  virtual void on_left(std::optional<std::int64_t> re) = 0;
  // The socket's own command (next, leave, join) ended its session: forget it
  // silently (the peer is told by on_peer_left).
  virtual void on_session_ended(const std::string& session_id) = 0;
  // A moderator blocked this socket's IP or device: `banned`, then close 4003.
  virtual void on_banned(std::optional<std::int64_t> until_unix_ms, std::string reason, bool appealable) = 0;
  // The answer to a `report`, computed off the I/O thread.
  virtual void on_report_result(std::optional<std::int64_t> report_id, core::ErrorCode error, std::string message,
                                std::optional<std::int64_t> re) = 0;
  // A frame relayed by the peer; dropped unless still in that session.
  virtual void deliver_relay(std::uint64_t session_serial, SendNode* node) = 0;

  // Called by the worker's periodic sweep with the current monotonic time.
  virtual void sweep(std::int64_t now_ms) = 0;
  virtual void begin_drain(std::int64_t reconnect_after_ms) = 0;
  virtual void close(std::uint16_t code, std::string_view reason) = 0;

  std::size_t worker_slot = 0;  // index in the worker's session list (worker-owned)

 protected:
  Worker& worker_;  // Passed by argument; outlives the session.
  const core::ParticipantId id_;
};

using UpgradeRequest = boost::beast::http::request<boost::beast::http::string_body>;

// Complete the upgrade for `req` on `stream` and run the session.
void start_ws_session(Worker& worker, Socket&& stream, std::string client_ip, UpgradeRequest req);
void start_ws_session(Worker& worker, TlsSocket&& stream, std::string client_ip, UpgradeRequest req);

}  // namespace serendip::net
