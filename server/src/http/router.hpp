// Everything the server answers over plain HTTP (the WebSocket upgrade at /ws
// is handled in net/ before this is reached): the REST API of contract
// sections 1 and 2, /healthz, /readyz, /metrics, and the web app's static files.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwt.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/ice_server.hpp"
#include "http/types.hpp"
#include "obs/metrics.hpp"

namespace serendip::http {

// What the router needs to know about the running server.
class ServerStatus {
 public:
  virtual ~ServerStatus() = default;
  virtual bool ready() const = 0;  // store reachable and not draining
  virtual bool draining() const = 0;
};

// Seam for ban checks and rate limits: consulted before POST /api/v1/session
// and /session/refresh issue a token. Answers through `done`, on the calling
// thread, at once or later (a rate limit shared through Redis): a response to
// send instead (403 banned, 429 rate_limited with Retry-After, ...) or
// nullopt to proceed. `req` is valid during the call only. `device_key` is
// auth::device_key of the caller's device. Called from every I/O thread:
// must be thread-safe.
using AdmissionCheck = std::function<void(const Request& req, std::string_view device_key,
                                          std::function<void(std::optional<Response>)> done)>;
// The same, answered at once (a ban check, a test's fake).
using ImmediateCheck = std::function<std::optional<Response>(const Request& req, std::string_view device_key)>;
AdmissionCheck at_once(ImmediateCheck check);

// Seam for a login throttle kept outside this process (several instances
// share it through Redis): consulted before POST /api/v1/admin/login reaches
// the admin API, with the username the body names ("" when none). Answers
// through `done` like AdmissionCheck: a response to send instead (429), or
// nullopt to go ahead. `req` is valid during the call only.
using LoginCheck = std::function<void(const Request& req, std::string_view username,
                                      std::function<void(std::optional<Response>)> done)>;
// Told the status of each login the check let through (200 or a refusal).
// Called on the thread that ran the login (the hashing pool with
// LoginOffload): must be thread-safe.
using LoginOutcome = std::function<void(const Request& req, std::string_view username, int status)>;
// Seam for where the login runs: its password hash (Argon2id, 64 MiB) must
// not hold an I/O thread. Runs `job` on a small pool with a bounded queue
// and answers true, or answers false when the queue is full and `job` will
// never run (the router then answers 503 unavailable with Retry-After). The
// job answers through `respond` from the pool's thread.
using LoginOffload = std::function<bool(std::function<void()> job)>;
inline constexpr std::int64_t kLoginBusyRetryMs = 1'000;  // Retry-After of that 503

// Seam for further /api/ routes (admin API, appeals): tried for any /api/ path
// the router does not know, before answering 404. nullopt = not mine. The
// router adds CORS and security headers to what it returns. Thread-safe.
using ApiHandler = std::function<std::optional<Response>(const Request& req)>;

struct RouterDeps {
  const config::Config& config;       // Passed by argument; outlives the router.
  const auth::JwtCodec& jwt;          // Passed by argument.
  std::string device_key_secret;      // key for auth::device_key
  const core::Clock& clock;           // Passed by argument.
  obs::Registry& metrics;             // Passed by argument.
  const ServerStatus& status;         // Passed by argument.
  AdmissionCheck admit_session = {};  // optional; empty = everyone is admitted
  ApiHandler api_fallback = {};       // optional
  LoginCheck admit_login = {};        // optional; only with the async handle()
  // Optional; only with the async handle(): consulted before POST
  // /api/v1/reports reaches the admin API, with the device key of the
  // caller's anonymous token (requests without a valid one go straight on:
  // the admin API refuses them).
  AdmissionCheck admit_report = {};
  LoginOutcome login_outcome = {};  // optional
  LoginOffload run_login = {};      // optional; empty = on the calling thread
  // Optional: consulted before GET /api/v1/turn-credentials issues a TURN
  // credential (a blocked device or address gets the 403 it answers instead).
  ImmediateCheck check_ban = {};
};

class Router {
 public:
  explicit Router(RouterDeps deps);
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;
  // Thread-safe (called from every I/O thread). Needs an admission check
  // that answers at once (else session requests get a 500).
  Response handle(const Request& req) const;
  // The same, answered through `respond`: at once, or after the admission
  // check answered, or (a login with run_login) from the hashing pool's
  // thread, so `respond` must be safe to call from any thread. `req` is
  // needed during the call only.
  void handle(const Request& req, std::function<void(Response)> respond) const;

 private:
  void login(const Request& req, const std::function<Response(Response)>& dress,
             const std::function<void(Response)>& respond) const;

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The iceServers list for a user (contract section 2); empty when no TURN/STUN
// URLs are configured. Shared by GET /api/v1/turn-credentials and `welcome`.
std::vector<core::IceServer> ice_servers_for(const config::Config& config, std::string_view user_id,
                                             std::int64_t now_unix_s);

// Origin allow-list check for the WebSocket upgrade and CORS.
bool origin_allowed(const config::Config& config, std::string_view origin);

}  // namespace serendip::http
