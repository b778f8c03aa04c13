#include "moderation/service.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "service_fixture.hpp"

namespace serendip::moderation {
namespace {

using core::ErrorCode;
using testing::kDevA;
using testing::kDevB;
using testing::ServiceTest;

template <class T>
ErrorCode code(const Outcome<T>& r) {
  EXPECT_FALSE(r.has_value());
  return r ? ErrorCode::internal : r.error().code;
}

// ---------------------------------------------------------------- reports

TEST_F(ServiceTest, SubmitReportStoresAndAudits) {
  const std::int64_t id = submit();
  ASSERT_GT(id, 0);
  auto r = svc().report(id);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->report.reason, "harassment");
  EXPECT_EQ(r->report.reported.device_key, kDevB);
  EXPECT_EQ(r->report.reported.ip, "203.0.113.9");
  EXPECT_EQ(r->report.session_length_ms, 59'000);
  EXPECT_EQ(r->report.created_at, clock_.unix_ms());
  const auto entries = audit_entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].action, "report.create");
  EXPECT_EQ(entries[0].actor, "user:u_alice");
  EXPECT_EQ(entries[0].target, "report:" + std::to_string(id));
  EXPECT_EQ(entries[0].reason, "harassment");
}

TEST_F(ServiceTest, SubmitReportValidates) {
  auto in = report_input();
  in.reason = "rude";
  EXPECT_EQ(code(svc().submit_report(in)), ErrorCode::bad_request);
  in = report_input();
  in.session_id.clear();
  EXPECT_EQ(code(svc().submit_report(in)), ErrorCode::bad_request);
  in = report_input();
  in.comment = std::string(501, 'x');
  EXPECT_EQ(code(svc().submit_report(in)), ErrorCode::bad_request);
  in.comment = "\xff\xfe";
  EXPECT_EQ(code(svc().submit_report(in)), ErrorCode::bad_request);
  // 500 characters of two bytes each are fine: the limit counts characters.
  in = report_input();
  in.comment.clear();
  for (int i = 0; i < 500; ++i) in.comment += "\xc3\xa9";
  EXPECT_TRUE(svc().submit_report(in).has_value());
  EXPECT_EQ(audit_actions().size(), 1u);  // refusals leave no trace
}

TEST_F(ServiceTest, OneReportPerSession) {
  submit("s1");
  EXPECT_EQ(code(svc().submit_report(report_input("s1"))), ErrorCode::conflict);
  EXPECT_EQ(audit_actions().size(), 1u);  // the refused one rolled back its audit entry too
}

TEST_F(ServiceTest, PrioritizingReportsAgainstADeviceIsAuditedWhenAnyChanged) {
  const std::int64_t first = submit("s1");
  const std::int64_t second = submit("s2");
  const Actor system = Actor::system_actor("auto");
  auto marked = svc().prioritize_reports_against(system, kDevB, "reported by several people");
  ASSERT_TRUE(marked.has_value());
  EXPECT_EQ(*marked, 2);
  EXPECT_TRUE(svc().report(first)->report.priority);
  EXPECT_TRUE(svc().report(second)->report.priority);
  const auto entries = audit_entries();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[2].action, "report.prioritize");
  EXPECT_EQ(entries[2].actor, system.audit_name());
  EXPECT_EQ(entries[2].target, std::string("device:") + kDevB);
  EXPECT_EQ(entries[2].reason, "reported by several people");
  // Nothing left to mark: no audit entry.
  EXPECT_EQ(*svc().prioritize_reports_against(system, kDevB, "again"), 0);
  EXPECT_EQ(audit_entries().size(), 3u);
  EXPECT_EQ(code(svc().prioritize_reports_against(system, "not a device key", "x")), ErrorCode::bad_request);
}

TEST_F(ServiceTest, ReportSessionUsesTheHubRecordWithinTheWindow) {
  testing::FakeSessions sessions;
  SessionRecord rec;
  rec.session_id = "s-42";
  rec.reporter = store::Party{"u_alice", kDevA, ""};
  rec.peer = store::Party{"u_bob", kDevB, "203.0.113.9"};
  rec.started_at = clock_.unix_ms() - 30'000;
  rec.ended_at = clock_.unix_ms();
  sessions.records.push_back(rec);

  const ReportRequest req{"s-42", "spam", ""};
  EXPECT_EQ(code(svc().report_session(sessions, "u_mallory", "198.51.100.1", req)), ErrorCode::not_in_session);
  EXPECT_EQ(code(svc().report_session(sessions, "u_alice", "198.51.100.1", ReportRequest{"s-43", "spam", ""})),
            ErrorCode::not_in_session);
  clock_.advance(5 * 60'000 + 1);  // past the report window
  EXPECT_EQ(code(svc().report_session(sessions, "u_alice", "198.51.100.1", req)), ErrorCode::not_in_session);

  sessions.records[0].ended_at = clock_.unix_ms() - 4 * 60'000;
  auto id = svc().report_session(sessions, "u_alice", "198.51.100.1", req);
  ASSERT_TRUE(id.has_value()) << id.error().message;
  auto r = svc().report(*id);
  EXPECT_EQ(r->report.reporter.ip, "198.51.100.1");  // filled from the caller
  EXPECT_EQ(r->report.reported.user_id, "u_bob");
  EXPECT_EQ(r->report.session_length_ms, 30'000 + 60'000 * 5 + 1 - 4 * 60'000);
  EXPECT_EQ(code(svc().report_session(sessions, "u_alice", "198.51.100.1", req)), ErrorCode::conflict);
}

// ---------------------------------------------------------------- decisions

TEST_F(ServiceTest, AcceptBlocksIpAndDeviceAndTellsTheListener) {
  const std::int64_t id = submit();
  auto out = svc().decide_report(mod_, id, AcceptReport{true, true, 3600, "clear case"});
  ASSERT_TRUE(out.has_value()) << out.error().message;
  EXPECT_EQ(out->report.status, store::ReportStatus::accepted);
  EXPECT_EQ(out->report.decided_by, "admin:mo");
  EXPECT_EQ(out->report.decision_note, "clear case");
  ASSERT_TRUE(out->block);
  EXPECT_EQ(out->block->ip, "203.0.113.9");
  EXPECT_EQ(out->block->device_key, kDevB);
  EXPECT_EQ(out->block->expires_at, clock_.unix_ms() + 3'600'000);
  EXPECT_EQ(out->block->report_id, id);
  EXPECT_EQ(out->block->reason, "harassment");

  const auto told = listener_.taken();
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].id, out->block->id);

  auto by_ip = svc().active_block("203.0.113.9", "");
  ASSERT_TRUE(by_ip);
  EXPECT_EQ(by_ip->until, clock_.unix_ms() + 3'600'000);
  EXPECT_EQ(by_ip->reason, "harassment");
  EXPECT_TRUE(by_ip->appealable);
  EXPECT_TRUE(svc().active_block("::ffff:203.0.113.9", ""));  // the same address, written otherwise
  EXPECT_TRUE(svc().active_block("198.51.100.200", kDevB));
  EXPECT_FALSE(svc().active_block("198.51.100.1", kDevA));

  clock_.advance(3'600'000);
  EXPECT_FALSE(svc().active_block("203.0.113.9", kDevB));

  EXPECT_EQ(audit_actions(), (std::vector<std::string>{"report.create", "report.accept", "block.create"}));
  EXPECT_EQ(code(svc().decide_report(mod_, id, RejectReport{"changed my mind"})), ErrorCode::conflict);
}

TEST_F(ServiceTest, OnlyAdminsBlockPermanently) {
  const std::int64_t id = submit();
  EXPECT_EQ(code(svc().decide_report(mod_, id, AcceptReport{false, true, std::nullopt, ""})), ErrorCode::forbidden);
  EXPECT_EQ(code(svc().create_block(mod_, BlockRequest{"192.0.2.1", "", std::nullopt, ""})), ErrorCode::forbidden);
  auto out = svc().decide_report(admin_, id, AcceptReport{false, true, std::nullopt, ""});
  ASSERT_TRUE(out.has_value());
  ASSERT_TRUE(out->block);
  EXPECT_FALSE(out->block->expires_at);
  EXPECT_TRUE(out->block->ip.empty());
  clock_.advance(10LL * 365 * 86'400'000);
  auto info = svc().active_block("", kDevB);
  ASSERT_TRUE(info);
  EXPECT_FALSE(info->until);
}

TEST_F(ServiceTest, DecisionValidation) {
  const std::int64_t id = submit();
  EXPECT_EQ(code(svc().decide_report(mod_, id, AcceptReport{false, false, 60, ""})), ErrorCode::bad_request);
  EXPECT_EQ(code(svc().decide_report(mod_, id, AcceptReport{true, false, 0, ""})), ErrorCode::bad_request);
  EXPECT_EQ(code(svc().decide_report(mod_, id, AcceptReport{true, false, -5, ""})), ErrorCode::bad_request);
  EXPECT_EQ(code(svc().decide_report(mod_, id + 1, RejectReport{""})), ErrorCode::not_found);
  EXPECT_EQ(code(svc().decide_report(mod_, id, RejectReport{std::string(2001, 'n')})), ErrorCode::bad_request);
  // A report whose reported IP is unknown cannot get an IP block.
  auto in = report_input("no-ip");
  in.reported.ip.clear();
  auto no_ip = svc().submit_report(in);
  ASSERT_TRUE(no_ip.has_value());
  EXPECT_EQ(code(svc().decide_report(mod_, *no_ip, AcceptReport{true, false, 60, ""})), ErrorCode::bad_request);
  EXPECT_EQ(svc().report(*no_ip)->report.status, store::ReportStatus::pending);  // rolled back

  auto rejected = svc().decide_report(mod_, id, RejectReport{"not abuse"});
  ASSERT_TRUE(rejected.has_value());
  EXPECT_EQ(rejected->report.status, store::ReportStatus::rejected);
  EXPECT_FALSE(rejected->block);
  EXPECT_TRUE(listener_.taken().empty());
  EXPECT_FALSE(svc().active_block("203.0.113.9", kDevB));
}

// ---------------------------------------------------------------- blocks

TEST_F(ServiceTest, BulkBlocksAreAllOrNothing) {
  auto bad = svc().create_blocks(mod_, BulkKind::ip, {"192.0.2.1", "not-an-ip", "192.0.2.3"}, 600, "spam wave");
  EXPECT_EQ(code(bad), ErrorCode::bad_request);
  EXPECT_NE(bad.error().message.find("entry 1"), std::string::npos);
  EXPECT_EQ(svc().counts()->active_blocks, 0);

  auto made = svc().create_blocks(mod_, BulkKind::ip, {"192.0.2.1", "::ffff:192.0.2.1", "2001:DB8::1"}, 600, "wave");
  ASSERT_TRUE(made.has_value()) << made.error().message;
  ASSERT_EQ(made->size(), 2u);  // the two spellings of one address made one block
  EXPECT_EQ((*made)[1].ip, "2001:db8::1");
  EXPECT_EQ(listener_.taken().size(), 2u);
  EXPECT_TRUE(svc().active_block("2001:db8:0::1", ""));

  auto devices = svc().create_blocks(admin_, BulkKind::device, {kDevA, kDevB}, std::nullopt, "ring");
  ASSERT_TRUE(devices.has_value());
  EXPECT_EQ(devices->size(), 2u);
  EXPECT_EQ(code(svc().create_blocks(mod_, BulkKind::device, {"bad key!"}, 60, "")), ErrorCode::bad_request);
  EXPECT_EQ(code(svc().create_blocks(mod_, BulkKind::device, {}, 60, "")), ErrorCode::bad_request);
  EXPECT_EQ(code(svc().create_blocks(mod_, BulkKind::ip, std::vector<std::string>(1001, "192.0.2.1"), 60, "")),
            ErrorCode::bad_request);
  EXPECT_EQ(svc().counts()->active_blocks, 4);
  EXPECT_EQ(audit_actions().size(), 4u);
}

TEST_F(ServiceTest, LiftBlock) {
  auto b = svc().create_block(mod_, BlockRequest{"192.0.2.1", kDevA, 600, "spam"});
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->created_by, "admin:mo");
  EXPECT_EQ(code(svc().create_block(mod_, BlockRequest{"", "", 600, ""})), ErrorCode::bad_request);
  auto lifted = svc().lift_block(mod_, b->id, "mistake");
  ASSERT_TRUE(lifted.has_value());
  EXPECT_EQ(lifted->lifted_by, "admin:mo");
  EXPECT_FALSE(svc().active_block("192.0.2.1", kDevA));
  EXPECT_EQ(code(svc().lift_block(mod_, b->id, "")), ErrorCode::conflict);
  EXPECT_EQ(code(svc().lift_block(mod_, b->id + 7, "")), ErrorCode::not_found);
  const auto entries = audit_entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].action, "block.lift");
  EXPECT_EQ(entries[1].reason, "mistake");
}

// ---------------------------------------------------------------- appeals

TEST_F(ServiceTest, AppealAcceptedLiftsTheBlock) {
  EXPECT_EQ(code(svc().submit_appeal(kDevB, "203.0.113.9", "why?")), ErrorCode::not_found);
  const std::int64_t id = submit();
  ASSERT_TRUE(svc().decide_report(mod_, id, AcceptReport{true, true, 86'400, ""}).has_value());
  EXPECT_EQ(code(svc().submit_appeal(kDevB, "203.0.113.9", "   ")), ErrorCode::bad_request);
  EXPECT_EQ(code(svc().submit_appeal("", "", "hi")), ErrorCode::bad_request);
  auto appeal = svc().submit_appeal(kDevB, "203.0.113.9", "it was my brother");
  ASSERT_TRUE(appeal.has_value()) << appeal.error().message;
  EXPECT_EQ(appeal->status, store::AppealStatus::open);
  EXPECT_EQ(code(svc().submit_appeal(kDevB, "", "again")), ErrorCode::conflict);
  EXPECT_EQ(code(svc().submit_appeal("", "203.0.113.9", "again")), ErrorCode::conflict);

  auto open = svc().appeals(store::AppealFilter{.status = store::AppealStatus::open}, {});
  ASSERT_EQ(open->items.size(), 1u);
  auto decided = svc().decide_appeal(mod_, appeal->id, true, "fair enough");
  ASSERT_TRUE(decided.has_value());
  EXPECT_EQ(decided->status, store::AppealStatus::accepted);
  EXPECT_EQ(decided->decided_by, "admin:mo");
  EXPECT_FALSE(svc().active_block("203.0.113.9", kDevB));
  EXPECT_EQ(code(svc().decide_appeal(mod_, appeal->id, false, "")), ErrorCode::conflict);
  EXPECT_EQ(audit_actions(), (std::vector<std::string>{"report.create", "report.accept", "block.create",
                                                       "appeal.create", "appeal.accept", "block.lift"}));
  EXPECT_TRUE(svc().verify_audit()->ok);
}

TEST_F(ServiceTest, AppealRejectedKeepsTheBlockAndAllowsAnother) {
  ASSERT_TRUE(svc().create_block(mod_, BlockRequest{"203.0.113.9", "", 86'400, "spam"}).has_value());
  auto appeal = svc().submit_appeal("", "203.0.113.9", "please");
  ASSERT_TRUE(appeal.has_value());
  EXPECT_TRUE(appeal->device_key.empty());
  ASSERT_TRUE(svc().decide_appeal(mod_, appeal->id, false, "no").has_value());
  EXPECT_TRUE(svc().active_block("203.0.113.9", ""));
  EXPECT_TRUE(svc().submit_appeal("", "203.0.113.9", "please, really").has_value());
  EXPECT_EQ(code(svc().decide_appeal(mod_, 999, true, "")), ErrorCode::not_found);
}

// ---------------------------------------------------------------- reputation, counts, threads

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
  EXPECT_EQ((*pairs)[0], std::make_pair(kDevA, kDevB));
}

TEST_F(ServiceTest, ConcurrentCallersFromManyThreads) {
  std::vector<std::thread> threads;
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
