// One HTTP connection: reads requests, answers them through the framework-free
// http::Router, and hands a socket that asks for /ws over to a WsSession.
// Plain TCP or TLS (the handshake happens here first).
#pragma once

#include <string>

#include "net/asio_types.hpp"

namespace boost::asio::ssl {
class context;
}

namespace serendip::net {

class Worker;

// Starts serving `socket` (already owned by `worker`'s io_context). With a TLS
// context the connection speaks HTTPS/WSS only.
void start_http_session(Worker& worker, Socket&& socket, boost::asio::ssl::context* tls);

}  // namespace serendip::net
