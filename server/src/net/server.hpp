// The running server: one I/O thread per core, the listener, the signaling
// hub and the shutdown sequence. Free of Asio/Beast types so main.cpp stays
// cheap to compile.
#pragma once

#include <atomic>
#include <memory>

#include "auth/jwt.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "http/router.hpp"
#include "obs/metrics.hpp"

namespace serendip::net {

class Hub;

// The router needs the server's readiness and the server needs the router:
// ServerState breaks the cycle. Created first, handed to both.
class ServerState final : public http::ServerStatus {
 public:
  bool ready() const override { return !draining_.load(); }
  bool draining() const override { return draining_.load(); }
  void set_draining() { draining_.store(true); }

 private:
  std::atomic<bool> draining_{false};
};

struct ServerDeps {
  config::Config& config;  // Passed by argument; outlives the server. run() writes the bound port back.
  const core::Clock& clock;
  const auth::JwtCodec& jwt;
  const http::Router& router;
  obs::Registry& metrics;
  ServerState& state;
};

class Server {
 public:
  explicit Server(ServerDeps deps);
  ~Server();
  // Binds, serves until SIGTERM/SIGINT and the drain finish, returns the exit code.
  // A bind failure returns non-zero at once.
  int run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace serendip::net
