// IP privacy in moderation: the retention job (ip_retention.hpp) and the audit
// entries, which never hold a raw address.
#include "moderation/ip_retention.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "moderation/session_counts.hpp"
#include "service_fixture.hpp"
#include "store/ip_privacy.hpp"
#include "store/sql.hpp"

namespace serendip::moderation {
namespace {

using testing::kDevB;
using testing::kIpKey;
using testing::ServiceTest;

constexpr std::int64_t kDay = IpRetention::kDayMs;

class IpRetentionTest : public ServiceTest {
 protected:
  // Every value of every IP column and counter key, read behind the store's back.
  std::vector<std::string> stored_ips() {
    auto c = store::sql::open_sqlite((dir_ / "mod.db").string());
    EXPECT_TRUE(c.has_value());
    std::vector<std::string> out;
    if (!c) return out;
    for (const char* q : {"SELECT key FROM counters WHERE kind = 'ip'", "SELECT reporter_ip FROM reports",
                          "SELECT reported_ip FROM reports", "SELECT ip FROM appeals", "SELECT ip FROM blocks"}) {
      auto r = (*c)->query(q);
      EXPECT_TRUE(r.has_value()) << q;
      if (!r) continue;
      for (const auto& row : r->rows) {
        if (!row.is_null(0)) out.push_back(row.text(0));
      }
    }
    return out;
  }
  static bool holds(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  }
};

TEST_F(IpRetentionTest, FinishedSessionsAreCountedUnderAKeyedHash) {
  SessionCounts counts(db_->reputation(), clock_);
  counts.add("203.0.113.9", kDevB, 20'000);
  ASSERT_TRUE(counts.write(counts.take()));
  const auto ips = stored_ips();
  ASSERT_EQ(ips.size(), 1u);
  EXPECT_EQ(ips[0], store::ip_hash(kIpKey, "203.0.113.9"));
  EXPECT_EQ(svc().reputation_of_ip("203.0.113.9")->sessions, 1);
}

TEST_F(IpRetentionTest, AuditEntriesNeverHoldTheAddress) {
  // A block by hand, lifted; a report accepted with an IP block; an appeal accepted.
  auto b = svc().create_block(mod_, BlockRequest{"192.0.2.1", "", 600, "spam"});
  ASSERT_TRUE(b.has_value());
  ASSERT_TRUE(svc().lift_block(mod_, b->id, "mistake").has_value());
  const std::int64_t report = submit();
  auto decided = svc().decide_report(mod_, report, AcceptReport{true, true, 3600, "seen"});
  ASSERT_TRUE(decided.has_value());
  ASSERT_TRUE(svc().submit_appeal(kDevB, "203.0.113.9", "it was my brother").has_value());
  auto appeals = svc().appeals({}, {});
  ASSERT_TRUE(appeals.has_value());
  ASSERT_EQ(appeals->items.size(), 1u);
  ASSERT_TRUE(svc().decide_appeal(admin_, appeals->items[0].id, true, "fine").has_value());

  const std::string hash_1 = store::ip_hash(kIpKey, "192.0.2.1");
  const std::string hash_9 = store::ip_hash(kIpKey, "203.0.113.9");
  int with_hash = 0;
  for (const auto& e : audit_entries()) {
    for (const char* ip : {"192.0.2.1", "203.0.113.9", "198.51.100.1"}) {
      EXPECT_EQ(e.details.find(ip), std::string::npos) << e.action << " " << e.details;
      EXPECT_EQ(e.reason.find(ip), std::string::npos) << e.action << " " << e.reason;
    }
    if (e.details.find(hash_1) != std::string::npos || e.details.find(hash_9) != std::string::npos) ++with_hash;
  }
  EXPECT_EQ(with_hash, 4);  // block.create and block.lift, twice
  // The block itself keeps the address while it can act on it.
  EXPECT_EQ(decided->block->ip, "203.0.113.9");
}

TEST_F(IpRetentionTest, ErasesRawIpsTheConfiguredDaysAfterTheyStoppedBeingLive) {
  IpRetention job(db_->ip_privacy(), clock_, 90);
  const std::int64_t id = submit();
  ASSERT_TRUE(svc().decide_report(mod_, id, RejectReport{"not enough"}).has_value());
  const std::int64_t pending = submit("sess-2");
  ASSERT_TRUE(svc().create_block(mod_, BlockRequest{"192.0.2.8", "", 600, "spam"}).has_value());

  clock_.advance(89 * kDay);
  ASSERT_TRUE(job.run());
  EXPECT_EQ(svc().report(id)->report.reported.ip, "203.0.113.9");  // 89 days: kept
  EXPECT_TRUE(holds(stored_ips(), "192.0.2.8"));

  clock_.advance(2 * kDay);
  ASSERT_TRUE(job.run());
  EXPECT_EQ(svc().report(id)->report.reported.ip, "");  // 91 days after the decision: erased
  EXPECT_EQ(svc().report(id)->report.reporter.ip, "");
  EXPECT_EQ(svc().report(pending)->report.reported.ip, "203.0.113.9");  // pending: a moderator may still act
  const auto ips = stored_ips();
  EXPECT_FALSE(holds(ips, "192.0.2.8"));  // the block expired 91 days ago
  EXPECT_TRUE(holds(ips, store::ip_hash(kIpKey, "192.0.2.8")));
  // History by address still adds up.
  EXPECT_EQ(svc().reputation_of_ip("203.0.113.9")->reports_received, 2);
  EXPECT_EQ(svc().reputation_of_ip("192.0.2.8")->blocks, 1);
}

TEST_F(IpRetentionTest, RunsAtOnceThenHourlyOneAtATime) {
  IpRetention job(db_->ip_privacy(), clock_, 90);
  EXPECT_TRUE(job.try_start());
  EXPECT_FALSE(job.try_start());  // running
  EXPECT_TRUE(job.run());
  EXPECT_FALSE(job.try_start());
  clock_.advance(IpRetention::kEveryMs - 1);
  EXPECT_FALSE(job.try_start());
  clock_.advance(1);
  EXPECT_TRUE(job.try_start());
  EXPECT_TRUE(job.run());
}

TEST_F(IpRetentionTest, ZeroDaysKeepsRawIpsButStillHashesCounters) {
  IpRetention job(db_->ip_privacy(), clock_, 0);
  EXPECT_EQ(job.cutoff(clock_.unix_ms()), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(IpRetention(db_->ip_privacy(), clock_, 90).cutoff(100 * kDay), 10 * kDay);
  const std::int64_t id = submit();
  ASSERT_TRUE(svc().decide_report(mod_, id, RejectReport{""}).has_value());
  clock_.advance(3650 * kDay);
  ASSERT_TRUE(job.run());
  EXPECT_EQ(svc().report(id)->report.reported.ip, "203.0.113.9");
}

// An IpPrivacy whose database is down.
class DownPrivacy final : public store::IpPrivacy {
 public:
  void set_key(std::string) override {}
  bool keyed() const override { return true; }
  std::string hash(std::string_view) const override { return {}; }
  store::Result<store::IpErasure> erase_ips(std::int64_t, int) override {
    ++calls;
    return store::Error{store::ErrorKind::unavailable, "down"};
  }
  int calls = 0;
};

TEST_F(IpRetentionTest, AFailedRunIsRetriedWithinAMinute) {
  DownPrivacy down;
  IpRetention job(down, clock_, 90);
  ASSERT_TRUE(job.try_start());
  EXPECT_FALSE(job.run());
  EXPECT_FALSE(job.try_start());
  clock_.advance(IpRetention::kRetryMs);
  EXPECT_TRUE(job.try_start());
  EXPECT_FALSE(job.run());
  EXPECT_EQ(down.calls, 2);
}

}  // namespace
}  // namespace serendip::moderation
