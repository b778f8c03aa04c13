// One HTTP connection: reads requests, answers them through the framework-free
// http::Router, and hands a socket that asks for /ws over to a WsSession.
// Plain TCP or TLS (the handshake happens here first).
#pragma once

#include <string>

#include "net/asio_types.hpp"
#include "net/connection_limits.hpp"

namespace boost::asio::ssl {
class context;
}

namespace serendip::net {

class Worker;

// Starts serving `socket` (already owned by `worker`'s io_context). With a TLS
// context the connection speaks HTTPS/WSS only. `slot` is the connection's
// place under the connection caps, held until the connection closes.
void start_http_session(Worker& worker, Socket&& socket, boost::asio::ssl::context* tls, ConnectionLimits::Slot slot);

// Turns away a connection over a connection cap, at once and without reading
// a request: on plain TCP a canned 503 (JSON error `unavailable`, Retry-After)
// is written without blocking before the close; TLS connections are closed.
void refuse_connection(Socket& socket, ConnectionLimits::Verdict why, bool tls);

}  // namespace serendip::net
