// The epoll floor: the least work a WebSocket relay can do. One thread, one
// epoll set; accepts upgrades, pairs connections in arrival order, and for
// every text frame from one side writes the unmasked payload as a server frame
// to the other: no JSON, no validation, no rate limits, no metrics. The load
// benchmark (serendip-load) runs the same traffic against it and against
// serendip-server, and compares server CPU per relayed message.
//
// With --churn it is the floor of the match churn instead (serendip-load
// --scenario=churn): a text frame holding "join" queues its socket, one holding
// "next" tells the partner `peer_left` and queues it again; each queued socket
// hears `queued`, and the first two waiting are paired with `matched` (offerer
// and answerer). The same five frames out and two in per cycle as the server,
// with one FIFO and no JSON parsing, no limits, no records.
//
// Usage: serendip-floor-relay PORT [--churn]   (listens on 127.0.0.1; prints "listening PORT")
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "ws_wire.hpp"

namespace {

using serendip::bench::parse_frame;

struct Conn {
  int fd = -1;
  bool upgraded = false;
  int partner = -1;
  unsigned long long session = 0;  // --churn
  std::string in;
  std::string out;  // pending bytes when the socket was full
};

std::string accept_key(std::string_view key) {
  std::string s(key);
  s += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(s.data()), s.size(), digest);
  unsigned char b64[64];
  const int n = EVP_EncodeBlock(b64, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<char*>(b64), static_cast<std::size_t>(n));
}

class Floor {
 public:
  Floor(int listen_fd, bool churn) : listen_fd_(listen_fd), ep_(epoll_create1(0)), churn_(churn) {
    add(listen_fd_, EPOLLIN);
  }

  void run() {
    std::vector<epoll_event> events(256);
    for (;;) {
      const int n = epoll_wait(ep_, events.data(), static_cast<int>(events.size()), -1);
      if (n < 0 && errno == EINTR) continue;
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        if (fd == listen_fd_) {
          accept_all();
          continue;
        }
        auto it = conns_.find(fd);
        if (it == conns_.end()) continue;
        if (events[i].events & EPOLLOUT) flush(*it->second);
        if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) readable(*it->second);
      }
    }
  }

 private:
  // Not const: they change the epoll set, which is this object's state.
  void add(int fd, std::uint32_t ev) {  // NOLINT(readability-make-member-function-const)
    epoll_event e{};
    e.events = ev;
    e.data.fd = fd;
    epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &e);
  }
  void modify(int fd, std::uint32_t ev) {  // NOLINT(readability-make-member-function-const)
    epoll_event e{};
    e.events = ev;
    e.data.fd = fd;
    epoll_ctl(ep_, EPOLL_CTL_MOD, fd, &e);
  }

  void accept_all() {
    for (;;) {
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      auto c = std::make_unique<Conn>();
      c->fd = fd;
      add(fd, EPOLLIN);
      conns_[fd] = std::move(c);
    }
  }

  void close_conn(Conn& c) {
    const int fd = c.fd;
    const int partner = c.partner;
    if (waiting_ == fd) waiting_ = -1;
    epoll_ctl(ep_, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    conns_.erase(fd);
    if (auto it = conns_.find(partner); it != conns_.end()) it->second->partner = -1;
  }

  void send(Conn& c, const std::string& bytes) {
    if (!c.out.empty()) {
      c.out += bytes;
      return;
    }
    const ssize_t w = ::send(c.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    const std::size_t sent = w > 0 ? static_cast<std::size_t>(w) : 0;
    if (sent < bytes.size()) {
      c.out.assign(bytes, sent);
      modify(c.fd, EPOLLIN | EPOLLOUT);
    }
  }

  void flush(Conn& c) {
    while (!c.out.empty()) {
      const ssize_t w = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (w <= 0) return;
      c.out.erase(0, static_cast<std::size_t>(w));
    }
    modify(c.fd, EPOLLIN);
  }

  void readable(Conn& c) {
    char buf[16384];
    for (;;) {
      const ssize_t r = ::recv(c.fd, buf, sizeof buf, 0);
      if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
        close_conn(c);
        return;
      }
      if (r < 0) break;
      c.in.append(buf, static_cast<std::size_t>(r));
    }
    if (!c.upgraded && !upgrade(c)) return;
    std::size_t at = 0;
    while (auto f = parse_frame(c.in.data() + at, c.in.size() - at)) {
      // Unmask in place, then one send of header + payload from a reused buffer.
      char* payload = c.in.data() + at + f->header_bytes;
      for (std::size_t i = 0; i < f->payload_bytes; ++i) payload[i] = static_cast<char>(payload[i] ^ f->mask[i % 4]);
      const std::string_view body(payload, f->payload_bytes);
      at += f->total();
      if (f->opcode == serendip::bench::kOpText && churn_) {
        churn(c, body);
      } else if (f->opcode == serendip::bench::kOpText) {
        if (auto it = conns_.find(c.partner); it != conns_.end())
          send(*it->second, server_frame(serendip::bench::kOpText, body));
      } else if (f->opcode == serendip::bench::kOpPing) {
        send(c, server_frame(serendip::bench::kOpPong, body));
      } else if (f->opcode == serendip::bench::kOpClose) {
        close_conn(c);
        return;
      }
    }
    c.in.erase(0, at);
  }

  // --churn: `join` queues, `next` ends the session (the partner hears peer_left) and queues.
  void churn(Conn& c, std::string_view body) {
    const bool next = body.find(R"("type":"next")") != std::string_view::npos;
    if (!next && body.find(R"("type":"join")") == std::string_view::npos) return;
    if (auto it = conns_.find(c.partner); next && it != conns_.end()) {
      Conn& p = *it->second;
      std::snprintf(text_, sizeof text_, R"({"type":"peer_left","sessionId":"%016llx","reason":"next"})", c.session);
      send(p, server_frame(serendip::bench::kOpText, text_));
      p.partner = -1;
    }
    c.partner = -1;
    send(c, server_frame(serendip::bench::kOpText, R"({"type":"queued"})"));
    auto w = conns_.find(waiting_);
    if (w == conns_.end() || waiting_ == c.fd) {
      waiting_ = c.fd;
      return;
    }
    waiting_ = -1;
    Conn& o = *w->second;
    o.partner = c.fd;
    c.partner = o.fd;
    o.session = c.session = ++sessions_;
    for (Conn* x : {&o, &c}) {
      std::snprintf(text_, sizeof text_,
                    R"({"type":"matched","sessionId":"%016llx","role":"%s","peer":{"languages":["en"],)"
                    R"("region":null,"commonInterests":[]}})",
                    x->session, x == &o ? "offerer" : "answerer");
      send(*x, server_frame(serendip::bench::kOpText, text_));
    }
  }

  // A server frame in scratch_ (its capacity is kept: no allocation once warm).
  const std::string& server_frame(std::uint8_t opcode, std::string_view payload) {
    scratch_.clear();
    scratch_.push_back(static_cast<char>(0x80 | opcode));
    if (payload.size() < 126) {
      scratch_.push_back(static_cast<char>(payload.size()));
    } else {
      scratch_.push_back(static_cast<char>(126));
      scratch_.push_back(static_cast<char>(payload.size() >> 8));
      scratch_.push_back(static_cast<char>(payload.size() & 0xFF));
    }
    scratch_.append(payload);
    return scratch_;
  }

  bool upgrade(Conn& c) {
    const auto end = c.in.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    std::string_view head(c.in.data(), end);
    const auto k = head.find("Sec-WebSocket-Key: ");
    if (k == std::string_view::npos) {
      close_conn(c);
      return false;
    }
    const auto v = head.substr(k + 19, head.find("\r\n", k) - (k + 19));
    send(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
                accept_key(v) + "\r\n\r\n");
    c.in.erase(0, end + 4);
    c.upgraded = true;
    if (churn_) return true;  // paired by join
    if (waiting_ < 0) {
      waiting_ = c.fd;
    } else {
      c.partner = waiting_;
      conns_[waiting_]->partner = c.fd;
      waiting_ = -1;
    }
    return true;
  }

  int listen_fd_;
  int ep_;
  bool churn_;
  int waiting_ = -1;
  unsigned long long sessions_ = 0;
  char text_[256] = {};
  std::string scratch_;
  std::unordered_map<int, std::unique_ptr<Conn>> conns_;
};

}  // namespace

int main(int argc, char** argv) {
  const bool churn = argc == 3 && std::strcmp(argv[2], "--churn") == 0;
  if (argc != 2 && !churn) {
    std::fprintf(stderr, "usage: %s PORT [--churn]\n", argv[0]);
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(std::atoi(argv[1])));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 4096) != 0) {
    std::perror("serendip-floor-relay: listen");
    return 1;
  }
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::printf("listening %d\n", ntohs(addr.sin_port));
  std::fflush(stdout);
  Floor(fd, churn).run();
}
