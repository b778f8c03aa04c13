// The store cases, run on every backend (see store_suite.hpp).
#include "store_suite.hpp"

#include <poll.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): kill() is POSIX, not in <csignal>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

#include "store/ip_privacy.hpp"
#include "store/migrations.hpp"

namespace serendip::store::testing {
namespace {

constexpr std::int64_t kT0 = 1'790'000'000'000;  // unix ms
constexpr std::int64_t kHour = 3'600'000;

// Strings that would change a query if they were ever spliced into SQL.
const std::vector<std::string> kInjections = {
    "' OR '1'='1",
    "' OR 1=1 --",
    "'; DROP TABLE reports; --",
    "1; DELETE FROM blocks",
    "\" OR \"\"=\"",
    "x' UNION SELECT username, password_hash, role, created_at, disabled FROM admins --",
    "?",
    "$1",
    "\\'; DROP TABLE audit_log; --",
    "%' OR '%'='",
};

NewReport report(std::string session, const std::string& reporter, const std::string& reported, std::int64_t at = kT0) {
  NewReport r;
  r.created_at = at;
  r.session_id = std::move(session);
  r.reason = "harassment";
  r.comment = "rude";
  r.reporter = Party{"u_" + reporter, "dev-" + reporter, "10.0.0." + std::to_string(reporter.size())};
  r.reported = Party{"u_" + reported, "dev-" + reported, "192.0.2." + std::to_string(reported.size())};
  r.session_started_at = at - 60'000;
  r.session_ended_at = at - 1'000;
  r.session_length_ms = 59'000;
  return r;
}

NewBlock block(std::string ip, std::string device, std::optional<std::int64_t> expires, std::int64_t at = kT0) {
  NewBlock b;
  b.ip = std::move(ip);
  b.device_key = std::move(device);
  b.reason = "spam";
  b.created_by = "admin:alice";
  b.created_at = at;
  b.expires_at = expires;
  return b;
}

AuditRecord record(std::string action, std::string target, std::int64_t ts = kT0) {
  return AuditRecord{ts, "admin:alice", std::move(action), std::move(target), "because", R"({"n":1})"};
}

template <class T>
T ok(Result<T> r) {
  EXPECT_TRUE(r.has_value()) << r.error().message;
  if (!r) throw std::runtime_error(r.error().message);
  return std::move(*r);
}
void ok(const Result<void>& r) {
  EXPECT_TRUE(r.has_value()) << r.error().message;
  if (!r) throw std::runtime_error(r.error().message);
}
template <class T>
ErrorKind err(const Result<T>& r) {
  EXPECT_FALSE(r.has_value());
  return r ? ErrorKind::internal : r.error().kind;
}

// ---------------------------------------------------------------- schema

TEST_P(StoreTest, MigratesToTheLatestVersionAndReopensIdempotently) {
  const auto sqlite = embedded_migrations(sql::Dialect::sqlite);
  const auto pg = embedded_migrations(sql::Dialect::postgres);
  ASSERT_FALSE(sqlite.empty());
  ASSERT_EQ(sqlite.size(), pg.size()) << "every migration exists for both dialects";
  for (std::size_t i = 0; i < sqlite.size(); ++i) {
    EXPECT_EQ(sqlite[i].version, pg[i].version);
    EXPECT_EQ(sqlite[i].name, pg[i].name);
  }
  EXPECT_EQ(db().schema_version(), sqlite.back().version);
  ok(db().reports().add(report("s1", "a", "b")));
  auto again = reopen();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->schema_version(), sqlite.back().version);
  EXPECT_EQ(ok(again->reports().count({})), 1);
  EXPECT_TRUE(again->ping().has_value());
}

TEST_P(StoreTest, InstancesStartingTogetherMigrateOnce) {
  db_.reset();
  url_ = backend().fresh_url();
  ASSERT_FALSE(url_.empty());
  std::vector<std::unique_ptr<Database>> opened(4);
  std::vector<std::string> errors(4);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < opened.size(); ++i) {
    threads.emplace_back([&, i] {
      auto db = open_database(url_);
      if (db) {
        opened[i] = std::move(*db);
      } else {
        errors[i] = db.error().message;
      }
    });
  }
  for (auto& t : threads) t.join();
  for (std::size_t i = 0; i < opened.size(); ++i) {
    ASSERT_TRUE(opened[i]) << errors[i];
    EXPECT_EQ(opened[i]->schema_version(), embedded_migrations(sql::Dialect::sqlite).back().version);
  }
  ok(opened[0]->reports().add(report("s1", "a", "b")));
  EXPECT_EQ(ok(opened[3]->reports().count({})), 1);
}

TEST_P(StoreTest, RejectsUnknownUrls) {
  EXPECT_EQ(err(open_database("mysql://x")), ErrorKind::invalid);
  EXPECT_EQ(err(open_database("sqlite://")), ErrorKind::invalid);
}

// ---------------------------------------------------------------- reports

TEST_P(StoreTest, ReportRoundTripsEveryField) {
  NewReport n = report("sess-1", "alice", "bob");
  n.session_ended_at.reset();
  const std::int64_t id = ok(db().reports().add(n));
  const ReportSummary s = ok(db().reports().get(id));
  const Report& r = s.report;
  EXPECT_EQ(r.id, id);
  EXPECT_EQ(r.created_at, kT0);
  EXPECT_EQ(r.session_id, "sess-1");
  EXPECT_EQ(r.reason, "harassment");
  EXPECT_EQ(r.comment, "rude");
  EXPECT_EQ(r.reporter.user_id, "u_alice");
  EXPECT_EQ(r.reporter.device_key, "dev-alice");
  EXPECT_EQ(r.reporter.ip, "10.0.0.5");
  EXPECT_EQ(r.reported.user_id, "u_bob");
  EXPECT_EQ(r.reported.device_key, "dev-bob");
  EXPECT_EQ(r.reported.ip, "192.0.2.3");
  EXPECT_EQ(r.session_started_at, kT0 - 60'000);
  EXPECT_FALSE(r.session_ended_at.has_value());
  EXPECT_EQ(r.session_length_ms, 59'000);
  EXPECT_EQ(r.status, ReportStatus::pending);
  EXPECT_TRUE(r.decided_by.empty());
  EXPECT_FALSE(r.decided_at.has_value());
  EXPECT_EQ(s.distinct_reporters, 1);
  EXPECT_EQ(s.prior_blocks, 0);
  EXPECT_EQ(err(db().reports().get(id + 100)), ErrorKind::not_found);
}

TEST_P(StoreTest, OneReportPerReporterAndSession) {
  ok(db().reports().add(report("s1", "alice", "bob")));
  // Same user id again.
  EXPECT_EQ(err(db().reports().add(report("s1", "alice", "bob"))), ErrorKind::conflict);
  // Same device under a new user id (a new token).
  NewReport again = report("s1", "alice", "bob");
  again.reporter.user_id = "u_alice_2";
  EXPECT_EQ(err(db().reports().add(again)), ErrorKind::conflict);
  // The other side of the session may report too, and alice may report another session.
  ok(db().reports().add(report("s1", "bob", "alice")));
  ok(db().reports().add(report("s2", "alice", "bob")));
  EXPECT_EQ(ok(db().reports().count({})), 3);
}

TEST_P(StoreTest, QueueIsPendingFirstThenOldestFirstAcrossPages) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 7; ++i) {
    // Created in a shuffled time order: ids do not follow time.
    const std::int64_t at = kT0 + ((i * 3) % 7) * 1000;
    ids.push_back(ok(db().reports().add(report("s" + std::to_string(i), "r" + std::to_string(i), "bob", at))));
  }
  ok(db().reports().decide(ids[0], DecisionUpdate{ReportStatus::rejected, "alice", kT0 + kHour, "no"}));
  ok(db().reports().decide(ids[1], DecisionUpdate{ReportStatus::accepted, "alice", kT0 + kHour, "yes"}));

  std::vector<ReportSummary> all;
  PageRequest page{3, ""};
  for (int guard = 0; guard < 10; ++guard) {
    auto p = ok(db().reports().queue({}, page));
    EXPECT_LE(p.items.size(), 3u);
    all.insert(all.end(), p.items.begin(), p.items.end());
    if (!p.next_cursor) break;
    page.cursor = *p.next_cursor;
  }
  ASSERT_EQ(all.size(), 7u);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(all[i].report.status, ReportStatus::pending) << i;
  for (std::size_t i = 5; i < 7; ++i) EXPECT_NE(all[i].report.status, ReportStatus::pending) << i;
  for (std::size_t i = 1; i < 5; ++i) EXPECT_LT(all[i - 1].report.created_at, all[i].report.created_at);
  EXPECT_LT(all[5].report.created_at, all[6].report.created_at);
  // Every report seven times reported by seven devices.
  for (const auto& s : all) EXPECT_EQ(s.distinct_reporters, 7);

  EXPECT_EQ(err(db().reports().queue({}, PageRequest{3, "garbage"})), ErrorKind::invalid);
  EXPECT_EQ(err(db().reports().queue({}, PageRequest{3, "1.2"})), ErrorKind::invalid);
}

TEST_P(StoreTest, PriorityReportsJumpTheQueueUntilDecided) {
  // Older reports against bob and dave, newer ones against carol.
  const std::int64_t bob = ok(db().reports().add(report("s1", "a", "bob", kT0)));
  ok(db().reports().add(report("s2", "b", "dave", kT0 + 10)));
  const std::int64_t carol1 = ok(db().reports().add(report("s3", "c", "carol", kT0 + 20)));
  const std::int64_t carol2 = ok(db().reports().add(report("s4", "d", "carol", kT0 + 30)));
  const std::int64_t carol_decided = ok(db().reports().add(report("s5", "e", "carol", kT0 + 5)));
  ok(db().reports().decide(carol_decided, DecisionUpdate{ReportStatus::rejected, "mod", kT0 + 40, ""}));
  EXPECT_FALSE(ok(db().reports().get(carol1)).report.priority);

  // Only pending reports change, and only once.
  EXPECT_EQ(ok(db().reports().prioritize_reported_device("dev-carol")), 2);
  EXPECT_EQ(ok(db().reports().prioritize_reported_device("dev-carol")), 0);
  EXPECT_EQ(ok(db().reports().prioritize_reported_device("dev-nobody")), 0);
  EXPECT_EQ(ok(db().reports().prioritize_reported_device("")), 0);
  EXPECT_TRUE(ok(db().reports().get(carol1)).report.priority);
  EXPECT_FALSE(ok(db().reports().get(carol_decided)).report.priority);
  EXPECT_FALSE(ok(db().reports().get(bob)).report.priority);

  // Priority (oldest first), other pending (oldest first), then decided; one per page.
  std::vector<std::int64_t> order;
  PageRequest page{1, ""};
  for (int guard = 0; guard < 10; ++guard) {
    auto p = ok(db().reports().queue({}, page));
    for (const auto& s : p.items) order.push_back(s.report.id);
    if (!p.next_cursor) break;
    page.cursor = *p.next_cursor;
  }
  ASSERT_EQ(order.size(), 5u);
  EXPECT_EQ(order[0], carol1);
  EXPECT_EQ(order[1], carol2);
  EXPECT_EQ(order[2], bob);
  EXPECT_EQ(order[4], carol_decided);
  EXPECT_EQ(ok(db().reports().count({.priority = true})), 2);
  EXPECT_EQ(ok(db().reports().count({.priority = false})), 3);

  // A decided priority report leaves the front of the queue and keeps its mark.
  ok(db().reports().decide(carol1, DecisionUpdate{ReportStatus::accepted, "mod", kT0 + 50, ""}));
  auto q = ok(db().reports().queue({}, {}));
  ASSERT_EQ(q.items.size(), 5u);
  EXPECT_EQ(q.items[0].report.id, carol2);
  EXPECT_EQ(q.items[1].report.id, bob);
  EXPECT_TRUE(ok(db().reports().get(carol1)).report.priority);
}

TEST_P(StoreTest, ShieldFlaggedReportsComeFirstAmongEquals) {
  const std::int64_t plain_old = ok(db().reports().add(report("s1", "a", "bob", kT0)));
  NewReport flagged = report("s2", "b", "carol", kT0 + 10);
  flagged.shield = ShieldMark{"nudity", 934};
  const std::int64_t shield = ok(db().reports().add(flagged));
  const std::int64_t plain_new = ok(db().reports().add(report("s3", "c", "dave", kT0 + 20)));
  NewReport pri = report("s4", "d", "erin", kT0 + 30);
  const std::int64_t priority = ok(db().reports().add(pri));
  ok(db().reports().prioritize_reported_device("dev-erin"));

  // Stored and read back as written; absent stays absent.
  auto got = ok(db().reports().get(shield)).report;
  ASSERT_TRUE(got.shield);
  EXPECT_EQ(got.shield->verdict, "nudity");
  EXPECT_EQ(got.shield->score_permille, 934);
  EXPECT_FALSE(ok(db().reports().get(plain_old)).report.shield);

  // Priority first; then, among the other pending ones, the shield-flagged one
  // before older plain ones; one per page so the cursor carries the order.
  std::vector<std::int64_t> order;
  PageRequest page{1, ""};
  for (int guard = 0; guard < 10; ++guard) {
    auto p = ok(db().reports().queue({}, page));
    for (const auto& s : p.items) order.push_back(s.report.id);
    if (!p.next_cursor) break;
    page.cursor = *p.next_cursor;
  }
  EXPECT_EQ(order, (std::vector<std::int64_t>{priority, shield, plain_old, plain_new}));

  // Decided, it falls behind the pending ones like any other.
  ok(db().reports().decide(shield, DecisionUpdate{ReportStatus::rejected, "mod", kT0 + 40, ""}));
  auto q = ok(db().reports().queue({}, {}));
  ASSERT_EQ(q.items.size(), 4u);
  EXPECT_EQ(q.items[3].report.id, shield);
  EXPECT_TRUE(q.items[3].report.shield);
}

TEST_P(StoreTest, QueueFilters) {
  ok(db().reports().add(report("s1", "a", "bob", kT0)));
  NewReport spam = report("s2", "b", "carol", kT0 + 10);
  spam.reason = "spam";
  const std::int64_t spam_id = ok(db().reports().add(spam));
  ok(db().reports().add(report("s3", "c", "bob", kT0 + 20)));
  ok(db().reports().decide(spam_id, DecisionUpdate{ReportStatus::accepted, "alice", kT0 + 30, ""}));

  auto count = [&](const ReportFilter& f) { return ok(db().reports().queue(f, {})).items.size(); };
  EXPECT_EQ(count({}), 3u);
  EXPECT_EQ(count({.status = ReportStatus::pending}), 2u);
  EXPECT_EQ(count({.status = ReportStatus::accepted}), 1u);
  EXPECT_EQ(count({.reason = "spam"}), 1u);
  EXPECT_EQ(count({.reported_device = "dev-bob"}), 2u);
  EXPECT_EQ(count({.reported_ip = "192.0.2.5"}), 1u);  // carol
  EXPECT_EQ(count({.since = kT0 + 10}), 2u);
  EXPECT_EQ(count({.until = kT0 + 10}), 1u);
  EXPECT_EQ(count({.status = ReportStatus::pending, .reported_device = "dev-bob", .since = kT0 + 1}), 1u);
  EXPECT_EQ(ok(db().reports().count({.status = ReportStatus::pending})), 2);
}

TEST_P(StoreTest, DistinctReportersAndPriorBlocks) {
  // Two devices report bob; one of them twice (two sessions).
  const std::int64_t first = ok(db().reports().add(report("s1", "a", "bob")));
  ok(db().reports().add(report("s2", "a", "bob")));
  ok(db().reports().add(report("s3", "bb", "bob")));
  // A block on bob's IP from before, and one made from the first report.
  ok(db().blocks().add(block("192.0.2.3", "", kT0 + kHour)));
  NewBlock from_report = block("", "dev-bob", std::nullopt);
  from_report.report_id = first;
  ok(db().blocks().add(from_report));
  const ReportSummary s = ok(db().reports().get(first));
  EXPECT_EQ(s.distinct_reporters, 2);
  EXPECT_EQ(s.prior_blocks, 1);  // the one it caused does not count against it
  auto q = ok(db().reports().queue({}, {}));
  ASSERT_EQ(q.items.size(), 3u);
  EXPECT_EQ(q.items[1].prior_blocks, 2);
}

TEST_P(StoreTest, DecideOnceOnly) {
  const std::int64_t id = ok(db().reports().add(report("s1", "a", "b")));
  const Report r = ok(db().reports().decide(id, DecisionUpdate{ReportStatus::accepted, "mod", kT0 + 5, "clear"}));
  EXPECT_EQ(r.status, ReportStatus::accepted);
  EXPECT_EQ(r.decided_by, "mod");
  EXPECT_EQ(r.decided_at, kT0 + 5);
  EXPECT_EQ(r.decision_note, "clear");
  EXPECT_EQ(err(db().reports().decide(id, DecisionUpdate{ReportStatus::rejected, "mod", kT0, ""})),
            ErrorKind::conflict);
  EXPECT_EQ(err(db().reports().decide(id + 9, DecisionUpdate{ReportStatus::rejected, "mod", kT0, ""})),
            ErrorKind::not_found);
  EXPECT_EQ(ok(db().reports().get(id)).report.status, ReportStatus::accepted);
}

TEST_P(StoreTest, ReportedDevicePairs) {
  ok(db().reports().add(report("s1", "a", "b", kT0)));
  ok(db().reports().add(report("s2", "a", "b", kT0 + 500)));
  ok(db().reports().add(report("s3", "b", "c", kT0 + 100)));
  ok(db().reports().add(report("s4", "c", "d", kT0 - 1)));  // before `since`
  auto pairs = ok(db().reports().reported_device_pairs(kT0));
  std::sort(pairs.begin(), pairs.end(), [](const ReportedPair& x, const ReportedPair& y) {
    return std::tie(x.reporter_device, x.reported_device) < std::tie(y.reporter_device, y.reported_device);
  });
  // One row per pair, with the time of its last report.
  EXPECT_EQ(pairs, (std::vector<ReportedPair>{{"dev-a", "dev-b", kT0 + 500}, {"dev-b", "dev-c", kT0 + 100}}));
  EXPECT_EQ(ok(db().reports().reported_device_pairs(0)).size(), 3u);
  EXPECT_TRUE(ok(db().reports().reported_device_pairs(kT0 + 501)).empty());
}

TEST_P(StoreTest, ReportersOfADeviceWithinTheWindowCarryTheirRecordAsReporters) {
  // a and c report b inside the window (a twice); d reported b before it; a's
  // record: one report accepted, one rejected, one pending.
  const auto a1 = ok(db().reports().add(report("s1", "a", "b", kT0 + 100)));
  ok(db().reports().add(report("s2", "a", "b", kT0 + 200)));
  ok(db().reports().add(report("s3", "c", "b", kT0 + 300)));
  ok(db().reports().add(report("s4", "d", "b", kT0 - 10'000)));
  const auto a_other = ok(db().reports().add(report("s5", "a", "x", kT0 - 50'000)));
  ok(db().reports().decide(a1, DecisionUpdate{ReportStatus::accepted, "mod", kT0 + 400, ""}));
  ok(db().reports().decide(a_other, DecisionUpdate{ReportStatus::rejected, "mod", kT0 + 400, ""}));

  const auto got = ok(db().reports().reporters_of("dev-b", kT0));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].device_key, "dev-a");
  EXPECT_EQ(got[0].decided, 2);
  EXPECT_EQ(got[0].accepted, 1);
  EXPECT_EQ(got[1].device_key, "dev-c");
  EXPECT_EQ(got[1].decided, 0);
  EXPECT_EQ(ok(db().reports().reporters_of("dev-b", kT0 - 20'000)).size(), 3u);
  EXPECT_TRUE(ok(db().reports().reporters_of("dev-nobody", 0)).empty());
}

// ---------------------------------------------------------------- injection

TEST_P(StoreTest, InjectionStringsInEveryFilterChangeNothing) {
  ok(db().reports().add(report("s1", "a", "b")));
  ok(db().blocks().add(block("192.0.2.9", "dev-x", std::nullopt)));
  ok(db().audit().append(record("block.create", "block:1")));
  ok(db().admins().add(AdminAccount{"alice", "$argon2id$x", Role::admin, kT0, false}));

  for (const std::string& evil : kInjections) {
    SCOPED_TRACE(evil);
    EXPECT_TRUE(ok(db().reports().queue({.reason = evil}, {})).items.empty());
    EXPECT_TRUE(ok(db().reports().queue({.reported_device = evil}, {})).items.empty());
    EXPECT_TRUE(ok(db().reports().queue({.reported_ip = evil}, {})).items.empty());
    EXPECT_EQ(ok(db().reports().count({.reason = evil})), 0);
    EXPECT_NE(db().reports().queue({}, PageRequest{10, evil}).has_value(), true);
    EXPECT_TRUE(ok(db().blocks().list({.ip = evil}, kT0, {})).items.empty());
    EXPECT_TRUE(ok(db().blocks().list({.device_key = evil}, kT0, {})).items.empty());
    EXPECT_FALSE(ok(db().blocks().active_for(evil, evil, kT0)).has_value());
    EXPECT_TRUE(ok(db().audit().list({.actor = evil}, {})).items.empty());
    EXPECT_TRUE(ok(db().audit().list({.action = evil}, {})).items.empty());
    EXPECT_TRUE(ok(db().audit().list({.target = evil}, {})).items.empty());
    EXPECT_FALSE(ok(db().admins().find(evil)).has_value());
    const Reputation ip = ok(db().reputation().of_ip(evil, kT0));
    EXPECT_EQ(ip.reports_received + ip.reports_made + ip.blocks + ip.sessions, 0);
    const Reputation dev = ok(db().reputation().of_device(evil, kT0));
    EXPECT_EQ(dev.reports_received + dev.reports_made + dev.blocks + dev.sessions, 0);
    // Stored as data, returned as data.
    NewReport r = report("inj-" + evil, "a", "b");
    r.comment = evil;
    const std::int64_t id = ok(db().reports().add(r));
    EXPECT_EQ(ok(db().reports().get(id)).report.comment, evil);
  }
  EXPECT_EQ(ok(db().reports().count({})), 1 + static_cast<std::int64_t>(kInjections.size()));
  EXPECT_EQ(ok(db().blocks().count_active(kT0)), 1);
  EXPECT_EQ(ok(db().admins().list()).size(), 1u);
  EXPECT_TRUE(ok(db().audit().verify()).ok);
}

// ---------------------------------------------------------------- blocks

TEST_P(StoreTest, ActiveBlockByIpOrDevice) {
  EXPECT_EQ(err(db().blocks().add(block("", "", std::nullopt))), ErrorKind::invalid);
  const Block ip_only = ok(db().blocks().add(block("198.51.100.1", "", kT0 + kHour)));
  const Block dev_only = ok(db().blocks().add(block("", "dev-1", std::nullopt)));
  const Block both = ok(db().blocks().add(block("198.51.100.2", "dev-2", kT0 + 2 * kHour)));
  EXPECT_EQ(ip_only.expires_at, kT0 + kHour);
  EXPECT_EQ(ip_only.created_by, "admin:alice");
  EXPECT_FALSE(dev_only.expires_at.has_value());

  auto active = [&](const std::string& ip, const std::string& dev, std::int64_t now) {
    return ok(db().blocks().active_for(ip, dev, now));
  };
  EXPECT_EQ(active("198.51.100.1", "", kT0)->id, ip_only.id);
  EXPECT_EQ(active("198.51.100.1", "dev-unknown", kT0)->id, ip_only.id);
  EXPECT_EQ(active("203.0.113.1", "dev-1", kT0)->id, dev_only.id);
  EXPECT_EQ(active("", "dev-2", kT0)->id, both.id);
  EXPECT_EQ(active("198.51.100.2", "", kT0)->id, both.id);
  EXPECT_FALSE(active("203.0.113.1", "dev-3", kT0).has_value());
  EXPECT_FALSE(active("", "", kT0).has_value());
  // Expired at exactly expires_at.
  EXPECT_FALSE(active("198.51.100.1", "", kT0 + kHour).has_value());
  EXPECT_TRUE(active("198.51.100.1", "", kT0 + kHour - 1).has_value());
  // Longest-lasting wins: permanent over timed.
  EXPECT_EQ(active("198.51.100.1", "dev-1", kT0)->id, dev_only.id);
  EXPECT_EQ(active("198.51.100.1", "dev-2", kT0)->id, both.id);
  EXPECT_EQ(ok(db().blocks().count_active(kT0)), 3);
  EXPECT_EQ(ok(db().blocks().count_active(kT0 + kHour)), 2);
}

TEST_P(StoreTest, LiftOnce) {
  const Block b = ok(db().blocks().add(block("198.51.100.1", "dev-1", std::nullopt)));
  const Block lifted = ok(db().blocks().lift(b.id, "admin:bob", kT0 + 5));
  EXPECT_EQ(lifted.lifted_at, kT0 + 5);
  EXPECT_EQ(lifted.lifted_by, "admin:bob");
  EXPECT_FALSE(lifted.active_at(kT0 + 6));
  EXPECT_FALSE(ok(db().blocks().active_for("198.51.100.1", "dev-1", kT0 + 6)).has_value());
  EXPECT_EQ(err(db().blocks().lift(b.id, "admin:bob", kT0 + 7)), ErrorKind::conflict);
  EXPECT_EQ(err(db().blocks().lift(b.id + 50, "admin:bob", kT0 + 7)), ErrorKind::not_found);
  EXPECT_EQ(ok(db().blocks().get(b.id)).lifted_by, "admin:bob");
}

TEST_P(StoreTest, ListBlocksNewestFirstWithFilters) {
  for (int i = 0; i < 5; ++i) ok(db().blocks().add(block("198.51.100." + std::to_string(i), "", kT0 + kHour)));
  const Block lifted = ok(db().blocks().add(block("", "dev-9", std::nullopt)));
  ok(db().blocks().lift(lifted.id, "admin:bob", kT0));
  ok(db().blocks().add(block("", "dev-8", kT0 - 1)));  // already expired

  std::vector<std::int64_t> ids;
  PageRequest page{2, ""};
  for (int guard = 0; guard < 10; ++guard) {
    auto p = ok(db().blocks().list({}, kT0, page));
    for (const auto& b : p.items) ids.push_back(b.id);
    if (!p.next_cursor) break;
    page.cursor = *p.next_cursor;
  }
  ASSERT_EQ(ids.size(), 7u);
  EXPECT_TRUE(std::is_sorted(ids.rbegin(), ids.rend()));
  EXPECT_EQ(ok(db().blocks().list({.active = true}, kT0, {})).items.size(), 5u);
  EXPECT_EQ(ok(db().blocks().list({.active = false}, kT0, {})).items.size(), 2u);
  EXPECT_EQ(ok(db().blocks().list({.ip = "198.51.100.3"}, kT0, {})).items.size(), 1u);
  EXPECT_EQ(ok(db().blocks().list({.device_key = "dev-9"}, kT0, {})).items.size(), 1u);
}

// ---------------------------------------------------------------- appeals

TEST_P(StoreTest, OneOpenAppealPerBlockAndDevice) {
  const Block b1 = ok(db().blocks().add(block("198.51.100.1", "dev-1", std::nullopt)));
  const Block b2 = ok(db().blocks().add(block("198.51.100.2", "", std::nullopt)));
  const Appeal a = ok(db().appeals().add(NewAppeal{b1.id, "dev-1", "198.51.100.1", "sorry", kT0}));
  EXPECT_EQ(a.status, AppealStatus::open);
  EXPECT_EQ(a.message, "sorry");
  // Same block again, from anywhere.
  EXPECT_EQ(err(db().appeals().add(NewAppeal{b1.id, "", "198.51.100.7", "again", kT0})), ErrorKind::conflict);
  // Same device on another block.
  EXPECT_EQ(err(db().appeals().add(NewAppeal{b2.id, "dev-1", "", "again", kT0})), ErrorKind::conflict);
  // Another block, known by IP only: fine.
  const Appeal other = ok(db().appeals().add(NewAppeal{b2.id, "", "198.51.100.2", "me too", kT0 + 1}));

  const Appeal rejected = ok(db().appeals().decide(a.id, AppealStatus::rejected, "mod", kT0 + 2, "no"));
  EXPECT_EQ(rejected.status, AppealStatus::rejected);
  EXPECT_EQ(rejected.decided_by, "mod");
  EXPECT_EQ(rejected.decided_at, kT0 + 2);
  EXPECT_EQ(rejected.note, "no");
  EXPECT_EQ(err(db().appeals().decide(a.id, AppealStatus::accepted, "mod", kT0 + 3, "")), ErrorKind::conflict);
  EXPECT_EQ(err(db().appeals().decide(a.id + 99, AppealStatus::accepted, "mod", kT0 + 3, "")), ErrorKind::not_found);
  // Decided: a new appeal may be opened.
  const Appeal second = ok(db().appeals().add(NewAppeal{b1.id, "dev-1", "198.51.100.1", "please", kT0 + 4}));

  auto list = ok(db().appeals().list({}, {}));
  ASSERT_EQ(list.items.size(), 3u);
  EXPECT_EQ(list.items[0].id, other.id);  // open, oldest
  EXPECT_EQ(list.items[1].id, second.id);
  EXPECT_EQ(list.items[2].id, a.id);  // decided last
  EXPECT_EQ(ok(db().appeals().count({.status = AppealStatus::open})), 2);
  EXPECT_EQ(ok(db().appeals().list({.block_id = b1.id}, {})).items.size(), 2u);
  auto page = ok(db().appeals().list({}, PageRequest{2, ""}));
  ASSERT_TRUE(page.next_cursor);
  auto rest = ok(db().appeals().list({}, PageRequest{2, *page.next_cursor}));
  ASSERT_EQ(rest.items.size(), 1u);
  EXPECT_EQ(rest.items[0].id, a.id);
}

// ---------------------------------------------------------------- admins

TEST_P(StoreTest, AdminTokenGenerationGoesUpOnRevoke) {
  ok(db().admins().add(AdminAccount{"alice", "$argon2id$h", Role::admin, kT0, false}));
  ok(db().admins().add(AdminAccount{"bob", "$argon2id$h", Role::moderator, kT0, false}));
  EXPECT_EQ(ok(db().admins().find("alice"))->token_generation, 0);
  ok(db().admins().revoke_tokens("alice"));
  ok(db().admins().revoke_tokens("alice"));
  EXPECT_EQ(ok(db().admins().find("alice"))->token_generation, 2);
  EXPECT_EQ(ok(db().admins().find("bob"))->token_generation, 0);  // per account
  const auto all = ok(db().admins().list());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].token_generation, 2);
  const auto missing = db().admins().revoke_tokens("nobody");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().kind, ErrorKind::not_found);
  // Kept in the database: another process (instance) sees it.
  auto again = reopen();
  EXPECT_EQ(ok(again->admins().find("alice"))->token_generation, 2);
}

TEST_P(StoreTest, AdminAccounts) {
  ok(db().admins().add(AdminAccount{"zed", "$argon2id$h1", Role::moderator, kT0, false}));
  ok(db().admins().add(AdminAccount{"alice", "$argon2id$h2", Role::admin, kT0 + 1, false}));
  EXPECT_EQ(err(db().admins().add(AdminAccount{"alice", "$argon2id$h3", Role::moderator, kT0, false})),
            ErrorKind::conflict);
  const auto alice = ok(db().admins().find("alice"));
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->password_hash, "$argon2id$h2");
  EXPECT_EQ(alice->role, Role::admin);
  EXPECT_EQ(alice->created_at, kT0 + 1);
  EXPECT_FALSE(alice->disabled);
  EXPECT_FALSE(ok(db().admins().find("Alice")).has_value());  // usernames are exact

  ok(db().admins().set_password_hash("alice", "$argon2id$new"));
  ok(db().admins().set_disabled("zed", true));
  EXPECT_EQ(ok(db().admins().find("alice"))->password_hash, "$argon2id$new");
  EXPECT_TRUE(ok(db().admins().find("zed"))->disabled);
  EXPECT_EQ(err(db().admins().set_password_hash("nobody", "x")), ErrorKind::not_found);
  EXPECT_EQ(err(db().admins().set_disabled("nobody", true)), ErrorKind::not_found);
  const auto all = ok(db().admins().list());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].username, "alice");
  EXPECT_EQ(all[1].username, "zed");
}

// ---------------------------------------------------------------- audit

TEST_P(StoreTest, AuditChainsEveryEntry) {
  std::vector<AuditEntry> entries;
  entries.reserve(5);
  for (int i = 0; i < 5; ++i) entries.push_back(ok(db().audit().append(record("a" + std::to_string(i), "t", kT0 + i))));
  EXPECT_EQ(entries[0].seq, 1);
  EXPECT_EQ(entries[0].prev_hash, kAuditGenesisHash);
  for (std::size_t i = 1; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].seq, entries[i - 1].seq + 1);
    EXPECT_EQ(entries[i].prev_hash, entries[i - 1].hash);
    EXPECT_EQ(entries[i].hash, audit_hash(entries[i]));
    EXPECT_EQ(entries[i].hash.size(), 64u);
  }
  const AuditVerification v = ok(db().audit().verify());
  EXPECT_TRUE(v.ok) << v.problem;
  EXPECT_EQ(v.entries, 5);

  auto page = ok(db().audit().list({}, PageRequest{2, ""}));
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].seq, 5);  // newest first
  EXPECT_EQ(page.items[0].details, R"({"n":1})");
  ASSERT_TRUE(page.next_cursor);
  auto next = ok(db().audit().list({}, PageRequest{2, *page.next_cursor}));
  EXPECT_EQ(next.items[0].seq, 3);
  EXPECT_EQ(ok(db().audit().list({.action = "a2"}, {})).items.size(), 1u);
  EXPECT_EQ(ok(db().audit().list({.actor = "admin:alice", .since = kT0 + 3}, {})).items.size(), 2u);
  EXPECT_EQ(ok(db().audit().list({.until = kT0 + 1}, {})).items.size(), 1u);
  EXPECT_EQ(ok(db().audit().list({.target = "t"}, {})).items.size(), 5u);

  // The chain survives a reopen and keeps growing from where it was.
  auto again = reopen();
  const AuditEntry sixth = ok(again->audit().append(record("a5", "t")));
  EXPECT_EQ(sixth.seq, 6);
  EXPECT_EQ(sixth.prev_hash, entries.back().hash);
  EXPECT_TRUE(ok(again->audit().verify()).ok);
}

TEST_P(StoreTest, EmptyAuditVerifies) {
  const AuditVerification v = ok(db().audit().verify());
  EXPECT_TRUE(v.ok);
  EXPECT_EQ(v.entries, 0);
}

TEST_P(StoreTest, AuditDetectsAnEditedField) {
  for (int i = 0; i < 5; ++i) ok(db().audit().append(record("a" + std::to_string(i), "t", kT0 + i)));
  auto c = raw();
  ASSERT_TRUE(c->exec("UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 3").has_value());
  const AuditVerification v = ok(db().audit().verify());
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 3);
}

TEST_P(StoreTest, AuditDetectsARecomputedEdit) {
  // An editor who also recomputes the edited row's hash still breaks the next link.
  for (int i = 0; i < 5; ++i) ok(db().audit().append(record("a" + std::to_string(i), "t", kT0 + i)));
  auto page = ok(db().audit().list({}, PageRequest{10, ""}));
  AuditEntry e = page.items[2];  // seq 3
  ASSERT_EQ(e.seq, 3);
  e.actor = "admin:mallory";
  e.hash = audit_hash(e);
  auto c = raw();
  ASSERT_TRUE(c->query("UPDATE audit_log SET actor = ?, hash = ? WHERE seq = 3", {e.actor, e.hash}).has_value());
  const AuditVerification v = ok(db().audit().verify());
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 4);
}

TEST_P(StoreTest, AuditDetectsDeletedEntries) {
  for (int i = 0; i < 5; ++i) ok(db().audit().append(record("a" + std::to_string(i), "t", kT0 + i)));
  auto c = raw();
  ASSERT_TRUE(c->exec("DELETE FROM audit_log WHERE seq = 2").has_value());
  AuditVerification v = ok(db().audit().verify());
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 2);
  EXPECT_EQ(v.entries, 1);
}

TEST_P(StoreTest, AuditDetectsATruncatedTail) {
  for (int i = 0; i < 5; ++i) ok(db().audit().append(record("a" + std::to_string(i), "t", kT0 + i)));
  auto c = raw();
  ASSERT_TRUE(c->exec("DELETE FROM audit_log WHERE seq >= 4").has_value());
  AuditVerification v = ok(db().audit().verify());
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 4);
  // Appends go on after the recorded head, leaving the gap visible.
  const AuditEntry next = ok(db().audit().append(record("after", "t")));
  EXPECT_EQ(next.seq, 6);
  EXPECT_EQ(ok(db().audit().verify()).first_bad_seq, 4);
}

TEST_P(StoreTest, AuditDetectsReorderedEntries) {
  for (int i = 0; i < 5; ++i) ok(db().audit().append(record("a" + std::to_string(i), "t", kT0 + i)));
  auto c = raw();
  ASSERT_TRUE(c->exec("UPDATE audit_log SET seq = 100 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 3; "
                      "UPDATE audit_log SET seq = 3 WHERE seq = 100;")
                  .has_value());
  AuditVerification v = ok(db().audit().verify());
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 2);
}

// What someone with write access to the database (and no key) can do: remove
// entry `removed`, renumber the rest, recompute every hash with plain SHA-256
// and move the recorded head. Unkeyed, the result verifies (issue 14, item 3).
void rewrite_without_key(Database& db, sql::Connection& c, std::int64_t removed) {
  auto page = db.audit().list({}, PageRequest{200, ""});
  ASSERT_TRUE(page.has_value());
  std::vector<AuditEntry> entries(page->items.rbegin(), page->items.rend());  // oldest first
  ASSERT_TRUE(c.query("DELETE FROM audit_log WHERE seq = ?", {removed}).has_value());
  std::string prev(kAuditGenesisHash);
  std::int64_t seq = 0;
  for (auto& e : entries) {
    if (e.seq == removed) continue;
    const std::int64_t old_seq = e.seq;
    e.seq = ++seq;
    e.prev_hash = prev;
    e.hash = audit_hash(e);
    prev = e.hash;
    ASSERT_TRUE(c.query("UPDATE audit_log SET seq = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                        {e.seq, e.prev_hash, e.hash, old_seq})
                    .has_value());
  }
  ASSERT_TRUE(c.query("UPDATE settings SET value = ? WHERE name = 'audit_head'", {std::to_string(seq) + ":" + prev})
                  .has_value());
}

const std::string kAuditKey = "audit-key-for-the-store-suite-0123456789abcdef";

TEST_P(StoreTest, AuditUnkeyedChainCanBeRewrittenWithoutTrace) {
  // Why the chain is keyed: without a key the rewrite is invisible.
  for (int i = 0; i < 5; ++i) ok(db().audit().append(record("a" + std::to_string(i), "t", kT0 + i)));
  auto c = raw();
  rewrite_without_key(db(), *c, 2);
  const AuditVerification v = ok(db().audit().verify());
  EXPECT_TRUE(v.ok);
  EXPECT_EQ(v.entries, 4);
}

TEST_P(StoreTest, AuditKeyedChainCatchesARewriteWithPlainSha256) {
  db().audit().set_key(kAuditKey);
  for (int i = 0; i < 5; ++i) ok(db().audit().append(record("a" + std::to_string(i), "t", kT0 + i)));
  const AuditVerification before = ok(db().audit().verify());
  ASSERT_TRUE(before.ok) << before.problem;
  EXPECT_EQ(before.unkeyed, 0);
  EXPECT_EQ(before.head_hash, ok(db().audit().at(5))->hash);
  // Keyed entries are HMACs, not the plain hash.
  EXPECT_NE(ok(db().audit().at(1))->hash, audit_hash(*ok(db().audit().at(1))));

  auto c = raw();
  rewrite_without_key(db(), *c, 2);
  const AuditVerification v = ok(db().audit().verify());
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 1);
  EXPECT_NE(v.problem.find("keyed"), std::string::npos) << v.problem;
  // The same after reopening (the key is not in the database).
  auto again = reopen();
  again->audit().set_key(kAuditKey);
  EXPECT_FALSE(ok(again->audit().verify()).ok);
}

TEST_P(StoreTest, AuditKeyedChainCatchesARewriteOfItsTail) {
  // Keeping the keyed entries before the cut and recomputing the rest does not help either.
  db().audit().set_key(kAuditKey);
  for (int i = 0; i < 5; ++i) ok(db().audit().append(record("a" + std::to_string(i), "t", kT0 + i)));
  auto c = raw();
  ASSERT_TRUE(c->exec("DELETE FROM audit_log WHERE seq = 4").has_value());
  AuditEntry fifth = *ok(db().audit().at(5));
  fifth.seq = 4;
  fifth.prev_hash = ok(db().audit().at(3))->hash;
  fifth.hash = audit_hash(fifth);
  ASSERT_TRUE(
      c->query("UPDATE audit_log SET seq = 4, prev_hash = ?, hash = ? WHERE seq = 5", {fifth.prev_hash, fifth.hash})
          .has_value());
  ASSERT_TRUE(c->query("UPDATE settings SET value = ? WHERE name = 'audit_head'", {"4:" + fifth.hash}).has_value());
  const AuditVerification v = ok(db().audit().verify());
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 4);
}

TEST_P(StoreTest, AuditRekeyBindsALegacyChain) {
  for (int i = 0; i < 3; ++i) ok(db().audit().append(record("a" + std::to_string(i), "t", kT0 + i)));
  db().audit().set_key(kAuditKey);
  // Before the rekey a keyed verifier cannot tell this chain from a rewrite.
  EXPECT_FALSE(ok(db().audit().verify()).ok);
  const auto rekey = ok(db().audit().rekey("system", kT0 + 10));
  ASSERT_TRUE(rekey.has_value());
  EXPECT_EQ(rekey->seq, 4);
  EXPECT_EQ(rekey->action, "audit.rekey");
  EXPECT_EQ(rekey->actor, "system");
  EXPECT_EQ(rekey->details, R"({"after":3,"previous":"unkeyed"})");
  EXPECT_FALSE(ok(db().audit().rekey("system", kT0 + 11)).has_value());  // once
  ok(db().audit().append(record("after", "t", kT0 + 12)));
  AuditVerification v = ok(db().audit().verify());
  ASSERT_TRUE(v.ok) << v.problem;
  EXPECT_EQ(v.entries, 5);
  EXPECT_EQ(v.unkeyed, 3);

  // The legacy entries are bound: editing one and recomputing the plain hashes
  // up to the rekey entry breaks that entry's HMAC.
  auto c = raw();
  AuditEntry second = *ok(db().audit().at(2));
  AuditEntry third = *ok(db().audit().at(3));
  second.actor = "admin:mallory";
  second.hash = audit_hash(second);
  third.prev_hash = second.hash;
  third.hash = audit_hash(third);
  ASSERT_TRUE(
      c->query("UPDATE audit_log SET actor = ?, hash = ? WHERE seq = 2", {second.actor, second.hash}).has_value());
  ASSERT_TRUE(c->query("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = 3", {third.prev_hash, third.hash})
                  .has_value());
  v = ok(db().audit().verify());
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 4);
}

TEST_P(StoreTest, AuditChainKeyedWithAnotherKeyFails) {
  db().audit().set_key(kAuditKey);
  for (int i = 0; i < 2; ++i) ok(db().audit().append(record("a" + std::to_string(i), "t", kT0 + i)));
  auto again = reopen();
  again->audit().set_key("another-audit-key-0123456789abcdef-0123456789");
  const AuditVerification v = ok(again->audit().verify());
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 1);
  // A server started with the wrong key says so in the log it appends.
  const auto rekey = ok(again->audit().rekey("system", kT0));
  ASSERT_TRUE(rekey.has_value());
  EXPECT_EQ(rekey->details, R"({"after":2,"previous":"not verifiable with this key"})");
}

TEST_P(StoreTest, AuditDetectsAnInsertedEntry) {
  for (int i = 0; i < 3; ++i) ok(db().audit().append(record("a" + std::to_string(i), "t", kT0 + i)));
  auto page = ok(db().audit().list({}, PageRequest{1, ""}));
  AuditEntry forged = page.items[0];
  forged.seq = 4;
  forged.prev_hash = page.items[0].hash;
  forged.action = "forged";
  forged.hash = audit_hash(forged);
  auto c = raw();
  ASSERT_TRUE(c->query("INSERT INTO audit_log (seq, ts, actor, action, target, reason, details, prev_hash, hash) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       {forged.seq, forged.ts, forged.actor, forged.action, forged.target, forged.reason,
                        forged.details, forged.prev_hash, forged.hash})
                  .has_value());
  AuditVerification v = ok(db().audit().verify());
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 4);
}

// ---------------------------------------------------------------- reputation, settings

TEST_P(StoreTest, Reputation) {
  ok(db().reputation().record_session("192.0.2.3", "dev-bob", 30'000, kT0));
  ok(db().reputation().record_session("192.0.2.3", "dev-bob", 10'000, kT0 + 5));
  ok(db().reputation().record_session("192.0.2.3", "", 5'000, kT0 + 6));
  ok(db().reports().add(report("s1", "a", "bob")));
  ok(db().reports().add(report("s2", "a", "bob")));
  ok(db().reports().add(report("s3", "cc", "bob")));
  ok(db().reports().add(report("s4", "bob", "a")));
  ok(db().blocks().add(block("", "dev-bob", kT0 - 1)));  // expired
  const Block live = ok(db().blocks().add(block("", "dev-bob", kT0 + kHour)));

  const Reputation dev = ok(db().reputation().of_device("dev-bob", kT0));
  EXPECT_EQ(dev.sessions, 2);
  EXPECT_EQ(dev.session_ms, 40'000);
  EXPECT_EQ(dev.last_seen, kT0 + 5);
  EXPECT_EQ(dev.reports_received, 3);
  EXPECT_EQ(dev.distinct_reporters, 2);
  EXPECT_EQ(dev.reports_made, 1);
  EXPECT_EQ(dev.blocks, 2);
  ASSERT_TRUE(dev.active_block);
  EXPECT_EQ(dev.active_block->id, live.id);

  const Reputation ip = ok(db().reputation().of_ip("192.0.2.3", kT0));
  EXPECT_EQ(ip.sessions, 3);
  EXPECT_EQ(ip.session_ms, 45'000);
  EXPECT_EQ(ip.reports_received, 3);
  EXPECT_EQ(ip.blocks, 0);
  EXPECT_FALSE(ip.active_block);

  const Reputation none = ok(db().reputation().of_ip("203.0.113.200", kT0));
  EXPECT_EQ(none.sessions, 0);
  EXPECT_FALSE(none.last_seen);
}

TEST_P(StoreTest, SessionTotalsAddUpInOneWrite) {
  ok(db().reputation().record_session("192.0.2.3", "dev-bob", 30'000, kT0 + 50));
  const std::vector<SessionTotals> batch{
      {.ip = false, .key = "dev-bob", .sessions = 3, .session_ms = 12'000, .last_seen = kT0 + 10},  // older
      {.ip = true, .key = "192.0.2.3", .sessions = 2, .session_ms = 1'000, .last_seen = kT0 + 90},
      {.ip = false, .key = "dev-new", .sessions = 1, .session_ms = 500, .last_seen = kT0 + 7},
      {.ip = false, .key = "", .sessions = 4, .session_ms = 1, .last_seen = kT0},           // no key: skipped
      {.ip = false, .key = "dev-zero", .sessions = 0, .session_ms = 1, .last_seen = kT0}};  // nothing
  ok(db().reputation().record_sessions(batch));
  const Reputation bob = ok(db().reputation().of_device("dev-bob", kT0));
  EXPECT_EQ(bob.sessions, 4);
  EXPECT_EQ(bob.session_ms, 42'000);
  EXPECT_EQ(bob.last_seen, kT0 + 50);  // never moved back
  const Reputation ip = ok(db().reputation().of_ip("192.0.2.3", kT0));
  EXPECT_EQ(ip.sessions, 3);
  EXPECT_EQ(ip.last_seen, kT0 + 90);
  EXPECT_EQ(ok(db().reputation().of_device("dev-new", kT0)).sessions, 1);
  EXPECT_EQ(ok(db().reputation().of_device("dev-zero", kT0)).sessions, 0);
  ok(db().reputation().record_sessions({}));
}

// Instances write their batches at the same time, each listing the same
// devices in its own order (a hash map's): every batch lands, none deadlocks.
TEST_P(StoreTest, ConcurrentSessionTotalsFromTwoInstancesAllLand) {
  auto other = reopen_another();
  ASSERT_TRUE(other);
  constexpr int kDevices = 40;
  constexpr int kBatches = 30;
  std::vector<SessionTotals> forward;
  for (int i = 0; i < kDevices; ++i) {
    forward.push_back(
        {.ip = false, .key = "dev-" + std::to_string(i), .sessions = 1, .session_ms = 10, .last_seen = kT0 + i});
  }
  forward.push_back({.ip = true, .key = "192.0.2.9", .sessions = 1, .session_ms = 10, .last_seen = kT0});
  std::vector<SessionTotals> backward(forward.rbegin(), forward.rend());
  std::atomic<int> failed{0};
  std::string first_error;
  std::mutex error_mu;
  auto writer = [&](Database& d, const std::vector<SessionTotals>& batch) {
    for (int b = 0; b < kBatches; ++b) {
      auto r = d.reputation().record_sessions(batch);
      if (!r) {
        failed.fetch_add(1);
        std::lock_guard lock(error_mu);
        if (first_error.empty()) first_error = r.error().message;
      }
    }
  };
  std::thread a([&] { writer(db(), forward); });
  std::thread b([&] { writer(*other, backward); });
  a.join();
  b.join();
  EXPECT_EQ(failed.load(), 0) << first_error;
  for (int i = 0; i < kDevices; i += 13) {
    EXPECT_EQ(ok(db().reputation().of_device("dev-" + std::to_string(i), kT0)).sessions, 2 * kBatches);
  }
  EXPECT_EQ(ok(db().reputation().of_ip("192.0.2.9", kT0)).sessions, 2 * kBatches);
}

TEST_P(StoreTest, SecretIsCreatedOnceAndKept) {
  const std::string s = ok(db().settings().secret(kDeviceKeySecret));
  EXPECT_EQ(s.size(), 64u);
  EXPECT_EQ(ok(db().settings().secret(kDeviceKeySecret)), s);
  EXPECT_NE(ok(db().settings().secret("other")), s);
  auto again = reopen();
  EXPECT_EQ(ok(again->settings().secret(kDeviceKeySecret)), s);
}

// ---------------------------------------------------------------- IP privacy

// Every value of every IP column and counter key, read behind the store's back.
std::vector<std::string> stored_ips(sql::Connection& c) {
  std::vector<std::string> out;
  for (const char* q : {"SELECT key FROM counters WHERE kind = 'ip'", "SELECT reporter_ip FROM reports",
                        "SELECT reported_ip FROM reports", "SELECT ip FROM appeals", "SELECT ip FROM blocks"}) {
    auto r = c.query(q);
    EXPECT_TRUE(r.has_value()) << q;
    if (!r) continue;
    for (const auto& row : r->rows) {
      if (!row.is_null(0)) out.push_back(row.text(0));
    }
  }
  return out;
}

bool holds(const std::vector<std::string>& values, const std::string& v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

TEST_P(StoreTest, SessionCountersNeverHoldAPlainIp) {
  ok(db().reputation().record_session("192.0.2.3", "dev-bob", 30'000, kT0));
  ok(db().reputation().record_sessions(std::vector<SessionTotals>{
      {.ip = true, .key = "2001:db8::7", .sessions = 2, .session_ms = 10, .last_seen = kT0 + 1}}));
  auto c = raw();
  auto keys = ok(c->query("SELECT key FROM counters WHERE kind = 'ip' ORDER BY key"));
  ASSERT_EQ(keys.rows.size(), 2u);
  for (const auto& row : keys.rows) {
    EXPECT_TRUE(is_ip_hash(row.text(0))) << row.text(0);
    EXPECT_EQ(row.text(0).find("192.0.2.3"), std::string::npos);
  }
  EXPECT_TRUE(holds(stored_ips(*c), ip_hash(kIpKey, "192.0.2.3")));
  EXPECT_EQ(ip_hash(kIpKey, "192.0.2.3"), db().ip_privacy().hash("192.0.2.3"));
  EXPECT_NE(ip_hash(kIpKey, "192.0.2.3"), ip_hash("another-key-0123456789abcdef012345", "192.0.2.3"));
  // The reputation page still finds them by address.
  EXPECT_EQ(ok(db().reputation().of_ip("192.0.2.3", kT0)).sessions, 1);
  EXPECT_EQ(ok(db().reputation().of_ip("2001:db8::7", kT0)).sessions, 2);
  EXPECT_EQ(ok(db().reputation().of_device("dev-bob", kT0)).sessions, 1);  // devices as before
}

TEST_P(StoreTest, WithoutTheIpKeyNoIpIsCountedOrLookedUp) {
  db_.reset();
  auto opened = open_database(url_);  // no key set
  ASSERT_TRUE(opened.has_value());
  Database& bare = **opened;
  EXPECT_FALSE(bare.ip_privacy().keyed());
  EXPECT_EQ(err(bare.reputation().record_session("192.0.2.3", "dev-bob", 1, kT0)), ErrorKind::internal);
  EXPECT_EQ(err(bare.reputation().of_ip("192.0.2.3", kT0)), ErrorKind::internal);
  EXPECT_EQ(err(bare.ip_privacy().erase_ips(kT0)), ErrorKind::internal);
  EXPECT_EQ(bare.ip_privacy().hash("192.0.2.3"), "");
  ok(bare.reputation().record_session("", "dev-bob", 1, kT0));  // devices need no key
  auto c = raw();
  EXPECT_EQ(ok(c->query("SELECT COUNT(*) FROM counters WHERE kind = 'ip'")).rows.at(0).i64(0), 0);
}

TEST_P(StoreTest, RetentionMovesPlainCountersFromBeforeToTheirHash) {
  // Rows as a server before this version wrote them: keyed by the address.
  auto c = raw();
  ok(c->query("INSERT INTO counters (kind, key, sessions, session_ms, last_seen) VALUES ('ip', '192.0.2.3', 4, 400, ?)",
              {kT0 - kHour}));
  ok(c->query("INSERT INTO counters (kind, key, sessions, session_ms, last_seen) VALUES ('ip', '2001:db8::1', 1, 5, ?)",
              {kT0}));
  ok(db().reputation().record_session("192.0.2.3", "", 100, kT0));                     // already hashed
  const IpErasure first = ok(db().ip_privacy().erase_ips(kT0 - 365 * 24 * kHour, 1));  // batches of one
  EXPECT_EQ(first.counters, 2);
  const auto ips = stored_ips(*c);
  EXPECT_FALSE(holds(ips, "192.0.2.3"));
  EXPECT_FALSE(holds(ips, "2001:db8::1"));
  const Reputation merged = ok(db().reputation().of_ip("192.0.2.3", kT0));
  EXPECT_EQ(merged.sessions, 5);
  EXPECT_EQ(merged.session_ms, 500);
  EXPECT_EQ(merged.last_seen, kT0);
  EXPECT_EQ(ok(db().reputation().of_ip("2001:db8::1", kT0)).sessions, 1);
  EXPECT_EQ(ok(db().ip_privacy().erase_ips(kT0)).total(), 0);  // nothing left to do
}

TEST_P(StoreTest, RetentionErasesIpsOnlyOfRowsNoLongerLiveAndPastTheCutoff) {
  const std::int64_t cutoff = kT0 + 10 * kHour;
  // Reports: decided before the cutoff, decided after it, and pending (old).
  NewReport old_decided = report("s1", "a", "bob");
  old_decided.reporter.ip = "198.51.100.1";
  old_decided.reported.ip = "192.0.2.50";
  const std::int64_t r_old = ok(db().reports().add(old_decided));
  ok(db().reports().decide(r_old, DecisionUpdate{ReportStatus::rejected, "admin:alice", cutoff - 1, ""}));
  NewReport recent = report("s2", "c", "bob");
  recent.reporter.ip = "198.51.100.2";
  recent.reported.ip = "192.0.2.50";
  const std::int64_t r_recent = ok(db().reports().add(recent));
  ok(db().reports().decide(r_recent, DecisionUpdate{ReportStatus::accepted, "admin:alice", cutoff, ""}));
  NewReport pending = report("s3", "dd", "eve");
  pending.reporter.ip = "198.51.100.3";
  pending.reported.ip = "192.0.2.60";
  const std::int64_t r_pending = ok(db().reports().add(pending));
  // Blocks: expired, lifted, active permanent, active timed, and one whose expiry is after the cutoff.
  const Block expired = ok(db().blocks().add(block("192.0.2.50", "", cutoff - 1)));  // IP only
  const Block lifted = ok(db().blocks().add(block("2001:db8:1:2::/64", "dev-l", std::nullopt)));
  ok(db().blocks().lift(lifted.id, "admin:bob", cutoff - 5));
  const Block permanent = ok(db().blocks().add(block("192.0.2.70", "", std::nullopt)));
  const Block timed = ok(db().blocks().add(block("192.0.2.71", "", cutoff + 100 * kHour)));
  const Block ended_late = ok(db().blocks().add(block("192.0.2.72", "", cutoff + 1)));
  // Appeals: decided before the cutoff, and open.
  const Appeal a_old = ok(db().appeals().add(NewAppeal{expired.id, "", "192.0.2.50", "sorry", kT0}));
  ok(db().appeals().decide(a_old.id, AppealStatus::rejected, "admin:alice", cutoff - 1, ""));
  const Appeal a_open = ok(db().appeals().add(NewAppeal{permanent.id, "", "192.0.2.70", "please", kT0}));

  const IpErasure run = ok(db().ip_privacy().erase_ips(cutoff, 2));
  EXPECT_EQ(run.reports, 1);
  EXPECT_EQ(run.appeals, 1);
  EXPECT_EQ(run.blocks, 2);

  // What moderators see: erased IPs are unknown, live ones are all there.
  const Report erased = ok(db().reports().get(r_old)).report;
  EXPECT_EQ(erased.reporter.ip, "");
  EXPECT_EQ(erased.reported.ip, "");
  EXPECT_EQ(erased.reported.device_key, "dev-bob");  // nothing else changes
  EXPECT_EQ(ok(db().reports().get(r_recent)).report.reporter.ip, "198.51.100.2");
  EXPECT_EQ(ok(db().reports().get(r_pending)).report.reported.ip, "192.0.2.60");
  EXPECT_EQ(ok(db().blocks().get(expired.id)).ip, "");
  EXPECT_EQ(ok(db().blocks().get(lifted.id)).ip, "");
  EXPECT_EQ(ok(db().blocks().get(lifted.id)).device_key, "dev-l");
  EXPECT_EQ(ok(db().blocks().get(permanent.id)).ip, "192.0.2.70");
  EXPECT_EQ(ok(db().blocks().get(timed.id)).ip, "192.0.2.71");
  EXPECT_EQ(ok(db().blocks().get(ended_late.id)).ip, "192.0.2.72");
  EXPECT_EQ(ok(db().appeals().get(a_old.id)).ip, "");
  EXPECT_EQ(ok(db().appeals().get(a_open.id)).ip, "192.0.2.70");
  EXPECT_EQ(ok(db().blocks().active_for("192.0.2.70", "", cutoff))->id, permanent.id);  // still blocks

  // Behind the store's back: the hash, never the address.
  auto c = raw();
  const auto ips = stored_ips(*c);
  for (const char* gone : {"198.51.100.1", "2001:db8:1:2::/64"}) EXPECT_FALSE(holds(ips, gone)) << gone;
  EXPECT_TRUE(holds(ips, ip_hash(kIpKey, "198.51.100.1")));
  EXPECT_TRUE(holds(ips, ip_hash(kIpKey, "2001:db8:1:2::/64")));
  EXPECT_TRUE(holds(ips, "192.0.2.50"));  // still in the recent report

  // Lookups by address still count the erased rows.
  const Reputation rep = ok(db().reputation().of_ip("192.0.2.50", cutoff));
  EXPECT_EQ(rep.reports_received, 2);
  EXPECT_EQ(rep.blocks, 1);
  EXPECT_EQ(ok(db().reputation().of_ip("198.51.100.1", cutoff)).reports_made, 1);
  EXPECT_EQ(ok(db().reports().count({.reported_ip = "192.0.2.50"})), 2);
  EXPECT_EQ(ok(db().blocks().list({.ip = "2001:db8:1:2::/64"}, cutoff, {})).items.size(), 1u);

  // A second run finds nothing; a later cutoff takes the rest of what ended.
  EXPECT_EQ(ok(db().ip_privacy().erase_ips(cutoff)).total(), 0);
  const IpErasure later = ok(db().ip_privacy().erase_ips(cutoff + 2));
  EXPECT_EQ(later.reports, 1);
  EXPECT_EQ(later.blocks, 1);  // ended_late
  EXPECT_EQ(ok(db().reports().get(r_pending)).report.reported.ip, "192.0.2.60");
  EXPECT_EQ(ok(db().blocks().get(permanent.id)).ip, "192.0.2.70");
}

TEST_P(StoreTest, RetentionRunsOnSeveralInstancesAtOnceCountEverythingOnce) {
  auto c = raw();
  for (int i = 0; i < 60; ++i) {
    ok(c->query("INSERT INTO counters (kind, key, sessions, session_ms, last_seen) VALUES ('ip', ?, 1, 10, ?)",
                {"10.1.0." + std::to_string(i), kT0}));
    ok(db().blocks().add(block("10.2.0." + std::to_string(i), "", kT0 - 1)));
  }
  std::vector<std::unique_ptr<Database>> instances;
  for (int i = 0; i < 3; ++i) instances.push_back(reopen_another());
  std::vector<std::thread> threads;
  std::vector<IpErasure> runs(instances.size());
  for (std::size_t i = 0; i < instances.size(); ++i) {
    threads.emplace_back([&, i] {
      auto r = instances[i]->ip_privacy().erase_ips(kT0, 7);
      if (r) runs[i] = *r;
    });
  }
  for (auto& t : threads) t.join();
  std::int64_t counters = 0;
  std::int64_t blocks = 0;
  for (const auto& r : runs) {
    counters += r.counters;
    blocks += r.blocks;
  }
  EXPECT_EQ(counters, 60);  // each row moved by exactly one instance
  EXPECT_EQ(blocks, 60);
  for (const auto& v : stored_ips(*c)) EXPECT_TRUE(is_ip_hash(v)) << v;
  for (int i = 0; i < 60; ++i) EXPECT_EQ(ok(db().reputation().of_ip("10.1.0." + std::to_string(i), kT0)).sessions, 1);
}

// ---------------------------------------------------------------- transactions, threads

TEST_P(StoreTest, TransactionCommitsOrRollsBackAsOne) {
  auto failed = db().transaction([&]() -> Result<void> {
    ok(db().reports().add(report("s1", "a", "b")));
    ok(db().audit().append(record("report.create", "report:1")));
    return Error{ErrorKind::conflict, "changed my mind"};
  });
  EXPECT_FALSE(failed.has_value());
  EXPECT_EQ(ok(db().reports().count({})), 0);
  EXPECT_EQ(ok(db().audit().verify()).entries, 0);

  // A failing call inside is undone alone; the rest commits.
  ok(db().reports().add(report("s1", "a", "b")));
  ok(db().transaction([&]() -> Result<void> {
    EXPECT_EQ(err(db().reports().add(report("s1", "a", "b"))), ErrorKind::conflict);
    ok(db().reports().add(report("s2", "a", "b")));
    ok(db().audit().append(record("report.create", "report:2")));
    return {};
  }));
  EXPECT_EQ(ok(db().reports().count({})), 2);
  EXPECT_TRUE(ok(db().audit().verify()).ok);
  EXPECT_EQ(ok(db().audit().verify()).entries, 1);
}

TEST_P(StoreTest, ConcurrentWritersKeepTheChainWhole) {
  constexpr int kThreads = 4;
  constexpr int kEach = 15;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string tag = std::to_string(t) + "-" + std::to_string(i);
        auto tx = db().transaction([&]() -> Result<void> {
          auto id = db().reports().add(report("s" + tag, "r" + tag, "bob"));
          if (!id) return id.error();
          auto e = db().audit().append(record("report.create", "report:" + std::to_string(*id)));
          if (!e) return e.error();
          return {};
        });
        if (!tx) failures++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(ok(db().reports().count({})), kThreads * kEach);
  const AuditVerification v = ok(db().audit().verify());
  EXPECT_TRUE(v.ok) << v.problem;
  EXPECT_EQ(v.entries, kThreads * kEach);
}

TEST_P(StoreTest, TwoOpenDatabasesShareOneChain) {
  // Two processes' worth of connections (a server and the CLI) appending in turn.
  auto other = open_database(url_);
  ASSERT_TRUE(other.has_value());
  for (int i = 0; i < 4; ++i) {
    ok(db().audit().append(record("mine", "t")));
    ok((*other)->audit().append(record("theirs", "t")));
  }
  const AuditVerification v = ok(db().audit().verify());
  EXPECT_TRUE(v.ok) << v.problem;
  EXPECT_EQ(v.entries, 8);
}

// ---------------------------------------------------------------- durability

// A child process stores a report, tells the parent the id the moment add()
// returned, and is killed with SIGKILL at once. The report must be there.
TEST_P(StoreTest, AcknowledgedReportSurvivesKill9) {
  db_.reset();  // the child opens its own connection
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    auto child = open_database(url_);
    std::int64_t id = -1;
    if (child) {
      auto r = (*child)->reports().add(report("durable", "a", "b"));
      if (r) id = *r;
    }
    const std::string line = std::to_string(id) + "\n";
    (void)!write(fds[1], line.data(), line.size());
    for (;;) pause();  // killed here, with the connection still open
  }
  close(fds[1]);
  pollfd p{fds[0], POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 60'000), 1) << "child did not answer";
  char buf[32] = {};
  const ssize_t n = read(fds[0], buf, sizeof buf - 1);
  close(fds[0]);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_GT(n, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  const std::int64_t id = std::stoll(std::string(buf, static_cast<std::size_t>(n)));
  ASSERT_GT(id, 0) << "child failed to store the report";

  auto db = open_database(url_);
  ASSERT_TRUE(db.has_value()) << db.error().message;
  const ReportSummary s = ok((*db)->reports().get(id));
  EXPECT_EQ(s.report.session_id, "durable");
}

}  // namespace
}  // namespace serendip::store::testing
