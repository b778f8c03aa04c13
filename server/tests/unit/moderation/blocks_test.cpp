// Blocks made and lifted by hand (blocks.cpp); blocks made by accepting a
// report are in reports_test.cpp.
#include <gtest/gtest.h>

#include "service_fixture.hpp"
#include "store/sql.hpp"

namespace serendip::moderation {
namespace {

using core::ErrorCode;
using testing::code;
using testing::kDevA;
using testing::kDevB;
using testing::ServiceTest;

TEST_F(ServiceTest, BulkBlocksAreAllOrNothing) {
  auto bad = svc().create_blocks(mod_, BulkKind::ip, {"192.0.2.1", "not-an-ip", "192.0.2.3"}, 600, "spam wave");
  EXPECT_EQ(code(bad), ErrorCode::bad_request);
  EXPECT_NE(bad.error().message.find("entry 1"), std::string::npos);
  EXPECT_EQ(svc().counts()->active_blocks, 0);

  auto made = svc().create_blocks(mod_, BulkKind::ip, {"192.0.2.1", "::ffff:192.0.2.1", "2001:DB8::1"}, 600, "wave");
  ASSERT_TRUE(made.has_value()) << made.error().message;
  ASSERT_EQ(made->size(), 2u);                // the two spellings of one address made one block
  EXPECT_EQ((*made)[1].ip, "2001:db8::/64");  // an IPv6 block covers its /64
  EXPECT_EQ(listener_.taken().size(), 2u);
  EXPECT_TRUE(svc().active_block("2001:db8:0::1", ""));
  EXPECT_TRUE(svc().active_block("2001:db8::abcd:1", ""));  // another address of that /64
  EXPECT_FALSE(svc().active_block("2001:db8:0:1::1", ""));  // the next /64 is someone else

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

TEST_F(ServiceTest, ModeratorsBlockForAtMostThirtyDaysAndCannotLiftPermanentBlocks) {
  constexpr std::int64_t kDay = 86'400;
  EXPECT_TRUE(svc().create_block(mod_, BlockRequest{"192.0.2.1", "", 30 * kDay, "ok"}).has_value());
  // The "timed" ten-year block a moderator could make before.
  EXPECT_EQ(code(svc().create_block(mod_, BlockRequest{"192.0.2.2", "", 30 * kDay + 1, ""})), ErrorCode::forbidden);
  EXPECT_EQ(code(svc().create_block(mod_, BlockRequest{"192.0.2.2", "", 3650 * kDay, ""})), ErrorCode::forbidden);
  EXPECT_EQ(code(svc().create_blocks(mod_, BulkKind::ip, {"192.0.2.3"}, 365 * kDay, "")), ErrorCode::forbidden);
  const std::int64_t id = submit();
  EXPECT_EQ(code(svc().decide_report(mod_, id, AcceptReport{false, true, 365 * kDay, ""})), ErrorCode::forbidden);
  EXPECT_TRUE(svc().create_block(admin_, BlockRequest{"192.0.2.4", "", 3650 * kDay, ""}).has_value());

  auto permanent = svc().create_block(admin_, BlockRequest{"192.0.2.5", "", std::nullopt, "admin's"});
  ASSERT_TRUE(permanent.has_value());
  const std::size_t entries_before = audit_entries().size();
  EXPECT_EQ(code(svc().lift_block(mod_, permanent->id, "undo")), ErrorCode::forbidden);
  EXPECT_TRUE(svc().active_block("192.0.2.5", ""));   // still blocked
  EXPECT_EQ(audit_entries().size(), entries_before);  // nothing recorded: nothing happened
  EXPECT_TRUE(svc().lift_block(admin_, permanent->id, "appeal").has_value());
  EXPECT_FALSE(svc().active_block("192.0.2.5", ""));
}

TEST_F(ServiceTest, BanCheckFailsClosedWhenNeitherCacheNorDatabaseAnswers) {
  ASSERT_TRUE(svc().create_block(mod_, BlockRequest{"192.0.2.1", "", 600, ""}).has_value());
  EXPECT_TRUE(svc().active_block("192.0.2.1", ""));
  EXPECT_FALSE(svc().active_block("192.0.2.2", ""));
  EXPECT_EQ(svc().ban_check_failures(), 0u);
  {
    // The database stops answering (as when it is unreachable).
    auto raw = store::sql::open_sqlite((dir_ / "mod.db").string());
    ASSERT_TRUE(raw.has_value());
    ASSERT_TRUE((*raw)->exec("DROP TABLE blocks").has_value());
  }
  svc().invalidate_block_cache();
  const auto unknown = svc().active_block("192.0.2.2", "");
  ASSERT_TRUE(unknown.has_value());  // not admitted unchecked
  EXPECT_TRUE(unknown->unavailable);
  EXPECT_EQ(unknown->block_id, 0);
  EXPECT_EQ(svc().ban_check_failures(), 1u);
  const auto blocked = svc().active_block("192.0.2.1", kDevA);
  ASSERT_TRUE(blocked.has_value());
  EXPECT_TRUE(blocked->unavailable);
  EXPECT_EQ(svc().ban_check_failures(), 2u);
}

}  // namespace
}  // namespace serendip::moderation
