// The end-to-end load benchmark's client: many WebSocket clients in one
// thread, against serendip-server or the epoll floor (serendip-floor-relay).
//
//   serendip-load --kind=serendip|floor --port=PORT --server-pid=PID
//                 [--idle=5000] [--pairs=200] [--warmup=2] [--seconds=10]
//                 [--alloc-file=PATH]
//
// 1. Idle sockets: opens --idle sockets (for serendip: token, upgrade, hello,
//    welcome) and reports the server's resident memory growth per socket.
// 2. Relay: 2 x --pairs sockets, matched in pairs (serendip: join, matched;
//    the floor pairs them in arrival order). Every socket sends one `ice`
//    message and answers each message it receives with another, so
//    2 x pairs messages are always in flight. After --warmup seconds it
//    measures for --seconds: messages relayed, the server's CPU time per
//    message (/proc/PID/stat), one-way latency (each message carries its send
//    time), and, with --alloc-file (the server runs under the alloc_counter
//    shim), the server's heap allocations per message.
//
// Prints `key=value` lines; scripts/bench.sh turns two runs into a table.
// Traffic goes to 127.0.0.1 only.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): kill() is POSIX, not in <csignal>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "ws_wire.hpp"

namespace {

using namespace serendip::bench;
using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "serendip-load: %s\n", what.c_str());
  std::exit(1);  // NOLINT(concurrency-mt-unsafe): the load generator is single-threaded
}

// strerror(errno), without strerror's shared buffer.
std::string errno_text() { return std::generic_category().message(errno); }

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

// ---------------------------------------------------------------- the server process

double rss_bytes(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) * 1024.0;
  }
  die("no VmRSS for pid " + std::to_string(pid));
}

double cpu_seconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string f;
  double utime = 0;
  double stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::stod(f);
    if (i == 15) stime = std::stod(f);
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

long long alloc_count(int pid, const std::string& file) {
  std::remove(file.c_str());
  kill(pid, SIGUSR2);
  for (int i = 0; i < 200; ++i) {
    std::ifstream in(file);
    long long v = -1;
    if (in >> v && v >= 0) return v;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  die("no allocation count in " + file + " (is the server running under the alloc_counter shim?)");
}

// ---------------------------------------------------------------- blocking setup

struct Conn {
  int fd = -1;
  std::string in;       // received, not yet parsed
  std::string session;  // sessionId (serendip) once matched
  std::string out;      // pending bytes (nonblocking phase)
  std::array<std::uint8_t, 4> mask{0x37, 0xfa, 0x21, 0x3d};
};

int connect_to(int port, int index) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die(std::string("socket: ") + errno_text());
  // Spread over 127.0.0.2..127.0.0.251 so the ephemeral ports of one source address suffice.
  sockaddr_in src{};
  src.sin_family = AF_INET;
  src.sin_addr.s_addr = htonl((127u << 24) | static_cast<std::uint32_t>(2 + index % 250));
  if (bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) die(std::string("bind: ") + errno_text());
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(static_cast<std::uint16_t>(port));
  dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0) die(std::string("connect: ") + errno_text());
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

void send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t w = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (w <= 0) die(std::string("send: ") + errno_text());
    bytes.remove_prefix(static_cast<std::size_t>(w));
  }
}

void recv_more(int fd, std::string& in) {
  char buf[8192];
  const ssize_t r = ::recv(fd, buf, sizeof buf, 0);
  if (r <= 0) die(r == 0 ? "connection closed by the server" : std::string("recv: ") + errno_text());
  in.append(buf, static_cast<std::size_t>(r));
}

// Reads an HTTP response head (and, with Content-Length, its body) from `in`/`fd`.
std::pair<std::string, std::string> read_http(int fd, std::string& in) {
  std::size_t end = 0;
  while ((end = in.find("\r\n\r\n")) == std::string::npos) recv_more(fd, in);
  std::string head = in.substr(0, end);
  in.erase(0, end + 4);
  std::size_t length = 0;
  for (const char* name : {"Content-Length: ", "content-length: "}) {
    if (auto at = head.find(name); at != std::string::npos) length = std::stoul(head.substr(at + std::strlen(name)));
  }
  while (in.size() < length) recv_more(fd, in);
  std::string body = in.substr(0, length);
  in.erase(0, length);
  return {head, body};
}

// One keep-alive connection for every POST /api/v1/session.
class TokenSource {
 public:
  explicit TokenSource(int port) : port_(port), fd_(connect_to(port, 0)) {}
  std::string token(const std::string& device_id) {
    const std::string body = "{\"deviceId\":\"" + device_id + "\"}";
    send_all(fd_, "POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) +
                      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                      "\r\n\r\n" + body);
    auto [head, res] = read_http(fd_, in_);
    if (head.find(" 200 ") == std::string::npos)
      die("POST /api/v1/session: " + head.substr(0, head.find('\r')) + " " + res);
    const auto t = json_string(res, "token");
    if (t.empty()) die("no token in " + res);
    return std::string(t);
  }

 private:
  int port_;
  int fd_;
  std::string in_;
};

std::pair<std::uint8_t, std::string> read_frame(Conn& c) {
  for (;;) {
    if (auto f = parse_frame(c.in.data(), c.in.size())) {
      std::string payload = c.in.substr(f->header_bytes, f->payload_bytes);
      c.in.erase(0, f->total());
      if (f->opcode == kOpPing) {
        send_all(c.fd, encode_frame(kOpPong, payload, c.mask));
        continue;
      }
      return {f->opcode, payload};
    }
    recv_more(c.fd, c.in);
  }
}

void send_text(Conn& c, std::string_view json) { send_all(c.fd, encode_frame(kOpText, json, c.mask)); }

// A WebSocket past the upgrade; for serendip also past hello (a new device each).
Conn open_socket(const std::string& kind, int port, int index, TokenSource* tokens, const std::string& run_id) {
  std::string token;
  if (kind == "serendip") token = tokens->token("load-" + run_id + "-" + std::to_string(index));
  Conn c;
  c.fd = connect_to(port, index);
  send_all(c.fd, "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                     "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: c2VyZW5kaXAtbG9hZC1rZXk=\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n");
  std::size_t end = 0;
  while ((end = c.in.find("\r\n\r\n")) == std::string::npos) recv_more(c.fd, c.in);
  if (c.in.compare(0, 12, "HTTP/1.1 101") != 0) die("upgrade refused: " + c.in.substr(0, c.in.find('\r')));
  c.in.erase(0, end + 4);
  if (kind == "serendip") {
    send_text(c, "{\"type\":\"hello\",\"token\":\"" + token + "\"}");
    auto [op, msg] = read_frame(c);
    if (json_string(msg, "type") != "welcome") die("hello answered with " + msg);
  }
  return c;
}

// ---------------------------------------------------------------- the relay phase

// An `ice` message as a browser sends it, carrying its send time (20 digits) in the candidate.
std::string ice_message(const std::string& session, std::int64_t sent_ns) {
  char ts[24];
  std::snprintf(ts, sizeof ts, "%020lld", static_cast<long long>(sent_ns));
  return "{\"type\":\"ice\",\"sessionId\":\"" + session + "\",\"candidate\":{\"candidate\":\"candidate:" + ts +
         " 1 udp 1677729535 192.0.2.3 54400 typ srflx raddr 10.0.0.1 rport 54400\",\"sdpMid\":\"0\","
         "\"sdpMLineIndex\":0,\"usernameFragment\":\"EsAw\"}}";
}

struct RelayStats {
  long long received = 0;
  long long wrong_session = 0;
  std::vector<std::uint32_t> latency_us;
};

class Relay {
 public:
  explicit Relay(std::vector<Conn>& conns) : conns_(conns), ep_(epoll_create1(0)) {
    for (std::size_t i = 0; i < conns_.size(); ++i) {
      Conn& c = conns_[i];
      timeval none{0, 0};
      setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
      fcntl(c.fd, F_SETFL, fcntl(c.fd, F_GETFL, 0) | O_NONBLOCK);
      epoll_event e{};
      e.events = EPOLLIN;
      e.data.u64 = i;
      epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &e);
    }
  }

  void start() {
    for (auto& c : conns_) send(c);
  }

  // Runs the event loop until `until`; counts into `stats` when `measuring`.
  void run(Clock::time_point until, RelayStats* stats) {
    std::vector<epoll_event> events(512);
    while (Clock::now() < until) {
      const int n = epoll_wait(ep_, events.data(), static_cast<int>(events.size()), 50);
      for (int i = 0; i < n; ++i) {
        Conn& c = conns_[events[i].data.u64];
        if (events[i].events & EPOLLOUT) flush(c);
        if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) readable(c, stats);
      }
    }
  }

 private:
  void send(Conn& c) {
    const std::string frame = encode_frame(kOpText, ice_message(c.session, now_ns()), c.mask);
    if (!c.out.empty()) {
      c.out += frame;
      return;
    }
    const ssize_t w = ::send(c.fd, frame.data(), frame.size(), MSG_NOSIGNAL);
    const std::size_t sent = w > 0 ? static_cast<std::size_t>(w) : 0;
    if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) die(std::string("send: ") + errno_text());
    if (sent < frame.size()) {
      c.out.assign(frame, sent);
      want_write(c, true);
    }
  }

  void want_write(Conn& c, bool on) {
    epoll_event e{};
    e.events = EPOLLIN | (on ? EPOLLOUT : 0u);
    e.data.u64 = static_cast<std::uint64_t>(&c - conns_.data());
    epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &e);
  }

  void flush(Conn& c) {
    while (!c.out.empty()) {
      const ssize_t w = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (w <= 0) return;
      c.out.erase(0, static_cast<std::size_t>(w));
    }
    want_write(c, false);
  }

  void readable(Conn& c, RelayStats* stats) {
    char buf[65536];
    for (;;) {
      const ssize_t r = ::recv(c.fd, buf, sizeof buf, 0);
      if (r == 0) die("the server closed a relay socket");
      if (r < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        die(std::string("recv: ") + errno_text());
      }
      c.in.append(buf, static_cast<std::size_t>(r));
    }
    std::size_t at = 0;
    const std::int64_t now = now_ns();
    while (auto f = parse_frame(c.in.data() + at, c.in.size() - at)) {
      const std::string_view payload(c.in.data() + at + f->header_bytes, f->payload_bytes);
      at += f->total();
      if (f->opcode == kOpPing) {
        const std::string pong = encode_frame(kOpPong, payload, c.mask);
        if (::send(c.fd, pong.data(), pong.size(), MSG_NOSIGNAL) < 0) die("send pong");
        continue;
      }
      if (f->opcode != kOpText) continue;
      if (json_string(payload, "type") != "ice") {
        die("unexpected message during the relay phase: " + std::string(payload.substr(0, 200)));
      }
      if (stats != nullptr) {
        ++stats->received;
        if (json_string(payload, "sessionId") != c.session) ++stats->wrong_session;
        const auto ts = payload.find("candidate:");
        if (ts != std::string_view::npos) {
          const long long sent = std::strtoll(std::string(payload.substr(ts + 10, 20)).c_str(), nullptr, 10);
          stats->latency_us.push_back(static_cast<std::uint32_t>(std::max<long long>(0, (now - sent) / 1000)));
        }
      }
      send(c);  // answer every message with one of our own
    }
    c.in.erase(0, at);
  }

  std::vector<Conn>& conns_;
  int ep_;
};

std::string arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
  const std::string prefix = "--" + name + "=";
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]).rfind(prefix, 0) == 0) return std::string(argv[i]).substr(prefix.size());
  }
  return fallback;
}

double percentile(std::vector<std::uint32_t>& v, double p) {
  if (v.empty()) return 0;
  const std::size_t k = std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  const std::string kind = arg(argc, argv, "kind", "serendip");
  const int port = std::stoi(arg(argc, argv, "port", "0"));
  const int pid = std::stoi(arg(argc, argv, "server-pid", "0"));
  const int idle = std::stoi(arg(argc, argv, "idle", "5000"));
  const int pairs = std::stoi(arg(argc, argv, "pairs", "200"));
  const double warmup = std::stod(arg(argc, argv, "warmup", "2"));
  const double seconds = std::stod(arg(argc, argv, "seconds", "10"));
  const std::string alloc_file = arg(argc, argv, "alloc-file", "");
  if ((kind != "serendip" && kind != "floor") || port <= 0 || pid <= 0) {
    std::fprintf(stderr,
                 "usage: serendip-load --kind=serendip|floor --port=PORT --server-pid=PID [--idle=N] "
                 "[--pairs=N] [--warmup=S] [--seconds=S] [--alloc-file=PATH]\n");
    return 2;
  }
  const std::string run_id = std::to_string(std::random_device{}() % 1000000000u);
  std::unique_ptr<TokenSource> tokens;
  if (kind == "serendip") tokens = std::make_unique<TokenSource>(port);
  std::printf("kind=%s\n", kind.c_str());

  // ---- 1. idle sockets
  if (idle > 0) {
    std::vector<Conn> warm;
    warm.reserve(50);
    for (int i = 0; i < 50; ++i) warm.push_back(open_socket(kind, port, i, tokens.get(), run_id + "w"));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const double before = rss_bytes(pid);
    std::vector<Conn> conns;
    conns.reserve(static_cast<std::size_t>(idle));
    for (int i = 0; i < idle; ++i) conns.push_back(open_socket(kind, port, i, tokens.get(), run_id + "i"));
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    const double after = rss_bytes(pid);
    std::printf("idle_sockets=%d\nrss_before_bytes=%.0f\nrss_after_bytes=%.0f\nrss_per_idle_socket_bytes=%.0f\n", idle,
                before, after, (after - before) / idle);
    for (auto& c : conns) ::close(c.fd);
    for (auto& c : warm) ::close(c.fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }

  // ---- 2. relay
  std::vector<Conn> conns;
  conns.reserve(2 * static_cast<std::size_t>(pairs));
  for (int i = 0; i < 2 * pairs; ++i) conns.push_back(open_socket(kind, port, i, tokens.get(), run_id + "r"));
  if (kind == "serendip") {
    for (auto& c : conns) send_text(c, R"({"type":"join","mode":"text","languages":["en"]})");
    for (auto& c : conns) {
      for (;;) {
        auto [op, msg] = read_frame(c);
        const auto type = json_string(msg, "type");
        if (type == "matched") {
          c.session = std::string(json_string(msg, "sessionId"));
          break;
        }
        if (type != "queued") die("join answered with " + msg);
      }
    }
  } else {
    for (auto& c : conns) c.session = "floor-relay-session-0000000000000";
  }
  Relay relay(conns);
  relay.start();
  relay.run(Clock::now() + std::chrono::milliseconds(static_cast<long long>(warmup * 1000)), nullptr);

  RelayStats stats;
  stats.latency_us.reserve(4'000'000);
  const double cpu0 = cpu_seconds(pid);
  const long long alloc0 = alloc_file.empty() ? 0 : alloc_count(pid, alloc_file);
  const auto t0 = Clock::now();
  relay.run(t0 + std::chrono::milliseconds(static_cast<long long>(seconds * 1000)), &stats);
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  const double cpu = cpu_seconds(pid) - cpu0;
  const long long allocs = alloc_file.empty() ? -1 : alloc_count(pid, alloc_file) - alloc0;

  if (stats.received == 0) die("no message relayed");
  if (stats.wrong_session != 0) die(std::to_string(stats.wrong_session) + " messages arrived on the wrong session");
  std::printf(
      "pairs=%d\nseconds=%.2f\nrelayed_messages=%lld\nrelayed_per_second=%.0f\nserver_cpu_seconds=%.2f\n"
      "server_cpu_us_per_message=%.3f\nlatency_p50_us=%.0f\nlatency_p99_us=%.0f\n",
      pairs, elapsed, stats.received, static_cast<double>(stats.received) / elapsed, cpu,
      cpu * 1e6 / static_cast<double>(stats.received), percentile(stats.latency_us, 0.50),
      percentile(stats.latency_us, 0.99));
  if (allocs >= 0) {
    std::printf("server_allocations=%lld\nserver_allocations_per_message=%.4f\n", allocs,
                static_cast<double>(allocs) / static_cast<double>(stats.received));
  }
  for (auto& c : conns) ::close(c.fd);
  return 0;
}
