// redis::Client: a non-blocking Redis client for one worker's io_context, for
// a standalone server or a Redis Cluster. Create one per io_context and use it
// only from that io_context's thread (it has no locks). Every command is
// pipelined on the connection of the node that owns its key's slot; the reply
// comes back as a redis::Reply through a callback on the same thread, exactly
// once, even when Redis is unreachable (then as an error reply with a
// ClientError, quickly: commands do not wait for a reconnect).
//
// Cluster: the slot map is loaded with CLUSTER SLOTS; MOVED updates it (and
// reloads it in the background), ASK is followed once with ASKING; after a
// connection loss the map is reloaded every refresh_interval until every slot
// has a reachable master again (a failover). Commands marked idempotent are
// retried a bounded number of times after connection loss, timeout, TRYAGAIN
// or CLUSTERDOWN. See docs/redis.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "redis/config.hpp"
#include "redis/reply.hpp"
#include "redis/script.hpp"
#include "redis/state.hpp"

namespace boost::asio {
class io_context;
}

namespace serendip::redis {

struct Metrics;

struct CommandOptions {
  // Which argument is the key that routes the command (e.g. 1 for GET key);
  // -1 = no key: any master (standalone: the server).
  int key_index = -1;
  // An explicit routing key, used instead of key_index when not empty (e.g.
  // the hash tag of a script's keys). Only read during the call.
  std::string_view key;
  // Safe to run twice: retried after a connection loss, timeout, TRYAGAIN or
  // CLUSTERDOWN, up to Config::max_retries times.
  bool idempotent = false;
  std::chrono::milliseconds timeout{0};  // 0 = Config::command_timeout
  // Sent to this node instead of by key (e.g. INFO of every master).
  std::optional<Endpoint> node;

  static CommandOptions key_at(int index, bool idempotent = false) { return {index, {}, idempotent, {}, {}}; }
};

class Client {
 public:
  // Starts connecting at once. `io` and `metrics` (may be null): Passed by
  // argument, must outlive the client. Destroy the client before its io_context.
  Client(boost::asio::io_context& io, Config config, Metrics* metrics = nullptr);
  // Commands still pending are dropped: their callbacks are destroyed, not called.
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // `args` are formatted during the call (the views need not outlive it).
  void command(std::span<const std::string_view> args, const CommandOptions& options, Callback cb);
  void command(std::initializer_list<std::string_view> args, const CommandOptions& options, Callback cb);
  // EVALSHA, routed by keys[0] (or options.key), EVAL on NOSCRIPT.
  void eval(const Script& script, std::span<const std::string_view> keys, std::span<const std::string_view> args,
            const CommandOptions& options, Callback cb);

  // connected: every slot (standalone: the server) has a connected master;
  // down: one of them is waiting to reconnect; connecting otherwise.
  State state() const;
  // state() == connected, as last seen by the io_context thread. The one
  // member that may be called from any thread (for /readyz).
  bool healthy() const;
  Mode mode() const;  // `automatic` until the server has told

  // The node serving `slot` as far as this client knows (standalone: the
  // server); nullopt before the mode or map is known.
  std::optional<Endpoint> endpoint_for_slot(int slot) const;
  std::vector<Endpoint> masters() const;
  // Reloads the slot map in the background (no-op in standalone mode).
  void refresh_slots();
  // `fn` runs after the mode becomes known and after each slot map load that
  // moved a slot. Returns an id for remove_topology_listener.
  std::uint64_t add_topology_listener(std::function<void()> fn);
  void remove_topology_listener(std::uint64_t id);
  // `fn` runs (on the io_context) once every command submitted before this
  // call has been answered, failed or timed out: a shutdown waits with it for
  // its last writes. Commands submitted meanwhile are waited for too.
  void when_idle(std::function<void()> fn);

  boost::asio::io_context& context() const;
  const Config& config() const;
  Metrics* metrics() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace serendip::redis
