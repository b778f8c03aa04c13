#include "redis/client.hpp"

#include <array>
#include <atomic>
#include <cctype>
#include <map>
#include <string>

#include "obs/log.hpp"
#include "redis/cluster_slots.hpp"
#include "redis/connection.hpp"
#include "redis/event_loop.hpp"
#include "redis/metrics.hpp"
#include "redis/redirect.hpp"
#include "redis/resp.hpp"
#include "redis/slot.hpp"
#include "redis/tls.hpp"

namespace serendip::redis {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

struct Request {
  std::string wire;
  std::string command;  // upper-cased name, the latency label
  int slot = -1;        // -1: no key
  bool idempotent = false;
  int attempts = 0;   // retries made
  int redirects = 0;  // MOVED/ASK hops made
  milliseconds timeout{0};
  Clock::time_point start;
  Callback cb;
  // Set by eval(): the script's body, for the EVAL form that a node answering
  // NOSCRIPT is sent instead (built from `wire` only then).
  std::shared_ptr<const std::string> script_body;
  std::optional<Endpoint> node;  // CommandOptions::node
};

std::string command_name(std::string_view verb) {
  std::string name(verb.substr(0, 24));
  for (auto& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return name;
}

constexpr milliseconds kMinRefreshGap{100};

bool retryable_server_error(std::string_view code) {
  return code == "TRYAGAIN" || code == "CLUSTERDOWN" || code == "LOADING" || code == "MASTERDOWN";
}

}  // namespace

struct Client::Impl : std::enable_shared_from_this<Impl> {
  struct Node {
    Endpoint endpoint;
    std::unique_ptr<Connection> conn;
    bool ever_down = false;
  };

  Impl(boost::asio::io_context& io, Config cfg, Metrics* m)
      : io(io), cfg(std::move(cfg)), metrics(m), mode(this->cfg.mode), refresh_timer(io) {}

  boost::asio::io_context& io;  // Passed by argument.
  Config cfg;
  Metrics* metrics;                                                 // Passed by argument; may be null.
  Mode mode;                                                        // automatic until known
  std::map<std::string, std::unique_ptr<Node>, std::less<>> nodes;  // by "host:port"
  std::array<Node*, kSlotCount> slots{};                            // owner per slot, once loaded
  bool map_loaded = false;
  Node* seed = nullptr;  // where unrouted commands and the first CLUSTER SLOTS go
  bool readonly_recycle_posted = false;
  std::size_t next_seed = 0;
  std::size_t round_robin = 0;
  Timer refresh_timer;
  Clock::time_point refresh_due = Clock::time_point::max();
  bool refresh_in_flight = false;
  bool refresh_again = false;      // asked for while one was in flight
  Clock::time_point last_refresh;  // when the last CLUSTER SLOTS was sent
  std::map<std::uint64_t, std::function<void()>> listeners;
  std::uint64_t next_listener = 1;
  bool closing = false;
  // Written on the io_context thread, read by healthy() from any thread
  // (/readyz may be served by another worker).
  std::atomic<bool> healthy_flag{false};
  std::map<std::string, obs::Histogram*, std::less<>> latency_by_command;  // cache of metrics->latency
  std::size_t outstanding = 0;                                             // submitted, not yet finished
  std::vector<std::function<void()>> idle_waiters;                         // when_idle(), until outstanding is 0

  void start() {
    if (metrics) {
      metrics->clients.add(1);
      metrics->unhealthy_clients.add(1);
    }
    if (cfg.seeds.empty()) cfg.seeds.push_back(Endpoint{"127.0.0.1", 6379});
    if (cfg.tls && !cfg.tls_context) {
      std::string error;
      cfg.tls_context = make_tls_context(*cfg.tls, error);
      // Every connection then fails, saying so; the server checks this at start.
      if (!cfg.tls_context) obs::log(obs::Level::error, "redis", "tls_setup_failed", {{"error", error}});
    }
    seed = node_for(cfg.seeds[0]);
    if (mode != Mode::standalone) schedule_refresh(milliseconds(0));
  }

  void shutdown() {
    if (metrics) {
      metrics->clients.add(-1);
      if (!healthy_flag.load(std::memory_order_relaxed)) metrics->unhealthy_clients.add(-1);
    }
    closing = true;
    refresh_timer.cancel();
    nodes.clear();  // ~Connection drops pending callbacks
    slots.fill(nullptr);
    seed = nullptr;
    listeners.clear();
  }

  // --- nodes -------------------------------------------------------------

  Node* node_for(const Endpoint& ep) {
    auto name = ep.to_string();
    if (auto it = nodes.find(name); it != nodes.end()) return it->second.get();
    auto node = std::make_unique<Node>();
    node->endpoint = ep;
    Connection::Options o;
    o.endpoint = ep;
    o.user = cfg.user;
    o.password = cfg.password;
    o.client_name = cfg.client_name;
    o.db = mode == Mode::cluster ? 0 : cfg.db;
    o.command_timeout = cfg.command_timeout;
    o.connect_timeout = cfg.connect_timeout;
    o.backoff_initial = cfg.backoff_initial;
    o.backoff_max = cfg.backoff_max;
    o.max_queued = cfg.max_queued;
    o.random_seed = cfg.random_seed ? cfg.random_seed + nodes.size() : 0;
    o.use_tls = cfg.tls.has_value();
    o.tls_context = cfg.tls_context;
    if (cfg.tls) o.tls_server_name = cfg.tls->server_name;
    Connection::Events ev;
    ev.on_state = [w = weak_from_this(), name](State s) {
      if (auto self = w.lock()) self->on_node_state(name, s);
    };
    node->conn = std::make_unique<Connection>(io, std::move(o), std::move(ev), metrics);
    auto* raw = node.get();
    nodes.emplace(std::move(name), std::move(node));
    return raw;
  }

  void update_health() {
    bool now = state() == State::connected;
    if (now == healthy_flag.load(std::memory_order_relaxed)) return;
    healthy_flag.store(now, std::memory_order_relaxed);
    if (metrics) metrics->unhealthy_clients.add(now ? -1 : 1);
  }

  void on_node_state(const std::string& name, State s) {
    update_health();
    if (s != State::down) return;
    if (auto it = nodes.find(name); it != nodes.end()) it->second->ever_down = true;
    // A lost master may be failing over: reload the map soon, and keep
    // reloading (see on_slots) until every slot has a live owner again.
    if (mode != Mode::standalone) schedule_refresh(milliseconds(0));
  }

  Node* pick(int slot) {
    if (mode == Mode::cluster && map_loaded) {
      if (slot >= 0) {
        if (auto* n = slots[static_cast<std::size_t>(slot)]) return n;
      } else {
        // Keyless: spread over the masters, preferring connected ones.
        auto ms = master_nodes();
        for (std::size_t i = 0; i < ms.size(); ++i) {
          auto* n = ms[(round_robin + i) % ms.size()];
          if (n->conn->state() == State::connected) {
            round_robin += i + 1;
            return n;
          }
        }
        if (!ms.empty()) return ms[round_robin++ % ms.size()];
      }
    }
    return seed;
  }

  std::vector<Node*> master_nodes() const {
    std::vector<Node*> out;
    for (auto* n : slots) {
      if (n && std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
    }
    return out;
  }

  // --- commands ----------------------------------------------------------

  void submit(std::shared_ptr<Request> req) {
    req->start = Clock::now();
    if (req->wire.size() <= 4) {
      // "*0\r\n": Redis ignores an empty command and sends no reply, which
      // would put every later reply on the wrong callback.
      return post(io, [req] { req->cb(Reply::client_error(ClientError::protocol, "empty Redis command")); });
    }
    ++outstanding;
    dispatch(std::move(req), nullptr, false);
  }

  void dispatch(std::shared_ptr<Request> req, Node* target, bool asking) {
    Node* n = target ? target : req->node ? node_for(*req->node) : pick(req->slot);
    if (!n || closing) {
      return post(io, [w = weak_from_this(), req] {
        auto r = Reply::client_error(ClientError::closed, "Redis client closed");
        if (auto self = w.lock()) return self->finish(*req, std::move(r));
        req->cb(std::move(r));
      });
    }
    if (asking)
      n->conn->send(
          format_command({"ASKING"}), [](const Reply&) {}, req->timeout);
    auto timeout = req->timeout;
    // The bytes stay in the request (for a redirect or a retry); the
    // connection copies them into its write buffer.
    std::string_view wire = req->wire;
    n->conn->send(
        wire,
        [w = weak_from_this(), req = std::move(req)](Reply r) mutable {
          if (auto self = w.lock()) self->on_reply(std::move(req), std::move(r));
        },
        timeout);
  }

  void on_reply(std::shared_ptr<Request> req, Reply r) {
    if (r.is_error() && r.client_error() == ClientError::none) {
      if (auto redirect = parse_redirect(r.str())) return follow(std::move(req), *redirect, r);
      auto code = r.error_code();
      if (code == "NOSCRIPT" && req->script_body) {
        if (metrics) metrics->noscript.inc();
        auto eval = replace_head(req->wire, "EVAL", *req->script_body);
        req->script_body = nullptr;
        if (eval) {
          req->wire = std::move(*eval);
          return dispatch(std::move(req), nullptr, false);
        }
      }
      if (retryable_server_error(code)) {
        // Refused before it ran: any command may go again.
        if (code == "CLUSTERDOWN" && mode != Mode::standalone) schedule_refresh(cfg.refresh_interval);
        if (retry(req, true)) return;
      }
      if (code == "READONLY") {
        // The node became a replica: a failover behind one address (a
        // managed service's primary endpoint, a Service in front of an
        // operator's Redis) leaves this connection on the old primary.
        // Nothing ran, so any command may go again, on a new connection,
        // which resolves the address again; in a cluster, the slot map says
        // where the master is now.
        on_readonly();
        if (retry(req, true)) return;
      }
    } else if (r.client_error() == ClientError::down || r.client_error() == ClientError::timeout) {
      if (mode != Mode::standalone) schedule_refresh(milliseconds(0));
      if (retry(req)) return;
    }
    finish(*req, std::move(r));
  }

  void follow(std::shared_ptr<Request> req, const Redirect& redirect, const Reply& r) {
    if (++req->redirects > cfg.max_redirects) {
      return finish(*req, Reply::client_error(ClientError::redirect, "too many redirects, last: " + r.str()));
    }
    Node* n = node_for(redirect.endpoint);
    if (redirect.kind == Redirect::Kind::ask) {
      if (metrics) metrics->ask.inc();
      return dispatch(std::move(req), n, true);
    }
    if (metrics) metrics->moved.inc();
    if (mode == Mode::automatic) set_mode(Mode::cluster);
    // Trust the redirect for this slot now, and reload the whole map in the
    // background: one MOVED usually means a whole range moved.
    slots[static_cast<std::size_t>(redirect.slot)] = n;
    schedule_refresh(milliseconds(0));
    dispatch(std::move(req), n, false);
  }

  // `not_run`: the server refused the command before running it (any
  // command may go again, idempotent or not).
  bool retry(std::shared_ptr<Request>& req, bool not_run = false) {
    if ((!req->idempotent && !not_run) || req->attempts >= cfg.max_retries || closing) return false;
    ++req->attempts;
    if (metrics) metrics->retries.inc();
    post_after(io, cfg.retry_delay * req->attempts, [w = weak_from_this(), req]() mutable {
      if (auto self = w.lock(); self && !self->closing) self->dispatch(std::move(req), nullptr, false);
    });
    return true;
  }

  // A READONLY answer: outside a cluster the one server's connection is
  // dropped and made again (once per turn however many replies said so;
  // posted: it fails the commands still waiting on it, which must not run
  // inside this reply's handling); in a cluster the slot map is reloaded.
  void on_readonly() {
    if (metrics) metrics->readonly.inc();
    if (mode == Mode::cluster) {
      schedule_refresh(milliseconds(0));
      return;
    }
    if (readonly_recycle_posted || seed == nullptr) return;
    readonly_recycle_posted = true;
    post(io, [w = weak_from_this()] {
      auto self = w.lock();
      if (!self || self->closing) return;
      self->readonly_recycle_posted = false;
      obs::log(obs::Level::warn, "redis", "node_is_replica",
               {{"node", self->seed->endpoint.to_string()}, {"action", "reconnect"}});
      self->seed->conn->recycle("READONLY: the server is a replica now");
    });
  }

  void finish(Request& req, Reply r) {
    if (metrics) {
      metrics->commands.inc();
      if (r.is_error()) metrics->command_errors.inc();
      if (auto* h = latency_histogram(req.command)) {
        h->observe(std::chrono::duration<double>(Clock::now() - req.start).count());
      }
    }
    auto cb = std::move(req.cb);
    cb(std::move(r));
    // After the callback: a command it submits keeps a waiter waiting.
    if (--outstanding == 0 && !idle_waiters.empty()) {
      auto waiters = std::move(idle_waiters);
      idle_waiters.clear();
      for (auto& fn : waiters) fn();
    }
  }

  obs::Histogram* latency_histogram(const std::string& command) {
    if (!metrics->latency) return nullptr;
    auto it = latency_by_command.find(command);
    if (it != latency_by_command.end()) return it->second;
    // Command names come from our code, but bound the label set anyway.
    std::string label = latency_by_command.size() < kMaxLatencyCommands ? command : "other";
    if (auto other = latency_by_command.find(label); other != latency_by_command.end()) return other->second;
    auto* h = metrics->latency(label);
    latency_by_command.emplace(label, h);
    return h;
  }

  // --- slot map ------------------------------------------------------------

  void schedule_refresh(milliseconds delay) {
    if (closing || mode == Mode::standalone) return;
    auto due = Clock::now() + delay;
    if (refresh_in_flight) {
      // The answer on its way may predate what prompted this call (a MOVED):
      // ask once more when it is in.
      refresh_again = true;
      return;
    }
    // Every failed command asks for a reload during an outage: at most one
    // per kMinRefreshGap, whatever the command rate.
    due = std::max(due, last_refresh + kMinRefreshGap);
    if (refresh_timer.pending() && refresh_due <= due) return;
    refresh_due = due;
    refresh_timer.start(std::chrono::ceil<milliseconds>(std::max(due - Clock::now(), Clock::duration::zero())), [this] {
      refresh_due = Clock::time_point::max();
      refresh();
    });
  }

  Node* refresh_source() {
    // A connected master first, then any connected node, then the seeds in turn.
    for (auto* n : master_nodes()) {
      if (n->conn->state() == State::connected) return n;
    }
    for (auto& [name, n] : nodes) {
      if (n->conn->state() == State::connected) return n.get();
    }
    auto& ep = cfg.seeds[next_seed++ % cfg.seeds.size()];
    auto* n = node_for(ep);
    if (!map_loaded) seed = n;
    return n->conn->state() == State::down ? nullptr : n;
  }

  void refresh() {
    if (closing || mode == Mode::standalone) return;
    Node* n = refresh_source();
    if (!n) return schedule_refresh(cfg.refresh_interval);
    refresh_in_flight = true;
    last_refresh = Clock::now();
    auto host = n->endpoint.host;
    n->conn->send(format_command({"CLUSTER", "SLOTS"}), [w = weak_from_this(), host](const Reply& r) {
      if (auto self = w.lock()) self->on_slots(r, host);
    });
  }

  void on_slots(const Reply& r, const std::string& host) {
    refresh_in_flight = false;
    if (closing) return;
    if (refresh_again) {
      refresh_again = false;
      schedule_refresh(milliseconds(0));
    }
    if (r.is_error()) {
      if (mode == Mode::automatic && r.client_error() == ClientError::none &&
          r.str().find("cluster support disabled") != std::string::npos) {
        return set_mode(Mode::standalone);
      }
      return schedule_refresh(cfg.refresh_interval);
    }
    auto ranges = parse_cluster_slots(r, host);
    if (!ranges || ranges->empty()) {
      obs::log(obs::Level::warn, "redis", "bad_cluster_slots", {{"reply", r.to_debug_string().substr(0, 200)}});
      return schedule_refresh(cfg.refresh_interval);
    }
    std::array<Node*, kSlotCount> fresh{};
    for (auto& range : *ranges) {
      Node* n = node_for(range.master);
      for (int s = range.first; s <= range.last; ++s) fresh[static_cast<std::size_t>(s)] = n;
    }
    bool changed = map_loaded && fresh != slots;
    bool first = !map_loaded;
    slots = fresh;
    map_loaded = true;
    if (metrics) {
      metrics->slot_refreshes.inc();
      if (changed) metrics->failovers.inc();
    }
    if (changed) obs::log(obs::Level::info, "redis", "slot_map_changed", {{"masters", master_nodes().size()}});
    bool known_mode = mode == Mode::cluster;
    if (!known_mode) mode = Mode::cluster;
    drop_stale_nodes();
    // A master we cannot reach: the cluster has not failed over yet (or the
    // node is restarting). Ask again shortly.
    bool unreachable = false;
    for (auto* n : master_nodes()) unreachable |= n->conn->state() == State::down;
    if (unreachable) schedule_refresh(cfg.refresh_interval);
    update_health();
    if (changed || first || !known_mode) notify();
  }

  // Connections to nodes that serve no slot (old masters, replicas given as
  // seeds) are closed; what was pending on them fails as `down` and, if
  // idempotent, is retried on the new owner.
  void drop_stale_nodes() {
    auto owners = master_nodes();
    if (owners.empty()) return;
    if (std::find(owners.begin(), owners.end(), seed) == owners.end()) seed = owners.front();
    std::vector<std::unique_ptr<Node>> dropped;
    for (auto it = nodes.begin(); it != nodes.end();) {
      if (std::find(owners.begin(), owners.end(), it->second.get()) == owners.end()) {
        dropped.push_back(std::move(it->second));
        it = nodes.erase(it);
      } else {
        ++it;
      }
    }
    for (auto& n : dropped) n->conn->close();
  }

  void set_mode(Mode m) {
    if (mode == m) return;
    mode = m;
    obs::log(obs::Level::info, "redis", "mode", {{"mode", to_string(m)}});
    update_health();
    notify();
  }

  void notify() const {
    auto copy = listeners;  // a listener may remove itself
    for (auto& [id, fn] : copy) {
      if (closing) return;
      fn();
    }
  }

  State state() const {
    if (mode == Mode::cluster && map_loaded) {
      auto ms = master_nodes();
      bool any_down = false;
      bool all_up = !ms.empty();
      for (auto* n : ms) {
        any_down |= n->conn->state() == State::down;
        all_up &= n->conn->state() == State::connected;
      }
      return all_up ? State::connected : any_down ? State::down : State::connecting;
    }
    if (mode == Mode::standalone && seed) return seed->conn->state();
    // Mode or map not known yet: at best connecting.
    return seed && seed->conn->state() == State::down ? State::down : State::connecting;
  }
};

Client::Client(boost::asio::io_context& io, Config config, Metrics* metrics)
    : impl_(std::make_shared<Impl>(io, std::move(config), metrics)) {
  impl_->start();
}

Client::~Client() { impl_->shutdown(); }

void Client::command(std::span<const std::string_view> args, const CommandOptions& options, Callback cb) {
  auto req = std::make_shared<Request>();
  req->wire = format_command(args);
  if (!args.empty()) req->command = command_name(args[0]);
  if (!options.key.empty()) {
    req->slot = key_slot(options.key);
  } else if (options.key_index >= 0 && static_cast<std::size_t>(options.key_index) < args.size()) {
    req->slot = key_slot(args[static_cast<std::size_t>(options.key_index)]);
  }
  req->idempotent = options.idempotent;
  req->timeout = options.timeout;
  req->node = options.node;
  req->cb = std::move(cb);
  impl_->submit(std::move(req));
}

void Client::command(std::initializer_list<std::string_view> args, const CommandOptions& options, Callback cb) {
  command(std::span<const std::string_view>(args.begin(), args.size()), options, std::move(cb));
}

void Client::eval(const Script& script, std::span<const std::string_view> keys, std::span<const std::string_view> args,
                  const CommandOptions& options, Callback cb) {
  auto numkeys = std::to_string(keys.size());
  std::vector<std::string_view> argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.emplace_back("EVALSHA");
  argv.push_back(script.sha1());
  argv.push_back(numkeys);
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  auto req = std::make_shared<Request>();
  req->wire = format_command(argv);
  req->command = "EVALSHA";
  req->script_body = script.shared_body();
  if (!options.key.empty()) {
    req->slot = key_slot(options.key);
  } else if (!keys.empty()) {
    req->slot = key_slot(keys[0]);
  }
  req->idempotent = options.idempotent;
  req->timeout = options.timeout;
  req->cb = std::move(cb);
  impl_->submit(std::move(req));
}

State Client::state() const { return impl_->state(); }

bool Client::healthy() const { return impl_->healthy_flag.load(std::memory_order_relaxed); }

Mode Client::mode() const { return impl_->mode; }

std::optional<Endpoint> Client::endpoint_for_slot(int slot) const {
  if (impl_->mode == Mode::standalone && impl_->seed) return impl_->seed->endpoint;
  if (impl_->mode == Mode::cluster && impl_->map_loaded && slot >= 0 && slot < kSlotCount) {
    if (auto* n = impl_->slots[static_cast<std::size_t>(slot)]) return n->endpoint;
  }
  return std::nullopt;
}

std::vector<Endpoint> Client::masters() const {
  std::vector<Endpoint> out;
  if (impl_->mode == Mode::standalone && impl_->seed) out.push_back(impl_->seed->endpoint);
  for (auto* n : impl_->master_nodes()) out.push_back(n->endpoint);
  return out;
}

void Client::refresh_slots() { impl_->schedule_refresh(std::chrono::milliseconds(0)); }

std::uint64_t Client::add_topology_listener(std::function<void()> fn) {
  auto id = impl_->next_listener++;
  impl_->listeners.emplace(id, std::move(fn));
  return id;
}

void Client::remove_topology_listener(std::uint64_t id) { impl_->listeners.erase(id); }

void Client::when_idle(std::function<void()> fn) {
  if (impl_->outstanding == 0) return post(impl_->io, std::move(fn));
  impl_->idle_waiters.push_back(std::move(fn));
}

boost::asio::io_context& Client::context() const { return impl_->io; }

const Config& Client::config() const { return impl_->cfg; }

Metrics* Client::metrics() const { return impl_->metrics; }

}  // namespace serendip::redis
