// A scripted RESP server on 127.0.0.1 (port 0), on its own thread with plain
// POSIX sockets, for hermetic tests of the client: what Redis never does on
// purpose (garbage, silence, replies one byte at a time, refused AUTH).
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace serendip::redis::test {

using Command = std::vector<std::string>;

class FakeServer {
 public:
  // Called on the server thread for each complete command of connection
  // `conn` (0, 1, ... in accept order). Returns the bytes to send back, or
  // nullopt to stay silent.
  using Script = std::function<std::optional<std::string>(const Command& cmd, int conn)>;

  explicit FakeServer(Script script) : script_(std::move(script)), listen_fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    // Port 0 on loopback cannot fail short of a broken machine: crash loudly.
    if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 16) != 0 || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      std::abort();
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }

  ~FakeServer() {
    stop_ = true;
    thread_.join();
    for (auto& c : conns_) ::close(c.fd);
    ::close(listen_fd_);
  }

  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  std::uint16_t port() const { return port_; }
  int connections() const { return accepted_.load(); }
  // Every command received so far, in order, with its connection number.
  std::vector<std::pair<int, Command>> received() const {
    std::lock_guard lock(mu_);
    return received_;
  }
  // Sends replies one byte per send(2), 1 ms apart.
  void set_trickle(bool on) { trickle_ = on; }

  static std::string ok() { return "+OK\r\n"; }
  static std::string bulk(const std::string& s) { return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n"; }

 private:
  struct Conn {
    int fd;
    int index;
    std::string inbox;
  };

  void run() {
    while (!stop_) {
      std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
      for (auto& c : conns_) fds.push_back({c.fd, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), 10) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        int fd = ::accept(listen_fd_, nullptr, nullptr);
        if (fd >= 0) {
          int one = 1;
          ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          conns_.push_back(Conn{fd, accepted_++, {}});
        }
      }
      for (std::size_t i = 1; i < fds.size(); ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        auto& c = conns_[i - 1];
        char buf[4096];
        auto n = ::recv(c.fd, buf, sizeof buf, 0);
        if (n <= 0) {
          ::close(c.fd);
          c.fd = -1;
          continue;
        }
        c.inbox.append(buf, static_cast<std::size_t>(n));
        while (auto cmd = take_command(c.inbox)) {
          {
            std::lock_guard lock(mu_);
            received_.emplace_back(c.index, *cmd);
          }
          if (auto reply = script_(*cmd, c.index)) send_all(c.fd, *reply);
        }
      }
      std::erase_if(conns_, [](const Conn& c) { return c.fd < 0; });
    }
  }

  void send_all(int fd, const std::string& bytes) {
    if (!trickle_) {
      ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      return;
    }
    for (char ch : bytes) {
      ::send(fd, &ch, 1, MSG_NOSIGNAL);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  // One complete "*N\r\n$len\r\narg\r\n..." off the front of `in`.
  static std::optional<Command> take_command(std::string& in) {
    std::size_t pos = 0;
    auto line = [&]() -> std::optional<std::string> {
      auto end = in.find("\r\n", pos);
      if (end == std::string::npos) return std::nullopt;
      auto s = in.substr(pos, end - pos);
      pos = end + 2;
      return s;
    };
    auto head = line();
    if (!head || head->empty() || (*head)[0] != '*') return std::nullopt;
    Command cmd;
    int n = std::stoi(head->substr(1));
    for (int i = 0; i < n; ++i) {
      auto len_line = line();
      if (!len_line) return std::nullopt;
      auto len = static_cast<std::size_t>(std::stoul(len_line->substr(1)));
      if (in.size() < pos + len + 2) return std::nullopt;
      cmd.push_back(in.substr(pos, len));
      pos += len + 2;
    }
    in.erase(0, pos);
    return cmd;
  }

  Script script_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> trickle_{false};
  std::atomic<int> accepted_{0};
  std::vector<Conn> conns_;  // server thread only
  mutable std::mutex mu_;
  std::vector<std::pair<int, Command>> received_;
};

}  // namespace serendip::redis::test
