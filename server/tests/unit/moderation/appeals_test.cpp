// Appeals (appeals.cpp): an accepted appeal lifts the block, a rejected one
// leaves it and lets the user appeal again.
#include <gtest/gtest.h>

#include "service_fixture.hpp"

namespace serendip::moderation {
namespace {

using core::ErrorCode;
using testing::code;
using testing::kDevB;
using testing::ServiceTest;

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

}  // namespace
}  // namespace serendip::moderation
