#include "net/metrics_listener.hpp"

#include <atomic>
#include <cctype>
#include <chrono>
#include <thread>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "http/router.hpp"
#include "http/types.hpp"

namespace serendip::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr std::uint32_t kHeaderLimit = 8 * 1024;  // bytes
constexpr std::chrono::seconds kConnectionTimeout{5};
constexpr int kMaxConnections = 16;

bool served_here(std::string_view path) { return path == "/metrics" || path == "/healthz" || path == "/readyz"; }

}  // namespace

// Handlers hold a plain pointer: stop() joins the thread before the Impl can go,
// and the io_context's destructor drops what never ran.
struct MetricsListener::Impl {
  Impl(std::string h, std::uint16_t p, const http::Router& r) : host(std::move(h)), port(p), router(r) {}

  std::string host;
  std::uint16_t port;
  const http::Router& router;  // Passed by argument; outlives this.
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::thread thread;
  std::atomic<int> open{0};

  void accept() {
    acceptor.async_accept(io, [self = this](beast::error_code ec, tcp::socket s) {
      if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) return;
      if (!ec) {
        if (self->open.load() >= kMaxConnections) {
          beast::error_code ignored;
          s.close(ignored);  // Prometheus retries; a flood of connections gets nothing
        } else {
          serve(self, std::move(s));
        }
      }
      self->accept();
    });
  }

  // One request, one answer, close.
  static void serve(Impl* self, tcp::socket socket) {
    struct Conn {
      explicit Conn(tcp::socket s) : stream(std::move(s)) {}
      beast::tcp_stream stream;
      beast::flat_buffer buffer{kHeaderLimit};
      bhttp::request_parser<bhttp::string_body> parser;  // a body is read (1 KiB at most) and ignored
      bhttp::response<bhttp::string_body> res;
    };
    auto c = std::make_shared<Conn>(std::move(socket));
    self->open.fetch_add(1);
    c->parser.header_limit(kHeaderLimit);
    c->parser.body_limit(1024);
    c->stream.expires_after(kConnectionTimeout);
    bhttp::async_read(c->stream, c->buffer, c->parser, [self, c](beast::error_code ec, std::size_t) {
      if (ec) {
        self->done(*c);
        return;
      }
      const auto& req = c->parser.get();
      http::Request r;
      r.method = std::string(req.method_string());
      const std::string_view target = req.target();
      const auto q = target.find('?');
      r.path = std::string(target.substr(0, q));
      if (q != std::string_view::npos) r.query = std::string(target.substr(q + 1));
      for (const auto& f : req) {
        std::string name(f.name_string());
        for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        r.headers.push_back({std::move(name), std::string(f.value())});
      }
      beast::error_code ignored;
      const auto peer = c->stream.socket().remote_endpoint(ignored);
      r.client_ip = ignored ? std::string() : peer.address().to_string();
      r.internal = true;
      http::Response out =
          served_here(r.path)
              ? self->router.handle(r)
              : http::error_response(core::ErrorCode::not_found, "only /metrics, /healthz and /readyz are served here");
      c->res = bhttp::response<bhttp::string_body>{static_cast<bhttp::status>(out.status), req.version()};
      bool has_length = false;
      for (auto& h : out.headers) {
        if (h.name == "content-length") has_length = true;
        c->res.insert(h.name, h.value);
      }
      c->res.set(bhttp::field::server, "serendip");
      if (req.method() != bhttp::verb::head) c->res.body() = std::move(out.body);
      c->res.keep_alive(false);
      if (!has_length) c->res.prepare_payload();
      bhttp::async_write(c->stream, c->res, [self, c](beast::error_code, std::size_t) { self->done(*c); });
    });
  }

  void done(auto& c) {
    beast::error_code ignored;
    c.stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    c.stream.socket().close(ignored);
    open.fetch_sub(1);
  }
};

MetricsListener::MetricsListener(std::string host, std::uint16_t port, const http::Router& router)
    : impl_(std::make_shared<Impl>(std::move(host), port, router)) {}

MetricsListener::~MetricsListener() { stop(); }

bool MetricsListener::start(std::string& error) {
  beast::error_code ec;
  const auto address = asio::ip::make_address(impl_->host, ec);
  if (ec) {
    error = "metrics-listen: invalid address '" + impl_->host + "'";
    return false;
  }
  const tcp::endpoint endpoint{address, impl_->port};
  auto& a = impl_->acceptor;
  if (a.open(endpoint.protocol(), ec); !ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error = "metrics-listen: cannot listen on " + endpoint.address().to_string() + ":" +
            std::to_string(endpoint.port()) + ": " + ec.message();
    beast::error_code ignored;
    a.close(ignored);
    return false;
  }
  impl_->port = a.local_endpoint().port();
  impl_->accept();
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
  return true;
}

std::uint16_t MetricsListener::port() const { return impl_->port; }

void MetricsListener::stop() {
  if (!impl_->thread.joinable()) return;
  asio::post(impl_->io, [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
  impl_->io.stop();
  impl_->thread.join();
}

}  // namespace serendip::net
