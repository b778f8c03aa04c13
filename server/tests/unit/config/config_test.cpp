#include "config/config.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

namespace serendip::config {
namespace {

using Env = std::map<std::string, std::string, std::less<>>;

struct Outcome {
  std::variant<Loaded, ConfigError> result;
  bool ok() const { return std::holds_alternative<Loaded>(result); }
  const Config& config() const { return std::get<Loaded>(result).config; }
  const std::vector<std::string>& rest() const { return std::get<Loaded>(result).rest; }
  std::string error() const { return ok() ? "(no error)" : std::get<ConfigError>(result).message; }
};

Outcome run(std::vector<std::string> args, const Env& env = {}) {
  args.insert(args.begin(), "serendip-server");
  std::vector<const char*> argv;
  argv.reserve(args.size());
  for (const auto& a : args) argv.push_back(a.c_str());
  auto getenv = [&env](std::string_view name) -> std::optional<std::string> {
    if (auto it = env.find(name); it != env.end()) return it->second;
    return std::nullopt;
  };
  return Outcome{load(static_cast<int>(argv.size()), argv.data(), getenv)};
}

// A config file in a fresh temporary directory, removed with the object.
class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() / ("serendip-config-test-" + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
    path_ = dir_ / "serendip.conf";
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::filesystem::remove_all(dir_); }
  TempFile(const TempFile&) = delete;  // one owner of the directory
  TempFile& operator=(const TempFile&) = delete;
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path dir_;
  std::filesystem::path path_;
};

TEST(Config, Defaults) {
  const Outcome r = run({});
  ASSERT_TRUE(r.ok()) << r.error();
  const Config& c = r.config();
  EXPECT_EQ(c.listen_host, "127.0.0.1");
  EXPECT_EQ(c.listen_port, 8080);
  EXPECT_EQ(c.database_url, "sqlite://./data/serendip.db");
  EXPECT_EQ(c.token_ttl_s, 300);
  EXPECT_EQ(c.turn_ttl_s, 3600);
  EXPECT_EQ(c.max_frame_bytes, 32u * 1024);
  EXPECT_TRUE(r.rest().empty());
}

TEST(Config, Precedence) {
  const TempFile file("# comment\n\nlisten = 10.0.0.1:1000\nthreads = 1\nlog-level=warn\nstatic-dir = \"/srv/www\"\n");
  struct Case {
    std::string name;
    std::vector<std::string> args;
    Env env;
    std::string listen_host;
    int threads;
    std::string log_level;
  };
  const std::vector<Case> cases = {
      {"defaults", {}, {}, "127.0.0.1", 0, "info"},
      {"file", {"--config=" + file.path()}, {}, "10.0.0.1", 1, "warn"},
      {"file via env", {}, {{"SERENDIP_CONFIG", file.path()}}, "10.0.0.1", 1, "warn"},
      {"env beats file",
       {"--config", file.path()},
       {{"SERENDIP_LISTEN", "10.0.0.2:2000"}, {"SERENDIP_THREADS", "2"}},
       "10.0.0.2",
       2,
       "warn"},
      {"flag beats env",
       {"--config=" + file.path(), "--threads=3", "--listen", "10.0.0.3:3000"},
       {{"SERENDIP_LISTEN", "10.0.0.2:2000"}, {"SERENDIP_THREADS", "2"}, {"SERENDIP_LOG_LEVEL", "error"}},
       "10.0.0.3",
       3,
       "error"},
      {"empty env is unset", {}, {{"SERENDIP_THREADS", ""}}, "127.0.0.1", 0, "info"},
      {"last flag wins", {"--threads=4", "--threads=5"}, {}, "127.0.0.1", 5, "info"},
  };
  for (const Case& tc : cases) {
    const Outcome r = run(tc.args, tc.env);
    ASSERT_TRUE(r.ok()) << tc.name << ": " << r.error();
    EXPECT_EQ(r.config().listen_host, tc.listen_host) << tc.name;
    EXPECT_EQ(r.config().threads, tc.threads) << tc.name;
    EXPECT_EQ(r.config().log_level, tc.log_level) << tc.name;
  }
  EXPECT_EQ(run({"--config=" + file.path()}).config().static_dir, "/srv/www");
}

TEST(Config, ContractEnvironmentNames) {
  const Outcome r = run({}, {{"SERENDIP_LISTEN", "0.0.0.0:9000"},
                             {"SERENDIP_TLS_CERT", "cert.pem"},
                             {"SERENDIP_TLS_KEY", "key.pem"},
                             {"SERENDIP_ALLOWED_ORIGINS", "https://a.example, https://B.example:8443"},
                             {"SERENDIP_JWT_SECRET", "jwt"},
                             {"SERENDIP_TURN_SECRET", "turn"},
                             {"SERENDIP_TURN_URLS", "stun:127.0.0.1:3478,turn:127.0.0.1:3478?transport=udp"},
                             {"SERENDIP_REDIS_URL", "redis://127.0.0.1:6379/0"},
                             {"SERENDIP_DATABASE_URL", "postgresql://u@h/db"},
                             {"SERENDIP_ADMIN_BOOTSTRAP", "root:pw"},
                             {"SERENDIP_MAX_SDP_BYTES", "2048"},
                             {"SERENDIP_SOMETHING_NEW", "ignored"}});
  ASSERT_TRUE(r.ok()) << r.error();
  const Config& c = r.config();
  EXPECT_EQ(c.listen_host, "0.0.0.0");
  EXPECT_EQ(c.listen_port, 9000);
  EXPECT_EQ(c.tls_cert, "cert.pem");
  EXPECT_EQ(c.tls_key, "key.pem");
  EXPECT_EQ(c.allowed_origins, (std::vector<std::string>{"https://a.example", "https://b.example:8443"}));
  EXPECT_EQ(c.jwt_secret, "jwt");
  EXPECT_EQ(c.turn_secret, "turn");
  EXPECT_EQ(c.turn_urls.size(), 2u);
  EXPECT_EQ(c.redis_url, "redis://127.0.0.1:6379/0");
  EXPECT_EQ(c.database_url, "postgresql://u@h/db");
  EXPECT_EQ(c.admin_bootstrap, "root:pw");
  EXPECT_EQ(c.max_sdp_bytes, 2048u);
}

TEST(Config, RedisUrlForms) {
  for (const char* url :
       {"redis://127.0.0.1:6379", "redis://:secret@cache:6379/2", "redis+cluster://10.0.0.1:7000,10.0.0.2:7000",
        "rediss://cache.example:6380", "rediss+cluster://10.0.0.1:7000,10.0.0.2:7000"}) {
    const Outcome r = run({std::string("--redis-url=") + url});
    ASSERT_TRUE(r.ok()) << url << ": " << r.error();
    EXPECT_EQ(r.config().redis_url, url);
  }
}

TEST(Config, Lists) {
  const Outcome r = run({"--turn-urls= stun:a:3478 ,, turn:b:3478 ,", "--trusted-proxies=10.0.0.0/8,::1,192.168.1.1"});
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.config().turn_urls, (std::vector<std::string>{"stun:a:3478", "turn:b:3478"}));
  EXPECT_EQ(r.config().trusted_proxies, (std::vector<std::string>{"10.0.0.0/8", "::1", "192.168.1.1"}));
  EXPECT_TRUE(run({"--turn-urls="}).config().turn_urls.empty());
}

TEST(Config, MetricsListen) {
  EXPECT_TRUE(run({}).config().metrics_host.empty());  // default: /metrics on `listen`
  const auto r = run({"--metrics-listen=0.0.0.0:9090"});
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.config().metrics_host, "0.0.0.0");
  EXPECT_EQ(r.config().metrics_port, 9090);
  const auto v6 = run({"--metrics-listen=[::1]:0"});
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6.config().metrics_host, "::1");
  EXPECT_TRUE(run({"--metrics-listen="}).config().metrics_host.empty());
  const auto bad = run({"--metrics-listen=9090"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("metrics-listen"), std::string::npos) << bad.error();
}

TEST(Config, ListenParsing) {
  struct Case {
    std::string text;
    bool ok;
    std::string host;
    int port;
  };
  const std::vector<Case> cases = {
      {"127.0.0.1:8080", true, "127.0.0.1", 8080},
      {"0.0.0.0:0", true, "0.0.0.0", 0},
      {"localhost:65535", true, "localhost", 65535},
      {"[::1]:8080", true, "::1", 8080},
      {"[::]:443", true, "::", 443},
      {"::1:8080", false, "", 0},
      {"[::1]8080", false, "", 0},
      {"[nothex]:80", false, "", 0},
      {"127.0.0.1", false, "", 0},
      {"127.0.0.1:", false, "", 0},
      {":8080", false, "", 0},
      {"127.0.0.1:65536", false, "", 0},
      {"127.0.0.1:-1", false, "", 0},
      {"127.0.0.1:80x", false, "", 0},
      {"bad host:80", false, "", 0},
  };
  for (const Case& tc : cases) {
    const Outcome r = run({"--listen=" + tc.text});
    EXPECT_EQ(r.ok(), tc.ok) << tc.text << ": " << r.error();
    if (r.ok() && tc.ok) {
      EXPECT_EQ(r.config().listen_host, tc.host) << tc.text;
      EXPECT_EQ(r.config().listen_port, tc.port) << tc.text;
    }
  }
}

TEST(Config, ErrorsNameKeyAndSource) {
  struct Case {
    std::vector<std::string> args;
    Env env;
    std::string expected_prefix;
  };
  const std::vector<Case> cases = {
      {{}, {{"SERENDIP_LISTEN", "nope"}}, "SERENDIP_LISTEN: "},
      {{"--threads=65"}, {}, "--threads: must be between 0 and 64"},
      {{"--threads", "x"}, {}, "--threads: expected an integer"},
      {{"--hello-timeout-ms=0"}, {}, "--hello-timeout-ms: must be between"},
      {{"--max-frame-bytes=10"}, {}, "--max-frame-bytes: must be between"},
      {{}, {{"SERENDIP_TOKEN_TTL_S", "-5"}}, "SERENDIP_TOKEN_TTL_S: must be between"},
      {{"--log-level=loud"}, {}, "--log-level: must be debug, info, warn or error"},
      {{"--lisen=1.2.3.4:5"}, {}, "--lisen: unknown option"},
      {{"-x"}, {}, "-x: unknown option"},
      {{"--threads"}, {}, "--threads: missing value"},
      {{"--allowed-origins=https://a.example/"}, {}, "--allowed-origins: origin"},
      {{"--allowed-origins=a.example"}, {}, "--allowed-origins: origin"},
      {{"--turn-urls=http://x"}, {}, "--turn-urls: "},
      {{"--trusted-proxies=10.0.0.0/33"}, {}, "--trusted-proxies: "},
      {{"--redis-url=localhost:6379"}, {}, "--redis-url: "},
      {{"--redis-url=redis-tls://cache:6380"}, {}, "--redis-url: must start with"},
      {{"--database-url=mysql://x"}, {}, "--database-url: "},
      {{"--admin-bootstrap=rootonly"}, {}, "--admin-bootstrap: expected user:password"},
      {{"--tls-cert=c.pem"}, {}, "tls-cert and tls-key must be set together"},
      {{}, {{"SERENDIP_TLS_KEY", "k.pem"}}, "tls-cert and tls-key must be set together"},
      {{"--ping-interval-ms=30000"}, {}, "dead-after-ms (25000) must exceed ping-interval-ms"},
      {{"--config=/nonexistent/serendip.conf"}, {}, "--config: cannot read config file"},
      {{}, {{"SERENDIP_CONFIG", "/nonexistent/serendip.conf"}}, "SERENDIP_CONFIG: cannot read config file"},
  };
  for (const Case& tc : cases) {
    const Outcome r = run(tc.args, tc.env);
    ASSERT_FALSE(r.ok()) << tc.expected_prefix;
    EXPECT_EQ(r.error().rfind(tc.expected_prefix, 0), 0u) << "got: " << r.error();
  }
}

TEST(Config, FileErrors) {
  const TempFile unknown("listen = 127.0.0.1:1\nthraeds = 4\n");
  const Outcome a = run({"--config=" + unknown.path()});
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error(), unknown.path() + ":2: unknown key 'thraeds'");

  const TempFile bad_value("\n  # indented comment\nthreads = 99\n");
  const Outcome b = run({"--config=" + bad_value.path()});
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().rfind(bad_value.path() + ":3: threads: must be between", 0), 0u) << b.error();

  const TempFile no_equals("listen 127.0.0.1:1\n");
  EXPECT_NE(run({"--config=" + no_equals.path()}).error().find(":1: expected 'key = value'"), std::string::npos);
}

TEST(Config, SecretsAreNotEchoed) {
  const Outcome r = run({"--admin-bootstrap=hunter2"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().find("hunter2"), std::string::npos);
  EXPECT_EQ(usage().find("hunter2"), std::string::npos);
}

TEST(Config, RestAndHelp) {
  const Outcome r = run({"admin", "--threads=2", "create", "-h", "--help", "--", "--not-a-flag"});
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.rest(), (std::vector<std::string>{"admin", "create", "help", "help", "--not-a-flag"}));
  EXPECT_EQ(r.config().threads, 2);
}

TEST(Config, UnknownOptionsAfterACommandAreItsOwn) {
  // `audit verify --anchor FILE --key-file=K`: options the configuration does
  // not know go to the command; the configuration's own still configure.
  const Outcome r = run({"audit", "verify", "--anchor", "a.json", "--threads=3", "--key-file=k"});
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.rest(), (std::vector<std::string>{"audit", "verify", "--anchor", "a.json", "--key-file=k"}));
  EXPECT_EQ(r.config().threads, 3);
  // Before any command an unknown option is still an error.
  EXPECT_FALSE(run({"--anchor", "a.json", "audit", "verify"}).ok());
}

TEST(Config, AuditKeySettings) {
  const Outcome r = run({"--audit-key-file=/etc/serendip/audit.key"}, {{"SERENDIP_AUDIT_KEY", "k-from-env"}});
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.config().audit_key, "k-from-env");
  EXPECT_EQ(r.config().audit_key_file, "/etc/serendip/audit.key");
  EXPECT_EQ(usage().find("k-from-env"), std::string::npos);
}

TEST(Config, ReportedPairDays) {
  EXPECT_EQ(run({}).config().reported_pair_days, 180);
  EXPECT_EQ(run({}, {{"SERENDIP_REPORTED_PAIR_DAYS", "30"}}).config().reported_pair_days, 30);
  EXPECT_EQ(run({"--reported-pair-days=0"}).config().reported_pair_days, 0);  // apart for good
  EXPECT_FALSE(run({"--reported-pair-days=3651"}).ok());
  EXPECT_FALSE(run({"--reported-pair-days=-1"}).ok());
}

TEST(Config, IpRetentionDays) {
  EXPECT_EQ(run({}).config().ip_retention_days, 90);
  EXPECT_EQ(run({}, {{"SERENDIP_IP_RETENTION_DAYS", "30"}}).config().ip_retention_days, 30);
  EXPECT_EQ(run({"--ip-retention-days=0"}).config().ip_retention_days, 0);  // keep raw IPs for good
  EXPECT_EQ(run({"--ip-retention-days=3650"}).config().ip_retention_days, 3650);
  for (const char* bad : {"-1", "3651", "ninety", ""}) {
    const Outcome r = run({std::string("--ip-retention-days=") + bad});
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().find("--ip-retention-days"), std::string::npos) << r.error();
  }
  EXPECT_NE(usage().find("env SERENDIP_IP_RETENTION_DAYS, default: 90"), std::string::npos);
}

TEST(Config, ConnectionCaps) {
  const Config defaults = run({}).config();
  EXPECT_EQ(defaults.max_connections, 0u);  // from the open-file limit (net/server.cpp)
  EXPECT_EQ(defaults.max_connections_per_ip, 300u);
  const Outcome r = run({"--max-connections=5000"}, {{"SERENDIP_MAX_CONNECTIONS_PER_IP", "0"}});
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.config().max_connections, 5000u);
  EXPECT_EQ(r.config().max_connections_per_ip, 0u);  // no cap per address
  for (const char* bad : {"-1", "lots", "", "10000001"}) {
    const Outcome e = run({std::string("--max-connections-per-ip=") + bad});
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_NE(e.error().find("--max-connections-per-ip"), std::string::npos) << e.error();
  }
  EXPECT_NE(usage().find("env SERENDIP_MAX_CONNECTIONS_PER_IP, default: 300"), std::string::npos);
  EXPECT_NE(usage().find("env SERENDIP_MAX_CONNECTIONS, default: 0"), std::string::npos);
}

TEST(Config, EffectiveAllowedOrigins) {
  Config c;
  EXPECT_EQ(c.effective_allowed_origins(),
            (std::vector<std::string>{"http://127.0.0.1:8080", "http://localhost:8080"}));
  c.listen_host = "0.0.0.0";
  c.listen_port = 9000;
  EXPECT_EQ(c.effective_allowed_origins(),
            (std::vector<std::string>{"http://0.0.0.0:9000", "http://localhost:9000", "http://127.0.0.1:9000"}));
  c.listen_host = "::1";
  c.tls_cert = "c";
  c.tls_key = "k";
  EXPECT_EQ(c.effective_allowed_origins(),
            (std::vector<std::string>{"https://[::1]:9000", "https://localhost:9000", "https://127.0.0.1:9000"}));
  c.listen_host = "chat.example";
  EXPECT_EQ(c.effective_allowed_origins(), (std::vector<std::string>{"https://chat.example:9000"}));
  c.allowed_origins = {"https://chat.example"};
  EXPECT_EQ(c.effective_allowed_origins(), (std::vector<std::string>{"https://chat.example"}));
}

TEST(Config, UsageListsEveryKey) {
  const std::string text = usage();
  for (const char* key : {"listen",
                          "metrics-listen",
                          "tls-cert",
                          "tls-key",
                          "allowed-origins",
                          "trusted-proxies",
                          "threads",
                          "jwt-secret",
                          "turn-secret",
                          "turn-urls",
                          "turn-ttl-s",
                          "redis-url",
                          "redis-tls-ca-file",
                          "redis-tls-cert-file",
                          "redis-tls-key-file",
                          "redis-tls-server-name",
                          "database-url",
                          "admin-bootstrap",
                          "ip-retention-days",
                          "static-dir",
                          "token-ttl-s",
                          "hello-timeout-ms",
                          "ping-interval-ms",
                          "dead-after-ms",
                          "drain-grace-ms",
                          "http-timeout-ms",
                          "max-frame-bytes",
                          "max-sdp-bytes",
                          "max-candidate-bytes",
                          "messages-per-second",
                          "messages-burst",
                          "max-http-body-bytes",
                          "widen-region-after-ms",
                          "repeat-pair-cooldown-ms",
                          "log-level"}) {
    EXPECT_NE(text.find(std::string("--") + key + "="), std::string::npos) << key;
  }
  EXPECT_NE(text.find("env SERENDIP_LISTEN, default: 127.0.0.1:8080"), std::string::npos) << text;
  EXPECT_NE(text.find("env SERENDIP_MAX_FRAME_BYTES, default: 32768"), std::string::npos);
  EXPECT_NE(text.find("env SERENDIP_REDIS_URL, default: unset"), std::string::npos);
}

TEST(Config, EveryKeyWorksAsFlagEnvAndFile) {
  // One representative value per key, checked through all three sources.
  const std::vector<std::pair<std::string, std::string>> values = {
      {"listen", "127.0.0.1:7000"}, {"threads", "3"},
      {"turn-ttl-s", "600"},        {"token-ttl-s", "120"},
      {"hello-timeout-ms", "1000"}, {"max-candidate-bytes", "512"},
      {"messages-burst", "10"},     {"repeat-pair-cooldown-ms", "0"},
      {"static-dir", "dist"},       {"drain-grace-ms", "5"}};
  for (const auto& [key, value] : values) {
    std::string env_key = "SERENDIP_";
    for (char ch : key) env_key += ch == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    const TempFile file(std::string(key).append(" = ").append(value).append("\n"));
    const Outcome by_flag = run({std::string("--").append(key).append("=").append(value)});
    const Outcome by_env = run({}, {{env_key, value}});
    const Outcome by_file = run({"--config=" + file.path()});
    ASSERT_TRUE(by_flag.ok()) << key << by_flag.error();
    ASSERT_TRUE(by_env.ok()) << key << by_env.error();
    ASSERT_TRUE(by_file.ok()) << key << by_file.error();
    EXPECT_EQ(usage(), usage());
    const Config defaults;
    // All three agree, and differ from the default for at least one field.
    auto fingerprint = [](const Config& c) {
      return c.listen_host + ":" + std::to_string(c.listen_port) + "/" + std::to_string(c.threads) + "/" +
             std::to_string(c.turn_ttl_s) + "/" + std::to_string(c.token_ttl_s) + "/" +
             std::to_string(c.hello_timeout_ms) + "/" + std::to_string(c.max_candidate_bytes) + "/" +
             std::to_string(c.messages_burst) + "/" + std::to_string(c.repeat_pair_cooldown_ms) + "/" + c.static_dir +
             "/" + std::to_string(c.drain_grace_ms);
    };
    EXPECT_EQ(fingerprint(by_flag.config()), fingerprint(by_env.config())) << key;
    EXPECT_EQ(fingerprint(by_flag.config()), fingerprint(by_file.config())) << key;
    EXPECT_NE(fingerprint(by_flag.config()), fingerprint(defaults)) << key;
  }
}

}  // namespace
}  // namespace serendip::config

namespace serendip::config {
namespace {

TEST(Config, BooleansAndAbuseSettings) {
  auto d = run({});
  ASSERT_TRUE(d.ok()) << d.error();
  EXPECT_TRUE(d.config().same_device_match);
  EXPECT_TRUE(d.config().captcha);
  auto off = run({"--same-device-match=no", "--captcha=0", "--rate-limits=join_per_device=1/1s/1"});
  ASSERT_TRUE(off.ok()) << off.error();
  EXPECT_FALSE(off.config().same_device_match);
  EXPECT_FALSE(off.config().captcha);
  EXPECT_EQ(off.config().rate_limits, "join_per_device=1/1s/1");
  auto env = run({}, {{"SERENDIP_SAME_DEVICE_MATCH", "false"}});
  ASSERT_TRUE(env.ok()) << env.error();
  EXPECT_FALSE(env.config().same_device_match);
  auto bad = run({"--captcha=maybe"});
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("captcha"), std::string::npos) << bad.error();
}

}  // namespace
}  // namespace serendip::config

namespace serendip::config {
namespace {

TEST(Config, RegionSettings) {
  const Outcome defaults = run({});
  ASSERT_TRUE(defaults.ok()) << defaults.error();
  EXPECT_EQ(defaults.config().geoip_db, "./data/geoip-country.mmdb");
  EXPECT_EQ(defaults.config().region_map, "");

  const Outcome set =
      run({"--region-map=US=North_America,tz:America="}, {{"SERENDIP_GEOIP_DB", "/srv/GeoLite2-Country.mmdb"}});
  ASSERT_TRUE(set.ok()) << set.error();
  EXPECT_EQ(set.config().geoip_db, "/srv/GeoLite2-Country.mmdb");
  EXPECT_EQ(set.config().region_map, "US=North_America,tz:America=");
  EXPECT_TRUE(run({}, {{"SERENDIP_GEOIP_DB", "off"}}).config().geoip_db.empty());

  const Outcome bad = run({}, {{"SERENDIP_REGION_MAP", "US=North America"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("SERENDIP_REGION_MAP"), std::string::npos) << bad.error();
  EXPECT_NE(bad.error().find("US=North America"), std::string::npos) << bad.error();
}

}  // namespace
}  // namespace serendip::config
