// A ModerationService over a real SQLite database in a temp dir, a
// ManualClock, and the cheapest Argon2 cost so tests stay fast.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>
#include <vector>

#include "auth/jwt.hpp"
#include "core/clock.hpp"
#include "moderation/service.hpp"
#include "obs/log.hpp"
#include "store/database.hpp"

namespace serendip::moderation::testing {

class RecordingListener final : public BlockListener {
 public:
  void on_block(const store::Block& block) override {
    std::lock_guard lock(mu_);
    blocks.push_back(block);
  }
  std::vector<store::Block> taken() {
    std::lock_guard lock(mu_);
    return std::exchange(blocks, {});
  }

 private:
  std::mutex mu_;
  std::vector<store::Block> blocks;
};

class FakeSessions final : public SessionDirectory {
 public:
  std::optional<SessionRecord> find_for_report(std::string_view session_id,
                                               std::string_view reporter_user_id) const override {
    for (const auto& r : records) {
      if (r.session_id == session_id && r.reporter.user_id == reporter_user_id) return r;
    }
    return std::nullopt;
  }
  std::vector<SessionRecord> records;
};

// The error code of a refused call (and a failed expectation if it was not refused).
template <class T>
core::ErrorCode code(const Outcome<T>& r) {
  EXPECT_FALSE(r.has_value());
  return r ? core::ErrorCode::internal : r.error().code;
}

inline const std::string kDevA(64, 'a');
inline const std::string kDevB(64, 'b');
inline const std::string kIpKey = "moderation-test-ip-key-0123456789abcdef";

class ServiceTest : public ::testing::Test {
 protected:
  ServiceTest() {
    obs::set_level(obs::Level::error);  // the service logs every report and block at info
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("serendip-moderation-test-" + std::to_string(rd()) + "-" + std::to_string(rd()));
    auto db = store::open_database("sqlite://" + (dir_ / "mod.db").string());
    if (!db) throw std::runtime_error(db.error().message);
    db_ = std::move(*db);
    db_->ip_privacy().set_key(kIpKey);  // as main.cpp does (derived from the audit key)
    ModerationOptions options;
    options.password_cost = PasswordCost::minimum;
    service_ = std::make_unique<ModerationService>(*db_, clock_, jwt_, options);
    service_->set_block_listener(&listener_);
  }
  void TearDown() override {
    service_.reset();
    db_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  ModerationService& svc() { return *service_; }

  const Actor admin_ = Actor::admin("root", Role::admin);
  const Actor mod_ = Actor::admin("mo", Role::moderator);

  ReportInput report_input(std::string session = "sess-1") {
    ReportInput in;
    in.session_id = std::move(session);
    in.reason = "harassment";
    in.comment = "was rude";
    in.reporter = store::Party{"u_alice", kDevA, "198.51.100.1"};
    in.reported = store::Party{"u_bob", kDevB, "203.0.113.9"};
    in.session_started_at = clock_.unix_ms() - 60'000;
    in.session_ended_at = clock_.unix_ms() - 1'000;
    return in;
  }
  std::int64_t submit(std::string session = "sess-1") {
    auto r = svc().submit_report(report_input(std::move(session)));
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    return r ? *r : 0;
  }
  std::vector<store::AuditEntry> audit_entries() {
    auto page = svc().audit({}, store::PageRequest{500, ""});
    EXPECT_TRUE(page.has_value());
    auto items = page ? page->items : std::vector<store::AuditEntry>{};
    std::reverse(items.begin(), items.end());  // oldest first
    return items;
  }
  std::vector<std::string> audit_actions() {
    std::vector<std::string> out;
    for (const auto& e : audit_entries()) out.push_back(e.action);
    return out;
  }

  std::filesystem::path dir_;
  core::ManualClock clock_;
  auth::JwtCodec jwt_{"moderation-test-secret-0123456789"};
  std::unique_ptr<store::Database> db_;
  RecordingListener listener_;
  std::unique_ptr<ModerationService> service_;
};

}  // namespace serendip::moderation::testing
