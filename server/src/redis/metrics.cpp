#include "redis/metrics.hpp"

#include <string>

namespace serendip::redis {

void register_metrics(obs::Registry& registry, Metrics& m, const obs::Labels& labels) {
  auto add = [&](std::string_view name, std::string_view help, obs::Counter& c) {
    registry.counter_fn(
        std::string(name), help, [&c] { return static_cast<double>(c.value()); }, labels);
  };
  add("serendip_redis_commands_total", "Redis commands completed", m.commands);
  add("serendip_redis_command_errors_total", "Redis commands completed with an error", m.command_errors);
  add("serendip_redis_timeouts_total", "Redis commands that timed out", m.timeouts);
  add("serendip_redis_rejected_total", "Redis commands failed fast (connection down or queue full)", m.rejected);
  add("serendip_redis_retries_total", "Extra attempts of idempotent Redis commands", m.retries);
  add("serendip_redis_connects_total", "Redis connections established", m.connects);
  add("serendip_redis_reconnects_total", "Redis connections re-established after a loss", m.reconnects);
  add("serendip_redis_disconnects_total", "Redis connections lost or recycled", m.disconnects);
  add("serendip_redis_moved_total", "Redis Cluster MOVED redirections", m.moved);
  add("serendip_redis_ask_total", "Redis Cluster ASK redirections", m.ask);
  add("serendip_redis_slot_refreshes_total", "Redis Cluster slot maps loaded", m.slot_refreshes);
  add("serendip_redis_failovers_total", "Redis Cluster slot map loads that moved a slot (failover, resharding)",
      m.failovers);
  add("serendip_redis_noscript_total", "EVALSHA answered NOSCRIPT", m.noscript);
  add("serendip_redis_readonly_total",
      "Commands answered READONLY (the node became a replica: the client reconnected, or reloaded the slot map, "
      "and sent them again)",
      m.readonly);
  add("serendip_redis_resubscribes_total", "Sharded subscriptions sent again", m.resubscribes);
  add("serendip_redis_messages_total", "Sharded pub/sub messages delivered", m.messages);
  add("serendip_inbox_probe_failures_total", "Inbox probes not received in time", m.probe_failures);
  registry.gauge_fn(
      "serendip_redis_up", "1 when every Redis client of this process is connected to every master it needs",
      [&m] { return m.clients.value() > 0 && m.unhealthy_clients.value() == 0 ? 1.0 : 0.0; }, labels);
  m.latency = [&registry, labels](std::string_view command) {
    auto l = labels;
    l.emplace_back("command", std::string(command));
    return &registry.histogram("serendip_redis_command_seconds", "Redis command latency, from the call to the callback",
                               {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}, std::move(l));
  };
}

}  // namespace serendip::redis
