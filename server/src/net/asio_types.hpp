// The Asio/Beast types of the network layer. Included only by net/*.cpp and
// net's private headers, never by a public header: these are the expensive
// includes (~1 GB and 15-25 s of compile per translation unit).
//
// Sockets use the concrete io_context executor instead of any_io_executor:
// every connection is owned by one single-threaded io_context, and the
// type-erased executor measurably costs CPU on the relay path.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

namespace serendip::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;

using Executor = asio::io_context::executor_type;
using Socket = asio::basic_stream_socket<tcp, Executor>;
using Acceptor = asio::basic_socket_acceptor<tcp, Executor>;
using Timer =
    asio::basic_waitable_timer<std::chrono::steady_clock, asio::wait_traits<std::chrono::steady_clock>, Executor>;
using HttpStream = beast::basic_stream<tcp, Executor, beast::unlimited_rate_policy>;
using TlsSocket = asio::ssl::stream<Socket>;

}  // namespace serendip::net
