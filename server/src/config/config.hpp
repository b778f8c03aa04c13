// One plain Config struct. Sources, later ones winning: built-in defaults, a
// config file (--config=PATH or SERENDIP_CONFIG; lines "key = value", '#'
// comments), environment variables (SERENDIP_<KEY> upper-cased, '-' -> '_'),
// then command-line flags (--key=value). Every key works in all three.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace serendip::config {

struct Config {
  // Network
  std::string listen_host = "127.0.0.1";  // key: listen (host:port)
  std::uint16_t listen_port = 8080;
  std::string tls_cert;                      // key: tls-cert
  std::string tls_key;                       // key: tls-key
  std::vector<std::string> allowed_origins;  // key: allowed-origins; empty = listen origin
  std::vector<std::string> trusted_proxies;  // key: trusted-proxies (CIDRs)
  // key: metrics-listen (host:port): /metrics (with /healthz and /readyz) on
  // a listener of its own, and no longer on `listen`, so a public edge that
  // forwards `listen` never exposes it. Empty host = on `listen` as before.
  std::string metrics_host;
  std::uint16_t metrics_port = 0;
  int threads = 0;  // key: threads; 0 = one per core
  // Open TCP connections (docs/abuse.md "Connection caps"). 0 = no cap per
  // address; max-connections 0 = from the open-file limit (its soft limit,
  // raised to the hard one, less a tenth for everything else).
  std::size_t max_connections = 0;           // key: max-connections
  std::size_t max_connections_per_ip = 300;  // key: max-connections-per-ip (IPv6: per /64)

  // Secrets and external parts
  std::string jwt_secret;                                    // key: jwt-secret; empty = random per process
  std::string turn_secret;                                   // key: turn-secret
  std::string audit_key;                                     // key: audit-key (never in the database)
  std::string audit_key_file;                                // key: audit-key-file
  std::vector<std::string> turn_urls;                        // key: turn-urls
  std::int64_t turn_ttl_s = 3600;                            // key: turn-ttl-s
  std::string redis_url;                                     // key: redis-url; empty = in-memory state
  std::string redis_tls_ca_file;                             // key: redis-tls-ca-file (rediss://)
  std::string redis_tls_cert_file;                           // key: redis-tls-cert-file
  std::string redis_tls_key_file;                            // key: redis-tls-key-file
  std::string redis_tls_server_name;                         // key: redis-tls-server-name
  std::string database_url = "sqlite://./data/serendip.db";  // key: database-url
  std::string admin_bootstrap;                               // key: admin-bootstrap (user:password)
  // Days raw IPs stay in reports, appeals and ended blocks once no moderator
  // can act on them any more (docs/moderation.md section 13); 0 = for good.
  std::int64_t ip_retention_days = 90;  // key: ip-retention-days

  // Files
  std::string static_dir = "web/dist";  // key: static-dir

  // Timeouts (milliseconds)
  std::int64_t token_ttl_s = 300;          // key: token-ttl-s
  std::int64_t hello_timeout_ms = 5'000;   // key: hello-timeout-ms
  std::int64_t ping_interval_ms = 10'000;  // key: ping-interval-ms
  std::int64_t dead_after_ms = 25'000;     // key: dead-after-ms (no frame or pong)
  std::int64_t drain_grace_ms = 10'000;    // key: drain-grace-ms
  std::int64_t http_timeout_ms = 15'000;   // key: http-timeout-ms

  // Wire limits
  std::size_t max_frame_bytes = 32 * 1024;      // key: max-frame-bytes
  std::size_t max_sdp_bytes = 16 * 1024;        // key: max-sdp-bytes
  std::size_t max_candidate_bytes = 1024;       // key: max-candidate-bytes
  int messages_per_second = 50;                 // key: messages-per-second
  int messages_burst = 100;                     // key: messages-burst
  std::size_t max_http_body_bytes = 64 * 1024;  // key: max-http-body-bytes

  // Matchmaking
  std::int64_t widen_region_after_ms = 3'000;      // key: widen-region-after-ms
  std::int64_t repeat_pair_cooldown_ms = 600'000;  // key: repeat-pair-cooldown-ms
  bool same_device_match = true;                   // key: same-device-match (off in public deployments)
  // Days a reported pair stays apart (0 = for good): bounds the exclusions
  // every instance and Redis keep (docs/moderation.md section 6).
  std::int64_t reported_pair_days = 180;  // key: reported-pair-days
  // Regions (docs/regions.md): a country database in MaxMind DB format
  // (missing = regions from the browser's hint only; "off" = do not look) and
  // overrides of the built-in country/time-zone -> region table.
  std::string geoip_db = "./data/geoip-country.mmdb";  // key: geoip-db
  std::string region_map;                              // key: region-map ("CC=Region,tz:Area=Region")
  // Abuse prevention (docs/abuse.md). "join_per_device=20/60s/10,..."; empty = defaults.
  std::string rate_limits;  // key: rate-limits
  bool captcha = true;      // key: captcha (abuse detector may demand one)

  std::string log_level = "info";  // key: log-level

  // "http://host:port" or "https://..." for the listen address (localhost for
  // 127.0.0.1 / 0.0.0.0 is added to the default allow-list too).
  std::vector<std::string> effective_allowed_origins() const;
};

struct ConfigError {
  std::string message;  // names the key and the source
};

// getenv is injected so tests do not touch the process environment.
// Positional arguments (not starting with "--") are returned in `rest`
// (subcommands such as `admin create`).
struct Loaded {
  Config config;
  std::vector<std::string> rest;
};
std::variant<Loaded, ConfigError> load(int argc, const char* const* argv,
                                       const std::function<std::optional<std::string>(std::string_view)>& getenv);

// Text for --help: every key, its environment variable and default.
std::string usage();

}  // namespace serendip::config
