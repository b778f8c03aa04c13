// Admin accounts (accounts.cpp): the bootstrap admin, login and its limiter,
// admin tokens, and account changes with their audit entries.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "auth/crypto.hpp"
#include "service_fixture.hpp"

namespace serendip::moderation {
namespace {

using core::ErrorCode;
using testing::code;
using testing::ServiceTest;

class AccountsTest : public ServiceTest {
 protected:
  void SetUp() override {
    auto made = svc().ensure_bootstrap_admin("root:correct horse battery");
    ASSERT_TRUE(made.has_value());
    ASSERT_TRUE(*made);
  }
};

TEST_F(AccountsTest, BootstrapIsIdempotent) {
  auto again = svc().ensure_bootstrap_admin("root:another password");
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(*again);
  // The first password still works: an existing account is never touched.
  EXPECT_TRUE(svc().login("root", "correct horse battery", "192.0.2.1").has_value());
  EXPECT_EQ(code(svc().ensure_bootstrap_admin("no-colon")), ErrorCode::bad_request);
  EXPECT_EQ(code(svc().ensure_bootstrap_admin(":password")), ErrorCode::bad_request);
  EXPECT_EQ(code(svc().ensure_bootstrap_admin("bob:short")), ErrorCode::bad_request);
  auto list = svc().list_admins(admin_);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].role, Role::admin);
  EXPECT_EQ((*list)[0].password_hash.rfind("$argon2id$", 0), 0u);
  EXPECT_EQ(audit_actions(), (std::vector<std::string>{"account.create", "admin.login"}));
  EXPECT_EQ(audit_entries()[0].actor, "bootstrap");
}

TEST_F(AccountsTest, LoginIssuesAShortLivedRoleToken) {
  auto res = svc().login("root", "correct horse battery", "192.0.2.1");
  ASSERT_TRUE(res.has_value()) << res.error().message;
  EXPECT_EQ(res->expires_in_s, 900);
  EXPECT_EQ(res->role, Role::admin);
  const auto v = jwt_.verify(res->token, clock_.unix_ms() / 1000);
  ASSERT_TRUE(v.claims);
  EXPECT_EQ(v.claims->role, "admin");
  EXPECT_EQ(v.claims->sub, "root");
  EXPECT_EQ(v.claims->exp - v.claims->iat, 900);

  auto actor = svc().authenticate(res->token);
  ASSERT_TRUE(actor.has_value());
  EXPECT_EQ(actor->username, "root");
  EXPECT_EQ(actor->role, Role::admin);
  EXPECT_EQ(actor->audit_name(), "admin:root");

  clock_.advance(901'000);
  EXPECT_EQ(code(svc().authenticate(res->token)), ErrorCode::unauthorized);
  EXPECT_EQ(svc().authenticate(res->token).error().message, "token expired");
}

TEST_F(AccountsTest, AuthenticateRefusesWhatIsNotALiveAdmin) {
  EXPECT_EQ(code(svc().authenticate("")), ErrorCode::unauthorized);
  EXPECT_EQ(code(svc().authenticate("not.a.jwt")), ErrorCode::unauthorized);
  // An anonymous user's session token, properly signed.
  auth::Claims anon{"u_abc", "did", "jti", "", clock_.unix_ms() / 1000, clock_.unix_ms() / 1000 + 300};
  EXPECT_EQ(code(svc().authenticate(jwt_.sign(anon))), ErrorCode::unauthorized);
  // Signed with another key.
  auth::JwtCodec other("some-other-secret-0123456789abcdef");
  auth::Claims forged{"root", "", "jti", "admin", clock_.unix_ms() / 1000, clock_.unix_ms() / 1000 + 300};
  EXPECT_EQ(code(svc().authenticate(other.sign(forged))), ErrorCode::unauthorized);
  // A role token for an account that does not exist.
  auth::Claims ghost{"ghost", "", "jti", "admin", clock_.unix_ms() / 1000, clock_.unix_ms() / 1000 + 300};
  EXPECT_EQ(code(svc().authenticate(jwt_.sign(ghost))), ErrorCode::unauthorized);
  // A disabled account's still-valid token; and the role comes from the account, not the token.
  ASSERT_TRUE(svc().create_admin(admin_, "mod1", "moderator pass", Role::moderator).has_value());
  auth::Claims claims_admin{"mod1", "", "jti", "admin", clock_.unix_ms() / 1000, clock_.unix_ms() / 1000 + 300};
  auto as = svc().authenticate(jwt_.sign(claims_admin));
  ASSERT_TRUE(as.has_value());
  EXPECT_EQ(as->role, Role::moderator);
  ASSERT_TRUE(svc().set_disabled(admin_, "mod1", true).has_value());
  EXPECT_EQ(code(svc().authenticate(jwt_.sign(claims_admin))), ErrorCode::unauthorized);
}

TEST_F(AccountsTest, WrongPasswordsSlowTheGuesserDownButNeverLockTheModeratorOut) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(code(svc().login("root", "wrong password", "198.51.100.7")), ErrorCode::unauthorized);
  }
  auto held = svc().login("root", "wrong password", "198.51.100.7");
  ASSERT_FALSE(held.has_value());
  EXPECT_EQ(held.error().code, ErrorCode::rate_limited);
  EXPECT_EQ(held.error().retry_after_ms, 1'000);
  // Five wrong passwords from somewhere else do not keep the moderator out.
  EXPECT_TRUE(svc().login("root", "correct horse battery", "192.0.2.1").has_value());
  // The guesser's delays grow with each further try.
  clock_.advance(1'000);
  EXPECT_EQ(code(svc().login("root", "wrong password", "198.51.100.7")), ErrorCode::unauthorized);
  auto longer = svc().login("root", "wrong password", "198.51.100.7");
  ASSERT_FALSE(longer.has_value());
  EXPECT_EQ(longer.error().retry_after_ms, 2'000);
  clock_.advance(2'000);
  EXPECT_TRUE(svc().login("root", "correct horse battery", "198.51.100.7").has_value());
  // A success forgets that pair's count.
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(code(svc().login("root", "wrong password", "198.51.100.7")), ErrorCode::unauthorized);
  }
}

TEST_F(AccountsTest, AnAddressTryingManyUsernamesIsSlowedDown) {
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(code(svc().login("nobody" + std::to_string(i), "x", "192.0.2.50")), ErrorCode::unauthorized);
  }
  EXPECT_EQ(code(svc().login("root", "correct horse battery", "192.0.2.50")), ErrorCode::rate_limited);
  EXPECT_TRUE(svc().login("root", "correct horse battery", "192.0.2.51").has_value());
  // Over-long input is refused, and counted like any attempt.
  EXPECT_EQ(code(svc().login(std::string(65, 'a'), "x", "192.0.2.52")), ErrorCode::unauthorized);
}

TEST_F(AccountsTest, ConcurrentGuessesAreCountedBeforeTheirPasswordsAreHashed) {
  // Sixteen guesses at once for one username from one address: five are
  // hashed, the rest are refused without a hash, however they interleave.
  constexpr int kThreads = 16;
  std::atomic<int> unauthorized{0};
  std::atomic<int> limited{0};
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();
      const auto c = code(svc().login("root", "wrong password", "203.0.113.5"));
      if (c == ErrorCode::unauthorized) unauthorized.fetch_add(1);
      if (c == ErrorCode::rate_limited) limited.fetch_add(1);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(unauthorized.load(), 5);
  EXPECT_EQ(limited.load(), kThreads - 5);
}

TEST_F(AccountsTest, OnlyAdminsManageAccounts) {
  EXPECT_EQ(code(svc().create_admin(mod_, "eve", "password123", Role::admin)), ErrorCode::forbidden);
  EXPECT_EQ(code(svc().set_password(mod_, "root", "password123")), ErrorCode::forbidden);
  EXPECT_EQ(code(svc().set_disabled(mod_, "root", true)), ErrorCode::forbidden);
  EXPECT_EQ(code(svc().list_admins(mod_)), ErrorCode::forbidden);

  ASSERT_TRUE(svc().create_admin(admin_, "mod1", "moderator pass", Role::moderator).has_value());
  EXPECT_EQ(code(svc().create_admin(admin_, "mod1", "moderator pass", Role::moderator)), ErrorCode::conflict);
  EXPECT_EQ(code(svc().create_admin(admin_, "Mo", "moderator pass", Role::moderator)), ErrorCode::bad_request);
  EXPECT_EQ(code(svc().create_admin(admin_, "x'; DROP TABLE admins; --", "moderator pass", Role::moderator)),
            ErrorCode::bad_request);
  EXPECT_EQ(code(svc().create_admin(admin_, "ok_name", "short", Role::moderator)), ErrorCode::bad_request);

  auto mo_login = svc().login("mod1", "moderator pass", "192.0.2.1");
  ASSERT_TRUE(mo_login.has_value());
  EXPECT_EQ(mo_login->role, Role::moderator);

  ASSERT_TRUE(svc().set_password(admin_, "mod1", "a new password").has_value());
  EXPECT_EQ(code(svc().login("mod1", "moderator pass", "192.0.2.2")), ErrorCode::unauthorized);
  EXPECT_TRUE(svc().login("mod1", "a new password", "192.0.2.2").has_value());
  EXPECT_EQ(code(svc().set_password(admin_, "nobody", "a new password")), ErrorCode::not_found);

  ASSERT_TRUE(svc().set_disabled(admin_, "mod1", true).has_value());
  EXPECT_EQ(code(svc().login("mod1", "a new password", "192.0.2.3")), ErrorCode::unauthorized);
  ASSERT_TRUE(svc().set_disabled(admin_, "mod1", false).has_value());
  EXPECT_TRUE(svc().login("mod1", "a new password", "192.0.2.3").has_value());
  EXPECT_EQ(code(svc().set_disabled(Actor::admin("root", Role::admin), "root", true)), ErrorCode::bad_request);

  const auto actions = audit_actions();
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "account.create"), 2);
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "account.password"), 1);
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "account.disable"), 1);
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "account.enable"), 1);
}

}  // namespace
}  // namespace serendip::moderation
