// SessionCounts (session_counts.hpp): sessions summed in memory, written in
// one transaction, kept over a failed write.
#include "moderation/session_counts.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "service_fixture.hpp"

namespace serendip::moderation {
namespace {

using testing::kDevA;
using testing::kDevB;
using testing::ServiceTest;

const store::SessionTotals* find(const std::vector<store::SessionTotals>& v, bool ip, const std::string& key) {
  auto it = std::find_if(v.begin(), v.end(), [&](const auto& t) { return t.ip == ip && t.key == key; });
  return it == v.end() ? nullptr : &*it;
}

TEST_F(ServiceTest, SessionCountsSumPerKeyUntilTaken) {
  SessionCounts counts(db_->reputation(), clock_);
  counts.add("::ffff:203.0.113.9", kDevB, 40'000);  // the same address as the next, not yet canonical
  clock_.advance(5);
  counts.add("203.0.113.9", kDevB, 20'000);
  counts.add("198.51.100.1", kDevA, -3);  // a clock step back counts as 0 ms
  counts.add("", "", 1'000);              // nobody: nothing
  auto taken = counts.take();
  ASSERT_EQ(taken.size(), 4u);
  const auto* ip = find(taken, true, "203.0.113.9");
  ASSERT_NE(ip, nullptr);
  EXPECT_EQ(ip->sessions, 2);
  EXPECT_EQ(ip->session_ms, 60'000);
  EXPECT_EQ(ip->last_seen, clock_.unix_ms());
  const auto* b = find(taken, false, kDevB);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->sessions, 2);
  EXPECT_EQ(find(taken, false, kDevA)->session_ms, 0);
  EXPECT_TRUE(counts.take().empty());

  // Nothing is in the database until written; then all of it is.
  EXPECT_EQ(svc().reputation_of_ip("203.0.113.9")->sessions, 0);
  EXPECT_TRUE(counts.write(std::move(taken)));
  EXPECT_EQ(svc().reputation_of_ip("203.0.113.9")->sessions, 2);
  EXPECT_EQ(svc().reputation_of_device(kDevB)->session_ms, 60'000);
  EXPECT_EQ(svc().reputation_of_device(kDevA)->sessions, 1);
}

TEST_F(ServiceTest, SessionCountsFromManyThreadsAreAllCounted) {
  SessionCounts counts(db_->reputation(), clock_);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1'000; ++i) counts.add("192.0.2.1", kDevA, 10);
    });
  }
  // Taken and written while they add: nothing lost between takes.
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(counts.write(counts.take()));
  for (auto& t : threads) t.join();
  ASSERT_TRUE(counts.write(counts.take()));
  EXPECT_EQ(svc().reputation_of_device(kDevA)->sessions, 4'000);
  EXPECT_EQ(svc().reputation_of_ip("192.0.2.1")->session_ms, 40'000);
}

// A store that refuses its first `failures` batch writes.
class FlakyReputation final : public store::ReputationStore {
 public:
  FlakyReputation(store::ReputationStore& inner, int failures) : inner_(inner), failures_(failures) {}
  store::Result<void> record_session(std::string_view ip, std::string_view device_key, std::int64_t length_ms,
                                     std::int64_t now) override {
    return inner_.record_session(ip, device_key, length_ms, now);
  }
  store::Result<void> record_sessions(std::span<const store::SessionTotals> totals) override {
    ++calls;
    if (failures_-- > 0) return store::Error{store::ErrorKind::unavailable, "database is down"};
    return inner_.record_sessions(totals);
  }
  store::Result<store::Reputation> of_ip(std::string_view ip, std::int64_t now) override {
    return inner_.of_ip(ip, now);
  }
  store::Result<store::Reputation> of_device(std::string_view device_key, std::int64_t now) override {
    return inner_.of_device(device_key, now);
  }
  int calls = 0;

 private:
  store::ReputationStore& inner_;
  int failures_;
};

TEST_F(ServiceTest, SessionCountsKeptOverFailedWritesAreWrittenOnce) {
  FlakyReputation flaky(db_->reputation(), 2);
  SessionCounts counts(flaky, clock_);
  counts.add("192.0.2.7", kDevA, 1'000);
  EXPECT_FALSE(counts.write(counts.take()));
  EXPECT_EQ(counts.carried(), 2u);
  counts.add("192.0.2.7", kDevA, 2'000);
  EXPECT_FALSE(counts.write(counts.take()));
  EXPECT_EQ(counts.carried(), 2u);  // one row per key, folded
  EXPECT_TRUE(counts.write(counts.take()));
  EXPECT_EQ(counts.carried(), 0u);
  EXPECT_EQ(flaky.calls, 3);
  auto rep = svc().reputation_of_device(kDevA);
  EXPECT_EQ(rep->sessions, 2);
  EXPECT_EQ(rep->session_ms, 3'000);
  EXPECT_TRUE(counts.write(counts.take()));  // nothing more: written once
  EXPECT_EQ(svc().reputation_of_ip("192.0.2.7")->sessions, 2);
  EXPECT_EQ(counts.dropped(), 0u);
}

}  // namespace
}  // namespace serendip::moderation
