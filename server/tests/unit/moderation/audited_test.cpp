// commit_audited() (audited.hpp) on its own: a change and its audit entries
// are committed together or not at all. A real SQLite database underneath; a
// thin wrapper watches the audit log, so a test can tell whether an entry was
// appended inside the transaction and can make an append fail.
#include "moderation/audited.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>
#include <vector>

#include "obs/log.hpp"
#include "store/database.hpp"

namespace serendip::moderation {
namespace {

using core::ErrorCode;
using detail::Audited;
using detail::commit_audited;

constexpr std::int64_t kNow = 1'790'000'000'000;  // unix ms

// Forwards to the real log; records, per append, whether a transaction of the
// owning WatchedDatabase was open, and fails appends when told to.
class WatchedAudit final : public store::AuditLog {
 public:
  WatchedAudit(store::AuditLog& inner, const bool& in_transaction) : inner_(inner), in_transaction_(in_transaction) {}

  store::Result<store::AuditEntry> append(const store::AuditRecord& record) override {
    appended_in_transaction.push_back(in_transaction_);
    if (fail_appends) return store::Error{store::ErrorKind::unavailable, "the disk is full"};
    return inner_.append(record);
  }
  store::Result<store::Page<store::AuditEntry>> list(const store::AuditFilter& filter,
                                                     const store::PageRequest& page) override {
    return inner_.list(filter, page);
  }
  store::Result<store::AuditVerification> verify() override { return inner_.verify(); }
  store::Result<std::optional<store::AuditEntry>> at(std::int64_t seq) override { return inner_.at(seq); }
  void set_key(std::string key) override { inner_.set_key(std::move(key)); }
  store::Result<std::optional<store::AuditEntry>> rekey(std::string_view actor, std::int64_t now_ms) override {
    return inner_.rekey(actor, now_ms);
  }

  std::vector<bool> appended_in_transaction;
  bool fail_appends = false;

 private:
  store::AuditLog& inner_;      // Passed by argument.
  const bool& in_transaction_;  // Passed by argument.
};

class WatchedDatabase final : public store::Database {
 public:
  explicit WatchedDatabase(std::unique_ptr<store::Database> inner)
      : inner_(std::move(inner)), audit_(inner_->audit(), in_transaction_) {}

  store::ReportStore& reports() override { return inner_->reports(); }
  store::BlockStore& blocks() override { return inner_->blocks(); }
  store::AppealStore& appeals() override { return inner_->appeals(); }
  store::AdminStore& admins() override { return inner_->admins(); }
  WatchedAudit& audit() override { return audit_; }
  store::ReputationStore& reputation() override { return inner_->reputation(); }
  store::SettingsStore& settings() override { return inner_->settings(); }
  store::IpPrivacy& ip_privacy() override { return inner_->ip_privacy(); }

  store::Result<void> transaction(const std::function<store::Result<void>()>& fn) override {
    in_transaction_ = true;
    auto r = inner_->transaction(fn);
    in_transaction_ = false;
    return r;
  }

  std::string_view backend() const override { return inner_->backend(); }
  int schema_version() const override { return inner_->schema_version(); }
  store::Result<void> ping() override { return inner_->ping(); }

 private:
  std::unique_ptr<store::Database> inner_;
  bool in_transaction_ = false;
  WatchedAudit audit_;
};

class AuditedTest : public ::testing::Test {
 protected:
  AuditedTest() {
    obs::set_level(obs::Level::error);
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("serendip-audited-test-" + std::to_string(rd()) + "-" + std::to_string(rd()));
    auto db = store::open_database("sqlite://" + (dir_ / "mod.db").string());
    if (!db) throw std::runtime_error(db.error().message);
    db_ = std::make_unique<WatchedDatabase>(std::move(*db));
  }
  void TearDown() override {
    db_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // A change: a permanent block on a device, recorded as block.create.
  Outcome<Audited<store::Block>> add_block() {
    auto b = db_->blocks().add(store::NewBlock{"", std::string(64, 'a'), "spam", "admin:mo", kNow, std::nullopt, {}});
    if (!b) return detail::from_store(b.error(), "block");
    store::AuditRecord record{kNow, "admin:mo", "block.create", detail::target("block", b->id), "spam", "{}"};
    return Audited<store::Block>{*b, {record}};
  }
  std::int64_t active_blocks() { return db_->blocks().count_active(kNow).value(); }
  std::vector<store::AuditEntry> entries() { return db_->audit().list({}, store::PageRequest{100, ""}).value().items; }

  std::filesystem::path dir_;
  std::unique_ptr<WatchedDatabase> db_;
};

TEST_F(AuditedTest, ASuccessfulChangeWritesExactlyOneEntryInTheSameTransaction) {
  auto made = commit_audited(*db_, "block", [&] { return add_block(); });
  ASSERT_TRUE(made.has_value()) << made.error().message;
  EXPECT_EQ(made->reason, "spam");
  EXPECT_EQ(active_blocks(), 1);
  const auto logged = entries();
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_EQ(logged[0].action, "block.create");
  EXPECT_EQ(logged[0].actor, "admin:mo");
  EXPECT_EQ(logged[0].target, "block:" + std::to_string(made->id));
  EXPECT_EQ(logged[0].ts, kNow);
  EXPECT_EQ(db_->audit().appended_in_transaction, std::vector<bool>{true});
}

TEST_F(AuditedTest, AFailingChangeRollsBackAndWritesNoEntry) {
  auto made = commit_audited(*db_, "block", [&]() -> Outcome<Audited<store::Block>> {
    auto b = add_block();  // succeeds in the store ...
    EXPECT_TRUE(b.has_value());
    return detail::fail(ErrorCode::conflict, "changed our mind");  // ... and is then refused
  });
  ASSERT_FALSE(made.has_value());
  // The change's own Failure, untouched: it is what the client is told.
  EXPECT_EQ(made.error().code, ErrorCode::conflict);
  EXPECT_EQ(made.error().message, "changed our mind");
  EXPECT_EQ(active_blocks(), 0);
  EXPECT_TRUE(entries().empty());
  EXPECT_TRUE(db_->audit().appended_in_transaction.empty());  // not even attempted
}

TEST_F(AuditedTest, AFailingAppendRollsBackTheChange) {
  db_->audit().fail_appends = true;
  auto made = commit_audited(*db_, "block", [&] { return add_block(); });
  ASSERT_FALSE(made.has_value());
  EXPECT_EQ(made.error().code, ErrorCode::unavailable);
  EXPECT_EQ(made.error().message, "storage unavailable");
  EXPECT_EQ(active_blocks(), 0);  // no block without its entry
  db_->audit().fail_appends = false;
  EXPECT_TRUE(entries().empty());
}

TEST_F(AuditedTest, EntriesAreAppendedInOrderAndNoneIsAllowed) {
  auto two = commit_audited(*db_, "account", [&]() -> Outcome<Audited<void>> {
    return Audited<void>{{store::AuditRecord{kNow, "cli", "account.create", "account:a", "", "{}"},
                          store::AuditRecord{kNow, "cli", "account.disable", "account:a", "", "{}"}}};
  });
  ASSERT_TRUE(two.has_value());
  // A change that found nothing to do records nothing, and still succeeds.
  auto none = commit_audited(*db_, "report", [&]() -> Outcome<Audited<std::int64_t>> {
    return Audited<std::int64_t>{0, {}};
  });
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(*none, 0);
  const auto logged = entries();  // newest first
  ASSERT_EQ(logged.size(), 2u);
  EXPECT_EQ(logged[1].action, "account.create");
  EXPECT_EQ(logged[0].action, "account.disable");
  EXPECT_EQ(db_->audit().appended_in_transaction, (std::vector<bool>{true, true}));
}

}  // namespace
}  // namespace serendip::moderation
