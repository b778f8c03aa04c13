// Reports (reports.cpp): submitting, the hub's session record, the priority
// queue, and decisions with the blocks an accept makes.
#include <gtest/gtest.h>

#include "service_fixture.hpp"

namespace serendip::moderation {
namespace {

using core::ErrorCode;
using testing::code;
using testing::kDevA;
using testing::kDevB;
using testing::ServiceTest;

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

}  // namespace
}  // namespace serendip::moderation
