// The end of a plain-TCP WebSocket, after the close frame: the server shuts
// down its sending side (the client sees the close frame, then FIN) and reads
// and discards whatever the client is still sending until it closes its side.
//
// Why not Beast's own: Beast 1.81's TCP teardown (websocket/impl/teardown.hpp)
// tests the operator's `bytes_transferred` argument, always 0, instead of
// what read_some returned, so it stops after one 2 KiB read and closes. A
// client still sending (a 4 MiB message refused with 1009 after its first
// bytes) then has unread data in our receive buffer: the kernel answers the
// close with RST, and the RST makes the client drop the close frame it has
// not read yet, so it reports 1006 instead of 1009.
//
// Beast finds this through its customization point: an async_teardown found
// by argument-dependent lookup for the next layer's type (WsSocket, which is
// our Socket), preferred to Beast's template for any basic_stream_socket.
//
// TLS has the same problem one layer down: Beast's TLS teardown is the TLS
// shutdown, which fails ("application data after close notify") as soon as a
// record of the message still coming arrives, and the socket is then closed
// with the rest unread. WsTlsStream's teardown sends close_notify the same
// way, then, whatever the TLS shutdown answered, drains the TCP socket below.
//
// Bounded: at most kMaxDrainBytes are discarded (then the socket is closed,
// RST or not), and the worker's sweep drops a socket whose close takes too
// long (the pending read holds the teardown, and abort() closes it).
#pragma once

#include <boost/asio/compose.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include "net/asio_types.hpp"

namespace serendip::net {

class WsSessionBase;
// Told when a WebSocket's teardown starts (its close frame is out, whoever
// closed): the session leaves matchmaking then, so the peer hears `peer_left`
// at once rather than when the client finally closes its side (a client that
// sent an oversized message and went silent would hold it until the sweep).
// Posted to the session's thread, never run inside Beast's operation.
void teardown_started(WsSessionBase* session);

// The plain TCP socket under a WebSocket: Socket with our teardown.
class WsSocket : public Socket {
 public:
  explicit WsSocket(Socket&& s) : Socket(std::move(s)) {}
  WsSessionBase* session = nullptr;  // told when the teardown starts; set by the session
};

// The TLS stream under a WebSocket: TlsSocket with our teardown.
class WsTlsStream : public TlsSocket {
 public:
  explicit WsTlsStream(TlsSocket&& s) : TlsSocket(std::move(s)) {}
  WsSessionBase* session = nullptr;  // told when the teardown starts; set by the session
};

namespace ws_teardown {

// What a closing client may still send before we stop listening: more than any
// message a browser would send by mistake, little next to what a socket costs.
constexpr std::size_t kMaxDrainBytes = 16 * 1024 * 1024;

struct DrainOp {
  Socket& socket;
  beast::role_type role;
  std::size_t drained = 0;  // bytes discarded so far
  bool started = false;

  template <class Self>
  void operator()(Self& self, boost::system::error_code ec = {}) {
    if (!started) {
      // Never complete inside the initiating call: the first step is a wait
      // (a failure here shows up as the wait's error).
      started = true;
      boost::system::error_code ignored;
      socket.non_blocking(true, ignored);
      if (role == beast::role_type::server) socket.shutdown(tcp::socket::shutdown_send, ignored);
      socket.async_wait(tcp::socket::wait_read, std::move(self));
      return;
    }
    if (ec) return done(self, ec);  // the wait failed: the socket was closed (abort) or broke
    for (;;) {
      char sink[4096];
      const std::size_t n = socket.read_some(asio::buffer(sink), ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) {
        socket.async_wait(tcp::socket::wait_read, std::move(self));
        return;
      }
      if (ec == asio::error::eof) return done(self, {});
      if (ec) return done(self, ec);
      drained += n;
      if (drained >= kMaxDrainBytes) return done(self, {});
    }
  }

  template <class Self>
  void done(Self& self, boost::system::error_code ec) {
    boost::system::error_code ignored;
    if (role == beast::role_type::client) socket.shutdown(tcp::socket::shutdown_send, ignored);
    socket.close(ignored);
    self.complete(ec);
  }
};

// TLS shutdown (close_notify), then the TCP drain; the shutdown's own error
// (the client's records still arriving) is expected and not passed on.
struct TlsOp {
  WsTlsStream& stream;
  int step = 0;

  template <class Self>
  void operator()(Self& self, boost::system::error_code ec = {}) {
    switch (step++) {
      case 0: stream.async_shutdown(std::move(self)); return;
      case 1:
        asio::async_compose<Self, void(boost::system::error_code)>(
            DrainOp{stream.next_layer(), beast::role_type::server}, self, stream.next_layer());
        return;
      default: self.complete(ec);
    }
  }
};

}  // namespace ws_teardown

template <class TeardownHandler>
void async_teardown(beast::role_type role, WsSocket& socket, TeardownHandler&& handler) {
  if (socket.session != nullptr) teardown_started(socket.session);
  asio::async_compose<TeardownHandler, void(boost::system::error_code)>(ws_teardown::DrainOp{socket, role}, handler,
                                                                        socket);
}

template <class TeardownHandler>
void async_teardown(beast::role_type role, WsTlsStream& stream, TeardownHandler&& handler) {
  (void)role;  // TLS shutdown is the same for both roles
  if (stream.session != nullptr) teardown_started(stream.session);
  asio::async_compose<TeardownHandler, void(boost::system::error_code)>(ws_teardown::TlsOp{stream}, handler, stream);
}

}  // namespace serendip::net
