// One TCP connection to one Redis node, on one io_context: our own Asio socket
// with hiredis's reader and formatter. Pipelined (many commands in flight,
// replies matched first-in first-out), writes coalesced (one async_write at a
// time gathering every queued command), bounded (max_queued, per-command
// deadline), and self-healing (reconnects with jittered exponential backoff).
// Internal to the library: Client and Subscriber own Connections.
//
// States: connecting (TCP connect and the AUTH/SELECT/SETNAME handshake in
// progress: commands are queued and written right after the handshake),
// connected, down (waiting to reconnect: commands fail fast with
// ClientError::down instead of piling up).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "redis/config.hpp"
#include "redis/reply.hpp"
#include "redis/state.hpp"

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}
}  // namespace boost::asio

namespace serendip::redis {

struct Metrics;

class Connection {
 public:
  struct Options {
    Endpoint endpoint;
    std::string user, password, client_name;
    int db = 0;
    std::chrono::milliseconds command_timeout{2000}, connect_timeout{1000};
    std::chrono::milliseconds backoff_initial{50}, backoff_max{2000};
    std::size_t max_queued = 100'000;
    // Subscriber connection: pub/sub pushes (smessage, ssubscribe,
    // sunsubscribe...) and replies to send_push() go to on_push.
    bool push_mode = false;
    std::uint64_t random_seed = 0;
    // TLS (rediss://): every connection handshakes with `tls_context` and
    // verifies the certificate names `tls_server_name` (empty: the
    // endpoint's host). use_tls with no context fails every attempt.
    bool use_tls = false;
    std::shared_ptr<boost::asio::ssl::context> tls_context;
    std::string tls_server_name;
  };
  struct Events {
    std::function<void(State)> on_state;  // after each change of state()
    std::function<void(Reply)> on_push;   // push mode only
  };

  // Starts connecting at once. `io` and `metrics` (may be null): Passed by argument, must outlive this.
  Connection(boost::asio::io_context& io, Options options, Events events, Metrics* metrics);
  // Closes the socket; callbacks still pending are destroyed without being called.
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Queues a copy of `wire` (formatted commands, exactly one reply expected
  // in total) and calls `cb` with the reply. While down, or beyond
  // max_queued, `cb` gets an error reply (posted, never called from inside send).
  // timeout 0 = options.command_timeout.
  void send(std::string_view wire, Callback cb, std::chrono::milliseconds timeout = {});
  // Push mode: writes commands whose answers arrive as pushes (SSUBSCRIBE).
  // Returns false (nothing sent) unless connected.
  bool send_push(std::string_view wire);
  // Stops for good without destroying: what is pending fails with
  // ClientError::down (posted), no reconnection. For nodes that left the map.
  void close();
  // Drops the connection now and reconnects after the backoff.
  void recycle(std::string_view reason);

  State state() const;
  const Endpoint& endpoint() const;
  std::size_t pending() const;  // queued or awaiting a reply
  // Increments with every established connection: a subscription made on
  // connection N is gone once this is N+1.
  std::uint64_t session() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace serendip::redis
