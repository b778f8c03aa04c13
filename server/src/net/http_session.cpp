#include "net/http_session.hpp"

#include <memory>
#include <optional>
#include <sstream>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/json/object.hpp>

#include "http/admin_api.hpp"
#include "http/client_ip.hpp"
#include "http/request.hpp"
#include "http/router.hpp"
#include "net/errors.hpp"
#include "net/worker.hpp"
#include "net/ws_frame.hpp"
#include "net/ws_session.hpp"
#include "obs/log.hpp"

namespace serendip::net {
namespace bhttp = boost::beast::http;

namespace {

using UpgradeRequest = bhttp::request<bhttp::string_body>;

constexpr std::uint32_t kHeaderLimit = 8 * 1024;  // bytes
// Retry-After of a connection refused by a connection cap: a few seconds,
// time for the address's (or the server's) other connections to end.
constexpr std::int64_t kBusyRetryAfterMs = 5'000;

// 503 unavailable with retryAfterMs and Retry-After, for a connection cap.
http::Response busy_response(std::string_view message) {
  auto res = http::error_response(core::ErrorCode::unavailable, message, {{"retryAfterMs", kBusyRetryAfterMs}});
  res.set("retry-after", std::to_string(http::retry_after_seconds(kBusyRetryAfterMs)));
  return res;
}

http::Request to_request(const bhttp::request<bhttp::string_body>& req, const std::string& client_ip, bool tls) {
  http::Request out;
  out.method = std::string(req.method_string());
  std::string_view target = req.target();
  auto q = target.find('?');
  out.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) out.query = std::string(target.substr(q + 1));
  out.headers.reserve(16);
  for (const auto& f : req) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers.push_back({std::move(name), std::string(f.value())});
  }
  out.body = req.body();
  out.client_ip = client_ip;
  out.tls = tls;
  return out;
}

bhttp::response<bhttp::string_body> to_beast(http::Response&& r, unsigned version, bool keep_alive, bool head) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), version};
  bool has_length = false;
  for (auto& h : r.headers) {
    if (h.name == "content-length") has_length = true;
    res.insert(h.name, h.value);
  }
  res.set(bhttp::field::server, "serendip");
  if (!head) res.body() = std::move(r.body);
  res.keep_alive(keep_alive);
  if (!has_length) res.prepare_payload();
  return res;
}

template <class Stream>
constexpr bool kIsTls = !std::is_same_v<Stream, Socket>;

template <class Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  template <class... Args>
  HttpSession(Worker& worker, ConnectionLimits::Slot slot, Args&&... stream_args)
      : worker_(worker), stream_(std::forward<Args>(stream_args)...), deadline_(worker.executor()) {
    slots_.connection = std::move(slot);
    boost::system::error_code ec;
    auto ep = beast::get_lowest_layer(stream_).remote_endpoint(ec);
    if (!ec) socket_ip_ = ep.address().to_string();
  }

  void start() {
    if constexpr (kIsTls<Stream>) {
      arm_deadline();
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](boost::system::error_code ec) {
                                if (ec) {
                                  self->close_socket();
                                  return;
                                }
                                self->do_read();
                              });
    } else {
      do_read();
    }
  }

 private:
  // One timer per connection for HTTP (cheap next to the request itself);
  // WebSockets use the worker's sweep instead.
  void arm_deadline() {
    deadline_.expires_after(std::chrono::milliseconds(worker_.context().config.http_timeout_ms));
    deadline_.async_wait([weak = this->weak_from_this()](boost::system::error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->close_socket();
    });
  }

  void close_socket() {
    boost::system::error_code ignored;
    beast::get_lowest_layer(stream_).close(ignored);
  }

  void do_read() {
    const auto& cfg = worker_.context().config;
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(cfg.max_http_body_bytes);
    arm_deadline();
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](boost::system::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(boost::system::error_code ec) {
    auto& ctx = worker_.context();
    if (is_benign(ec)) {
      finish();
      return;
    }
    if (ec) {
      // Malformed or oversized request: answer once, then close.
      bool too_big = ec == bhttp::error::body_limit || ec == bhttp::error::header_limit;
      auto res = http::error_response(too_big ? core::ErrorCode::too_large : core::ErrorCode::bad_request,
                                      too_big ? "request too large" : "malformed HTTP request");
      http::add_security_headers(res, kIsTls<Stream>);
      respond(to_beast(std::move(res), 11, false, false));
      return;
    }
    auto& req = parser_->get();
    client_ip_ = http::resolve_client_ip(ctx.trusted_proxies, socket_ip_, req["X-Forwarded-For"]);
    if (boost::beast::websocket::is_upgrade(req)) {
      upgrade();
      return;
    }
    ctx.metrics.http_requests.inc();
    const bool head = req.method() == bhttp::verb::head;
    // Answered at once, after a shared rate limit answered (this thread), or
    // from the login hashing pool: brought back to this session's thread.
    ctx.router.handle(
        to_request(req, client_ip_, kIsTls<Stream>), [self = this->shared_from_this(), version = req.version(),
                                                      keep_alive = req.keep_alive(), head](http::Response response) {
          asio::dispatch(self->worker_.executor(),
                         [self, res = to_beast(std::move(response), version, keep_alive, head)]() mutable {
                           self->respond(std::move(res));
                         });
        });
  }

  void upgrade() {
    auto& ctx = worker_.context();
    auto req = parser_->release();
    std::string_view target = req.target();
    std::string_view path = target.substr(0, target.find('?'));
    auto refuse = [&](core::ErrorCode code, std::string_view message) {
      auto res = http::error_response(code, message);
      http::add_security_headers(res, kIsTls<Stream>);
      respond(to_beast(std::move(res), req.version(), false, false));
    };
    if (path != "/ws") {
      refuse(core::ErrorCode::not_found, "no WebSocket endpoint here; use /ws");
      return;
    }
    auto origin = req[bhttp::field::origin];
    // Browsers always send Origin; a client without one is not a browser and
    // cannot be used for cross-site WebSocket hijacking.
    if (!origin.empty() && !http::origin_allowed(ctx.config, origin)) {
      ctx.metrics.ws_refused_origin.inc();
      refuse(core::ErrorCode::forbidden, "origin not allowed");
      return;
    }
    if (auto block = ctx.signaling.moderation.active_block(client_ip_, "")) {
      auto res = http::banned_response(*block);
      http::add_security_headers(res, kIsTls<Stream>);
      respond(to_beast(std::move(res), req.version(), false, false));
      return;
    }
    if (!admit_forwarded()) {
      auto res = busy_response("too many connections from this address");
      http::add_security_headers(res, kIsTls<Stream>);
      respond(to_beast(std::move(res), req.version(), false, false));
      return;
    }
    auto pending = std::make_shared<UpgradeRequest>(std::move(req));
    ctx.signaling.gate.check(abuse::Limit::connect_per_ip, client_ip_,
                             [self = this->shared_from_this(), pending](const signaling::Admission& refused) {
                               self->upgrade_admitted(std::move(*pending), refused);
                             });
  }

  void upgrade_admitted(UpgradeRequest req, const signaling::Admission& refused) {
    auto& ctx = worker_.context();
    if (refused) {
      ctx.metrics.ws_refused_rate.inc();
      auto res = http::rate_limited("too many connections", refused->retry_after_ms);
      http::add_security_headers(res, kIsTls<Stream>);
      respond(to_beast(std::move(res), req.version(), false, false));
      return;
    }
    if (ctx.drain.draining()) {
      ctx.metrics.ws_refused_draining.inc();
      auto res = http::error_response(core::ErrorCode::unavailable, "server is draining");
      http::add_security_headers(res, kIsTls<Stream>);
      respond(to_beast(std::move(res), req.version(), false, false));
      return;
    }
    // The handshake itself (RFC 6455 4.2.1): version 13 and a key (wsproto::valid_client_key).
    if (req[bhttp::field::sec_websocket_version] != "13") {
      auto res = http::error_response(core::ErrorCode::bad_request, "unsupported WebSocket version; use 13");
      res.status = 426;
      res.set("sec-websocket-version", "13");
      http::add_security_headers(res, kIsTls<Stream>);
      respond(to_beast(std::move(res), req.version(), false, false));
      return;
    }
    const auto key = req[bhttp::field::sec_websocket_key];
    if (!wsproto::valid_client_key(std::string_view(key.data(), key.size()))) {
      auto res = http::error_response(core::ErrorCode::bad_request, "missing or malformed Sec-WebSocket-Key");
      http::add_security_headers(res, kIsTls<Stream>);
      respond(to_beast(std::move(res), req.version(), false, false));
      return;
    }
    deadline_.cancel();
    Upgrade upgrade{wsproto::accept_key(std::string_view(key.data(), key.size())), {}};
    // A client that did not wait for our 101 has its first frames here already.
    const auto early = buffer_.data();
    upgrade.early_bytes.assign(static_cast<const char*>(early.data()), early.size());
    buffer_.consume(buffer_.size());
    start_ws_session(worker_, std::move(stream_), std::move(client_ip_), std::move(upgrade), std::move(slots_));
  }

  // Behind a trusted proxy the TCP peer is the proxy, counted in the total
  // only (docs/abuse.md, "Connection caps"): a WebSocket, which may stay for
  // hours, counts under the client address the proxy forwards.
  bool admit_forwarded() {
    auto& ctx = worker_.context();
    if (ctx.trusted_proxies.empty() || !ctx.trusted_proxies.contains(socket_ip_)) return true;
    const auto key = AddressKey::parse(client_ip_);
    if (!key) return true;  // impossible: resolve_client_ip answers with an address key
    if (ctx.connections.admit_forwarded(*key, slots_.forwarded) == ConnectionLimits::Verdict::admitted) return true;
    ctx.metrics.connections_refused_address.inc();
    return false;
  }

  void respond(bhttp::response<bhttp::string_body> res) {
    auto sp = std::make_shared<bhttp::response<bhttp::string_body>>(std::move(res));
    arm_deadline();
    bhttp::async_write(stream_, *sp, [self = this->shared_from_this(), sp](boost::system::error_code ec, std::size_t) {
      if (ec) {
        self->close_socket();
        return;
      }
      if (!sp->keep_alive()) {
        self->finish();
        return;
      }
      self->do_read();
    });
  }

  void finish() {
    deadline_.cancel();
    if constexpr (kIsTls<Stream>) {
      // Best effort close_notify, bounded by the deadline.
      arm_deadline();
      stream_.async_shutdown([self = this->shared_from_this()](boost::system::error_code) { self->close_socket(); });
    } else {
      boost::system::error_code ignored;
      stream_.shutdown(tcp::socket::shutdown_send, ignored);
    }
  }

  Worker& worker_;  // Passed by argument.
  Stream stream_;
  Timer deadline_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string socket_ip_;
  std::string client_ip_;
  ConnectionSlots slots_;  // held while the connection lives; handed to the WebSocket session
};

// The bytes of a canned 503 for a connection cap, made once.
std::string canned_busy(std::string_view message) {
  auto res = busy_response(message);
  http::add_security_headers(res, false);
  std::ostringstream out;
  out << to_beast(std::move(res), 11, false, false);
  return std::move(out).str();
}

}  // namespace

void start_http_session(Worker& worker, Socket&& socket, asio::ssl::context* tls, ConnectionLimits::Slot slot) {
  if (tls) {
    std::make_shared<HttpSession<TlsSocket>>(worker, std::move(slot), std::move(socket), *tls)->start();
  } else {
    std::make_shared<HttpSession<Socket>>(worker, std::move(slot), std::move(socket))->start();
  }
}

void refuse_connection(Socket& socket, ConnectionLimits::Verdict why, bool tls) {
  static const std::string kOverAddress = canned_busy("too many connections from this address");
  static const std::string kOverTotal = canned_busy("the server is at its connection limit");
  boost::system::error_code ec;
  if (!tls) {
    const std::string& answer = why == ConnectionLimits::Verdict::over_total ? kOverTotal : kOverAddress;
    socket.non_blocking(true, ec);
    // A new socket's send buffer takes these few hundred bytes whole.
    if (!ec) socket.write_some(asio::buffer(answer), ec);
    // Read what the request already sent, so that the close goes out as FIN
    // after the answer rather than as a RST that could make the client drop
    // it. Whatever arrives later meets a closed socket.
    char sink[4096];
    for (int i = 0; i < 4 && !ec && socket.available(ec) > 0; ++i) socket.read_some(asio::buffer(sink), ec);
    socket.shutdown(tcp::socket::shutdown_send, ec);
  }
  socket.close(ec);
}

}  // namespace serendip::net
