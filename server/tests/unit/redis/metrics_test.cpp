#include "redis/metrics.hpp"

#include <gtest/gtest.h>

namespace serendip::redis {
namespace {

// The names the alert rules and the dashboard read (deploy/prometheus, deploy/grafana).
TEST(RegisterMetrics, ExportsTheNamesDeployUses) {
  obs::Registry registry;
  Metrics m;
  register_metrics(registry, m);
  m.reconnects.inc(2);
  m.failovers.inc();
  m.probe_failures.inc(3);
  ASSERT_TRUE(m.latency);
  m.latency("GET")->observe(0.002);
  EXPECT_EQ(m.latency("GET"), m.latency("GET"));
  // Whole lines: a name with a doubled prefix must not pass for the right one.
  auto has_line = [&](const std::string& line) { return ("\n" + registry.render()).find("\n" + line + "\n"); };
  auto text = registry.render();
  EXPECT_NE(has_line("serendip_redis_reconnects_total 2"), std::string::npos) << text;
  EXPECT_NE(has_line("serendip_redis_failovers_total 1"), std::string::npos);
  EXPECT_NE(has_line("serendip_inbox_probe_failures_total 3"), std::string::npos);
  EXPECT_NE(has_line("serendip_redis_command_seconds_count{command=\"GET\"} 1"), std::string::npos);
  EXPECT_NE(has_line("serendip_redis_up 0"), std::string::npos);  // no client yet
  EXPECT_EQ(text.find("serendip_redis_serendip"), std::string::npos);
  m.clients.add(2);
  m.unhealthy_clients.add(1);
  EXPECT_NE(has_line("serendip_redis_up 0"), std::string::npos);
  m.unhealthy_clients.add(-1);
  EXPECT_NE(has_line("serendip_redis_up 1"), std::string::npos);
}

}  // namespace
}  // namespace serendip::redis
