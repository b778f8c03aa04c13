// Where the Redis client connects and how it behaves: seed endpoints, mode
// (standalone, cluster, or ask the server), credentials, timeouts and bounds.
// parse_url() reads the URL forms we accept in configuration:
//   redis://host[:port][/db]               standalone (mode auto: asks the server)
//   redis://[user]:password@host:port      with AUTH
//   redis+cluster://h1:p1,h2:p2,...        cluster, seed list
//   redis://h1:p1,h2:p2                    several seeds, mode auto
//   rediss://... / rediss+cluster://...    the same over TLS (Config::tls)
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace serendip::redis {

struct Endpoint {
  std::string host;
  std::uint16_t port = 6379;

  std::string to_string() const;  // "host:port", IPv6 hosts in brackets
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// "host:port", "[v6]:port" or "host" (port 6379). nullopt if malformed.
std::optional<Endpoint> parse_endpoint(std::string_view text);

enum class Mode : std::uint8_t {
  standalone,
  cluster,
  // Ask the first seed that answers: CLUSTER SLOTS either returns the map or
  // fails with "cluster support disabled".
  automatic,
};
std::string_view to_string(Mode m);

// TLS to every node (rediss://): the server's certificate is verified
// against `ca_file` (else the system's trust store) and must name
// `server_name` (else the host connected to: a DNS name or an IP address).
// A client certificate is sent when the server asks (Redis' tls-auth-clients).
struct Tls {
  std::string ca_file;      // PEM bundle; empty = the system's trust store
  std::string cert_file;    // PEM client certificate (chain); empty = none
  std::string key_file;     // its PEM private key
  std::string server_name;  // empty = each node's host
};

struct Config {
  std::vector<Endpoint> seeds;
  std::optional<Tls> tls;  // set by rediss:// and rediss+cluster://
  // Built from `tls` by the Client, once, and shared with its subscriber.
  std::shared_ptr<boost::asio::ssl::context> tls_context;
  Mode mode = Mode::automatic;
  std::string user;      // AUTH user (Redis 6 ACL); empty = AUTH with the password only
  std::string password;  // empty = no AUTH
  int db = 0;            // SELECT on connect (standalone only; a cluster has db 0 only)
  // CLIENT SETNAME on connect, so operators (and tests) can find our
  // connections in CLIENT LIST. Subscriber connections append "-sub".
  std::string client_name = "serendip";

  std::chrono::milliseconds command_timeout{2000};  // per command unless the command sets its own
  std::chrono::milliseconds connect_timeout{1000};  // TCP connect plus the AUTH/SELECT handshake
  std::chrono::milliseconds backoff_initial{50};    // first reconnect delay, doubled per failure...
  std::chrono::milliseconds backoff_max{2000};      // ...up to this, each one jittered in [d/2, d]
  std::size_t max_queued = 100'000;                 // commands queued or in flight per connection
  int max_redirects = 5;                            // MOVED/ASK hops per command
  int max_retries = 3;                              // extra attempts of idempotent commands
  std::chrono::milliseconds retry_delay{100};       // between those attempts (times the attempt number)
  // While a slot's owner is unreachable (a failover in progress) the slot map
  // is reloaded this often until the cluster points at a live master.
  std::chrono::milliseconds refresh_interval{500};
  std::uint64_t random_seed = 0;  // backoff jitter; 0 = from std::random_device
};

// Fills `out` from `url`; on failure returns false and a human-readable `error`.
bool parse_url(std::string_view url, Config& out, std::string& error);

}  // namespace serendip::redis
