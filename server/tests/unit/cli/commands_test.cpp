#include "cli/commands.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "obs/log.hpp"
#include "store/sql.hpp"

namespace serendip::cli {
namespace {

const std::string kKey = "cli-test-audit-key-0123456789abcdef-0123";

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
    db_->audit().set_key(kKey);  // as the server does before running a command
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
  store::AuditKeySources keys() const { return {key_, key_file_, "sqlite://" + path_.string()}; }
  std::string write_file(const std::string& name, const std::string& text) {
    const auto p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }

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
    return is_admin ? run_admin_command(args, *db_, io) : run_audit_command(args, *db_, keys(), io);
  }

  std::string key_ = kKey;  // audit-key as configured
  std::string key_file_;    // audit-key-file as configured

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
  EXPECT_EQ(out_.str(), "audit log BROKEN at seq 2: entry altered (or keyed with another key)\n");
}

TEST_F(CliTest, AuditCommandsNeedTheKey) {
  ASSERT_EQ(admin({"admin", "create", "alice", "admin"}, "alice password\n"), 0);
  key_.clear();
  // No key configured and no key file beside the database: refused, never invented.
  EXPECT_EQ(audit({"audit", "verify"}), 2);
  EXPECT_NE(err_.str().find("no audit key"), std::string::npos) << err_.str();
  EXPECT_FALSE(std::filesystem::exists(path_.string() + ".audit-key"));
  EXPECT_EQ(audit({"audit", "verify", "--key-file", write_file("short.key", "too short\n")}), 2);
  EXPECT_NE(err_.str().find("at least 32"), std::string::npos) << err_.str();
  EXPECT_EQ(audit({"audit", "verify", "--key-file", write_file("right.key", kKey + "\n")}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "audit log OK: 1 entries\n");
  // Another key does not verify the chain.
  EXPECT_EQ(audit({"audit", "verify", "--key-file=" + write_file("wrong.key", std::string(40, 'w'))}), 1);
  EXPECT_EQ(audit({"audit", "verify", "--key-file"}), 2);
  EXPECT_EQ(audit({"audit", "anchor", "--anchor", "x"}), 2);
}

TEST_F(CliTest, AnchorCatchesATruncatedChain) {
  for (const char* name : {"alice", "bob", "carol"}) {
    ASSERT_EQ(admin({"admin", "create", name, "moderator"}, "a password\n"), 0);
  }
  ASSERT_EQ(audit({"audit", "anchor"}), 0) << err_.str();
  const std::string anchor_text = out_.str();
  EXPECT_NE(anchor_text.find(R"("format":"serendip-audit-anchor-v1","seq":3,)"), std::string::npos) << anchor_text;
  const std::string anchor = write_file("anchor.json", anchor_text);
  ASSERT_EQ(audit({"audit", "verify", "--anchor", anchor}), 0) << err_.str();
  EXPECT_NE(out_.str().find("audit log OK: 3 entries; holds the anchor of "), std::string::npos) << out_.str();
  ASSERT_EQ(admin({"admin", "create", "dave", "moderator"}, "a password\n"), 0);
  EXPECT_EQ(audit({"audit", "verify", "--anchor", anchor}), 0);  // the chain grew: still holds the anchor

  // A forged anchor (another seq, signature kept) is refused.
  std::string forged = anchor_text;
  forged.replace(forged.find(R"("seq":3)"), 7, R"("seq":2)");
  EXPECT_EQ(audit({"audit", "verify", "--anchor", write_file("forged.json", forged)}), 1);
  EXPECT_NE(err_.str().find("signature"), std::string::npos) << err_.str();
  EXPECT_EQ(audit({"audit", "verify", "--anchor", write_file("junk.json", "{not json")}), 1);

  // Someone with database access cuts the last two entries and moves the head
  // back: the chain alone still verifies, the anchor does not.
  {
    auto raw = store::sql::open_sqlite(path_.string());
    ASSERT_TRUE(raw.has_value());
    auto head = db_->audit().at(2);
    ASSERT_TRUE(head.has_value() && head->has_value());
    ASSERT_TRUE((*raw)->exec("DELETE FROM audit_log WHERE seq >= 3").has_value());
    ASSERT_TRUE(
        (*raw)->query("UPDATE settings SET value = ? WHERE name = 'audit_head'", {"2:" + (*head)->hash}).has_value());
  }
  EXPECT_EQ(audit({"audit", "verify"}), 0);
  EXPECT_EQ(audit({"audit", "verify", "--anchor", anchor}), 1);
  EXPECT_NE(out_.str().find("BROKEN at seq 3: the chain ends at seq 2 but the anchor of"), std::string::npos)
      << out_.str();
}

}  // namespace
}  // namespace serendip::cli
