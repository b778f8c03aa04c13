// The running server: one I/O thread per core, the listener, the periodic
// matchmaker tick and the shutdown sequence. It is given every service it
// uses (main.cpp builds them) and owns only the transport. Free of Asio/Beast
// types so main.cpp stays cheap to compile.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/drain.hpp"
#include "obs/metrics.hpp"

namespace serendip::http {
class Router;
}  // namespace serendip::http
namespace serendip::signaling {
struct Services;
}  // namespace serendip::signaling

namespace serendip::net {

class BlockingPool;
class BoundedPool;
class MatchHub;
struct NetMetrics;

struct ServerDeps {
  config::Config& config;  // run() writes the bound port back (port 0: the kernel chooses)
  const core::Clock& clock;
  core::DrainFlag& drain;  // started by the first SIGTERM/SIGINT
  obs::Registry& registry;
  NetMetrics& metrics;
  MatchHub& hub;
  const http::Router& router;
  // Jobs in flight post back to the workers: the server waits for them
  // before its I/O threads go away.
  BlockingPool& blocking;
  BoundedPool& login_hashing;  // the same: its logins answer through the workers
  signaling::Services& signaling;
  // Every 30 s: drop idle state so memory stays bounded whatever the traffic
  // (rate-limit buckets, stale watch-list entries). May be empty.
  std::function<void()> sweep_idle_state;
  // Every tick (250 ms), on the first worker's thread, after the hub's. May be empty.
  std::function<void()> on_tick;
};

class Server {
 public:
  // Every dependency is passed by argument and outlives the server.
  explicit Server(ServerDeps deps);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, serves until SIGTERM/SIGINT and the drain finish, returns the exit code.
  // A failure to start (TLS files, listen address, bind) returns non-zero at
  // once, after logging it, and start_error() says what it was in one line.
  int run();
  const std::string& start_error() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace serendip::net
