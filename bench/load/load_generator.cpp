// The end-to-end load benchmark's client: many WebSocket clients in one
// thread, against serendip-server or the epoll floor (serendip-floor-relay).
//
//   serendip-load [--scenario=relay|churn|rtt] --kind=serendip|floor --port=PORTS
//                 --server-pid=PIDS [--redis-pid=PIDS] [--db-pid=PIDS] [--proxy-pid=PIDS]
//                 [--idle=5000] [--pairs=200] [--warmup=2] [--seconds=10]
//                 [--alloc-file=PATH] [--peer-port=PORTS] [--language=en]
//                 [--window-hook=CMD]
//
// PORTS: one or more PORT or HOST:PORT (IPv4), comma-separated or the option
// given again; connections are spread over them in turn. PIDS likewise: the
// CPU time (utime + stime from /proc/PID/stat) of every PID in a group is
// summed over the measured window; --db-pid also counts the PID's children
// (PostgreSQL's backends). Redis, database and proxy CPU are reported apart
// from the server's, and server + Redis as `total`. Churn and rtt run
// `CMD start` just before the measured window and `CMD end` just after it
// (scripts/bench.sh reads Redis's command counters there).
//
// --scenario=relay (the default, `scripts/bench.sh load`):
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
// --scenario=churn (serendip, or the churn floor: serendip-floor-relay --churn
//    with --kind=floor): 2 x --pairs sockets join (mode text, one
//    language, each socket a device of its own) and churn as fast as they
//    can: on `matched` the offerer sends `next` at once, the answerer waits
//    for `peer_left` and joins again, so every cycle is one session end, two
//    requeues and one match. A socket that hears nothing for 3 s joins again
//    (counted as a stall). After --warmup it measures for --seconds: match
//    cycles per second (`matched` events / 2), CPU per match cycle, and the
//    wait from a socket's join/next to its `matched` (p50/p99); also the
//    share of matches that paired two sockets which were each other's last
//    partner, and of matches across two --port endpoints (with the instances'
//    own ports given, the share of pairs that span two instances).
//    --language=pair gives pair k (sockets 2k, 2k + 1) a language of its own,
//    so the same two sockets meet again and again; with --peer-port, side A
//    connects to --port and side B to --peer-port (churn on one instance or
//    across two, by choice).
// --scenario=rtt (serendip only): --pairs pairs whose side A connects to
//    --port and side B to --peer-port (both sides on one instance, or on two);
//    each pair joins with a language tag of its own, so its two sockets meet
//    each other whatever instance pairs them. Side A sends an `ice` message
//    carrying its send time, side B sends the same candidate back, side A
//    measures the round trip and sends the next: one message in flight per
//    pair. Reports round-trip p50/p99, relayed messages per second (both
//    directions) and CPU per relayed message.
//
// Prints `key=value` lines; scripts/bench.sh turns runs into tables.
// Traffic goes to loopback only.
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
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <unordered_map>
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
  if (stat.rfind(')') == std::string::npos) return 0;  // the process is gone
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

// The CPU seconds of a set of processes; with `children`, of their direct
// children too (PostgreSQL's postmaster and its backends). A child that exits
// within the window takes its CPU time with it (not counted).
struct PidGroup {
  std::vector<int> pids;
  bool children = false;

  bool empty() const { return pids.empty(); }

  double cpu() const {
    double total = 0;
    for (int pid : pids) total += cpu_seconds(pid);
    if (children && !pids.empty()) {
      for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const std::string name = entry.path().filename().string();
        if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
          continue;
        }
        const int ppid = parent_of(std::stoi(name));
        if (std::find(pids.begin(), pids.end(), ppid) != pids.end()) total += cpu_seconds_or_zero(std::stoi(name));
      }
    }
    return total;
  }

  static int parent_of(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = stat.rfind(')');
    if (close == std::string::npos) return -1;
    std::istringstream fields(stat.substr(close + 2));
    std::string state;
    int ppid = -1;
    fields >> state >> ppid;
    return ppid;
  }

  static double cpu_seconds_or_zero(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    return in ? cpu_seconds(pid) : 0.0;
  }
};

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

// Where a socket connects: an IPv4 address (host byte order) and a port.
struct Endpoint {
  std::uint32_t addr = INADDR_LOOPBACK;
  int port = 0;
  std::string host() const {
    char buf[INET_ADDRSTRLEN];
    const in_addr a{htonl(addr)};
    inet_ntop(AF_INET, &a, buf, sizeof buf);
    return std::string(buf) + ":" + std::to_string(port);
  }
};

int connect_to(const Endpoint& to, int index) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die(std::string("socket: ") + errno_text());
  // Spread over 127.0.0.2..127.0.0.251 so the ephemeral ports of one source address suffice.
  sockaddr_in src{};
  src.sin_family = AF_INET;
  src.sin_addr.s_addr = htonl((127u << 24) | static_cast<std::uint32_t>(2 + index % 250));
  if (bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) die(std::string("bind: ") + errno_text());
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(static_cast<std::uint16_t>(to.port));
  dst.sin_addr.s_addr = htonl(to.addr);
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
  explicit TokenSource(const Endpoint& at) : at_(at), fd_(connect_to(at, 0)) {}
  std::string token(const std::string& device_id) {
    const std::string body = "{\"deviceId\":\"" + device_id + "\"}";
    send_all(fd_, "POST /api/v1/session HTTP/1.1\r\nHost: " + at_.host() +
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
  Endpoint at_;
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
Conn open_socket(const std::string& kind, const Endpoint& at, int index, TokenSource* tokens,
                 const std::string& run_id) {
  std::string token;
  if (kind == "serendip") token = tokens->token("load-" + run_id + "-" + std::to_string(index));
  Conn c;
  c.fd = connect_to(at, index);
  send_all(c.fd, "GET /ws HTTP/1.1\r\nHost: " + at.host() +
                     "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: c2VyZW5kaXAtbG9hZGtleQ==\r\n"
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

// ---------------------------------------------------------------- churn and rtt

// Nonblocking sockets in one epoll set; calls `on_text` for every text frame
// (pings are answered) and `on_tick` every 50 ms or so.
class Driver {
 public:
  using OnText = std::function<void(std::size_t, std::string_view, std::int64_t)>;

  Driver(std::vector<Conn>& conns, OnText on_text)
      : conns_(conns), on_text_(std::move(on_text)), ep_(epoll_create1(0)) {
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
  Driver(const Driver&) = delete;
  Driver& operator=(const Driver&) = delete;
  ~Driver() { ::close(ep_); }

  void send(std::size_t i, std::string_view json) {
    Conn& c = conns_[i];
    const std::string frame = encode_frame(kOpText, json, c.mask);
    if (!c.out.empty()) {
      c.out += frame;
      return;
    }
    const ssize_t w = ::send(c.fd, frame.data(), frame.size(), MSG_NOSIGNAL);
    const std::size_t sent = w > 0 ? static_cast<std::size_t>(w) : 0;
    if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) die(std::string("send: ") + errno_text());
    if (sent < frame.size()) {
      c.out.assign(frame, sent);
      want_write(i, true);
    }
  }

  void run(Clock::time_point until, const std::function<void()>& on_tick = {}) {
    std::vector<epoll_event> events(512);
    auto next_tick = Clock::now();
    while (Clock::now() < until) {
      const int n = epoll_wait(ep_, events.data(), static_cast<int>(events.size()), 20);
      for (int k = 0; k < n; ++k) {
        const std::size_t i = events[k].data.u64;
        if (events[k].events & EPOLLOUT) flush(i);
        if (events[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) readable(i);
      }
      if (on_tick && Clock::now() >= next_tick) {
        on_tick();
        next_tick = Clock::now() + std::chrono::milliseconds(50);
      }
    }
  }

 private:
  void want_write(std::size_t i, bool on) {
    epoll_event e{};
    e.events = EPOLLIN | (on ? EPOLLOUT : 0u);
    e.data.u64 = i;
    epoll_ctl(ep_, EPOLL_CTL_MOD, conns_[i].fd, &e);
  }

  void flush(std::size_t i) {
    Conn& c = conns_[i];
    while (!c.out.empty()) {
      const ssize_t w = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (w <= 0) return;
      c.out.erase(0, static_cast<std::size_t>(w));
    }
    want_write(i, false);
  }

  void readable(std::size_t i) {
    Conn& c = conns_[i];
    char buf[65536];
    for (;;) {
      const ssize_t r = ::recv(c.fd, buf, sizeof buf, 0);
      if (r == 0) die("the server closed socket " + std::to_string(i));
      if (r < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        die(std::string("recv: ") + errno_text());
      }
      c.in.append(buf, static_cast<std::size_t>(r));
    }
    std::size_t at = 0;
    const std::int64_t now = now_ns();
    std::string in = std::move(c.in);  // on_text may send on this socket
    c.in.clear();
    while (auto f = parse_frame(in.data() + at, in.size() - at)) {
      const std::string_view payload(in.data() + at + f->header_bytes, f->payload_bytes);
      at += f->total();
      if (f->opcode == kOpPing) {
        const std::string pong = encode_frame(kOpPong, payload, c.mask);
        if (::send(c.fd, pong.data(), pong.size(), MSG_NOSIGNAL) < 0) die("send pong");
        continue;
      }
      if (f->opcode == kOpClose) die("the server closed socket " + std::to_string(i) + " (close frame)");
      if (f->opcode == kOpText) on_text_(i, payload, now);
    }
    in.erase(0, at);
    conns_[i].in.insert(0, in);
  }

  std::vector<Conn>& conns_;
  OnText on_text_;
  int ep_;
};

// The CPU groups of a run, sampled at the start and the end of the window.
struct CpuGroups {
  PidGroup server, redis, db, proxy;
  std::string hook;  // --window-hook: run with "start" before the first sample, "end" after the second
  struct Sample {
    double server = 0, redis = 0, db = 0, proxy = 0;
  };
  Sample sample() const { return {server.cpu(), redis.cpu(), db.cpu(), proxy.cpu()}; }
  Sample start() const {
    run_hook("start");
    return sample();
  }
  Sample end() const {
    const Sample s = sample();
    run_hook("end");
    return s;
  }
  void run_hook(const char* what) const {
    if (hook.empty()) return;
    const std::string cmd = hook + " " + what;
    // NOLINTNEXTLINE(cert-env33-c,concurrency-mt-unsafe): the caller's own command, one thread
    if (std::system(cmd.c_str()) != 0) die("--window-hook failed: " + cmd);
  }
  // Prints `<prefix>_cpu_seconds` and `<prefix>_cpu_us_per_<unit>` for each group, and total = server + redis.
  void print(const Sample& a, const Sample& b, double units, const char* unit) const {
    const auto line = [&](const char* name, double seconds) {
      std::printf("%s_cpu_seconds=%.3f\n%s_cpu_us_per_%s=%.3f\n", name, seconds, name, unit,
                  units > 0 ? seconds * 1e6 / units : 0.0);
    };
    line("server", b.server - a.server);
    if (!redis.empty()) line("redis", b.redis - a.redis);
    if (!db.empty()) line("db", b.db - a.db);
    if (!proxy.empty()) line("proxy", b.proxy - a.proxy);
    line("total", (b.server - a.server) + (b.redis - a.redis));
  }
};

std::vector<std::uint32_t> ns_to_us(const std::vector<std::int64_t>& ns) {
  std::vector<std::uint32_t> out;
  out.reserve(ns.size());
  for (auto v : ns) out.push_back(static_cast<std::uint32_t>(std::max<std::int64_t>(0, v / 1000)));
  return out;
}

double percentile(std::vector<std::uint32_t>& v, double p);

// Reads frames until one of type `want` (skipping `queued`); dies on anything else.
std::string await_type(Conn& c, std::string_view want) {
  for (;;) {
    auto [op, msg] = read_frame(c);
    if (op != kOpText) continue;
    const auto type = json_string(msg, "type");
    if (type == want) return msg;
    if (type != "queued") die("expected " + std::string(want) + ", got " + msg);
  }
}

// A language tag of its own for pair `i`: three letters, "aaa", "aab", ... (17,576 of them).
std::string pair_language(std::size_t i) {
  std::string tag(3, 'a');
  tag[0] = static_cast<char>('a' + (i / 676) % 26);
  tag[1] = static_cast<char>('a' + (i / 26) % 26);
  tag[2] = static_cast<char>('a' + i % 26);
  return tag;
}

// `port_of[i]`: the endpoint socket i uses (to tell, when they
// are the instances themselves, pairs on one instance from pairs across two).
int run_churn(std::vector<Conn>& conns, const std::vector<std::size_t>& port_of, const CpuGroups& cpu,
              const std::string& language, double warmup, double seconds) {
  // --language=pair: pair k (sockets 2k and 2k + 1) has a language of its own, so its
  // two sockets always meet each other again.
  const auto join_of = [&](std::size_t i) {
    const std::string tag = language == "pair" ? pair_language(i / 2) : language;
    return R"({"type":"join","mode":"text","languages":[")" + tag + R"("]})";
  };
  std::vector<std::string> joins;
  for (std::size_t i = 0; i < conns.size(); ++i) joins.push_back(join_of(i));
  const std::string next = R"({"type":"next"})";
  struct State {
    std::int64_t asked_ns = 0;  // when it last sent join/next
    std::int64_t heard_ns = 0;  // when it last got matched/peer_left
  };
  std::vector<State> st(conns.size());
  bool measuring = false;
  long long matched = 0;
  long long stalls = 0;
  long long errors = 0;
  long long rematches = 0;   // matches of two sockets that were each other's last partner
  long long cross_port = 0;  // matches of two sockets on different --port endpoints
  std::vector<std::int64_t> waits;
  waits.reserve(2'000'000);
  std::unordered_map<std::string, std::size_t> first_side;  // session -> the side that heard `matched` first
  std::vector<std::size_t> partner(conns.size(), SIZE_MAX);
  Driver* self = nullptr;
  Driver d(conns, [&](std::size_t i, std::string_view msg, std::int64_t now) {
    const auto type = json_string(msg, "type");
    if (type == "queued") return;
    if (type == "matched") {
      st[i].heard_ns = now;
      if (measuring) {
        ++matched;
        waits.push_back(now - st[i].asked_ns);
      }
      const std::string session(json_string(msg, "sessionId"));
      if (auto it = first_side.find(session); it == first_side.end()) {
        first_side.emplace(session, i);
      } else {
        const std::size_t j = it->second;
        first_side.erase(it);
        if (measuring) {
          if (partner[i] == j && partner[j] == i) ++rematches;
          if (port_of[i] != port_of[j]) ++cross_port;
        }
        partner[i] = j;
        partner[j] = i;
      }
      if (json_string(msg, "role") == "offerer") {
        st[i].asked_ns = now_ns();
        self->send(i, next);
      }
      return;
    }
    if (type == "peer_left") {
      st[i].heard_ns = now;
      st[i].asked_ns = now_ns();
      self->send(i, joins[i]);
      return;
    }
    if (type == "error") {
      ++errors;
      if (errors <= 5) std::fprintf(stderr, "serendip-load: churn: %.*s\n", static_cast<int>(msg.size()), msg.data());
      return;
    }
    die("unexpected message during churn: " + std::string(msg.substr(0, 200)));
  });
  self = &d;
  const std::int64_t start = now_ns();
  for (std::size_t i = 0; i < conns.size(); ++i) {
    st[i] = {start, start};
    d.send(i, joins[i]);
  }
  // A socket that heard nothing for 3 s (a lost event) joins again.
  const auto watchdog = [&] {
    const std::int64_t now = now_ns();
    for (std::size_t i = 0; i < conns.size(); ++i) {
      if (now - std::max(st[i].heard_ns, st[i].asked_ns) > 3'000'000'000LL) {
        if (measuring) ++stalls;
        st[i].asked_ns = now;
        d.send(i, joins[i]);
      }
    }
  };
  d.run(Clock::now() + std::chrono::milliseconds(static_cast<long long>(warmup * 1000)), watchdog);
  const auto a = cpu.start();
  measuring = true;
  const auto t0 = Clock::now();
  d.run(t0 + std::chrono::milliseconds(static_cast<long long>(seconds * 1000)), watchdog);
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  measuring = false;
  const auto b = cpu.end();
  if (matched == 0) die("no match during the churn");
  const double cycles = static_cast<double>(matched) / 2.0;
  auto w = ns_to_us(waits);
  std::printf("scenario=churn\nsockets=%zu\nseconds=%.2f\nmatch_cycles=%.0f\nmatch_cycles_per_second=%.0f\n",
              conns.size(), elapsed, cycles, cycles / elapsed);
  cpu.print(a, b, cycles, "match");
  std::printf(
      "match_wait_p50_us=%.0f\nmatch_wait_p99_us=%.0f\nrematch_share=%.3f\ncross_port_share=%.3f\n"
      "stalls=%lld\nerrors=%lld\n",
      percentile(w, 0.50), percentile(w, 0.99), static_cast<double>(rematches) / cycles,
      static_cast<double>(cross_port) / cycles, stalls, errors);
  for (auto& c : conns) ::close(c.fd);
  return 0;
}

// conns[2k] is pair k's side A, conns[2k + 1] its side B, already past hello.
int run_rtt(std::vector<Conn>& conns, const CpuGroups& cpu, double warmup, double seconds) {
  const std::size_t pairs = conns.size() / 2;
  const auto join = [](std::size_t k) {
    return R"({"type":"join","mode":"text","languages":[")" + pair_language(k) + R"("]})";
  };
  for (std::size_t k = 0; k < pairs; ++k) send_text(conns[2 * k], join(k));
  for (std::size_t k = 0; k < pairs; ++k) {
    auto [op, msg] = read_frame(conns[2 * k]);
    if (json_string(msg, "type") != "queued") die("join answered with " + msg);
  }
  for (std::size_t k = 0; k < pairs; ++k) send_text(conns[2 * k + 1], join(k));
  for (auto& c : conns) c.session = std::string(json_string(await_type(c, "matched"), "sessionId"));
  for (std::size_t k = 0; k < pairs; ++k) {
    if (conns[2 * k].session != conns[2 * k + 1].session) die("pair " + std::to_string(k) + " met someone else");
  }

  bool measuring = false;
  long long relayed = 0;
  long long wrong = 0;
  std::vector<std::int64_t> rtts;
  rtts.reserve(4'000'000);
  Driver* self = nullptr;
  Driver d(conns, [&](std::size_t i, std::string_view msg, std::int64_t now) {
    if (json_string(msg, "type") != "ice")
      die("unexpected message during the rtt phase: " + std::string(msg.substr(0, 200)));
    if (measuring) {
      ++relayed;
      if (json_string(msg, "sessionId") != conns[i].session) ++wrong;
    }
    if (i % 2 == 1) {  // side B: send the same candidate back
      self->send(i, msg);
      return;
    }
    const auto ts = msg.find("candidate:");
    if (ts == std::string_view::npos) die("no send time in " + std::string(msg));
    const long long sent = std::strtoll(std::string(msg.substr(ts + 10, 20)).c_str(), nullptr, 10);
    if (measuring) rtts.push_back(now - sent);
    self->send(i, ice_message(conns[i].session, now_ns()));
  });
  self = &d;
  for (std::size_t k = 0; k < pairs; ++k) d.send(2 * k, ice_message(conns[2 * k].session, now_ns()));
  d.run(Clock::now() + std::chrono::milliseconds(static_cast<long long>(warmup * 1000)));
  const auto a = cpu.start();
  measuring = true;
  const auto t0 = Clock::now();
  d.run(t0 + std::chrono::milliseconds(static_cast<long long>(seconds * 1000)));
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  measuring = false;
  const auto b = cpu.end();
  if (relayed == 0) die("no message relayed");
  if (wrong != 0) die(std::to_string(wrong) + " messages arrived on the wrong session");
  auto r = ns_to_us(rtts);
  std::printf("scenario=rtt\npairs=%zu\nseconds=%.2f\nrelayed_messages=%lld\nrelayed_per_second=%.0f\n", pairs, elapsed,
              relayed, static_cast<double>(relayed) / elapsed);
  cpu.print(a, b, static_cast<double>(relayed), "message");
  std::printf("rtt_p50_us=%.0f\nrtt_p99_us=%.0f\n", percentile(r, 0.50), percentile(r, 0.99));
  for (auto& c : conns) ::close(c.fd);
  return 0;
}

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

// Every value of --name (the option may repeat; each value may be a comma list).
std::vector<std::string> arg_all(int argc, char** argv, const std::string& name) {
  const std::string prefix = "--" + name + "=";
  std::vector<std::string> out;
  for (int i = 1; i < argc; ++i) {
    const std::string a(argv[i]);
    if (a.rfind(prefix, 0) != 0) continue;
    std::stringstream list(a.substr(prefix.size()));
    std::string item;
    while (std::getline(list, item, ',')) {
      if (!item.empty()) out.push_back(item);
    }
  }
  return out;
}

std::vector<int> pids_of(int argc, char** argv, const std::string& name) {
  std::vector<int> out;
  for (const auto& v : arg_all(argc, argv, name)) out.push_back(std::stoi(v));
  return out;
}

// PORT or HOST:PORT (HOST an IPv4 address).
std::vector<Endpoint> endpoints_of(int argc, char** argv, const std::string& name) {
  std::vector<Endpoint> out;
  for (const auto& v : arg_all(argc, argv, name)) {
    Endpoint e;
    const auto colon = v.rfind(':');
    if (colon != std::string::npos) {
      in_addr a{};
      if (inet_pton(AF_INET, v.substr(0, colon).c_str(), &a) != 1) die("not an IPv4 address: " + v);
      e.addr = ntohl(a.s_addr);
    }
    e.port = std::stoi(colon == std::string::npos ? v : v.substr(colon + 1));
    if (e.port <= 0 || e.port > 65535) die("bad port: " + v);
    out.push_back(e);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  const std::string scenario = arg(argc, argv, "scenario", "relay");
  const std::string kind = arg(argc, argv, "kind", "serendip");
  const std::vector<Endpoint> ports = endpoints_of(argc, argv, "port");
  std::vector<Endpoint> peer_ports = endpoints_of(argc, argv, "peer-port");
  if (peer_ports.empty()) peer_ports = ports;
  CpuGroups cpu;
  cpu.server.pids = pids_of(argc, argv, "server-pid");
  cpu.redis.pids = pids_of(argc, argv, "redis-pid");
  cpu.db.pids = pids_of(argc, argv, "db-pid");
  cpu.db.children = true;
  cpu.proxy.pids = pids_of(argc, argv, "proxy-pid");
  cpu.hook = arg(argc, argv, "window-hook", "");
  const int idle = std::stoi(arg(argc, argv, "idle", "5000"));
  const int pairs = std::stoi(arg(argc, argv, "pairs", "200"));
  const double warmup = std::stod(arg(argc, argv, "warmup", "2"));
  const double seconds = std::stod(arg(argc, argv, "seconds", "10"));
  const std::string alloc_file = arg(argc, argv, "alloc-file", "");
  const std::string language = arg(argc, argv, "language", "en");
  if ((kind != "serendip" && kind != "floor") || ports.empty() || cpu.server.empty() ||
      (scenario != "relay" && scenario != "churn" && scenario != "rtt") || (scenario == "rtt" && kind != "serendip") ||
      (!alloc_file.empty() && cpu.server.pids.size() != 1) || pairs <= 0) {
    std::fprintf(stderr,
                 "usage: serendip-load [--scenario=relay|churn|rtt] --kind=serendip|floor --port=PORT[,PORT...] "
                 "--server-pid=PID[,PID...] [--redis-pid=PID,...] [--db-pid=PID,...] [--proxy-pid=PID,...] [--idle=N] "
                 "[--pairs=N] "
                 "[--warmup=S] [--seconds=S] [--alloc-file=PATH (one server)] [--peer-port=PORT,...] "
                 "[--language=TAG] [--window-hook=CMD]\n(rtt: --kind=serendip only; churn with --kind=floor: "
                 "serendip-floor-relay --churn; see the header of "
                 "load_generator.cpp)\n");
    return 2;
  }
  // Nine digits, so that every device id ("load-<run>-<index>") has the 16 characters the server wants.
  char run_digits[16];
  std::snprintf(run_digits, sizeof run_digits, "%09u", std::random_device{}() % 1000000000u);
  const std::string run_id = run_digits;
  std::unique_ptr<TokenSource> tokens;
  if (kind == "serendip") tokens = std::make_unique<TokenSource>(ports[0]);
  const auto at = [&](int i) { return ports[static_cast<std::size_t>(i) % ports.size()]; };

  if (scenario == "churn") {
    std::vector<Conn> conns;
    conns.reserve(2 * static_cast<std::size_t>(pairs));
    // Spread over --port; with --peer-port, pair k's side A on --port and side B on --peer-port.
    const bool sided = !endpoints_of(argc, argv, "peer-port").empty();
    std::vector<std::size_t> port_of;
    for (int i = 0; i < 2 * pairs; ++i) {
      const auto k = static_cast<std::size_t>(sided ? i / 2 : i);
      const bool b_side = sided && i % 2 == 1;
      const auto& list = b_side ? peer_ports : ports;
      const Endpoint& to = list[k % list.size()];
      conns.push_back(open_socket(kind, to, i, tokens.get(), run_id + "c"));
      port_of.push_back((static_cast<std::size_t>(to.addr) << 16) | static_cast<std::size_t>(to.port));
    }
    return run_churn(conns, port_of, cpu, language, warmup, seconds);
  }
  if (scenario == "rtt") {
    std::vector<Conn> conns;
    conns.reserve(2 * static_cast<std::size_t>(pairs));
    for (int k = 0; k < pairs; ++k) {
      conns.push_back(open_socket(kind, at(k), 2 * k, tokens.get(), run_id + "t"));
      conns.push_back(open_socket(kind, peer_ports[static_cast<std::size_t>(k) % peer_ports.size()], 2 * k + 1,
                                  tokens.get(), run_id + "t"));
    }
    return run_rtt(conns, cpu, warmup, seconds);
  }

  const int pid = cpu.server.pids[0];
  std::printf("kind=%s\n", kind.c_str());

  // ---- 1. idle sockets (resident memory: summed over the server PIDs)
  const auto rss = [&] {
    double total = 0;
    for (int p : cpu.server.pids) total += rss_bytes(p);
    return total;
  };
  if (idle > 0) {
    std::vector<Conn> warm;
    warm.reserve(50);
    for (int i = 0; i < 50; ++i) warm.push_back(open_socket(kind, at(i), i, tokens.get(), run_id + "w"));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const double before = rss();
    std::vector<Conn> conns;
    conns.reserve(static_cast<std::size_t>(idle));
    for (int i = 0; i < idle; ++i) conns.push_back(open_socket(kind, at(i), i, tokens.get(), run_id + "i"));
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    const double after = rss();
    std::printf("idle_sockets=%d\nrss_before_bytes=%.0f\nrss_after_bytes=%.0f\nrss_per_idle_socket_bytes=%.0f\n", idle,
                before, after, (after - before) / idle);
    for (auto& c : conns) ::close(c.fd);
    for (auto& c : warm) ::close(c.fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }

  // ---- 2. relay
  std::vector<Conn> conns;
  conns.reserve(2 * static_cast<std::size_t>(pairs));
  for (int i = 0; i < 2 * pairs; ++i) conns.push_back(open_socket(kind, at(i), i, tokens.get(), run_id + "r"));
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
  const double cpu0 = cpu.server.cpu();
  const long long alloc0 = alloc_file.empty() ? 0 : alloc_count(pid, alloc_file);
  const auto t0 = Clock::now();
  relay.run(t0 + std::chrono::milliseconds(static_cast<long long>(seconds * 1000)), &stats);
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  const double cpu_s = cpu.server.cpu() - cpu0;
  const long long allocs = alloc_file.empty() ? -1 : alloc_count(pid, alloc_file) - alloc0;

  if (stats.received == 0) die("no message relayed");
  if (stats.wrong_session != 0) die(std::to_string(stats.wrong_session) + " messages arrived on the wrong session");
  std::printf(
      "pairs=%d\nseconds=%.2f\nrelayed_messages=%lld\nrelayed_per_second=%.0f\nserver_cpu_seconds=%.2f\n"
      "server_cpu_us_per_message=%.3f\nlatency_p50_us=%.0f\nlatency_p99_us=%.0f\n",
      pairs, elapsed, stats.received, static_cast<double>(stats.received) / elapsed, cpu_s,
      cpu_s * 1e6 / static_cast<double>(stats.received), percentile(stats.latency_us, 0.50),
      percentile(stats.latency_us, 0.99));
  if (allocs >= 0) {
    std::printf("server_allocations=%lld\nserver_allocations_per_message=%.4f\n", allocs,
                static_cast<double>(allocs) / static_cast<double>(stats.received));
  }
  for (auto& c : conns) ::close(c.fd);
  return 0;
}
