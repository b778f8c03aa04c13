// The shared reads (service.cpp): reputation, counters, and many threads
// calling at once.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "service_fixture.hpp"

namespace serendip::moderation {
namespace {

using core::ErrorCode;
using testing::code;
using testing::kDevA;
using testing::kDevB;
using testing::ServiceTest;

TEST_F(ServiceTest, ReputationAndCounts) {
  svc().record_session("::ffff:203.0.113.9", kDevB, 40'000);
  svc().record_session("203.0.113.9", kDevB, 20'000);
  submit("s1");
  submit("s2");
  auto rep = svc().reputation_of_ip("203.0.113.9");
  ASSERT_TRUE(rep.has_value());
  EXPECT_EQ(rep->sessions, 2);
  EXPECT_EQ(rep->session_ms, 60'000);
  EXPECT_EQ(rep->reports_received, 2);
  auto dev = svc().reputation_of_device(kDevA);
  EXPECT_EQ(dev->reports_made, 2);
  EXPECT_EQ(code(svc().reputation_of_ip("' OR 1=1 --")), ErrorCode::bad_request);
  EXPECT_EQ(code(svc().reputation_of_device("' OR 1=1 --")), ErrorCode::bad_request);
  auto c = svc().counts();
  EXPECT_EQ(c->pending_reports, 2);
  EXPECT_EQ(c->open_appeals, 0);
  auto pairs = svc().reported_device_pairs();
  ASSERT_EQ(pairs->size(), 1u);
  EXPECT_EQ((*pairs)[0].reporter_device, kDevA);
  EXPECT_EQ((*pairs)[0].reported_device, kDevB);
  EXPECT_GT((*pairs)[0].last_at, 0);
}

TEST_F(ServiceTest, ConcurrentCallersFromManyThreads) {
  std::vector<std::thread> threads;
  threads.reserve(4);
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        auto in = report_input("t" + std::to_string(t) + "-" + std::to_string(i));
        if (svc().submit_report(in)) ok++;
        (void)svc().active_block("203.0.113.9", kDevB);
        if (svc().create_block(mod_, BlockRequest{"192.0.2." + std::to_string(t * 10 + i), "", 60, ""})) ok++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 80);
  EXPECT_EQ(listener_.taken().size(), 40u);
  auto v = svc().verify_audit();
  EXPECT_TRUE(v->ok);
  EXPECT_EQ(v->entries, 80);
}

}  // namespace
}  // namespace serendip::moderation
