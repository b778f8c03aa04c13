// The end of a WebSocket, after the close frame: the server shuts down its
// sending side (the client sees the close frame, then FIN) and reads and
// discards whatever the client is still sending until it closes its side.
//
// Why drain: a client still sending (a 4 MiB message refused with 1009 after
// its first bytes) would otherwise leave unread data in our receive buffer;
// the kernel then answers the close with RST, and the RST makes the client
// drop the close frame it has not read yet, so it reports 1006 instead of
// 1009. TLS has the same problem one layer down: the TLS shutdown fails
// ("application data after close notify") as soon as a record of the message
// still coming arrives. TlsOp sends close_notify, then, whatever the TLS
// shutdown answered, drains the TCP socket below.
//
// Bounded: at most kMaxDrainBytes are discarded (then the socket is closed,
// RST or not), and the worker's sweep drops a socket whose close takes too
// long (WsSession::abort closes it under the drain).
#pragma once

#include <boost/asio/compose.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "net/asio_types.hpp"

namespace serendip::net {

namespace ws_teardown {

// What a closing client may still send before we stop listening: more than any
// message a browser would send by mistake, little next to what a socket costs.
constexpr std::size_t kMaxDrainBytes = 16 * 1024 * 1024;

struct DrainOp {
  Socket& socket;
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
      socket.shutdown(tcp::socket::shutdown_send, ignored);
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
    socket.close(ignored);
    self.complete(ec);
  }
};

// TLS shutdown (close_notify), then the TCP drain; the shutdown's own error
// (the client's records still arriving) is expected and not passed on.
struct TlsOp {
  TlsSocket& stream;
  int step = 0;

  template <class Self>
  void operator()(Self& self, boost::system::error_code ec = {}) {
    switch (step++) {
      case 0: stream.async_shutdown(std::move(self)); return;
      case 1:
        asio::async_compose<Self, void(boost::system::error_code)>(DrainOp{stream.next_layer()}, self,
                                                                   stream.next_layer());
        return;
      default: self.complete(ec);
    }
  }
};

}  // namespace ws_teardown

}  // namespace serendip::net
