#include "obs/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>

namespace serendip::obs {
namespace {

TEST(Metrics, RenderSmallRegistryExactly) {
  Registry r;
  r.counter("serendip_matches_total", "Matches made.").inc(3);
  r.counter("serendip_ws_messages_total", "Messages received.", {{"type", "offer"}}).inc(2);
  r.counter("serendip_ws_messages_total", "ignored: first help wins", {{"type", "ice"}}).inc();
  r.gauge("serendip_connections", "Open sockets.\nSecond line \\ backslash").set(-4);
  r.gauge_fn("serendip_queue_length", "Queued participants.", [] { return 2.5; }, {{"mode", "video"}});
  auto& h = r.histogram("serendip_wait_seconds", "Queue wait.", {0.5, 1, 2.5}, {{"mode", "text"}});
  h.observe(0.25);
  h.observe(1);
  h.observe(7);
  r.counter("serendip_odd_labels_total", "Escaping.", {{"v", "a\"b\\c\nd"}});

  EXPECT_EQ(r.render(),
            "# HELP serendip_matches_total Matches made.\n"
            "# TYPE serendip_matches_total counter\n"
            "serendip_matches_total 3\n"
            "# HELP serendip_ws_messages_total Messages received.\n"
            "# TYPE serendip_ws_messages_total counter\n"
            "serendip_ws_messages_total{type=\"offer\"} 2\n"
            "serendip_ws_messages_total{type=\"ice\"} 1\n"
            "# HELP serendip_connections Open sockets.\\nSecond line \\\\ backslash\n"
            "# TYPE serendip_connections gauge\n"
            "serendip_connections -4\n"
            "# HELP serendip_queue_length Queued participants.\n"
            "# TYPE serendip_queue_length gauge\n"
            "serendip_queue_length{mode=\"video\"} 2.5\n"
            "# HELP serendip_wait_seconds Queue wait.\n"
            "# TYPE serendip_wait_seconds histogram\n"
            "serendip_wait_seconds_bucket{mode=\"text\",le=\"0.5\"} 1\n"
            "serendip_wait_seconds_bucket{mode=\"text\",le=\"1\"} 2\n"
            "serendip_wait_seconds_bucket{mode=\"text\",le=\"2.5\"} 2\n"
            "serendip_wait_seconds_bucket{mode=\"text\",le=\"+Inf\"} 3\n"
            "serendip_wait_seconds_sum{mode=\"text\"} 8.25\n"
            "serendip_wait_seconds_count{mode=\"text\"} 3\n"
            "# HELP serendip_odd_labels_total Escaping.\n"
            "# TYPE serendip_odd_labels_total counter\n"
            "serendip_odd_labels_total{v=\"a\\\"b\\\\c\\nd\"} 0\n");
}

TEST(Metrics, SameNameAndLabelsGiveSameMetric) {
  Registry r;
  Counter& a = r.counter("x_total", "x", {{"k", "v"}});
  Counter& b = r.counter("x_total", "x", {{"k", "v"}});
  Counter& c = r.counter("x_total", "x", {{"k", "w"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &c);
  Histogram& h1 = r.histogram("h", "h", {1, 2});
  Histogram& h2 = r.histogram("h", "h", {5});
  EXPECT_EQ(&h1, &h2);
  EXPECT_EQ(h2.upper_bounds().size(), 2u);
}

TEST(Metrics, GaugeFnEvaluatedAtRenderTime) {
  Registry r;
  double v = 1;
  r.gauge_fn("live", "live", [&] { return v; });
  EXPECT_NE(r.render().find("live 1\n"), std::string::npos);
  v = 42;
  EXPECT_NE(r.render().find("live 42\n"), std::string::npos);
  r.gauge_fn("live", "live", [] { return 7.0; });  // replaces
  EXPECT_NE(r.render().find("live 7\n"), std::string::npos);
}

TEST(Metrics, CounterFnIsTypedCounter) {
  Registry r;
  double v = 1.5;
  r.counter_fn("cpu_seconds_total", "cpu", [&] { return v; });
  const std::string out = r.render();
  EXPECT_NE(out.find("# TYPE cpu_seconds_total counter\n"), std::string::npos) << out;
  EXPECT_NE(out.find("cpu_seconds_total 1.5\n"), std::string::npos) << out;
  v = 3;
  EXPECT_NE(r.render().find("cpu_seconds_total 3\n"), std::string::npos);
  // A callback name cannot come back as a plain metric of another type.
  EXPECT_DEATH(r.gauge_fn("cpu_seconds_total", "cpu", [] { return 0.0; }), "another type");
}

TEST(Metrics, ConcurrentUpdatesAndRegistration) {
  Registry r;
  Counter& shared = r.counter("shared_total", "shared");
  Histogram& h = r.histogram("lat", "lat", {1, 10, 100});
  constexpr int kThreads = 4;
  constexpr int kIterations = 100'000;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Counter& mine = r.counter("per_thread_total", "per thread", {{"t", std::to_string(t)}});
      for (int i = 0; i < kIterations; ++i) {
        shared.inc();
        mine.inc();
        h.observe(i % 2 == 0 ? 0.5 : 50);
        if (i % 10'000 == 0) (void)r.render();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(shared.value(), std::uint64_t{kThreads} * kIterations);
  EXPECT_EQ(h.count(), std::uint64_t{kThreads} * kIterations);
  constexpr int kPerValue = kIterations / 2;  // half the observations are 0.5, half 50
  EXPECT_DOUBLE_EQ(h.sum(), kThreads * kPerValue * (0.5 + 50));
  const auto counts = h.bucket_counts();
  EXPECT_EQ(counts, (std::vector<std::uint64_t>{200'000, 0, 200'000, 0}));
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(r.counter("per_thread_total", "", {{"t", std::to_string(t)}}).value(), std::uint64_t{kIterations});
  }
}

TEST(Histogram, BucketsAreLessOrEqual) {
  Histogram h({1, 2, 4});
  for (double v : {0.0, 1.0, 1.0001, 2.0, 3.0, 4.0, 4.5, -3.0}) h.observe(v);
  EXPECT_EQ(h.bucket_counts(), (std::vector<std::uint64_t>{3, 2, 2, 1}));
  EXPECT_EQ(h.count(), 8u);
  h.observe(std::nan(""));  // ignored
  EXPECT_EQ(h.count(), 8u);
}

TEST(Histogram, TrailingInfBoundIsImplicit) {
  Histogram h({1, 2, std::numeric_limits<double>::infinity()});
  EXPECT_EQ(h.upper_bounds(), (std::vector<double>{1, 2}));
  EXPECT_EQ(h.bucket_counts().size(), 3u);
}

TEST(Histogram, Quantile) {
  Histogram empty({1, 2});
  EXPECT_EQ(empty.quantile(0.5), 0.0);

  Histogram h({10, 20, 40});
  for (int i = 0; i < 10; ++i) h.observe(5);   // (0, 10]
  for (int i = 0; i < 10; ++i) h.observe(15);  // (10, 20]
  for (int i = 0; i < 20; ++i) h.observe(30);  // (20, 40]
  // rank 20 of 40 = end of the second bucket.
  EXPECT_DOUBLE_EQ(h.quantile(0.5), 20.0);
  // rank 10 = end of the first bucket.
  EXPECT_DOUBLE_EQ(h.quantile(0.25), 10.0);
  // rank 5 = half way through the first bucket (which starts at 0).
  EXPECT_DOUBLE_EQ(h.quantile(0.125), 5.0);
  // rank 30 = half way through (20, 40].
  EXPECT_DOUBLE_EQ(h.quantile(0.75), 30.0);
  EXPECT_DOUBLE_EQ(h.quantile(1.0), 40.0);
  EXPECT_DOUBLE_EQ(h.quantile(7.0), 40.0);  // clamped

  h.observe(1000);  // +Inf bucket: answered with the highest finite bound
  EXPECT_DOUBLE_EQ(h.quantile(1.0), 40.0);
}

using MetricsDeathTest = ::testing::Test;

TEST(MetricsDeathTest, InvalidNamesAbort) {
  Registry r;
  EXPECT_DEATH(r.counter("bad-name", "x"), "invalid metric name");
  EXPECT_DEATH(r.counter("1abc", "x"), "invalid metric name");
  EXPECT_DEATH(r.counter("ok_total", "x", {{"bad label", "v"}}), "invalid label name");
  EXPECT_DEATH(r.histogram("h", "x", {1}, {{"le", "1"}}), "reserved");
  EXPECT_DEATH(Histogram({2, 1}), "ascending");
  r.counter("dual", "x");
  EXPECT_DEATH(r.gauge("dual", "x"), "another type");
}

}  // namespace
}  // namespace serendip::obs
