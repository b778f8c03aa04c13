#include "net/server.hpp"

#include <cassert>
#include <csignal>
#include <thread>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <openssl/ssl.h>

#include "net/context.hpp"
#include "net/http_session.hpp"
#include "net/hub.hpp"
#include "net/worker.hpp"
#include "net/ws_session.hpp"
#include "obs/log.hpp"

namespace serendip::net {
namespace {
constexpr auto kTickInterval = std::chrono::milliseconds(250);
constexpr std::int64_t kReconnectAfterMs = 1'000;
constexpr auto kCloseGrace = std::chrono::milliseconds(2'000);  // for close handshakes after the drain
}  // namespace

// Figures for GET /api/v1/admin/stats, from the hub and the metrics.
class LiveStatsSource final : public http::StatsProvider {
 public:
  LiveStatsSource(const Hub& hub, const NetMetrics& metrics, abuse::AbuseDetector& detector)
      : hub_(hub), metrics_(metrics), detector_(detector) {}

  std::string watch_list_json() const override {
    // Subjects are device keys (hex) or IP addresses; escaped all the same.
    auto str = [](std::string_view v) {
      std::string out = "\"";
      for (char c : v) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) >= 0x20) out += c;
      }
      return out + "\"";
    };
    std::string out = "[";
    for (const auto& e : detector_.watch_list()) {
      if (out.size() > 1) out += ',';
      out += "{\"kind\":" + str(abuse::to_string(e.kind)) + ",\"subject\":" + str(e.subject) +
             ",\"rule\":" + str(abuse::to_string(e.rule)) + ",\"count\":" + std::to_string(e.count) +
             ",\"hits\":" + std::to_string(e.hits) + ",\"firstSeen\":" + std::to_string(e.first_seen_unix_ms) +
             ",\"lastSeen\":" + std::to_string(e.last_seen_unix_ms) +
             ",\"captchaRequired\":" + (e.captcha_required ? "true" : "false") +
             ",\"captchaPending\":" + (e.captcha_pending ? "true" : "false") + "}";
    }
    return out + "]";
  }
  http::LiveStats live_stats() const override {
    http::LiveStats out;
    auto st = hub_.stats();
    out.online_users = static_cast<std::int64_t>(hub_.online());
    out.active_sessions = static_cast<std::int64_t>(st.active_sessions);
    for (const auto& [key, n] : st.queued_by_mode_language) {
      out.queues.push_back({std::string(core::to_string(key.first)), key.second, static_cast<std::int64_t>(n)});
    }
    out.matches_per_minute = hub_.matches_per_minute();
    if (metrics_.match_wait_seconds.count() > 0) out.p95_match_wait_ms = metrics_.match_wait_seconds.quantile(0.95) * 1000.0;
    const double ok = static_cast<double>(metrics_.ice_connected.value());
    const double failed = static_cast<double>(metrics_.ice_failed.value());
    if (ok + failed > 0) out.ice_success_rate = ok / (ok + failed);
    if (ok > 0) out.turn_share = static_cast<double>(metrics_.ice_relay.value()) / ok;
    return out;
  }

 private:
  const Hub& hub_;             // Passed by argument.
  const NetMetrics& metrics_;  // Passed by argument.
  abuse::AbuseDetector& detector_;  // Passed by argument.
};

// A block takes effect at once on this instance: the hub kicks its sockets.
// A report (over WebSocket or REST) keeps the pair apart in the matchmaker and
// feeds the abuse detector, which may block the reported device pending review;
// moderators' decisions teach the detector how much each reporter is worth.
class ModerationEvents final : public moderation::BlockListener {
 public:
  ModerationEvents(Hub& hub, abuse::AbuseDetector& detector, moderation::ModerationService& moderation)
      : hub_(hub), detector_(detector), moderation_(moderation) {}

  void on_block(const store::Block& block) override {
    std::size_t n = hub_.kick_blocked(block);
    if (n) obs::log(obs::Level::info, "hub", "blocked_users_kicked", {{"block", block.id}, {"sockets", n}});
  }

  void on_report(const std::string& reporter_device, const std::string& reported_device) override {
    hub_.exclude_pair(reporter_device, reported_device);
    auto verdict = detector_.on_report(reported_device, reporter_device);
    if (verdict.auto_block) auto_block(reported_device, *verdict.auto_block);
    if (verdict.priority_review) {
      // After the block, so the queue shows the block and its reports together.
      auto marked = moderation_.prioritize_reports_against(moderation::Actor::system_actor("auto"), reported_device,
                                                           "reported by several people; blocked pending review");
      if (!marked) obs::log(obs::Level::error, "abuse", "prioritize_failed", {{"error", marked.error().message}});
    }
  }

  void on_report_decided(const std::string& reporter_device, bool accepted) override {
    detector_.on_report_decided(reporter_device, accepted);
  }

 private:
  void auto_block(const std::string& reported_device, const abuse::AutoBlock& verdict) {
    auto block = moderation_.create_block(
        moderation::Actor::system_actor("auto"),
        moderation::BlockRequest{.ip = {},
                                 .device_key = reported_device,
                                 .duration_s = std::max<std::int64_t>(60, verdict.duration_ms / 1000),
                                 .reason = "automatic: reported by " + std::to_string(verdict.distinct_reporters) +
                                           " people; pending review"});
    if (!block) obs::log(obs::Level::error, "abuse", "auto_block_failed", {{"error", block.error().message}});
  }

  Hub& hub_;                                 // Passed by argument.
  abuse::AbuseDetector& detector_;           // Passed by argument.
  moderation::ModerationService& moderation_;  // Passed by argument.
};

struct Server::Impl {
  explicit Impl(ServerDeps d)
      : deps(d),
        net_metrics(d.metrics),
        blocking(2),
        hub(HubDeps{.matchmaker = {.widen_region_after_ms = d.config.widen_region_after_ms,
                                   .repeat_pair_cooldown_ms = d.config.repeat_pair_cooldown_ms,
                                   .allow_same_device = d.config.same_device_match},
                    .clock = d.clock,
                    .metrics = net_metrics,
                    .recent = d.recent,
                    .match_waits = d.match_waits,
                    .on_session_end =
                        [this](const store::Party& who, std::int64_t length_ms) {
                          // A database write: never on an I/O thread.
                          asio::post(blocking, [this, who, length_ms] {
                            deps.moderation.record_session(who.ip, who.device_key, length_ms);
                          });
                        }}),
        ctx{.config = d.config,
            .clock = d.clock,
            .jwt = d.jwt,
            .hub = hub,
            .metrics = net_metrics,
            .wire_limits = {.max_frame_bytes = d.config.max_frame_bytes,
                            .max_sdp_bytes = d.config.max_sdp_bytes,
                            .max_candidate_bytes = d.config.max_candidate_bytes,
                            .messages_per_second = d.config.messages_per_second,
                            .messages_burst = d.config.messages_burst},
            .trusted_proxies = http::TrustedProxies(d.config.trusted_proxies),
            .moderation = d.moderation,
            .recent = d.recent,
            .blocking = blocking,
            .limiter = d.limiter,
            .detector = d.detector,
            .altcha = d.altcha},
        stats(hub, net_metrics, d.detector),
        kicker(hub, d.detector, d.moderation) {
    std::size_t n = d.config.threads > 0 ? static_cast<std::size_t>(d.config.threads)
                                         : std::max(1u, std::thread::hardware_concurrency());
    for (std::size_t i = 0; i < n; ++i) workers.push_back(std::make_unique<Worker>(i, ctx));
    register_gauges();
    d.moderation.set_block_listener(&kicker);
  }

  void register_gauges() {
    auto& r = deps.metrics;
    r.gauge_fn("serendip_online_users", "Authenticated signaling sockets", [this] { return double(hub.online()); });
    r.gauge_fn("serendip_queue_length", "Participants waiting for a match", [this] { return double(hub.stats().queued); });
    r.gauge_fn("serendip_active_sessions", "Pairs currently in a session",
               [this] { return double(hub.stats().active_sessions); });
    for (std::size_t i = 0; i < abuse::kRuleCount; ++i) {
      auto rule = static_cast<abuse::Rule>(i);
      r.gauge_fn("serendip_abuse_rule_hits", "Abuse detector rule hits since start",
                 [this, i] { return double(deps.detector.rule_hits()[i]); }, {{"rule", std::string(abuse::to_string(rule))}});
    }
    for (std::size_t i = 0; i < abuse::kLimitCount; ++i) {
      auto limit = static_cast<abuse::Limit>(i);
      r.gauge_fn("serendip_rate_limit_refused", "Requests refused by a rate limit since start",
                 [this, limit] { return double(deps.limiter.stats()[limit].refused); },
                 {{"limit", std::string(abuse::to_string(limit))}});
    }
    r.gauge_fn("serendip_rate_limit_entries", "Buckets held by the rate limiter (bounded)",
               [this] { return double(deps.limiter.stats().entries); });
    r.gauge_fn("serendip_draining", "1 while the server drains for shutdown", [this] { return ctx.draining ? 1.0 : 0.0; });
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
    tls->use_certificate_chain_file(cfg.tls_cert, ec);
    if (!ec) tls->use_private_key_file(cfg.tls_key, asio::ssl::context::pem, ec);
    if (ec) {
      obs::log(obs::Level::error, "server", "tls_load_failed", {{"error", ec.message()}});
      return false;
    }
    return true;
  }

  bool bind() {
    const auto& cfg = deps.config;
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(cfg.listen_host == "localhost" ? "127.0.0.1" : cfg.listen_host, ec);
    if (ec) {
      obs::log(obs::Level::error, "server", "bad_listen_address", {{"host", cfg.listen_host}});
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
      return false;
    }
    port = acceptor->local_endpoint().port();
    // With port 0 the kernel chose: the default Origin allow-list must name the real port.
    deps.config.listen_port = port;
    return true;
  }

  void do_accept() {
    Worker& target = *workers[next_worker++ % workers.size()];
    acceptor->async_accept(target.io(), [this, &target](boost::system::error_code ec, Socket socket) {
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
      socket.set_option(tcp::no_delay(true), ec);
      // The socket belongs to `target`; start it on that thread.
      asio::post(target.executor(), [&target, tls = tls.get(), s = std::move(socket)]() mutable {
        start_http_session(target, std::move(s), tls);
      });
      do_accept();
    });
  }

  void schedule_tick() {
    tick_timer->expires_after(kTickInterval);
    tick_timer->async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      hub.tick();
      // Idle buckets and stale watch entries: bounded memory whatever the traffic.
      if (++ticks % 120 == 0) {
        deps.limiter.sweep();
        deps.detector.sweep();
      }
      schedule_tick();
    });
  }

  void on_signal(int sig) {
    if (ctx.draining) {
      obs::log(obs::Level::warn, "server", "second_signal_stopping_now", {{"signal", sig}});
      stop_all();
      return;
    }
    obs::log(obs::Level::info, "server", "draining",
             {{"signal", sig}, {"grace_ms", deps.config.drain_grace_ms}});
    ctx.draining = true;
    deps.state.set_draining();
    for (auto& w : workers) {
      asio::post(w->executor(), [w = w.get()] {
        w->for_each_session([](WsSessionBase& s) { s.begin_drain(kReconnectAfterMs); });
      });
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
      stop_all();
    });
    // Stop earlier when every socket is gone.
    poll_closed();
  }

  void poll_closed() {
    poll_timer->expires_after(std::chrono::milliseconds(50));
    poll_timer->async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      if (hub.online() == 0 && open_sockets() == 0) {
        stop_all();
        return;
      }
      poll_closed();
    });
  }

  std::int64_t open_sockets() const { return net_metrics.ws_connections.value(); }

  void stop_all() {
    for (auto& w : workers) w->io().stop();
  }

  ServerDeps deps;
  NetMetrics net_metrics;
  BlockingPool blocking;
  Hub hub;
  Context ctx;
  LiveStatsSource stats;
  ModerationEvents kicker;
  std::vector<std::unique_ptr<Worker>> workers;
  std::unique_ptr<Acceptor> acceptor;
  std::unique_ptr<asio::ssl::context> tls;
  std::unique_ptr<Timer> retry_timer, tick_timer, drain_timer, poll_timer;
  std::unique_ptr<asio::signal_set> signals;
  std::size_t next_worker = 0;
  std::uint64_t ticks = 0;
  std::uint16_t port = 0;
};

Server::Server(ServerDeps deps) : impl_(std::make_unique<Impl>(deps)) {}

const http::StatsProvider& Server::stats() const { return impl_->stats; }

void Server::set_router(const http::Router& router) { impl_->ctx.router = &router; }

void Server::exclude_pairs(const std::vector<std::pair<std::string, std::string>>& pairs) {
  for (const auto& [a, b] : pairs) impl_->hub.exclude_pair(a, b);
}

Server::~Server() {
  if (!impl_) return;
  impl_->deps.moderation.set_block_listener(nullptr);
  impl_->blocking.join();
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

int Server::run() {
  auto& im = *impl_;
  assert(im.ctx.router && "set_router() before run()");
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
  im.do_accept();
  im.schedule_tick();
  for (auto& w : im.workers) w->start();
  obs::log(obs::Level::info, "server", "listening",
           {{"host", im.deps.config.listen_host},
            {"port", int(im.port)},
            {"threads", static_cast<std::int64_t>(im.workers.size())},
            {"tls", im.tls != nullptr}});
  for (auto& w : im.workers) w->join();
  obs::log(obs::Level::info, "server", "stopped");
  return 0;
}

}  // namespace serendip::net
