#include "config/config.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/region_map.hpp"

namespace serendip::config {
namespace {

// ------------------------------------------------------------ small helpers

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

// "true"/"1"/"yes" or "false"/"0"/"no".
std::optional<std::string> parse_bool(std::string_view v, bool& out) {
  v = trim(v);
  if (v == "true" || v == "1" || v == "yes") {
    out = true;
  } else if (v == "false" || v == "0" || v == "no") {
    out = false;
  } else {
    return "must be true or false, got '" + std::string(v) + "'";
  }
  return std::nullopt;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string env_name(std::string_view key) {
  std::string out = "SERENDIP_";
  for (char c : key) {
    if (c == '-') out += '_';
    else if (c >= 'a' && c <= 'z') out += static_cast<char>(c - 'a' + 'A');
    else out += c;
  }
  return out;
}

std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  while (true) {
    const auto comma = s.find(',');
    const auto item = trim(s.substr(0, comma));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += ',';
    out += i;
  }
  return out;
}

// Value problems are reported as text; the caller prefixes key and source.
using Problem = std::optional<std::string>;

template <typename Int>
Problem parse_int(std::string_view text, Int& out, std::int64_t min, std::int64_t max) {
  text = trim(text);
  std::int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return "expected an integer, got '" + std::string(text) + "'";
  }
  if (v < min || v > max) {
    return "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + std::to_string(v);
  }
  out = static_cast<Int>(v);
  return std::nullopt;
}

bool valid_hostname(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  for (char c : h) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool valid_ipv6(std::string_view h) {
  in6_addr addr{};
  return inet_pton(AF_INET6, std::string(h).c_str(), &addr) == 1;
}

bool valid_ipv4(std::string_view h) {
  in_addr addr{};
  return inet_pton(AF_INET, std::string(h).c_str(), &addr) == 1;
}

// "host:port" or "[v6]:port"; the host is stored without brackets.
Problem parse_listen(std::string_view text, std::string& host, std::uint16_t& port) {
  text = trim(text);
  std::string_view h;
  std::string_view p;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return "expected [ipv6]:port, got '" + std::string(text) + "'";
    }
    h = text.substr(1, close - 1);
    p = text.substr(close + 2);
    if (!valid_ipv6(h)) return "invalid IPv6 address '" + std::string(h) + "'";
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return "expected host:port, got '" + std::string(text) + "'";
    h = text.substr(0, colon);
    p = text.substr(colon + 1);
    if (h.find(':') != std::string_view::npos) {
      return "IPv6 addresses need brackets, e.g. [::1]:8080; got '" + std::string(text) + "'";
    }
    if (!valid_hostname(h)) return "invalid host in '" + std::string(text) + "'";
  }
  int port_value = 0;
  if (auto problem = parse_int(p, port_value, 0, 65535)) return "port " + *problem;
  host = std::string(h);
  port = static_cast<std::uint16_t>(port_value);
  return std::nullopt;
}

// An Origin as browsers send it: scheme://host[:port], nothing after.
Problem parse_origins(std::string_view text, std::vector<std::string>& out) {
  std::vector<std::string> items = split_list(text);
  for (auto& o : items) {
    std::string l = lower(o);
    std::string_view rest;
    if (l.rfind("http://", 0) == 0) rest = std::string_view(l).substr(7);
    else if (l.rfind("https://", 0) == 0) rest = std::string_view(l).substr(8);
    else return "origin '" + o + "' must start with http:// or https://";
    if (rest.empty() || rest.find_first_of("/?#@ ") != std::string_view::npos) {
      return "origin '" + o + "' must be scheme://host[:port] with no path or trailing slash";
    }
    o = std::move(l);  // scheme and host are case-insensitive; keep one spelling
  }
  out = std::move(items);
  return std::nullopt;
}

Problem parse_cidrs(std::string_view text, std::vector<std::string>& out) {
  std::vector<std::string> items = split_list(text);
  for (const auto& c : items) {
    const auto slash = c.find('/');
    const std::string addr = c.substr(0, slash);
    const bool v4 = valid_ipv4(addr);
    if (!v4 && !valid_ipv6(addr)) return "'" + c + "' is not an IP address or CIDR";
    if (slash != std::string::npos) {
      int bits = 0;
      if (parse_int(std::string_view(c).substr(slash + 1), bits, 0, v4 ? 32 : 128)) {
        return "'" + c + "' has an invalid prefix length";
      }
    }
  }
  out = std::move(items);
  return std::nullopt;
}

Problem parse_turn_urls(std::string_view text, std::vector<std::string>& out) {
  std::vector<std::string> items = split_list(text);
  for (const auto& u : items) {
    const bool ok =
        u.rfind("stun:", 0) == 0 || u.rfind("stuns:", 0) == 0 || u.rfind("turn:", 0) == 0 || u.rfind("turns:", 0) == 0;
    if (!ok) return "'" + u + "' must start with stun:, stuns:, turn: or turns:";
  }
  out = std::move(items);
  return std::nullopt;
}

// ------------------------------------------------------------ the key table

constexpr std::int64_t kDay_s = 86'400;
constexpr std::int64_t kHour_ms = 3'600'000;
constexpr std::int64_t kMiB = 1024 * 1024;

struct Key {
  std::string_view name;
  std::string_view placeholder;  // for usage()
  std::string_view help;
  bool secret;  // default and value never printed
  Problem (*set)(Config&, std::string_view);
  std::string (*show)(const Config&);  // current value, for usage() defaults
};

// Each expands to the two function-pointer members (set, show) of a Key;
// clang-format would indent the second as a continuation of the first.
// clang-format off
#define SERENDIP_STRING(field)                                                      \
  [](Config& c, std::string_view v) -> Problem { c.field = std::string(trim(v)); return std::nullopt; }, \
  [](const Config& c) { return c.field; }
#define SERENDIP_INT(field, lo, hi)                                                      \
  [](Config& c, std::string_view v) -> Problem { return parse_int(v, c.field, lo, hi); }, \
  [](const Config& c) { return std::to_string(c.field); }
// clang-format on

const Key kKeys[] = {
    {"listen", "HOST:PORT", "HTTP/WebSocket listen address ([::1]:8080 for IPv6; port 0 = any free port)", false,
     [](Config& c, std::string_view v) { return parse_listen(v, c.listen_host, c.listen_port); },
     [](const Config& c) {
       const bool v6 = c.listen_host.find(':') != std::string::npos;
       return (v6 ? "[" + c.listen_host + "]" : c.listen_host) + ":" + std::to_string(c.listen_port);
     }},
    {"metrics-listen", "HOST:PORT",
     "serve /metrics (and /healthz, /readyz) on this address only, not on listen (default: on listen)", false,
     [](Config& c, std::string_view v) -> Problem {
       if (trim(v).empty()) {
         c.metrics_host.clear();
         c.metrics_port = 0;
         return std::nullopt;
       }
       return parse_listen(v, c.metrics_host, c.metrics_port);
     },
     [](const Config& c) -> std::string {
       if (c.metrics_host.empty()) return "";
       const bool v6 = c.metrics_host.find(':') != std::string::npos;
       return (v6 ? "[" + c.metrics_host + "]" : c.metrics_host) + ":" + std::to_string(c.metrics_port);
     }},
    {"tls-cert", "PATH", "PEM certificate chain; serve HTTPS/WSS (TLS 1.3) when set with tls-key", false,
     SERENDIP_STRING(tls_cert)},
    {"tls-key", "PATH", "PEM private key for tls-cert", false, SERENDIP_STRING(tls_key)},
    {"allowed-origins", "LIST", "comma-separated Origin allow-list (default: the listen origin)", false,
     [](Config& c, std::string_view v) { return parse_origins(v, c.allowed_origins); },
     [](const Config& c) { return join(c.allowed_origins); }},
    {"trusted-proxies", "LIST", "comma-separated proxy addresses/CIDRs whose X-Forwarded-For is believed", false,
     [](Config& c, std::string_view v) { return parse_cidrs(v, c.trusted_proxies); },
     [](const Config& c) { return join(c.trusted_proxies); }},
    {"threads", "N", "I/O threads (0 = one per usable CPU, within a cgroup CPU limit)", false,
     SERENDIP_INT(threads, 0, 64)},
    {"max-connections", "N", "open connections in all (0 = from the open-file limit)", false,
     SERENDIP_INT(max_connections, 0, 10'000'000)},
    {"max-connections-per-ip", "N", "open connections per client address, IPv6 per /64 (0 = no cap)", false,
     SERENDIP_INT(max_connections_per_ip, 0, 10'000'000)},
    {"jwt-secret", "SECRET", "token signing key (default: random per process)", true, SERENDIP_STRING(jwt_secret)},
    {"turn-secret", "SECRET", "coturn static-auth-secret", true, SERENDIP_STRING(turn_secret)},
    {"audit-key", "SECRET",
     "audit chain HMAC key, 32+ bytes (default: audit-key-file, else a key file beside an SQLite database)", true,
     SERENDIP_STRING(audit_key)},
    {"audit-key-file", "PATH", "file holding the audit chain HMAC key (first line)", false,
     SERENDIP_STRING(audit_key_file)},
    {"turn-urls", "LIST", "comma-separated stun:/turn:/turns: URLs handed to clients", false,
     [](Config& c, std::string_view v) { return parse_turn_urls(v, c.turn_urls); },
     [](const Config& c) { return join(c.turn_urls); }},
    {"turn-ttl-s", "SECONDS", "lifetime of TURN credentials", false, SERENDIP_INT(turn_ttl_s, 60, 7 * kDay_s)},
    {"redis-url", "URL",
     "Redis shared by several instances: redis://[:password@]host:port[/db], or a cluster as "
     "redis+cluster://host:port,host:port,...; rediss:// and rediss+cluster:// for TLS "
     "(default: one instance, state in memory)",
     false,
     [](Config& c, std::string_view v) -> Problem {
       v = trim(v);
       const bool known = v.rfind("redis://", 0) == 0 || v.rfind("redis+cluster://", 0) == 0 ||
                          v.rfind("rediss://", 0) == 0 || v.rfind("rediss+cluster://", 0) == 0;
       if (!v.empty() && !known) return "must start with redis://, redis+cluster://, rediss:// or rediss+cluster://";
       c.redis_url = std::string(v);
       return std::nullopt;
     },
     [](const Config& c) { return c.redis_url; }},
    {"redis-tls-ca-file", "PATH",
     "PEM CA bundle that signs Redis' certificates (rediss://; default: the system's trust store)", false,
     SERENDIP_STRING(redis_tls_ca_file)},
    {"redis-tls-cert-file", "PATH", "PEM client certificate for Redis servers that ask for one (rediss://)", false,
     SERENDIP_STRING(redis_tls_cert_file)},
    {"redis-tls-key-file", "PATH", "PEM private key of redis-tls-cert-file", false,
     SERENDIP_STRING(redis_tls_key_file)},
    {"redis-tls-server-name", "NAME",
     "the name Redis' certificates must carry (default: each node's host as the URL or the cluster gives it)", false,
     SERENDIP_STRING(redis_tls_server_name)},
    {"database-url", "URL", "sqlite://PATH or postgresql://...", false,
     [](Config& c, std::string_view v) -> Problem {
       v = trim(v);
       if (v.rfind("sqlite://", 0) != 0 && v.rfind("postgresql://", 0) != 0 && v.rfind("postgres://", 0) != 0) {
         return "must start with sqlite://, postgresql:// or postgres://";
       }
       c.database_url = std::string(v);
       return std::nullopt;
     },
     [](const Config& c) { return c.database_url; }},
    {"admin-bootstrap", "USER:PASSWORD", "first admin account, created if absent", true,
     [](Config& c, std::string_view v) -> Problem {
       v = trim(v);
       const auto colon = v.find(':');
       if (!v.empty() && (colon == 0 || colon == std::string_view::npos || colon + 1 == v.size())) {
         return "expected user:password";  // never echo the value: it holds a password
       }
       c.admin_bootstrap = std::string(v);
       return std::nullopt;
     },
     [](const Config& c) { return c.admin_bootstrap; }},
    {"ip-retention-days", "DAYS",
     "days raw IPs are kept in decided reports and appeals and ended blocks before a keyed hash replaces them "
     "(0 = for good)",
     false, SERENDIP_INT(ip_retention_days, 0, 3650)},
    {"static-dir", "PATH", "directory of the built web app", false, SERENDIP_STRING(static_dir)},
    {"token-ttl-s", "SECONDS", "lifetime of session tokens", false, SERENDIP_INT(token_ttl_s, 10, kDay_s)},
    {"hello-timeout-ms", "MS", "time a new socket has to send hello", false,
     SERENDIP_INT(hello_timeout_ms, 1, kHour_ms)},
    {"ping-interval-ms", "MS", "WebSocket ping interval", false, SERENDIP_INT(ping_interval_ms, 1, kHour_ms)},
    {"dead-after-ms", "MS", "close a socket silent (no frame, no pong) for this long", false,
     SERENDIP_INT(dead_after_ms, 1, kHour_ms)},
    {"drain-grace-ms", "MS", "time given to clients to reconnect elsewhere on shutdown", false,
     SERENDIP_INT(drain_grace_ms, 1, kHour_ms)},
    {"http-timeout-ms", "MS", "HTTP request read/write timeout", false, SERENDIP_INT(http_timeout_ms, 1, kHour_ms)},
    {"max-frame-bytes", "BYTES", "largest WebSocket message accepted", false,
     SERENDIP_INT(max_frame_bytes, 1024, 16 * kMiB)},
    {"max-sdp-bytes", "BYTES", "largest SDP in offer/answer", false, SERENDIP_INT(max_sdp_bytes, 1024, 16 * kMiB)},
    {"max-candidate-bytes", "BYTES", "largest ICE candidate", false, SERENDIP_INT(max_candidate_bytes, 64, kMiB)},
    {"messages-per-second", "N", "sustained messages per socket per second", false,
     SERENDIP_INT(messages_per_second, 1, 100'000)},
    {"messages-burst", "N", "message burst per socket", false, SERENDIP_INT(messages_burst, 1, 1'000'000)},
    {"max-http-body-bytes", "BYTES", "largest HTTP request body", false,
     SERENDIP_INT(max_http_body_bytes, 1024, 64 * kMiB)},
    {"widen-region-after-ms", "MS", "wait before matching across regions", false,
     SERENDIP_INT(widen_region_after_ms, 0, kHour_ms)},
    {"repeat-pair-cooldown-ms", "MS", "the same two devices are not paired again within this", false,
     SERENDIP_INT(repeat_pair_cooldown_ms, 0, 24 * kHour_ms)},
    {"reported-pair-days", "DAYS",
     "days two devices with a report between them are kept apart by the matchmaker (0 = for good)", false,
     SERENDIP_INT(reported_pair_days, 0, 3650)},
    {"same-device-match", "BOOL", "two tabs of one device may be paired (talking to yourself on a laptop)", false,
     [](Config& c, std::string_view v) { return parse_bool(v, c.same_device_match); },
     [](const Config& c) { return std::string(c.same_device_match ? "true" : "false"); }},
    {"geoip-db", "PATH",
     "country database (MaxMind DB format: the bundled CC0 one, GeoLite2-Country, DB-IP) for the region of an "
     "address; missing = the browser's hint only, off = do not look",
     false,
     [](Config& c, std::string_view v) -> Problem {
       v = trim(v);
       c.geoip_db = v == "off" ? std::string() : std::string(v);
       return std::nullopt;
     },
     [](const Config& c) { return c.geoip_db.empty() ? std::string("off") : c.geoip_db; }},
    {"region-map", "LIST",
     "overrides of the country/time-zone -> region table: CC=Region,tz:Area=Region (docs/regions.md)", false,
     [](Config& c, std::string_view v) -> Problem {
       auto parsed = core::RegionMap::with_overrides(v);
       if (const auto* error = std::get_if<std::string>(&parsed)) return *error;
       c.region_map = std::string(trim(v));
       return std::nullopt;
     },
     [](const Config& c) { return c.region_map; }},
    {"rate-limits", "LIST", "rate limit overrides: <limit>=<tokens>/<seconds>s/<burst> or <limit>=off (docs/abuse.md)",
     false,
     [](Config& c, std::string_view v) -> Problem {
       c.rate_limits = std::string(trim(v));
       return std::nullopt;
     },
     [](const Config& c) { return c.rate_limits; }},
    {"captcha", "BOOL", "let the abuse detector demand a CAPTCHA (off only for load tests)", false,
     [](Config& c, std::string_view v) { return parse_bool(v, c.captcha); },
     [](const Config& c) { return std::string(c.captcha ? "true" : "false"); }},
    {"log-level", "LEVEL", "debug, info, warn or error", false,
     [](Config& c, std::string_view v) -> Problem {
       v = trim(v);
       if (v != "debug" && v != "info" && v != "warn" && v != "error") {
         return "must be debug, info, warn or error, got '" + std::string(v) + "'";
       }
       c.log_level = std::string(v);
       return std::nullopt;
     },
     [](const Config& c) { return c.log_level; }},
};

#undef SERENDIP_STRING
#undef SERENDIP_INT

const Key* find_key(std::string_view name) {
  for (const Key& k : kKeys) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

// Applies one value; on failure the message names the source ("SERENDIP_X",
// "--x", "file:line: x") so the operator knows where to look.
std::optional<ConfigError> apply(Config& c, const Key& key, std::string_view value, const std::string& source) {
  if (auto problem = key.set(c, value)) return ConfigError{source + ": " + *problem};
  return std::nullopt;
}

std::optional<ConfigError> apply_file(Config& c, const std::string& path, const std::string& named_by) {
  std::ifstream in(path);
  if (!in) return ConfigError{named_by + ": cannot read config file '" + path + "'"};
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::string where = path + ":" + std::to_string(number);
    const std::string_view l = trim(line);
    if (l.empty() || l.front() == '#') continue;
    const auto eq = l.find('=');
    if (eq == std::string_view::npos) return ConfigError{where + ": expected 'key = value'"};
    const std::string_view name = trim(l.substr(0, eq));
    std::string_view value = trim(l.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    const Key* key = find_key(name);
    if (key == nullptr) return ConfigError{where + ": unknown key '" + std::string(name) + "'"};
    if (auto err = apply(c, *key, value, where + ": " + std::string(name))) return err;
  }
  return std::nullopt;
}

std::optional<ConfigError> check_combination(const Config& c) {
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    return ConfigError{"tls-cert and tls-key must be set together (SERENDIP_TLS_CERT, SERENDIP_TLS_KEY)"};
  }
  if (c.dead_after_ms <= c.ping_interval_ms) {
    return ConfigError{"dead-after-ms (" + std::to_string(c.dead_after_ms) + ") must exceed ping-interval-ms (" +
                       std::to_string(c.ping_interval_ms) + ")"};
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> Config::effective_allowed_origins() const {
  if (!allowed_origins.empty()) return allowed_origins;
  const std::string scheme = tls_cert.empty() ? "http://" : "https://";
  const std::string port = ":" + std::to_string(listen_port);
  const bool v6 = listen_host.find(':') != std::string::npos;
  std::vector<std::string> out{scheme + (v6 ? "[" + listen_host + "]" : lower(listen_host)) + port};
  const bool local_or_any = listen_host == "127.0.0.1" || listen_host == "::1" || listen_host == "0.0.0.0" ||
                            listen_host == "::" || lower(listen_host) == "localhost";
  if (local_or_any) {
    for (std::string_view host : {"localhost", "127.0.0.1"}) {
      std::string alt = scheme;
      alt.append(host).append(port);
      if (std::find(out.begin(), out.end(), alt) == out.end()) out.push_back(std::move(alt));
    }
  }
  return out;
}

std::variant<Loaded, ConfigError> load(int argc, const char* const* argv,
                                       const std::function<std::optional<std::string>(std::string_view)>& getenv) {
  Loaded loaded;
  // 1. Read the command line first (it may name the config file), apply it last.
  struct Flag {
    const Key* key;
    std::string value;
    std::string source;
  };
  std::vector<Flag> flags;
  std::optional<std::string> config_path;
  std::string config_named_by;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") {
      for (++i; i < argc; ++i) loaded.rest.emplace_back(argv[i]);
      break;
    }
    if (arg == "--help" || arg == "-h") {
      loaded.rest.emplace_back("help");
      continue;
    }
    if (arg == "--version") {
      loaded.rest.emplace_back("version");
      continue;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      loaded.rest.emplace_back(arg);
      continue;
    }
    if (arg.substr(0, 2) != "--") return ConfigError{std::string(arg) + ": unknown option (see --help)"};
    std::string_view name = arg.substr(2);
    std::optional<std::string> value;
    if (const auto eq = name.find('='); eq != std::string_view::npos) {
      value = std::string(name.substr(eq + 1));
      name = name.substr(0, eq);
    }
    const std::string source = "--" + std::string(name);
    const Key* key = find_key(name);
    if (key == nullptr && name != "config" && !loaded.rest.empty()) {
      // After an operator command ("audit verify --anchor FILE"): its own option, for it to read.
      loaded.rest.emplace_back(arg);
      continue;
    }
    if (key == nullptr && name != "config") return ConfigError{source + ": unknown option (see --help)"};
    if (!value) {
      if (i + 1 >= argc) return ConfigError{source + ": missing value"};
      value = argv[++i];
    }
    if (key == nullptr) {
      config_path = *value;
      config_named_by = source;
    } else {
      flags.push_back(Flag{key, std::move(*value), source});
    }
  }
  if (!config_path) {
    if (auto env = getenv("SERENDIP_CONFIG"); env && !env->empty()) {
      config_path = *env;
      config_named_by = "SERENDIP_CONFIG";
    }
  }

  // 2. defaults < file < environment < flags.
  Config& c = loaded.config;
  if (config_path) {
    if (auto err = apply_file(c, *config_path, config_named_by)) return *err;
  }
  for (const Key& key : kKeys) {
    const std::string name = env_name(key.name);
    // An empty variable counts as unset (compose files often pass VAR= through).
    if (auto value = getenv(name); value && !value->empty()) {
      if (auto err = apply(c, key, *value, name)) return *err;
    }
  }
  for (const Flag& f : flags) {
    if (auto err = apply(c, *f.key, f.value, f.source)) return *err;
  }
  if (auto err = check_combination(c)) return *err;
  return loaded;
}

std::string usage() {
  const Config defaults;
  std::ostringstream out;
  out << "Usage: serendip-server [--key=value ...] [command]\n"
         "\n"
         "Every setting can come from a flag (--key=value or --key value), an environment\n"
         "variable, or a config file (--config=PATH or SERENDIP_CONFIG; lines \"key = value\",\n"
         "'#' comments). Flags beat the environment, which beats the file.\n"
         "\n";
  for (const Key& k : kKeys) {
    out << "  --" << k.name << "=" << k.placeholder << "\n";
    out << "      " << k.help << "\n";
    out << "      env " << env_name(k.name) << ", default: ";
    const std::string value = k.show(defaults);
    if (k.secret) out << (value.empty() ? "unset" : "(hidden)");
    else out << (value.empty() ? "unset" : value);
    out << "\n";
  }
  out << "  --config=PATH\n      config file to read\n      env SERENDIP_CONFIG, default: unset\n";
  out << "  --help, -h\n      print this text\n";
  out << "  --version\n      print the version and exit\n";
  return out.str();
}

}  // namespace serendip::config
