// The running server: one I/O thread per core, the listener, the signaling
// hub and the shutdown sequence. Free of Asio/Beast types so main.cpp stays
// cheap to compile.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "abuse/abuse_detector.hpp"
#include "abuse/altcha.hpp"
#include "abuse/rate_limiter.hpp"
#include "auth/jwt.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "http/admin_api.hpp"
#include "http/router.hpp"
#include "moderation/match_wait_heatmap.hpp"
#include "moderation/service.hpp"
#include "net/recent_sessions.hpp"
#include "obs/metrics.hpp"

namespace serendip::net {

class Hub;

// The router needs the server's readiness and the server needs the router:
// ServerState breaks the cycle. Created first, handed to both.
class ServerState final : public http::ServerStatus {
 public:
  // `store_ok` answers whether the database is reachable (called per /readyz).
  explicit ServerState(std::function<bool()> store_ok) : store_ok_(std::move(store_ok)) {}
  bool ready() const override { return !draining_.load() && (!store_ok_ || store_ok_()); }
  bool draining() const override { return draining_.load(); }
  void set_draining() { draining_.store(true); }

 private:
  std::function<bool()> store_ok_;
  std::atomic<bool> draining_{false};
};

struct ServerDeps {
  config::Config& config;  // Passed by argument; outlives the server. run() writes the bound port back.
  const core::Clock& clock;
  const auth::JwtCodec& jwt;
  obs::Registry& metrics;
  ServerState& state;
  moderation::ModerationService& moderation;
  RecentSessions& recent;
  moderation::MatchWaitHeatmap& match_waits;
  abuse::RateLimiter& limiter;
  abuse::AbuseDetector& detector;
  abuse::Altcha& altcha;
};

class Server {
 public:
  explicit Server(ServerDeps deps);
  ~Server();

  // Live figures for the admin API (valid for the server's lifetime).
  const http::StatsProvider& stats() const;
  // The router answers plain HTTP; it needs stats() so it is made after the
  // server, and must be set before run().
  void set_router(const http::Router& router);
  // Keep these device pairs apart (reports that exist from earlier runs).
  void exclude_pairs(const std::vector<std::pair<std::string, std::string>>& pairs);
  // Binds, serves until SIGTERM/SIGINT and the drain finish, returns the exit code.
  // A bind failure returns non-zero at once.
  int run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace serendip::net
