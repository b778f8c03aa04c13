#include "net/server.hpp"

#include <openssl/ssl.h>
#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <thread>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>

#include "config/cpus.hpp"
#include "net/blocking_pool.hpp"
#include "net/connection_limits.hpp"
#include "net/context.hpp"
#include "net/http_session.hpp"
#include "net/match_hub.hpp"
#include "net/worker.hpp"
#include "net/ws_session.hpp"
#include "obs/log.hpp"

namespace serendip::net {
namespace {
constexpr auto kTickInterval = std::chrono::milliseconds(250);
constexpr std::int64_t kReconnectAfterMs = 1'000;
constexpr auto kCloseGrace = std::chrono::milliseconds(2'000);   // for close handshakes after the drain
constexpr auto kFinishGrace = std::chrono::milliseconds(1'500);  // for the hub's last writes after that
constexpr std::uint64_t kSweepEveryTicks = 120;                  // 30 s of ticks

// The caps on open connections. Every connection holds a descriptor, and so
// does everything else the process opens (database, Redis, logs, the event
// loops): max-connections 0 takes the open-file limit, its soft limit first
// raised to the hard one, less a tenth (at least 64) for the rest.
ConnectionLimits::Settings connection_settings(const config::Config& cfg) {
  rlimit fds{};
  std::size_t fd_limit = 0;
  if (getrlimit(RLIMIT_NOFILE, &fds) == 0) {
    if (fds.rlim_cur < fds.rlim_max) {
      rlimit raised = fds;
      raised.rlim_cur = fds.rlim_max;
      if (setrlimit(RLIMIT_NOFILE, &raised) == 0) fds = raised;
    }
    if (fds.rlim_cur != RLIM_INFINITY) fd_limit = static_cast<std::size_t>(fds.rlim_cur);
  }
  const std::size_t budget =
      fd_limit == 0 ? 0 : fd_limit - std::min(fd_limit, std::max<std::size_t>(64, fd_limit / 10));
  ConnectionLimits::Settings out{.max_total = cfg.max_connections != 0 ? cfg.max_connections : budget,
                                 .max_per_address = cfg.max_connections_per_ip};
  obs::log(obs::Level::info, "server", "connection_limits",
           {{"max_connections", static_cast<std::int64_t>(out.max_total)},
            {"max_connections_per_ip", static_cast<std::int64_t>(out.max_per_address)},
            {"open_file_limit", static_cast<std::int64_t>(fd_limit)}});
  if (budget != 0 && out.max_total > budget) {
    obs::log(obs::Level::warn, "server", "max_connections_over_file_limit",
             {{"max_connections", static_cast<std::int64_t>(out.max_total)},
              {"open_file_limit", static_cast<std::int64_t>(fd_limit)},
              {"hint", "accepts will fail with 'too many open files' before the cap refuses anyone"}});
  }
  return out;
}
}  // namespace

struct Server::Impl {
  explicit Impl(ServerDeps d)
      : deps(std::move(d)),
        connections(connection_settings(deps.config)),
        ctx{.config = deps.config,
            .clock = deps.clock,
            .drain = deps.drain,
            .router = deps.router,
            .trusted_proxies = http::TrustedProxies(deps.config.trusted_proxies),
            .hub = deps.hub,
            .metrics = deps.metrics,
            .connections = connections,
            .blocking = deps.blocking,
            .signaling = deps.signaling} {
    std::size_t n = deps.config.threads > 0 ? static_cast<std::size_t>(deps.config.threads) : config::usable_cpus();
    for (std::size_t i = 0; i < n; ++i) workers.push_back(std::make_unique<Worker>(i, ctx));
    register_gauges();
  }

  void register_gauges() {
    auto& r = deps.registry;
    MatchHub& h = deps.hub;
    r.gauge_fn("serendip_online_users", "Authenticated signaling sockets", [&h] { return double(h.online()); });
    r.gauge_fn("serendip_queue_length", "Participants waiting for a match", [&h] { return double(h.stats().queued); });
    r.gauge_fn("serendip_active_sessions", "Pairs currently in a session",
               [&h] { return double(h.stats().active_sessions); });
    r.gauge_fn("serendip_draining", "1 while the server drains for shutdown",
               [&drain = deps.drain] { return drain.draining() ? 1.0 : 0.0; });
    r.gauge_fn("serendip_connections", "Open TCP connections (HTTP and WebSocket), counted against max-connections",
               [&c = connections] { return double(c.open()); });
    r.gauge_fn("serendip_connections_max", "max-connections: the cap on open TCP connections",
               [&c = connections] { return double(c.settings().max_total); });
  }

  // TLS 1.3 only: nothing older is offered, so nothing older can be negotiated.
  bool load_tls() {
    const auto& cfg = deps.config;
    if (cfg.tls_cert.empty()) return true;
    tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    SSL_CTX* native = tls->native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION);
    SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    boost::system::error_code ec;
    auto failed = [this](const std::string& what, const std::string& file, const std::string& why) {
      obs::log(obs::Level::error, "server", "tls_load_failed", {{"file", file}, {"error", why}});
      start_error = "cannot load the TLS " + what + " " + file + ": " + why;
      return false;
    };
    tls->use_certificate_chain_file(cfg.tls_cert, ec);
    if (ec) return failed("certificate", cfg.tls_cert, ec.message());
    tls->use_private_key_file(cfg.tls_key, asio::ssl::context::pem, ec);
    if (ec) return failed("key", cfg.tls_key, ec.message());
    if (SSL_CTX_check_private_key(native) != 1) return failed("key", cfg.tls_key, "does not match the certificate");
    return true;
  }

  bool bind() {
    const auto& cfg = deps.config;
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(cfg.listen_host == "localhost" ? "127.0.0.1" : cfg.listen_host, ec);
    if (ec) {
      obs::log(obs::Level::error, "server", "bad_listen_address", {{"host", cfg.listen_host}});
      start_error = "cannot listen on '" + cfg.listen_host + "': not an IP address";
      return false;
    }
    tcp::endpoint ep(addr, cfg.listen_port);
    acceptor = std::make_unique<Acceptor>(workers[0]->executor());
    acceptor->open(ep.protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor->bind(ep, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      obs::log(obs::Level::error, "server", "bind_failed",
               {{"host", cfg.listen_host}, {"port", int(cfg.listen_port)}, {"error", ec.message()}});
      start_error = "cannot listen on " + cfg.listen_host + ":" + std::to_string(cfg.listen_port) + ": " + ec.message();
      return false;
    }
    port = acceptor->local_endpoint().port();
    // With port 0 the kernel chose: the default Origin allow-list must name the real port.
    deps.config.listen_port = port;
    return true;
  }

  void do_accept() {
    Worker& target = *workers[next_worker++ % workers.size()];
    acceptor->async_accept(target.io(), peer, [this, &target](boost::system::error_code ec, Socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
      if (ec) {
        // Out of descriptors and the like: back off briefly instead of spinning.
        obs::log(obs::Level::warn, "server", "accept_failed", {{"error", ec.message()}});
        retry_timer->expires_after(std::chrono::milliseconds(100));
        retry_timer->async_wait([this](boost::system::error_code e) {
          if (!e) do_accept();
        });
        return;
      }
      ConnectionLimits::Slot slot;
      const auto verdict = admit(slot);
      if (verdict != ConnectionLimits::Verdict::admitted) {
        // Before any TLS or HTTP work: a refusal costs a few system calls.
        auto& m = deps.metrics;
        (verdict == ConnectionLimits::Verdict::over_total ? m.connections_refused_total : m.connections_refused_address)
            .inc();
        refuse_connection(socket, verdict, tls != nullptr);
        do_accept();
        return;
      }
      socket.set_option(tcp::no_delay(true), ec);
      // The socket belongs to `target`; start it on that thread.
      asio::post(target.executor(),
                 [&target, tls = tls.get(), s = std::move(socket), slot = std::move(slot)]() mutable {
                   start_http_session(target, std::move(s), tls, std::move(slot));
                 });
      do_accept();
    });
  }

  // Counts the connection just accepted from `peer` under the caps. A trusted
  // proxy's connections count in the total only: its clients' WebSockets are
  // counted by their forwarded address at the upgrade (http_session.cpp).
  ConnectionLimits::Verdict admit(ConnectionLimits::Slot& slot) {
    const auto address = peer.address();
    AddressKey key;
    if (address.is_v4()) {
      const auto bytes = address.to_v4().to_bytes();
      key = AddressKey::from_bytes(bytes.data(), bytes.size());
    } else {
      const auto bytes = address.to_v6().to_bytes();
      key = AddressKey::from_bytes(bytes.data(), bytes.size());
    }
    const bool proxy = !ctx.trusted_proxies.empty() && ctx.trusted_proxies.contains(address.to_string());
    return connections.admit_connection(proxy ? nullptr : &key, slot);
  }

  void schedule_tick() {
    tick_timer->expires_after(kTickInterval);
    tick_timer->async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      deps.hub.tick();
      if (deps.on_tick) deps.on_tick();
      if (++ticks % kSweepEveryTicks == 0 && deps.sweep_idle_state) deps.sweep_idle_state();
      schedule_tick();
    });
  }

  void on_signal(int sig) {
    if (deps.drain.draining()) {
      obs::log(obs::Level::warn, "server", "second_signal_stopping_now", {{"signal", sig}});
      stop_all();
      return;
    }
    obs::log(obs::Level::info, "server", "draining",
             {{"signal", sig},
              {"grace_ms", deps.config.drain_grace_ms},
              {"hint", "calls get up to grace_ms to end (drain-grace-ms); a second signal (Ctrl-C) stops at once"}});
    deps.drain.start();
    for (auto& w : workers) {
      asio::post(w->executor(),
                 [w = w.get()] { w->for_each_session([](WsSessionBase& s) { s.begin_drain(kReconnectAfterMs); }); });
    }
    drain_timer->expires_after(std::chrono::milliseconds(deps.config.drain_grace_ms));
    drain_timer->async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      close_everything();
    });
    signals->async_wait([this](boost::system::error_code ec, int s) {
      if (!ec) on_signal(s);
    });
  }

  void close_everything() {
    boost::system::error_code ignored;
    acceptor->close(ignored);
    for (auto& w : workers) {
      asio::post(w->executor(), [w = w.get()] {
        w->for_each_session([](WsSessionBase& s) { s.close(core::close_code::going_away, "server shutting down"); });
      });
    }
    // Give close handshakes a moment, then stop whatever is left.
    drain_timer->expires_after(kCloseGrace);
    drain_timer->async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      finish_then_stop();
    });
    // Stop earlier when every socket is gone.
    poll_closed();
  }

  void poll_closed() {
    poll_timer->expires_after(std::chrono::milliseconds(50));
    poll_timer->async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      if (deps.hub.online() == 0 && open_sockets() == 0) {
        finish_then_stop();
        return;
      }
      poll_closed();
    });
  }

  std::int64_t open_sockets() const { return deps.metrics.ws_connections.value(); }

  // The hub leaves the cluster and writes what it still has to, then the
  // workers stop; after kFinishGrace they stop regardless (Redis away).
  void finish_then_stop() {
    if (finishing) return;
    finishing = true;
    poll_timer->cancel();
    drain_timer->expires_after(kFinishGrace);
    drain_timer->async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      obs::log(obs::Level::warn, "server", "hub_finish_timed_out", {{"grace_ms", kFinishGrace.count()}});
      stop_all();
    });
    deps.hub.finish([this] { stop_all(); });
  }

  void stop_all() {
    // io_context::stop is thread-safe; a second call changes nothing.
    for (auto& w : workers) w->io().stop();
  }

  ServerDeps deps;
  ConnectionLimits connections;  // declared before ctx, which refers to it
  Context ctx;
  std::vector<std::unique_ptr<Worker>> workers;
  std::unique_ptr<Acceptor> acceptor;
  tcp::endpoint peer;  // the connection being accepted: written by async_accept
  std::unique_ptr<asio::ssl::context> tls;
  std::unique_ptr<Timer> retry_timer, tick_timer, drain_timer, poll_timer;
  std::unique_ptr<asio::signal_set> signals;
  bool finishing = false;  // finish_then_stop() ran (on the acceptor's thread)
  std::size_t next_worker = 0;
  std::uint64_t ticks = 0;
  std::uint16_t port = 0;
  std::string start_error;  // what kept run() from starting, one line
};

Server::Server(ServerDeps deps) : impl_(std::make_unique<Impl>(std::move(deps))) {}

Server::~Server() {
  if (!impl_) return;
  impl_->deps.blocking.join();
  impl_->deps.login_hashing.join();
  impl_->deps.hub.stop();  // idempotent; run() may not have been reached
  // Handlers still queued may hold sessions and send nodes: destroy every
  // io_context (releasing them) before any worker's pools go away.
  impl_->acceptor.reset();
  impl_->retry_timer.reset();
  impl_->tick_timer.reset();
  impl_->drain_timer.reset();
  impl_->poll_timer.reset();
  impl_->signals.reset();
  for (auto& w : impl_->workers) w->destroy_io();
  impl_.reset();
}

const std::string& Server::start_error() const { return impl_->start_error; }

int Server::run() {
  auto& im = *impl_;
  if (!im.load_tls() || !im.bind()) return 1;
  auto ex = im.workers[0]->executor();
  im.retry_timer = std::make_unique<Timer>(ex);
  im.tick_timer = std::make_unique<Timer>(ex);
  im.drain_timer = std::make_unique<Timer>(ex);
  im.poll_timer = std::make_unique<Timer>(ex);
  im.signals = std::make_unique<asio::signal_set>(im.workers[0]->io(), SIGINT, SIGTERM);
  im.signals->async_wait([&im](boost::system::error_code ec, int sig) {
    if (!ec) im.on_signal(sig);
  });
  std::vector<Worker*> workers;
  for (auto& w : im.workers) workers.push_back(w.get());
  im.deps.hub.start(workers);
  im.do_accept();
  im.schedule_tick();
  for (auto& w : im.workers) w->start();
  obs::log(obs::Level::info, "server", "listening",
           {{"host", im.deps.config.listen_host},
            {"port", int(im.port)},
            {"threads", static_cast<std::int64_t>(im.workers.size())},
            {"tls", im.tls != nullptr}});
  for (auto& w : im.workers) w->join();
  im.deps.hub.stop();
  obs::log(obs::Level::info, "server", "stopped");
  return 0;
}

}  // namespace serendip::net
