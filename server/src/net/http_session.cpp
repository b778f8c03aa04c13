#include "net/http_session.hpp"

#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "http/router.hpp"
#include "net/worker.hpp"
#include "net/ws_session.hpp"
#include "obs/log.hpp"

namespace serendip::net {
namespace bhttp = boost::beast::http;

namespace {

constexpr std::uint32_t kHeaderLimit = 8 * 1024;  // bytes

http::Request to_request(const bhttp::request<bhttp::string_body>& req, const std::string& client_ip) {
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

}  // namespace

HttpSession::HttpSession(Worker& worker, Socket&& socket) : worker_(worker), stream_(std::move(socket)) {
  boost::system::error_code ec;
  auto ep = stream_.socket().remote_endpoint(ec);
  if (!ec) client_ip_ = ep.address().to_string();
}

void HttpSession::start() { do_read(); }

void HttpSession::do_read() {
  const auto& cfg = worker_.context().config;
  parser_.emplace();
  parser_->header_limit(kHeaderLimit);
  parser_->body_limit(cfg.max_http_body_bytes);
  stream_.expires_after(std::chrono::milliseconds(cfg.http_timeout_ms));
  bhttp::async_read(stream_, buffer_, *parser_,
                    [self = shared_from_this()](boost::system::error_code ec, std::size_t n) { self->on_read(ec, n); });
}

void HttpSession::on_read(boost::system::error_code ec, std::size_t) {
  auto& ctx = worker_.context();
  if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
      ec == asio::error::connection_reset || ec == asio::error::eof) {
    boost::system::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    return;
  }
  if (ec) {
    // Malformed or oversized request: answer once, then close.
    auto code = ec == bhttp::error::body_limit ? core::ErrorCode::too_large : core::ErrorCode::bad_request;
    auto msg = ec == bhttp::error::body_limit ? "request body too large" : "malformed HTTP request";
    auto res = to_beast(http::error_response(code, msg), 11, false, false);
    respond(std::move(res));
    return;
  }
  auto& req = parser_->get();
  if (boost::beast::websocket::is_upgrade(req)) {
    upgrade();
    return;
  }
  ctx.metrics.http_requests.inc();
  const bool head = req.method() == bhttp::verb::head;
  auto response = ctx.router.handle(to_request(req, client_ip_));
  respond(to_beast(std::move(response), req.version(), req.keep_alive(), head));
}

void HttpSession::upgrade() {
  auto& ctx = worker_.context();
  auto req = parser_->release();
  std::string_view target = req.target();
  std::string_view path = target.substr(0, target.find('?'));
  auto refuse = [&](core::ErrorCode code, std::string_view message) {
    respond(to_beast(http::error_response(code, message), req.version(), false, false));
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
  if (ctx.draining.load(std::memory_order_relaxed)) {
    ctx.metrics.ws_refused_draining.inc();
    refuse(core::ErrorCode::unavailable, "server is draining");
    return;
  }
  stream_.expires_never();
  auto ws = std::make_shared<WsSession>(worker_, stream_.release_socket(), std::move(client_ip_));
  ws->start(std::move(req));
}

void HttpSession::respond(bhttp::response<bhttp::string_body> res) {
  auto sp = std::make_shared<bhttp::response<bhttp::string_body>>(std::move(res));
  stream_.expires_after(std::chrono::milliseconds(worker_.context().config.http_timeout_ms));
  bhttp::async_write(stream_, *sp, [self = shared_from_this(), sp](boost::system::error_code ec, std::size_t) {
    if (ec) return;
    if (!sp->keep_alive()) {
      boost::system::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      return;
    }
    self->do_read();
  });
}

}  // namespace serendip::net
