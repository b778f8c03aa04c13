#include "cli/commands.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <sstream>

#include "obs/log.hpp"
#include "store/sql.hpp"

namespace serendip::cli {
namespace {

class CliTest : public ::testing::Test {
 protected:
  CliTest() {
    obs::set_level(obs::Level::error);
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("serendip-cli-test-" + std::to_string(rd()) + "-" + std::to_string(rd()));
    path_ = dir_ / "cli.db";
    auto db = store::open_database("sqlite://" + path_.string());
    if (!db) throw std::runtime_error(db.error().message);
    db_ = std::move(*db);
  }
  void TearDown() override {
    db_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  int admin(const std::vector<std::string>& args, const std::string& stdin_text = {},
            const std::optional<std::string>& env = {}) {
    return run(true, args, stdin_text, env);
  }
  int audit(const std::vector<std::string>& args) { return run(false, args, {}, {}); }

  int run(bool is_admin, const std::vector<std::string>& args, const std::string& stdin_text,
          const std::optional<std::string>& env) {
    in_.str(stdin_text);
    in_.clear();
    out_.str("");
    err_.str("");
    Io io{in_, out_, err_,
          [env](std::string_view name) -> std::optional<std::string> {
            if (name == "SERENDIP_ADMIN_PASSWORD") return env;
            return std::nullopt;
          },
          false};
    return is_admin ? run_admin_command(args, *db_, io) : run_audit_command(args, *db_, io);
  }

  std::filesystem::path dir_;
  std::filesystem::path path_;
  std::unique_ptr<store::Database> db_;
  std::istringstream in_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(CliTest, CreateListPasswdDisable) {
  EXPECT_EQ(admin({"admin", "create", "alice", "admin"}, "", std::string("alice password")), 0) << err_.str();
  EXPECT_EQ(out_.str(), "created admin 'alice'\n");
  EXPECT_EQ(admin({"admin", "create", "bob", "moderator"}, "bob password\n"), 0) << err_.str();
  EXPECT_EQ(admin({"admin", "create", "bob", "moderator"}, "bob password\n"), 1);
  EXPECT_NE(err_.str().find("exists"), std::string::npos);
  EXPECT_EQ(admin({"admin", "create", "carol", "superuser"}, "carol password\n"), 2);
  EXPECT_EQ(admin({"admin", "create", "carol", "admin"}, ""), 2);  // no password anywhere
  EXPECT_EQ(admin({"admin", "create", "carol", "admin"}, "short\n"), 1);

  EXPECT_EQ(admin({"admin", "list"}), 0);
  const std::string list = out_.str();
  EXPECT_NE(list.find("alice"), std::string::npos);
  EXPECT_NE(list.find("moderator"), std::string::npos);
  EXPECT_EQ(list.find("argon2"), std::string::npos);

  EXPECT_EQ(admin({"admin", "passwd", "bob"}, "a brand new password\r\n"), 0) << err_.str();
  EXPECT_EQ(admin({"admin", "passwd", "nobody"}, "a brand new password\n"), 1);
  EXPECT_EQ(admin({"admin", "disable", "bob"}), 0);
  EXPECT_EQ(admin({"admin", "list"}), 0);
  EXPECT_NE(out_.str().find("disabled"), std::string::npos);
  EXPECT_EQ(admin({"admin", "enable", "bob"}), 0);

  auto bob = db_->admins().find("bob");
  ASSERT_TRUE(bob.has_value() && bob->has_value());
  EXPECT_EQ((*bob)->password_hash.rfind("$argon2id$v=19$m=65536,t=2,p=1$", 0), 0u);

  // Every change is in the audit log under "cli".
  auto page = db_->audit().list({}, store::PageRequest{50, ""});
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->items.size(), 5u);
  for (const auto& e : page->items) EXPECT_EQ(e.actor, "cli");
}

TEST_F(CliTest, Usage) {
  EXPECT_EQ(admin({"admin"}), 2);
  EXPECT_EQ(admin({"admin", "frobnicate"}), 2);
  EXPECT_EQ(admin({"admin", "create", "x"}), 2);
  EXPECT_NE(err_.str().find("usage:"), std::string::npos);
  EXPECT_EQ(audit({"audit"}), 2);
  EXPECT_EQ(audit({"audit", "verify", "extra"}), 2);
}

TEST_F(CliTest, AuditVerifyDetectsATamperedRow) {
  EXPECT_EQ(audit({"audit", "verify"}), 0);
  EXPECT_EQ(out_.str(), "audit log OK: 0 entries\n");
  ASSERT_EQ(admin({"admin", "create", "alice", "admin"}, "alice password\n"), 0);
  ASSERT_EQ(admin({"admin", "create", "bob", "moderator"}, "bob password\n"), 0);
  ASSERT_EQ(admin({"admin", "disable", "bob"}), 0);
  EXPECT_EQ(audit({"audit", "verify"}), 0);
  EXPECT_EQ(out_.str(), "audit log OK: 3 entries\n");
  {
    auto raw = store::sql::open_sqlite(path_.string());
    ASSERT_TRUE(raw.has_value());
    ASSERT_TRUE((*raw)->exec("UPDATE audit_log SET target = 'account:mallory' WHERE seq = 2").has_value());
  }
  EXPECT_EQ(audit({"audit", "verify"}), 1);
  EXPECT_EQ(out_.str(), "audit log BROKEN at seq 2: entry altered\n");
}

}  // namespace
}  // namespace serendip::cli
