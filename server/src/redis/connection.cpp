#include "redis/connection.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <deque>
#include <random>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "obs/log.hpp"
#include "redis/metrics.hpp"
#include "redis/resp.hpp"

namespace serendip::redis {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

std::string_view to_string(State s) {
  switch (s) {
    case State::down: return "down";
    case State::connecting: return "connecting";
    case State::connected: return "connected";
  }
  return "unknown";
}

namespace {

bool is_push(const Reply& r) {
  if (!r.is_array() || r.elements().empty()) return false;
  auto kind = r.elements().front().as_string();
  if (!kind) return false;
  static constexpr std::string_view kinds[] = {"message",    "pmessage",    "smessage",     "subscribe",   "psubscribe",
                                               "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe"};
  return std::find(std::begin(kinds), std::end(kinds), *kind) != std::end(kinds);
}

}  // namespace

struct Connection::Impl : std::enable_shared_from_this<Impl> {
  struct Entry {
    Callback cb;
    Clock::time_point deadline;
  };

  Impl(asio::io_context& io, Options o, Events e, Metrics* m)
      : io(io),
        opt(std::move(o)),
        events(std::move(e)),
        metrics(m),
        socket(io),
        resolver(io),
        connect_timer(io),
        deadline_timer(io),
        backoff_timer(io),
        rng(opt.random_seed ? opt.random_seed : std::random_device{}()) {}

  asio::io_context& io;  // Passed by argument.
  Options opt;
  Events events;
  Metrics* metrics;  // Passed by argument; may be null.

  using TlsStream = asio::ssl::stream<tcp::socket>;

  tcp::socket socket;  // plain connections
  // TLS connections: a new stream per attempt (a TLS session cannot be
  // reused after an error). Handlers hold it, so a dropped one lives until
  // its aborted operations have returned.
  std::shared_ptr<TlsStream> tls;
  tcp::resolver resolver;
  asio::steady_timer connect_timer;   // TCP connect + handshake
  asio::steady_timer deadline_timer;  // earliest command deadline
  asio::steady_timer backoff_timer;   // before the next connect attempt
  std::minstd_rand rng;

  State state = State::connecting;
  bool stopped = false;
  bool tcp_up = false;        // socket connected: outbox may be written
  bool writing = false;       // one async_write at a time
  bool flush_posted = false;  // a write_now() is posted (see maybe_write)
  bool ever_connected = false;
  int attempt = 0;             // failed attempts since the last success (backoff exponent)
  std::uint64_t gen = 0;       // per connect attempt: handlers of older sockets see a mismatch and return
  std::uint64_t sessions = 0;  // established connections
  Clock::time_point armed_deadline = Clock::time_point::max();

  std::deque<Entry> awaiting;  // one per expected reply, in write order
  // Commands queued while a write is in flight are appended here and leave in
  // the next write, whole: one copy of a few dozen bytes per command buys one
  // send(2) per batch (a gather list of 10,000 buffers would be cut into
  // writev calls of 64 by Asio). Both strings keep their capacity.
  std::string outbox;    // queued, not yet written
  std::string in_write;  // the batch being written
  std::unique_ptr<ReplyReader> reader;
  std::array<char, 16 * 1024> read_buf{};

  // The TCP socket of this attempt.
  tcp::socket& tcp_socket() { return tls ? tls->next_layer() : socket; }

  // Runs `f` on the stream carrying the bytes (TLS or plain) and a handle
  // that keeps a TLS stream alive for `f`'s handlers.
  template <class F>
  void with_stream(F&& f) {
    if (tls) {
      f(*tls, tls);
    } else {
      f(socket, std::shared_ptr<TlsStream>());
    }
  }

  // --- connecting --------------------------------------------------------

  void start_connect() {
    if (stopped) return;
    set_state(State::connecting);
    auto my_gen = ++gen;
    if (opt.use_tls) {
      if (!opt.tls_context) return recycle("TLS is not set up (see the log at start)");
      tls = std::make_shared<TlsStream>(io, *opt.tls_context);
    }
    connect_timer.expires_after(opt.connect_timeout);
    connect_timer.async_wait([self = shared_from_this(), my_gen](error_code ec) {
      if (!ec && self->gen == my_gen && self->state == State::connecting) self->recycle("connect timeout");
    });
    error_code ec;
    auto addr = asio::ip::make_address(opt.endpoint.host, ec);
    if (!ec) {
      tcp_socket().async_connect(
          tcp::endpoint(addr, opt.endpoint.port),
          [self = shared_from_this(), my_gen, keep = tls](error_code ec) { self->on_tcp(ec, my_gen); });
      return;
    }
    resolver.async_resolve(
        opt.endpoint.host, std::to_string(opt.endpoint.port),
        [self = shared_from_this(), my_gen, keep = tls](error_code ec, const tcp::resolver::results_type& results) {
          if (self->gen != my_gen || self->stopped) return;
          if (ec) return self->recycle("resolve failed: " + ec.message());
          asio::async_connect(self->tcp_socket(), results,
                              [self, my_gen, keep](error_code ec, const tcp::endpoint&) { self->on_tcp(ec, my_gen); });
        });
  }

  void on_tcp(error_code ec, std::uint64_t my_gen) {
    if (gen != my_gen || stopped) return;
    if (ec) return recycle("connect failed: " + ec.message());
    error_code ignored;
    tcp_socket().set_option(tcp::no_delay(true), ignored);
    tcp_socket().set_option(asio::socket_base::keep_alive(true), ignored);
    if (!tls) return on_transport(my_gen);
    // The certificate must name the server: SNI and the check use the same
    // name (an IP address is checked against the certificate's IP SANs).
    const std::string& name = opt.tls_server_name.empty() ? opt.endpoint.host : opt.tls_server_name;
    error_code addr_ec;
    asio::ip::make_address(name, addr_ec);
    if (addr_ec && SSL_set_tlsext_host_name(tls->native_handle(), name.c_str()) != 1) {
      return recycle("TLS: cannot set the server name " + name);
    }
    tls->set_verify_callback(asio::ssl::host_name_verification(name), ignored);
    tls->async_handshake(asio::ssl::stream_base::client,
                         [self = shared_from_this(), my_gen, keep = tls](error_code ec) {
                           if (self->gen != my_gen || self->stopped) return;
                           if (ec) return self->recycle("TLS handshake failed: " + tls_error(ec));
                           self->on_transport(my_gen);
                         });
  }

  static std::string tls_error(const error_code& ec) {
    std::string what = ec.message();
    // OpenSSL's own reason (e.g. "certificate verify failed") when it has one.
    if (ec.category() == asio::error::get_ssl_category()) {
      if (const char* reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value()))) what = reason;
    }
    return what;
  }

  // TCP (and TLS) are up: the Redis handshake, then commands.
  void on_transport(std::uint64_t my_gen) {
    tcp_up = true;
    reader = std::make_unique<ReplyReader>();
    // The handshake goes first; commands queued meanwhile follow it in the
    // same write. If AUTH fails they get NOAUTH and the connection recycles.
    std::vector<std::string> hs;
    if (!opt.password.empty()) {
      hs.emplace_back(opt.user.empty() ? format_command({"AUTH", opt.password})
                                       : format_command({"AUTH", opt.user, opt.password}));
    }
    if (opt.db != 0) hs.emplace_back(format_command({"SELECT", std::to_string(opt.db)}));
    if (!opt.client_name.empty()) hs.emplace_back(format_command({"CLIENT", "SETNAME", opt.client_name}));
    auto deadline = Clock::now() + opt.connect_timeout;
    std::size_t n = hs.size();
    for (std::size_t i = n; i-- > 0;) {
      bool last = i + 1 == n;
      bool fatal = i + 1 < n || opt.client_name.empty();  // SETNAME is last and optional
      awaiting.push_front(Entry{[w = weak_from_this(), my_gen, last, fatal](const Reply& r) {
                                  auto self = w.lock();
                                  if (!self || self->gen != my_gen || r.client_error() != ClientError::none) return;
                                  if (r.is_error() && fatal) return self->recycle("handshake failed: " + r.str());
                                  if (last) self->on_ready();
                                },
                                deadline});
    }
    std::string handshake;
    for (auto& h : hs) handshake += h;
    outbox.insert(0, handshake);
    start_read(my_gen);
    maybe_write();
    arm_deadline();
    // Last: on_ready() tells the owner, which may send, recycle or stop us.
    if (n == 0) on_ready();
  }

  void on_ready() {
    connect_timer.cancel();
    attempt = 0;
    ++sessions;
    if (metrics) {
      metrics->connects.inc();
      if (ever_connected) metrics->reconnects.inc();
    }
    if (ever_connected) {
      obs::log(obs::Level::info, "redis", "reconnected", {{"node", opt.endpoint.to_string()}});
    }
    ever_connected = true;
    set_state(State::connected);
  }

  void set_state(State s) {
    if (state == s) return;
    state = s;
    if (events.on_state) events.on_state(s);
  }

  // --- failure -----------------------------------------------------------

  void recycle(const std::string& reason) {
    if (stopped) return;
    // Already down and waiting to reconnect: asking again (the inbox probe
    // does, after every missed probe) must not restart the backoff, or a
    // server that was away longer than one probe period is never retried.
    if (state == State::down) return;
    bool was_up = tcp_up;
    drop_socket();
    auto failed = std::move(awaiting);
    awaiting.clear();
    if (was_up && metrics) metrics->disconnects.inc();
    if (was_up || attempt == 0) {
      obs::log(obs::Level::warn, "redis", "connection_lost",
               {{"node", opt.endpoint.to_string()}, {"reason", reason}, {"failed_commands", failed.size()}});
    }
    auto delay = next_backoff();
    backoff_timer.expires_after(delay);
    backoff_timer.async_wait([self = shared_from_this(), my_gen = gen](error_code ec) {
      if (!ec && self->gen == my_gen) self->start_connect();
    });
    auto keep = shared_from_this();  // a callback may destroy the owner
    set_state(State::down);
    fail(failed, "connection to " + opt.endpoint.to_string() + " lost (" + reason + ")");
  }

  // Invokes the callbacks of `entries`: those past their deadline time out,
  // the others fail as `down`. Stops if a callback stopped us.
  void fail(std::deque<Entry>& entries, const std::string& why) const {
    auto now = Clock::now();
    for (auto& e : entries) {
      if (stopped) return;
      if (e.deadline <= now) {
        if (metrics) metrics->timeouts.inc();
        e.cb(Reply::client_error(ClientError::timeout, "command timed out on " + opt.endpoint.to_string()));
      } else {
        e.cb(Reply::client_error(ClientError::down, why));
      }
    }
  }

  std::chrono::milliseconds next_backoff() {
    auto base = opt.backoff_initial.count() << std::min(attempt, 16);
    auto cap = std::max<std::int64_t>(1, std::min<std::int64_t>(base, opt.backoff_max.count()));
    ++attempt;
    // Jitter in [cap/2, cap]: workers reconnecting after one outage spread out.
    std::uniform_int_distribution<std::int64_t> dist(cap / 2, cap);
    return std::chrono::milliseconds(dist(rng));
  }

  void drop_socket() {
    ++gen;
    tcp_up = false;
    writing = false;
    flush_posted = false;
    error_code ignored;
    tcp_socket().close(ignored);
    tls.reset();  // its handlers still hold it until they return
    resolver.cancel();
    connect_timer.cancel();
    deadline_timer.cancel();
    backoff_timer.cancel();
    armed_deadline = Clock::time_point::max();
    outbox.clear();
    in_write.clear();
    reader.reset();
  }

  void stop() {
    if (stopped) return;
    drop_socket();
    stopped = true;
    awaiting.clear();
    events = {};
  }

  // --- writing -----------------------------------------------------------

  void enqueue(std::string_view wire, Callback cb, std::chrono::milliseconds timeout) {
    auto why_not = [&]() -> std::optional<Reply> {
      if (stopped) return Reply::client_error(ClientError::closed, "Redis client closed");
      if (state == State::down) {
        return Reply::client_error(ClientError::down, "not connected to Redis at " + opt.endpoint.to_string());
      }
      if (awaiting.size() >= opt.max_queued) {
        return Reply::client_error(ClientError::overload,
                                   "too many Redis commands queued for " + opt.endpoint.to_string());
      }
      return std::nullopt;
    }();
    if (why_not) {
      if (metrics) metrics->rejected.inc();
      asio::post(io, [cb = std::move(cb), r = std::move(*why_not)]() mutable { cb(std::move(r)); });
      return;
    }
    auto deadline = Clock::now() + (timeout.count() > 0 ? timeout : opt.command_timeout);
    awaiting.push_back(Entry{std::move(cb), deadline});
    outbox += wire;
    maybe_write();
    if (deadline < armed_deadline) arm_deadline();
  }

  // The first command queued on an idle connection does not leave at once:
  // the write is posted behind the handlers already queued on this thread
  // (the rest of the sockets epoll reported ready), so the commands they
  // make leave in the same send(2) and reach Redis in one read.
  void maybe_write() {
    if (!tcp_up || writing || outbox.empty() || flush_posted) return;
    flush_posted = true;
    asio::post(io, [self = shared_from_this(), my_gen = gen] {
      if (self->gen != my_gen || self->stopped) return;
      self->flush_posted = false;
      self->write_now();
    });
  }

  void write_now() {
    if (!tcp_up || writing || outbox.empty()) return;
    writing = true;
    in_write.swap(outbox);
    with_stream([&](auto& stream, auto keep) {
      asio::async_write(stream, asio::buffer(in_write),
                        [self = shared_from_this(), my_gen = gen, keep](error_code ec, std::size_t) {
                          if (self->gen != my_gen || self->stopped) return;
                          self->writing = false;
                          self->in_write.clear();
                          if (ec) return self->recycle("write failed: " + ec.message());
                          self->write_now();
                        });
    });
  }

  // --- reading -----------------------------------------------------------

  void start_read(std::uint64_t my_gen) {
    with_stream([&](auto& stream, auto keep) {
      stream.async_read_some(
          asio::buffer(read_buf),
          [self = shared_from_this(), my_gen, keep](error_code ec, std::size_t n) { self->on_read(ec, n, my_gen); });
    });
  }

  void on_read(error_code ec, std::size_t n, std::uint64_t my_gen) {
    if (gen != my_gen || stopped) return;
    if (ec) {
      const bool closed = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
      return recycle(closed ? "closed by server" : "read failed: " + ec.message());
    }
    reader->feed(std::string_view(read_buf.data(), n));
    while (auto reply = reader->next()) {
      dispatch(std::move(*reply));
      if (gen != my_gen || stopped) return;  // recycled or stopped by a callback
    }
    if (!reader->error().empty()) return recycle("protocol error: " + reader->error());
    start_read(my_gen);
  }

  void dispatch(Reply r) {
    if (opt.push_mode && (is_push(r) || awaiting.empty())) {
      if (events.on_push) events.on_push(std::move(r));
      return;
    }
    if (awaiting.empty()) {
      // A reply nobody asked for: the stream is out of step, start afresh.
      return recycle("unexpected reply");
    }
    auto e = std::move(awaiting.front());
    awaiting.pop_front();
    e.cb(std::move(r));
  }

  // --- deadlines -----------------------------------------------------------

  // One timer per connection, armed at the earliest deadline. Commands usually
  // share the default timeout, so that is the oldest one; a scan is cheap and
  // only happens when the timer fires.
  void arm_deadline() {
    auto earliest = Clock::time_point::max();
    for (auto& e : awaiting) earliest = std::min(earliest, e.deadline);
    armed_deadline = earliest;
    if (earliest == Clock::time_point::max()) {
      deadline_timer.cancel();
      return;
    }
    deadline_timer.expires_at(earliest);
    deadline_timer.async_wait([self = shared_from_this(), my_gen = gen](error_code ec) {
      if (ec || self->gen != my_gen || self->stopped) return;
      self->on_deadline();
    });
  }

  void on_deadline() {
    auto now = Clock::now();
    for (auto& e : awaiting) {
      if (e.deadline <= now) return recycle("command timeout");
    }
    arm_deadline();
  }
};

Connection::Connection(asio::io_context& io, Options options, Events events, Metrics* metrics)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(events), metrics)) {
  impl_->start_connect();
}

Connection::~Connection() {
  // Cancelling timers and the resolver reports failures by exception; in a
  // destructor there is nothing left to do about them.
  try {
    impl_->stop();
  } catch (...) {
  }
}

void Connection::send(std::string_view wire, Callback cb, std::chrono::milliseconds timeout) {
  impl_->enqueue(wire, std::move(cb), timeout);
}

bool Connection::send_push(std::string_view wire) {
  if (impl_->stopped || impl_->state != State::connected) return false;
  impl_->outbox += wire;
  impl_->maybe_write();
  return true;
}

void Connection::close() {
  if (impl_->stopped) return;
  auto failed = std::make_shared<std::deque<Impl::Entry>>(std::move(impl_->awaiting));
  impl_->awaiting.clear();
  impl_->stop();
  auto why = "connection to " + impl_->opt.endpoint.to_string() + " closed (node left the slot map)";
  asio::post(impl_->io, [failed, why] {
    for (auto& e : *failed) e.cb(Reply::client_error(ClientError::down, why));
  });
}

void Connection::recycle(std::string_view reason) { impl_->recycle(std::string(reason)); }

State Connection::state() const { return impl_->state; }

const Endpoint& Connection::endpoint() const { return impl_->opt.endpoint; }

std::size_t Connection::pending() const { return impl_->awaiting.size(); }

std::uint64_t Connection::session() const { return impl_->sessions; }

}  // namespace serendip::redis
