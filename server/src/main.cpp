// serendip-server: the one place that wires everything together.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include <unistd.h>

#include "abuse/abuse_detector.hpp"
#include "abuse/altcha.hpp"
#include "abuse/rate_limiter.hpp"
#include "auth/crypto.hpp"
#include "auth/jwt.hpp"
#include "cli/commands.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "http/admin_api.hpp"
#include "http/router.hpp"
#include "moderation/match_wait_heatmap.hpp"
#include "moderation/service.hpp"
#include "net/recent_sessions.hpp"
#include "net/server.hpp"
#include "store/database.hpp"
#include "obs/log.hpp"
#include "obs/metrics.hpp"
#include "obs/process_metrics.hpp"

namespace {

using namespace serendip;

std::optional<std::string> env(std::string_view name) {
  const char* v = std::getenv(std::string(name).c_str());
  if (!v) return std::nullopt;
  return std::string(v);
}

// The default static dir is relative to the working directory; when the
// server is started from elsewhere, fall back to the web app next to the
// build directory that holds this executable (build/../web/dist).
void resolve_static_dir(config::Config& cfg) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(fs::path(cfg.static_dir) / "index.html", ec)) return;
  if (fs::path(cfg.static_dir).is_absolute()) return;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return;
  auto candidate = exe.parent_path().parent_path() / cfg.static_dir;
  if (fs::exists(candidate / "index.html", ec)) cfg.static_dir = candidate.string();
}

}  // namespace

int main(int argc, char** argv) {
  auto loaded = config::load(argc, argv, env);
  if (auto* err = std::get_if<config::ConfigError>(&loaded)) {
    std::fprintf(stderr, "serendip-server: %s\n\n%s", err->message.c_str(), config::usage().c_str());
    return 2;
  }
  auto& [cfg, rest] = std::get<config::Loaded>(loaded);
  if (!rest.empty() && (rest[0] == "help" || rest[0] == "--help")) {
    std::printf("%s", config::usage().c_str());
    return 0;
  }
  if (!rest.empty() && (rest[0] == "admin" || rest[0] == "audit")) {
    // Operator commands: `admin create|passwd|list|disable|enable`, `audit verify`.
    auto db = store::open_database(cfg.database_url);
    if (!db) {
      std::fprintf(stderr, "serendip-server: %s\n", db.error().message.c_str());
      return 1;
    }
    return rest[0] == "admin" ? cli::run_admin_command(rest, **db) : cli::run_audit_command(rest, **db);
  }
  if (!rest.empty()) {
    std::fprintf(stderr, "serendip-server: unknown command '%s'\n", rest[0].c_str());
    return 2;
  }
  obs::Level level{};
  if (obs::parse_level(cfg.log_level, level)) obs::set_level(level);
  std::signal(SIGPIPE, SIG_IGN);
  resolve_static_dir(cfg);

  if (cfg.jwt_secret.empty()) {
    // Tokens then die with the process; fine for one laptop, not for a fleet.
    cfg.jwt_secret = auth::random_hex(32);
    obs::log(obs::Level::warn, "main", "ephemeral_jwt_secret",
             {{"hint", "set SERENDIP_JWT_SECRET so tokens stay valid across restarts and instances"}});
  }

  auto opened = store::open_database(cfg.database_url);
  if (!opened) {
    obs::log(obs::Level::error, "main", "database_open_failed", {{"error", opened.error().message}});
    return 1;
  }
  store::Database& db = **opened;
  // Device keys must survive restarts (blocks and report exclusions are keyed
  // by them), so their secret lives in the database, made on first start.
  auto device_secret = db.settings().secret(store::kDeviceKeySecret);
  if (!device_secret) {
    obs::log(obs::Level::error, "main", "device_secret_failed", {{"error", device_secret.error().message}});
    return 1;
  }

  core::SystemClock clock;
  auth::JwtCodec jwt(cfg.jwt_secret);
  moderation::ModerationService moderation(db, clock, jwt);
  if (!cfg.admin_bootstrap.empty()) {
    auto made = moderation.ensure_bootstrap_admin(cfg.admin_bootstrap);
    if (!made) {
      obs::log(obs::Level::error, "main", "admin_bootstrap_failed", {{"error", made.error().message}});
      return 1;
    }
    if (*made) obs::log(obs::Level::info, "main", "admin_bootstrapped");
  }

  obs::Registry metrics;
  obs::register_process_metrics(metrics);
  net::ServerState state([&db] { return static_cast<bool>(db.ping()); });
  net::RecentSessions recent(moderation::ModerationOptions{}.report_window_ms);
  moderation::MatchWaitHeatmap match_waits;
  abuse::RateLimitConfig limits;
  if (auto problem = abuse::apply_rate_limit_overrides(cfg.rate_limits, limits); !problem.empty()) {
    std::fprintf(stderr, "serendip-server: rate-limits: %s\n", problem.c_str());
    return 2;
  }
  abuse::AbuseConfig abuse_rules;
  // Many people share one address (NAT, campus, carrier): watch it, never
  // make all of them solve puzzles for it.
  abuse_rules.devices_per_ip.captcha = false;
  if (!cfg.captcha) {
    for (auto* rule : {&abuse_rules.rapid_join, &abuse_rules.rapid_next, &abuse_rules.ips_per_device}) {
      rule->captcha = false;
    }
  }
  abuse::MemoryRateLimiter limiter(limits, clock);
  abuse::MemoryAbuseDetector detector(abuse_rules, clock);
  abuse::Altcha altcha(abuse::derive_altcha_key(*device_secret), clock);
  net::Server server(net::ServerDeps{.config = cfg,
                                     .clock = clock,
                                     .jwt = jwt,
                                     .metrics = metrics,
                                     .state = state,
                                     .moderation = moderation,
                                     .recent = recent,
                                     .match_waits = match_waits,
                                     .limiter = limiter,
                                     .detector = detector,
                                     .altcha = altcha});
  if (auto pairs = moderation.reported_device_pairs()) server.exclude_pairs(*pairs);

  // POST /api/v1/reports takes from the same per-device bucket as `report`.
  auto report_gate = [&limiter, &detector](std::string_view device) -> std::optional<moderation::Failure> {
    auto d = limiter.check(abuse::Limit::report_per_device, device);
    if (d) return std::nullopt;
    (void)detector.on_rate_limited(abuse::Limit::report_per_device, device);
    return moderation::Failure{core::ErrorCode::rate_limited, "too many reports", d.retry_after_ms};
  };
  http::Router router(http::RouterDeps{
      .config = cfg,
      .jwt = jwt,
      .device_key_secret = *device_secret,
      .clock = clock,
      .metrics = metrics,
      .status = state,
      .admit_session =
          [ban = http::make_ban_check(moderation), &limiter, &detector](
              const http::Request& req, std::string_view device_key) -> std::optional<http::Response> {
        if (auto refused = ban(req, device_key)) return refused;
        // Per IP first (cheap for a flood of invented device ids), then per device.
        for (auto [limit, key] : {std::pair{abuse::Limit::session_per_ip, std::string_view(req.client_ip)},
                                  std::pair{abuse::Limit::session_per_device, device_key}}) {
          if (auto d = limiter.check(limit, key); !d) {
            (void)detector.on_rate_limited(limit, key);
            auto res = http::error_response(core::ErrorCode::rate_limited, "too many session requests",
                                            "\"retryAfterMs\":" + std::to_string(d.retry_after_ms));
            res.set("retry-after", std::to_string(abuse::retry_after_seconds(d.retry_after_ms)));
            return res;
          }
        }
        return std::nullopt;
      },
      .api_fallback = http::make_admin_api(http::AdminApiDeps{.moderation = moderation,
                                                              .jwt = jwt,
                                                              .clock = clock,
                                                              .stats = server.stats(),
                                                              .sessions = recent,
                                                              .match_waits = match_waits,
                                                              .device_key_secret = *device_secret,
                                                              .max_body_bytes = cfg.max_http_body_bytes,
                                                              .report_gate = report_gate})});
  server.set_router(router);
  obs::log(obs::Level::info, "main", "database_ready",
           {{"backend", db.backend()}, {"schema_version", db.schema_version()}});
  return server.run();
}
