#include "redis/metrics.hpp"

#include <string>

namespace serendip::redis {

void register_metrics(obs::Registry& registry, Metrics& m, const obs::Labels& labels) {
  auto add = [&](std::string_view name, std::string_view help, obs::Counter& c) {
    registry.counter_fn(
        "serendip_redis_" + std::string(name), help, [&c] { return static_cast<double>(c.value()); }, labels);
  };
  add("commands_total", "Redis commands completed", m.commands);
  add("command_errors_total", "Redis commands completed with an error", m.command_errors);
  add("timeouts_total", "Redis commands that timed out", m.timeouts);
  add("rejected_total", "Redis commands failed fast (connection down or queue full)", m.rejected);
  add("retries_total", "Extra attempts of idempotent Redis commands", m.retries);
  add("connects_total", "Redis connections established", m.connects);
  add("reconnects_total", "Redis connections re-established after a loss", m.reconnects);
  add("disconnects_total", "Redis connections lost or recycled", m.disconnects);
  add("moved_total", "Redis Cluster MOVED redirections", m.moved);
  add("ask_total", "Redis Cluster ASK redirections", m.ask);
  add("slot_refreshes_total", "Redis Cluster slot maps loaded", m.slot_refreshes);
  add("slot_map_changes_total", "Redis Cluster slot map loads that moved a slot (failover, resharding)",
      m.slot_map_changes);
  add("noscript_total", "EVALSHA answered NOSCRIPT", m.noscript);
  add("resubscribes_total", "Sharded subscriptions sent again", m.resubscribes);
  add("messages_total", "Sharded pub/sub messages delivered", m.messages);
  add("probe_failures_total", "Inbox probes not received in time", m.probe_failures);
  m.latency = &registry.histogram("serendip_redis_command_seconds", "Redis command latency (call to callback)",
                                  {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}, labels);
}

}  // namespace serendip::redis
