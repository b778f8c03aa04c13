#include "redis/subscriber.hpp"

#include <map>
#include <vector>

#include "obs/log.hpp"
#include "redis/client.hpp"
#include "redis/connection.hpp"
#include "redis/event_loop.hpp"
#include "redis/metrics.hpp"
#include "redis/redirect.hpp"
#include "redis/resp.hpp"
#include "redis/slot.hpp"

namespace serendip::redis {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {
// While a channel is not active, subscriptions are reconciled this often.
constexpr milliseconds kRetryEvery{200};
}  // namespace

struct Subscriber::Impl : std::enable_shared_from_this<Impl> {
  enum class Phase : std::uint8_t { idle, pending, active };
  struct Channel {
    Handler handler;
    int slot = 0;
    Phase phase = Phase::idle;
    std::string node;  // where it is pending or active
    Clock::time_point sent_at;
    bool ever_active = false;
    bool ignore_unsubscribe_push = false;  // test hook
  };

  explicit Impl(Client& c) : client(c), tick(c.context()) {}

  Client& client;  // Passed by argument.
  std::map<std::string, Channel, std::less<>> channels;
  std::map<std::string, std::unique_ptr<Connection>, std::less<>> conns;  // by node "host:port"
  Filter filter;
  Timer tick;
  std::uint64_t listener = 0;
  bool sharded = true;

  void start() {
    listener = client.add_topology_listener([w = weak_from_this()] {
      if (auto self = w.lock()) {
        self->reconcile();
        self->drop_unused_connections();
      }
    });
  }

  void stop() {
    client.remove_topology_listener(listener);
    tick.cancel();
    conns.clear();
  }

  Connection* conn_for(const Endpoint& ep) {
    auto name = ep.to_string();
    if (auto it = conns.find(name); it != conns.end()) return it->second.get();
    const auto& cfg = client.config();
    Connection::Options o;
    o.endpoint = ep;
    o.user = cfg.user;
    o.password = cfg.password;
    o.client_name = cfg.client_name.empty() ? std::string() : cfg.client_name + "-sub";
    o.db = client.mode() == Mode::cluster ? 0 : cfg.db;
    o.command_timeout = cfg.command_timeout;
    o.connect_timeout = cfg.connect_timeout;
    o.backoff_initial = cfg.backoff_initial;
    o.backoff_max = cfg.backoff_max;
    o.push_mode = true;
    o.random_seed = cfg.random_seed ? cfg.random_seed + 1000 + conns.size() : 0;
    o.use_tls = cfg.tls.has_value();
    o.tls_context = cfg.tls_context;
    if (cfg.tls) o.tls_server_name = cfg.tls->server_name;
    Connection::Events ev;
    ev.on_state = [w = weak_from_this(), name](State s) {
      if (auto self = w.lock()) self->on_state(name, s);
    };
    ev.on_push = [w = weak_from_this(), name](Reply r) {
      if (auto self = w.lock()) self->on_push(name, std::move(r));
    };
    auto conn = std::make_unique<Connection>(client.context(), std::move(o), std::move(ev), client.metrics());
    auto* raw = conn.get();
    conns.emplace(std::move(name), std::move(conn));
    return raw;
  }

  // A node that no longer serves any slot (an old master after a failover)
  // and holds none of our channels: stop reconnecting to it. Runs from the
  // topology listener, never from inside one of these connections' handlers.
  void drop_unused_connections() {
    auto masters = client.masters();
    for (auto it = conns.begin(); it != conns.end();) {
      bool master = false;
      for (auto& m : masters) master |= m.to_string() == it->first;
      bool used = false;
      for (auto& [name, ch] : channels) used |= ch.node == it->first && ch.phase != Phase::idle;
      it = master || used ? std::next(it) : conns.erase(it);
    }
  }

  std::string subscribe_wire(std::string_view ch) const {
    return format_command({sharded ? "SSUBSCRIBE" : "SUBSCRIBE", ch});
  }
  std::string unsubscribe_wire(std::string_view ch) const {
    return format_command({sharded ? "SUNSUBSCRIBE" : "UNSUBSCRIBE", ch});
  }

  // Brings every channel to `active` on its current owner.
  void reconcile() {
    auto now = Clock::now();
    bool settled = true;
    std::vector<std::string> stuck;  // recycled after the loop: that calls on_state, which reconciles
    for (auto& [name, ch] : channels) {
      auto owner = client.endpoint_for_slot(ch.slot);
      if (!owner) {
        settled = false;
        continue;
      }
      auto owner_name = owner->to_string();
      if (ch.phase == Phase::active && ch.node != owner_name) {
        // The slot moved without a push reaching us (or before it): leave the
        // old node, join the new owner.
        if (auto it = conns.find(ch.node); it != conns.end()) it->second->send_push(unsubscribe_wire(name));
        ch.phase = Phase::idle;
      }
      if (ch.phase == Phase::active) continue;
      settled = false;
      if (ch.phase == Phase::pending && ch.node == owner_name) {
        if (now - ch.sent_at < client.config().command_timeout) continue;
        // No confirmation in time: that connection is not working.
        stuck.push_back(ch.node);
        ch.phase = Phase::idle;
        continue;
      }
      auto* conn = conn_for(*owner);
      if (conn->state() != State::connected || !conn->send_push(subscribe_wire(name))) {
        ch.phase = Phase::idle;  // subscribed when the connection comes up
        continue;
      }
      if (ch.ever_active && client.metrics()) client.metrics()->resubscribes.inc();
      ch.phase = Phase::pending;
      ch.node = owner_name;
      ch.sent_at = now;
    }
    if (!settled && !tick.pending()) {
      tick.start(kRetryEvery, [this] { reconcile(); });
    }
    for (auto& node : stuck) {
      if (auto it = conns.find(node); it != conns.end()) it->second->recycle("no SSUBSCRIBE confirmation");
    }
  }

  void on_state(const std::string& node, State s) {
    if (s == State::connected) return reconcile();
    bool lost = false;
    for (auto& [name, ch] : channels) {
      if (ch.node == node && ch.phase != Phase::idle) {
        ch.phase = Phase::idle;
        ch.ignore_unsubscribe_push = false;
        lost = true;
      }
    }
    if (s == State::down && lost) {
      obs::log(obs::Level::warn, "redis", "subscriptions_lost", {{"node", node}});
      // The node may be failing over: the map has to follow.
      client.refresh_slots();
      reconcile();
    }
  }

  void on_push(const std::string& node, Reply r) {
    if (r.is_error()) return on_error(node, r);
    if (!r.is_array() || r.elements().size() < 3) return;
    auto& e = r.elements();
    auto kind = e[0].as_string().value_or("");
    auto channel = e[1].as_string().value_or("");
    if (kind == "smessage" || kind == "message") {
      if (client.metrics()) client.metrics()->messages.inc();
      auto payload = e[2].as_string().value_or("");
      if (filter && filter(channel, payload)) return;
      auto it = channels.find(channel);
      if (it != channels.end() && it->second.handler) {
        auto handler = it->second.handler;  // the handler may unsubscribe itself
        handler(channel, payload);
      }
      return;
    }
    auto it = channels.find(channel);
    if (kind == "ssubscribe" || kind == "subscribe") {
      if (it == channels.end()) {
        // Unsubscribed meanwhile: undo.
        if (auto c = conns.find(node); c != conns.end()) c->second->send_push(unsubscribe_wire(channel));
        return;
      }
      if (it->second.node == node) {
        it->second.phase = Phase::active;
        it->second.ever_active = true;
      }
      return;
    }
    if (kind == "sunsubscribe" || kind == "unsubscribe") {
      if (it == channels.end() || it->second.node != node) return;
      if (it->second.ignore_unsubscribe_push) {
        it->second.ignore_unsubscribe_push = false;
        return;
      }
      // Not asked for: the slot moved away from this node (resharding or a
      // failover). Reload the map, then subscribe at the new owner.
      obs::log(obs::Level::info, "redis", "subscription_moved", {{"node", node}});
      it->second.phase = Phase::idle;
      client.refresh_slots();
      reconcile();
    }
  }

  void on_error(const std::string& node, const Reply& r) {
    if (r.str().find("unknown command") != std::string::npos && sharded) {
      obs::log(obs::Level::warn, "redis", "no_sharded_pubsub", {{"node", node}});
      sharded = false;
    }
    if (auto redirect = parse_redirect(r.str())) client.refresh_slots();
    // Which channel failed is not said: every pending one on that node retries.
    for (auto& [name, ch] : channels) {
      if (ch.node == node && ch.phase == Phase::pending) ch.phase = Phase::idle;
    }
    if (!tick.pending()) tick.start(kRetryEvery, [this] { reconcile(); });
  }
};

Subscriber::Subscriber(Client& client) : impl_(std::make_shared<Impl>(client)) { impl_->start(); }

Subscriber::~Subscriber() { impl_->stop(); }

void Subscriber::subscribe(std::string channel, Handler handler) {
  auto it = impl_->channels.find(channel);
  if (it != impl_->channels.end()) {
    it->second.handler = std::move(handler);
    return;
  }
  Impl::Channel ch;
  ch.handler = std::move(handler);
  ch.slot = key_slot(channel);
  impl_->channels.emplace(std::move(channel), std::move(ch));
  impl_->reconcile();
}

void Subscriber::unsubscribe(std::string_view channel) {
  auto it = impl_->channels.find(channel);
  if (it == impl_->channels.end()) return;
  if (it->second.phase != Impl::Phase::idle) {
    if (auto c = impl_->conns.find(it->second.node); c != impl_->conns.end()) {
      c->second->send_push(impl_->unsubscribe_wire(channel));
    }
  }
  impl_->channels.erase(it);
}

void Subscriber::set_filter(Filter filter) { impl_->filter = std::move(filter); }

bool Subscriber::subscribed(std::string_view channel) const {
  return impl_->channels.find(channel) != impl_->channels.end();
}

bool Subscriber::active(std::string_view channel) const {
  auto it = impl_->channels.find(channel);
  return it != impl_->channels.end() && it->second.phase == Impl::Phase::active;
}

std::size_t Subscriber::channel_count() const { return impl_->channels.size(); }

std::size_t Subscriber::active_count() const {
  std::size_t n = 0;
  for (auto& [name, ch] : impl_->channels) n += ch.phase == Impl::Phase::active;
  return n;
}

bool Subscriber::sharded() const { return impl_->sharded; }

void Subscriber::resubscribe(std::string_view channel) {
  auto it = impl_->channels.find(channel);
  if (it == impl_->channels.end()) return;
  it->second.phase = Impl::Phase::idle;
  impl_->reconcile();
}

void Subscriber::reconnect(std::string_view channel) {
  auto it = impl_->channels.find(channel);
  if (it == impl_->channels.end()) return;
  if (auto c = impl_->conns.find(it->second.node); c != impl_->conns.end()) {
    c->second->recycle("probe asked for a new connection");
  }
}

bool Subscriber::drop_silently_for_test(std::string_view channel) {
  auto it = impl_->channels.find(channel);
  if (it == impl_->channels.end() || it->second.phase != Impl::Phase::active) return false;
  auto c = impl_->conns.find(it->second.node);
  if (c == impl_->conns.end()) return false;
  it->second.ignore_unsubscribe_push = true;
  return c->second->send_push(impl_->unsubscribe_wire(channel));
}

}  // namespace serendip::redis
