// serendip-server: the one place that wires everything together.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "abuse/abuse_detector.hpp"
#include "abuse/altcha.hpp"
#include "abuse/rate_limiter.hpp"
#include "app/abuse_metrics.hpp"
#include "app/live_stats.hpp"
#include "app/moderation_events.hpp"
#include "app/server_status.hpp"
#include "auth/crypto.hpp"
#include "auth/jwt.hpp"
#include "cli/commands.hpp"
#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/drain.hpp"
#include "core/region_map.hpp"
#include "geo/maxmind_db.hpp"
#include "geo/regions.hpp"
#include "http/admin_api.hpp"
#include "http/request.hpp"
#include "http/router.hpp"
#include "moderation/ip_retention.hpp"
#include "moderation/match_wait_heatmap.hpp"
#include "moderation/service.hpp"
#include "moderation/session_counts.hpp"
#include "net/blocking_pool.hpp"
#include "net/hub.hpp"
#include "net/metrics.hpp"
#include "net/metrics_listener.hpp"
#include "net/recent_sessions.hpp"
#include "net/redis_gate.hpp"
#include "net/redis_hub.hpp"
#include "net/server.hpp"
#include "obs/log.hpp"
#include "obs/metrics.hpp"
#include "obs/process_metrics.hpp"
#include "redis/config.hpp"
#include "redis/metrics.hpp"
#include "redis/tls.hpp"
#include "signaling/admission.hpp"
#include "signaling/handler.hpp"
#include "signaling/metrics.hpp"
#include "signaling/ports.hpp"
#include "store/audit_key.hpp"
#include "store/database.hpp"
#include "store/ip_privacy.hpp"

namespace {

using namespace serendip;

std::optional<std::string> env(std::string_view name) {
  // Read only while the configuration loads, before any thread starts.
  const char* v = std::getenv(std::string(name).c_str());  // NOLINT(concurrency-mt-unsafe)
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

// The regions of addresses: the country database if it opens (a missing one is
// no error: regions then come from the browsers' hints), and the region table.
// A relative default path is also tried next to the build directory, like the
// static dir. Said once in the log, without any address.
std::unique_ptr<geo::Regions> open_regions(const config::Config& cfg) {
  namespace fs = std::filesystem;
  // Validated when the configuration loaded.
  core::RegionMap map = std::get<core::RegionMap>(core::RegionMap::with_overrides(cfg.region_map));
  std::unique_ptr<const geo::CountryLookup> countries;
  if (cfg.geoip_db.empty()) {
    obs::log(obs::Level::info, "main", "geoip_off", {{"hint", "regions come from the browsers' time zones"}});
    return std::make_unique<geo::Regions>(std::move(map), nullptr);
  }
  std::string path = cfg.geoip_db;
  std::error_code ec;
  if (!fs::exists(path, ec) && fs::path(path).is_relative()) {
    const auto exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec && fs::exists(exe.parent_path().parent_path() / path, ec)) {
      path = (exe.parent_path().parent_path() / path).string();
    }
  }
  auto opened = geo::MaxmindCountryDb::open(path);
  if (auto* db = std::get_if<std::unique_ptr<geo::MaxmindCountryDb>>(&opened)) {
    obs::log(obs::Level::info, "main", "geoip_ready", {{"path", path}, {"database", (*db)->describe()}});
    countries = std::move(*db);
  } else {
    obs::log(obs::Level::warn, "main", "geoip_unavailable",
             {{"path", path},
              {"error", std::get<std::string>(opened)},
              {"hint", "regions come from the browsers' time zones; scripts/bootstrap.sh fetches a database"}});
  }
  return std::make_unique<geo::Regions>(std::move(map), std::move(countries));
}

// The detector's rules as configured.
abuse::AbuseConfig abuse_rules(const config::Config& cfg) {
  abuse::AbuseConfig rules;
  // Many people share one address (NAT, campus, carrier): watch it, never
  // make all of them solve puzzles for it.
  rules.devices_per_ip.captcha = false;
  if (!cfg.captcha) {
    for (auto* rule : {&rules.rapid_join, &rules.rapid_next, &rules.ips_per_device, &rules.shield_blur}) {
      rule->captcha = false;
    }
    rules.captcha_on_rate_limited = false;
  }
  return rules;
}

// Error text from a library (libpq's spans lines) as one line.
std::string one_line(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// The database URL as it may be shown: a PostgreSQL URL without its user
// information (it may carry a password) and query, an SQLite path as given.
std::string shown_database(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || url.substr(0, 6) == "sqlite") return std::string(url);
  std::string_view rest = url.substr(scheme_end + 3);
  if (const auto at = rest.rfind('@', rest.find('/')); at != std::string_view::npos) rest = rest.substr(at + 1);
  rest = rest.substr(0, rest.find('?'));
  return std::string(url.substr(0, scheme_end + 3)) + std::string(rest);
}

// The one plain line on stderr for the person at the terminal.
void tell_operator(std::string_view line) { std::fprintf(stderr, "serendip-server: %s\n", one_line(line).c_str()); }

// A start-up failure: the JSON event for the log pipeline, the line for the
// operator, and the exit code to return.
int refuse_start(int code, std::string_view event, std::string_view line) {
  obs::log(obs::Level::error, "main", event, {{"error", one_line(line)}});
  tell_operator(line);
  return code;
}

}  // namespace

static int serve(int argc, char** argv) {
  auto loaded = config::load(argc, argv, env);
  if (auto* err = std::get_if<config::ConfigError>(&loaded)) {
    // One line: the full key list is a --help away.
    const bool hinted = err->message.find("--help") != std::string::npos;
    tell_operator(err->message + (hinted ? "" : " (see serendip-server --help)"));
    return 2;
  }
  auto& [cfg, rest] = std::get<config::Loaded>(loaded);
  if (!rest.empty() && (rest[0] == "help" || rest[0] == "--help")) {
    std::printf("%s", config::usage().c_str());
    return 0;
  }
  if (!rest.empty() && rest[0] == "version") {
    std::printf("serendip-server %s\n", SERENDIP_VERSION);
    return 0;
  }
  if (!rest.empty() && (rest[0] == "admin" || rest[0] == "audit")) {
    // Operator commands: `admin create|passwd|list|disable|enable`, `audit verify`.
    auto db = store::open_database(cfg.database_url);
    if (!db) {
      tell_operator("cannot open the database " + shown_database(cfg.database_url) + ": " + db.error().message);
      return 1;
    }
    const store::AuditKeySources keys{cfg.audit_key, cfg.audit_key_file, cfg.database_url};
    if (rest[0] == "audit") return cli::run_audit_command(rest, **db, keys);
    // Account changes are audited: chained with the server's key (made here on a first run).
    auto key = store::load_audit_key(keys, true);
    if (!key) {
      tell_operator(key.error().message);
      return 2;
    }
    (*db)->audit().set_key(std::move(key->key));
    return cli::run_admin_command(rest, **db);
  }
  if (!rest.empty()) {
    std::fprintf(stderr, "serendip-server: unknown command '%s'\n", rest[0].c_str());
    return 2;
  }
  obs::Level level{};
  if (obs::parse_level(cfg.log_level, level)) obs::set_level(level);
  std::signal(SIGPIPE, SIG_IGN);
  resolve_static_dir(cfg);

  if (cfg.jwt_secret.empty() && !cfg.redis_url.empty()) {
    // Instances sharing Redis take each other's tokens: a per-process random
    // key would make every token valid on one instance only.
    obs::log(
        obs::Level::error, "main", "jwt_secret_required",
        {{"hint", "several instances share Redis (SERENDIP_REDIS_URL): set the same SERENDIP_JWT_SECRET on each"}});
    std::fprintf(stderr,
                 "serendip-server: SERENDIP_REDIS_URL is set but SERENDIP_JWT_SECRET is not: instances sharing "
                 "Redis need one signing key (set SERENDIP_JWT_SECRET, at least 32 random bytes)\n");
    return 1;
  }
  if (cfg.jwt_secret.empty()) {
    // Tokens then die with the process; fine for one laptop, not for a fleet.
    cfg.jwt_secret = auth::random_hex(32);
    obs::log(obs::Level::warn, "main", "ephemeral_jwt_secret",
             {{"hint", "set SERENDIP_JWT_SECRET so tokens stay valid across restarts and instances"}});
  }
  if (cfg.jwt_secret.size() < auth::kMinSecretBytes) {
    // A short key can be guessed offline from one token, and then any token forged.
    return refuse_start(2, "jwt_secret_too_short",
                        "SERENDIP_JWT_SECRET is " + std::to_string(cfg.jwt_secret.size()) +
                            " bytes; it must be at least " + std::to_string(auth::kMinSecretBytes) +
                            " (e.g. openssl rand -base64 32)");
  }

  auto opened = store::open_database(cfg.database_url);
  if (!opened) {
    return refuse_start(1, "database_open_failed",
                        "cannot open the database " + shown_database(cfg.database_url) + ": " + opened.error().message);
  }
  store::Database& db = **opened;
  // The audit chain's HMAC key, from outside the database (store/audit_key.hpp).
  auto audit_key = store::load_audit_key({cfg.audit_key, cfg.audit_key_file, cfg.database_url}, true);
  if (!audit_key) return refuse_start(2, "audit_key_missing", audit_key.error().message);
  if (audit_key->created) {
    obs::log(obs::Level::warn, "main", "audit_key_created",
             {{"origin", audit_key->origin},
              {"hint", "keep this key (or set SERENDIP_AUDIT_KEY): the audit log cannot be verified without it"}});
  }
  // IP addresses the database keeps hashed are hashed under a key derived
  // from the audit key: never in the database, the same on every instance.
  db.ip_privacy().set_key(store::derive_ip_key(audit_key->key));
  db.audit().set_key(std::move(audit_key->key));
  // A log written before keys (or with another key) is bound by one keyed entry now.
  auto rekeyed = db.audit().rekey("system", core::SystemClock().unix_ms());
  if (!rekeyed) return refuse_start(1, "audit_rekey_failed", "cannot key the audit log: " + rekeyed.error().message);
  if (*rekeyed) obs::log(obs::Level::warn, "main", "audit_rekeyed", {{"seq", (*rekeyed)->seq}});
  // Device keys must survive restarts (blocks and report exclusions are keyed
  // by them), so their secret lives in the database, made on first start.
  auto device_secret = db.settings().secret(store::kDeviceKeySecret);
  if (!device_secret) {
    return refuse_start(1, "device_secret_failed",
                        "cannot read or make the device key secret: " + device_secret.error().message);
  }

  core::SystemClock clock;
  // Session tokens and admin tokens: one secret, two keys and audiences (auth/jwt.hpp).
  auth::JwtCodec jwt(cfg.jwt_secret, auth::Audience::user, cfg.token_ttl_s);
  const moderation::ModerationOptions moderation_options{};
  auth::JwtCodec admin_jwt(cfg.jwt_secret, auth::Audience::admin, moderation_options.admin_token_ttl_s);
  moderation::ModerationService moderation(db, clock, admin_jwt, moderation_options);
  if (!cfg.admin_bootstrap.empty()) {
    auto made = moderation.ensure_bootstrap_admin(cfg.admin_bootstrap);
    if (!made) return refuse_start(1, "admin_bootstrap_failed", "admin-bootstrap: " + made.error().message);
    if (*made) obs::log(obs::Level::info, "main", "admin_bootstrapped");
  }

  // Abuse prevention: limits, the detector, the CAPTCHA, and the one gate over them.
  abuse::RateLimitConfig limits;
  if (auto problem = abuse::apply_rate_limit_overrides(cfg.rate_limits, limits); !problem.empty()) {
    std::fprintf(stderr, "serendip-server: rate-limits: %s\n", problem.c_str());
    return 2;
  }
  abuse::MemoryRateLimiter limiter(limits, clock);
  abuse::MemoryAbuseDetector detector(abuse_rules(cfg), clock);
  abuse::Altcha altcha(abuse::derive_altcha_key(*device_secret), clock);
  signaling::LocalGate local_gate(limiter, detector, altcha);

  obs::Registry metrics;
  obs::register_process_metrics(metrics);
  // The alert for a ban check that failed closed (moderation::BlockInfo::unavailable).
  metrics.counter_fn("serendip_ban_check_failures_total",
                     "Ban checks refused because neither the block cache nor the database could answer",
                     [&moderation] { return static_cast<double>(moderation.ban_check_failures()); });
  // 0 while ban checks go to the database (not loaded yet, or stale: docs/moderation.md).
  metrics.gauge_fn("serendip_block_cache_valid",
                   "1 while the block cache answers ban checks, 0 while they go to the database (stale or not loaded)",
                   [&moderation] { return moderation.block_cache().valid() ? 1.0 : 0.0; });
  metrics.gauge_fn("serendip_block_cache_entries", "Active blocks held by the block cache, by IP and by device",
                   [&moderation] { return static_cast<double>(moderation.block_cache().size()); });
  net::NetMetrics net_metrics(metrics);
  signaling::SignalingMetrics signaling_metrics(metrics);

  // Matchmaking: the hub, who was in which session (for reports), match-wait analytics.
  core::DrainFlag drain;
  net::BlockingPool blocking(2);  // database writes, never on an I/O thread
  // Admin logins: Argon2id takes 64 MiB and a core for a moment. One at a
  // time, at most 8 waiting or running; the rest are answered 503 at once.
  net::BoundedPool login_hashing(1, 8);
  net::RecentSessions recent(moderation::ModerationOptions{}.report_window_ms);
  metrics.gauge_fn("serendip_recent_sessions", "Sessions remembered for reports (running, and ended within the window)",
                   [&recent] { return static_cast<double>(recent.size()); });
  metrics.counter_fn("serendip_recent_sessions_dropped_total",
                     "Ended sessions forgotten before the end of the report window (the memory's cap was reached)",
                     [&recent] { return static_cast<double>(recent.dropped_early()); });
  moderation::MatchWaitHeatmap match_waits;
  const std::int64_t reported_pair_window_ms = cfg.reported_pair_days * 24 * 3'600'000;  // 0: for good
  const core::MatchmakerConfig matchmaking{.widen_region_after_ms = cfg.widen_region_after_ms,
                                           .repeat_pair_cooldown_ms = cfg.repeat_pair_cooldown_ms,
                                           .allow_same_device = cfg.same_device_match};
  // Session counters: summed in memory, written once a second in one
  // transaction (tick_counts, from the server's tick) and once more after the
  // server stops.
  moderation::SessionCounts session_counts(db.reputation(), clock);
  auto on_session_end = [&session_counts](const store::Party& who, std::int64_t length_ms) {
    session_counts.add(who.ip, who.device_key, length_ms);
  };
  // Raw IPs past their retention become keyed hashes: at start, then hourly.
  moderation::IpRetention ip_retention(db.ip_privacy(), clock, cfg.ip_retention_days);
  if (cfg.ip_retention_days == 0) {
    obs::log(obs::Level::warn, "main", "ip_retention_off",
             {{"hint", "raw IPs in reports, appeals and blocks are kept for good"}});
  }
  std::atomic<bool> counts_write{false};  // a session counters write is on the blocking pool
  int count_ticks = 0;                    // the tick's own thread only
  auto tick_counts = [&session_counts, &counts_write, &count_ticks, &blocking] {
    if (++count_ticks % 4 != 0 || counts_write.exchange(true)) return;  // each second, one write at a time
    auto batch = session_counts.take();
    if (batch.empty() && session_counts.carried() == 0) {
      counts_write = false;
      return;
    }
    blocking.post([&session_counts, &counts_write, batch = std::move(batch)]() mutable {
      session_counts.write(std::move(batch));
      counts_write = false;
    });
  };
  // One process: the matchmaker in memory. Several sharing Redis: the queues
  // there, each instance holding its own sockets (net/redis_hub.hpp).
  redis::Metrics redis_metrics;
  std::unique_ptr<net::MatchHub> hub_owner;
  // With Redis, rate limits and the abuse detector's counts are shared too.
  std::unique_ptr<net::RedisGate> shared_gate;
  if (cfg.redis_url.empty()) {
    hub_owner = std::make_unique<net::Hub>(net::HubDeps{.matchmaker = matchmaking,
                                                        .clock = clock,
                                                        .metrics = net_metrics,
                                                        .recent = recent,
                                                        .match_waits = match_waits,
                                                        .on_session_end = on_session_end});
  } else {
    redis::Config redis_config;
    std::string problem;
    if (!redis::parse_url(cfg.redis_url, redis_config, problem)) {
      std::fprintf(stderr, "serendip-server: redis-url: %s\n", problem.c_str());
      return 2;
    }
    const bool tls_files = !cfg.redis_tls_ca_file.empty() || !cfg.redis_tls_cert_file.empty() ||
                           !cfg.redis_tls_key_file.empty() || !cfg.redis_tls_server_name.empty();
    if (tls_files && !redis_config.tls) {
      std::fprintf(stderr,
                   "serendip-server: redis-tls-* is set but redis-url is not rediss:// or rediss+cluster://: "
                   "the connection would not use TLS\n");
      return 2;
    }
    if (redis_config.tls) {
      redis_config.tls->ca_file = cfg.redis_tls_ca_file;
      redis_config.tls->cert_file = cfg.redis_tls_cert_file;
      redis_config.tls->key_file = cfg.redis_tls_key_file;
      redis_config.tls->server_name = cfg.redis_tls_server_name;
      // Built here so that a file that cannot be read stops the start.
      redis_config.tls_context = redis::make_tls_context(*redis_config.tls, problem);
      if (!redis_config.tls_context) {
        std::fprintf(stderr, "serendip-server: TLS to Redis: %s\n", problem.c_str());
        return 2;
      }
    }
    redis::register_metrics(metrics, redis_metrics);
    auto redis_hub = std::make_unique<net::RedisHub>(net::RedisHubDeps{
        .matchmaker = matchmaking,
        .redis = std::move(redis_config),
        .instance_id = net::make_instance_id(),
        .clock = clock,
        .metrics = net_metrics,
        .registry = metrics,
        .redis_metrics = &redis_metrics,
        .recent = recent,
        .match_waits = match_waits,
        .on_session_end = on_session_end,
        .on_blocks_changed = [&moderation] { moderation.invalidate_block_cache(); },
        .call_counts =
            [&signaling_metrics] {
              const auto& m = signaling_metrics;
              return shared_state::CallCounts{.ice_connected = m.ice_connected.value(),
                                              .ice_failed = m.ice_failed.value(),
                                              .ice_relay = m.ice_relay.value(),
                                              .shield_blurs = m.shield_blurs.value()};
            },
        .reported_pair_window_ms = reported_pair_window_ms,
        .load_reported_pairs =
            [&blocking, &moderation](std::int64_t since,
                                     std::function<void(std::optional<std::vector<store::ReportedPair>>)> done) {
              blocking.post([&moderation, since, done = std::move(done)] {
                auto pairs = moderation.reported_device_pairs(since);
                if (!pairs) {
                  done(std::nullopt);
                  return;
                }
                done(std::move(*pairs));
              });
            }});
    obs::log(obs::Level::info, "main", "shared_state_redis", {{"instance", redis_hub->instance_id()}});
    shared_gate =
        std::make_unique<net::RedisGate>(net::RedisGateDeps{.hub = *redis_hub,
                                                            .settings = {.limits = limits, .rules = abuse_rules(cfg)},
                                                            .login = moderation::ModerationOptions{}.login,
                                                            .altcha = altcha,
                                                            .fallback = local_gate,
                                                            .clock = clock,
                                                            .registry = metrics});
    hub_owner = std::move(redis_hub);
  }
  net::MatchHub& hub = *hub_owner;
  signaling::AdmissionGate& gate = shared_gate ? static_cast<signaling::AdmissionGate&>(*shared_gate) : local_gate;
  app::register_abuse_metrics(metrics, limiter, detector, shared_gate.get());
  // Pairs reported in earlier runs stay apart, for the rest of their window.
  // With Redis the pairs are shared: the hub loads them once into a Redis
  // that has none (RedisHubDeps::load_reported_pairs), not at every start.
  if (!shared_gate) {
    const std::int64_t now = clock.unix_ms();
    const std::int64_t since = reported_pair_window_ms > 0 ? now - reported_pair_window_ms : 0;
    if (auto pairs = moderation.reported_device_pairs(since)) {
      for (const auto& p : *pairs) {
        hub.exclude_pair(p.reporter_device, p.reported_device,
                         reported_pair_window_ms > 0 ? p.last_at + reported_pair_window_ms : net::MatchHub::kForever);
      }
    }
  }
  // Moderation's decisions reach the live service. The listener needs the
  // service (automatic blocks) and the service calls the listener, so it is
  // attached here, and detached before either goes away.
  std::optional<app::SharedReportRule> shared_reports;
  if (shared_gate) {
    shared_reports = app::SharedReportRule{
        .config = abuse_rules(cfg), .watch = [&shared_gate](const abuse::RuleHit& hit) { shared_gate->watch(hit); }};
  }
  app::ModerationEvents moderation_events(
      hub, detector, moderation, {.clock = clock, .window_ms = reported_pair_window_ms}, std::move(shared_reports));
  moderation.set_block_listener(&moderation_events);
  struct DetachListener {
    moderation::ModerationService& m;
    explicit DetachListener(moderation::ModerationService& service) : m(service) {}
    ~DetachListener() { m.set_block_listener(nullptr); }
    DetachListener(const DetachListener&) = delete;
    DetachListener& operator=(const DetachListener&) = delete;
  } detach_listener{moderation};

  // HTTP: the public API (tokens, TURN credentials, reports, appeals) and the admin API.
  // Ready while the database answers and matchmaking can work (with Redis:
  // connected and the inbox probe coming back). Liveness never asks either.
  app::ServerStatus status(drain, [&db, &hub] { return hub.ready() && static_cast<bool>(db.ping()); });
  // The watch list: this instance's, or with Redis the shared one.
  app::LiveStatsSource live_stats(hub, net_metrics, signaling_metrics, [&detector, &shared_gate] {
    return shared_gate ? shared_gate->watch_list() : detector.watch_list();
  });
  // POST /api/v1/reports takes from the same per-device bucket as `report`
  // (this instance's: the admin API answers synchronously).
  auto report_gate = [&local_gate](std::string_view device) -> std::optional<moderation::Failure> {
    auto refused = local_gate.check(abuse::Limit::report_per_device, device);
    if (!refused) return std::nullopt;
    return moderation::Failure{core::ErrorCode::rate_limited, "too many reports", refused->retry_after_ms};
  };
  http::Router router(http::RouterDeps{
      .config = cfg,
      .jwt = jwt,
      .device_key_secret = *device_secret,
      .clock = clock,
      .metrics = metrics,
      .status = status,
      .admit_session =
          [ban = http::make_ban_check(moderation), &gate](const http::Request& req, std::string_view device_key,
                                                          std::function<void(std::optional<http::Response>)> done) {
            if (auto refused = ban(req, device_key)) {
              done(std::move(refused));
              return;
            }
            gate.check_all({{abuse::Limit::session_per_ip, req.client_ip},
                            {abuse::Limit::session_per_device, std::string(device_key)}},
                           [done = std::move(done)](const signaling::Admission& refused) {
                             if (!refused) {
                               done(std::nullopt);
                               return;
                             }
                             done(http::rate_limited("too many session requests", refused->retry_after_ms));
                           });
          },
      .api_fallback = http::make_admin_api(
          http::AdminApiDeps{.moderation = moderation,
                             .jwt = jwt,
                             .clock = clock,
                             .stats = live_stats,
                             .sessions = recent,
                             .match_waits = match_waits,
                             .device_key_secret = *device_secret,
                             .max_body_bytes = cfg.max_http_body_bytes,
                             // With Redis the router takes from the
                             // shared bucket instead (admit_report).
                             .report_gate = shared_gate ? http::ReportGate{} : http::ReportGate(report_gate)}),
      // With Redis, failed admin logins count on every instance.
      .admit_login =
          shared_gate ? http::LoginCheck([&shared_gate](const http::Request& req, std::string_view username,
                                                        std::function<void(std::optional<http::Response>)> done) {
            shared_gate->login_wait(req.client_ip, username, [done = std::move(done)](std::int64_t wait) {
              if (wait <= 0) {
                done(std::nullopt);
                return;
              }
              done(http::rate_limited("too many failed logins", wait));
            });
          })
                      : http::LoginCheck{},
      .admit_report = shared_gate
                          ? http::AdmissionCheck([&gate](const http::Request&, std::string_view device_key,
                                                         std::function<void(std::optional<http::Response>)> done) {
                              gate.check(abuse::Limit::report_per_device, device_key,
                                         [done = std::move(done)](const signaling::Admission& refused) {
                                           if (!refused) {
                                             done(std::nullopt);
                                             return;
                                           }
                                           done(http::rate_limited("too many reports", refused->retry_after_ms));
                                         });
                            })
                          : http::AdmissionCheck{},
      .login_outcome = shared_gate ? http::LoginOutcome([&shared_gate](const http::Request& req,
                                                                       std::string_view username, int status) {
        if (status == 200) shared_gate->login_succeeded(req.client_ip, username);
      })
                                   : http::LoginOutcome{},
      .run_login = [&login_hashing](std::function<void()> job) { return login_hashing.try_post(std::move(job)); },
      .check_ban = http::make_ban_check(moderation)});

  // Signaling: what each connection's handler uses.
  signaling::ModerationDesk desk(moderation, recent);
  const std::unique_ptr<geo::Regions> regions = open_regions(cfg);
  signaling::Services signaling{
      .clock = clock,
      .jwt = jwt,
      .drain = drain,
      .limits = {.max_frame_bytes = cfg.max_frame_bytes,
                 .max_sdp_bytes = cfg.max_sdp_bytes,
                 .max_candidate_bytes = cfg.max_candidate_bytes,
                 .messages_per_second = cfg.messages_per_second,
                 .messages_burst = cfg.messages_burst},
      .ice_servers = [&cfg](std::string_view user_id,
                            std::int64_t now_s) { return http::ice_servers_for(cfg, user_id, now_s); },
      .moderation = desk,
      .gate = gate,
      .altcha = altcha,
      .metrics = signaling_metrics,
      .regions = regions.get()};

  // The tick's database jobs: session counters each second, IP retention hourly.
  auto tick_jobs = [&tick_counts, &ip_retention, &blocking] {
    tick_counts();
    if (ip_retention.try_start()) blocking.post([&ip_retention] { ip_retention.run(); });
  };
  std::atomic<bool> block_reload{false};  // a block cache reload is on the blocking pool
  // /metrics on a listener of its own (metrics-listen), and then never on the public one.
  std::optional<net::MetricsListener> metrics_listener;
  if (!cfg.metrics_host.empty()) {
    metrics_listener.emplace(cfg.metrics_host, cfg.metrics_port, router);
    std::string error;
    if (!metrics_listener->start(error)) return refuse_start(1, "metrics_bind_failed", error);
    obs::log(obs::Level::info, "main", "metrics_listening",
             {{"host", cfg.metrics_host}, {"port", static_cast<int>(metrics_listener->port())}});
  }
  net::Server server(net::ServerDeps{.config = cfg,
                                     .clock = clock,
                                     .drain = drain,
                                     .registry = metrics,
                                     .metrics = net_metrics,
                                     .hub = hub,
                                     .router = router,
                                     .blocking = blocking,
                                     .login_hashing = login_hashing,
                                     .signaling = signaling,
                                     .sweep_idle_state =
                                         [&limiter, &detector] {
                                           limiter.sweep();
                                           detector.sweep();
                                         },
                                     .on_tick =
                                         [&shared_gate, &hub, &moderation, &blocking, &block_reload, &tick_jobs] {
                                           if (shared_gate) shared_gate->tick();
                                           tick_jobs();
                                           // Other instances' block news may be lost while Redis is away.
                                           if (!hub.ready()) moderation.invalidate_block_cache();
                                           if (moderation.block_cache_due() && !block_reload.exchange(true)) {
                                             blocking.post([&moderation, &block_reload] {
                                               moderation.reload_block_cache();
                                               block_reload = false;
                                             });
                                           }
                                         }});
  obs::log(obs::Level::info, "main", "database_ready",
           {{"backend", db.backend()}, {"schema_version", db.schema_version()}});
  const int served = server.run();
  // The workers and the blocking pool have stopped: the last counts, now.
  if (!session_counts.write(session_counts.take())) {
    obs::log(obs::Level::warn, "main", "session_counts_lost", {{"kept", session_counts.carried()}});
  }
  // The server logged the event itself; the operator gets the line.
  if (served != 0 && !server.start_error().empty()) tell_operator(server.start_error());
  return served;
}

int main(int argc, char** argv) {
  // Expected failures are values; an exception reaching here is a bug or an
  // allocation failure: say so and exit non-zero rather than terminate().
  try {
    return serve(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "serendip-server: fatal: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "serendip-server: fatal: unknown exception\n");
  }
  return 70;  // EX_SOFTWARE
}
