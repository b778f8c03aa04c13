// ModerationService: the rules of moderation over the stores. Users report
// sessions and appeal blocks; moderators decide reports (accept with an IP
// and/or device block, or reject) and appeals (accept lifts the block); admins
// also manage accounts and may block permanently. Every moderation and admin
// action is appended to the audit log in the same transaction as the change
// it records. No I/O framework: net/ and http/ call in, BlockListener calls out.
//
// Thread-safe: called from every I/O thread. Expected refusals come back as
// Failure values carrying the one core::ErrorCode for the client; store
// failures become `unavailable`/`internal` and are logged here.
//
// Implemented one feature per file: reports.cpp, blocks.cpp, appeals.cpp,
// accounts.cpp, with the shared reads in service.cpp; every change goes
// through commit_audited() (audited.hpp).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <boost/system/result.hpp>

#include "auth/jwt.hpp"
#include "core/clock.hpp"
#include "core/error_code.hpp"
#include "moderation/block_cache.hpp"
#include "moderation/login_limiter.hpp"
#include "moderation/password.hpp"
#include "moderation/session_directory.hpp"
#include "store/database.hpp"

namespace serendip::moderation {

using store::Role;

struct Failure {
  core::ErrorCode code = core::ErrorCode::internal;
  std::string message;              // safe to show the client
  std::int64_t retry_after_ms = 0;  // for rate_limited
};

template <class T>
using Outcome = boost::system::result<T, Failure>;

[[noreturn]] void throw_exception_from_error(const Failure& f, const boost::source_location& loc);

// Who acts: a logged-in admin account, or the operator's CLI / the bootstrap
// (system actors, with admin rights).
struct Actor {
  std::string username;
  Role role = Role::moderator;
  bool system = false;

  static Actor admin(std::string username, Role role) { return Actor{std::move(username), role, false}; }
  static Actor system_actor(std::string name) { return Actor{std::move(name), Role::admin, true}; }
  // As written to the audit log and to blocks' created_by: "admin:alice", "cli".
  std::string audit_name() const { return system ? username : "admin:" + username; }
};

// What a blocked caller is told (contract `banned`).
struct BlockInfo {
  std::int64_t block_id = 0;
  std::optional<std::int64_t> until;  // unix ms; nullopt = permanent
  std::string reason;
  // The check could not be made (the database unreachable and the block
  // cache too old): refuse for now (503 / error `unavailable`), never admit
  // unchecked. Not a block: nothing is recorded and nothing can be appealed.
  bool unavailable = false;
};

// Told about every block right after it is committed (outside the service's
// locks, on the thread that made it), so the hub can close the blocked user's
// socket with `banned` at once. Must be thread-safe and quick.
class BlockListener {
 public:
  virtual ~BlockListener() = default;
  virtual void on_block(const store::Block& block) = 0;
  // A block was lifted (by a moderator, or by accepting its appeal).
  virtual void on_block_lifted(const store::Block& block) {}
  // A report between these two devices was committed (over WebSocket or
  // REST alike): the matchmaker must keep them apart from now on.
  virtual void on_report(const std::string& reporter_device, const std::string& reported_device) {}
  // A moderator accepted or rejected a report by this reporter (reporters
  // whose reports are mostly rejected lose weight in the abuse detector).
  virtual void on_report_decided(const std::string& reporter_device, bool accepted) {}
};

struct ReportInput {
  std::string session_id;
  std::string reason;   // nudity | harassment | spam | underage | violence | other
  std::string comment;  // at most 500 characters
  store::Party reporter;
  store::Party reported;
  std::int64_t session_started_at = 0;           // unix ms
  std::optional<std::int64_t> session_ended_at;  // unix ms; nullopt while running
  std::optional<store::ShieldMark> shield;       // the reporter's shield verdict, if any
};

// The `report` message's fields (WebSocket and POST /api/v1/reports alike).
struct ReportRequest {
  std::string session_id;
  std::string reason;
  std::string comment;
  std::optional<store::ShieldMark> shield = {};
};

struct AcceptReport {
  bool block_ip = false;
  bool block_device = false;
  std::optional<std::int64_t> duration_s;  // nullopt = permanent (admins only)
  std::string note;
};
struct RejectReport {
  std::string note;
};
using Decision = std::variant<AcceptReport, RejectReport>;

struct DecisionOutcome {
  store::Report report;
  std::optional<store::Block> block;  // the block an accept made
};

struct BlockRequest {
  std::string ip;  // at least one of ip and device_key
  std::string device_key;
  std::optional<std::int64_t> duration_s;  // nullopt = permanent (admins only)
  std::string reason;
};

enum class BulkKind : std::uint8_t { ip, device };

struct LoginResult {
  std::string token;  // admin JWT with a `role` claim
  std::int64_t expires_in_s = 0;
  Role role = Role::moderator;
};

struct ModerationCounts {
  std::int64_t pending_reports = 0;
  std::int64_t open_appeals = 0;
  std::int64_t active_blocks = 0;
};

struct ModerationOptions {
  std::int64_t admin_token_ttl_s = 15 * 60;
  core::LoginRules login;                          // the login throttle (core/login_rules.hpp)
  std::int64_t report_window_ms = 5 * 60'000;      // a session may be reported this long after it ended
  std::size_t max_bulk = 1000;                     // entries per bulk block
  std::int64_t max_block_s = 10LL * 365 * 86'400;  // longest timed block (seconds)
  PasswordCost password_cost = PasswordCost::interactive;
};

class ModerationService {
 public:
  ModerationService(store::Database& db, const core::Clock& clock, const auth::JwtCodec& jwt,
                    ModerationOptions options = {});

  // May be set once the hub exists; nullptr to stop notifications.
  void set_block_listener(BlockListener* listener) { listener_.store(listener); }

  // ---- reports
  // Stored durably before this returns (report_ack may be sent on success).
  // conflict: this user or device already reported the session.
  Outcome<std::int64_t> submit_report(const ReportInput& input);
  // The WebSocket `report` and POST /api/v1/reports: looks the session up in
  // the hub's record and reports the reporter's peer. not_in_session when the
  // reporter was not in it or it ended more than report_window_ms ago.
  // `reporter_ip` fills in the reporter's IP when the record has none.
  Outcome<std::int64_t> report_session(const SessionDirectory& sessions, std::string_view reporter_user_id,
                                       std::string_view reporter_ip, const ReportRequest& request);
  Outcome<store::ReportSummary> report(std::int64_t id);
  Outcome<store::Page<store::ReportSummary>> reports(const store::ReportFilter& filter, const store::PageRequest& page);
  // The abuse detector blocked this device pending review: every pending
  // report against it jumps the queue (audited as report.prioritize when any
  // changed). Returns how many reports were marked.
  Outcome<std::int64_t> prioritize_reports_against(const Actor& actor, std::string_view device_key,
                                                   std::string_view reason);
  // forbidden: a permanent block by a moderator; conflict: already decided.
  Outcome<DecisionOutcome> decide_report(const Actor& actor, std::int64_t report_id, const Decision& decision);

  // ---- blocks
  Outcome<store::Block> create_block(const Actor& actor, const BlockRequest& request);
  // One block per IP (or device key); all or nothing.
  Outcome<std::vector<store::Block>> create_blocks(const Actor& actor, BulkKind kind,
                                                   const std::vector<std::string>& values,
                                                   std::optional<std::int64_t> duration_s, std::string_view reason);
  Outcome<store::Block> lift_block(const Actor& actor, std::int64_t block_id, std::string_view reason);
  Outcome<store::Page<store::Block>> blocks(const store::BlockFilter& filter, const store::PageRequest& page);
  // For POST /api/v1/session, `hello` and `join`. The block cache answers
  // while it is fresh (10 minutes past its last reload even when the database
  // is down); when neither it nor the database can answer, this fails closed:
  // a BlockInfo with `unavailable` set, logged as ban_check_failed and counted
  // in ban_check_failures() (the alert).
  std::optional<BlockInfo> active_block(std::string_view ip, std::string_view device_key);
  std::uint64_t ban_check_failures() const { return ban_check_failures_.load(std::memory_order_relaxed); }

  // ---- appeals
  // From a blocked user (device key and/or IP). not_found: nothing is blocked;
  // conflict: an appeal is already open.
  Outcome<store::Appeal> submit_appeal(std::string_view device_key, std::string_view ip, std::string_view message);
  // accept lifts the block.
  Outcome<store::Appeal> decide_appeal(const Actor& actor, std::int64_t appeal_id, bool accept, std::string_view note);
  Outcome<store::Page<store::Appeal>> appeals(const store::AppealFilter& filter, const store::PageRequest& page);

  // ---- accounts (admin role only)
  Outcome<void> create_admin(const Actor& actor, std::string_view username, std::string_view password, Role role);
  Outcome<void> set_password(const Actor& actor, std::string_view username, std::string_view password);
  Outcome<void> set_disabled(const Actor& actor, std::string_view username, bool disabled);
  Outcome<std::vector<store::AdminAccount>> list_admins(const Actor& actor);
  // "user:password" (SERENDIP_ADMIN_BOOTSTRAP): creates that admin unless the
  // username exists. Returns whether it created it.
  Outcome<bool> ensure_bootstrap_admin(std::string_view user_colon_password);
  // Counts the attempt before hashing the password; rate_limited
  // (retry_after_ms) while this username from this IP, or this IP, or all
  // logins together must wait (core/login_rules.hpp); unauthorized for a
  // wrong password or a disabled account. Slow (Argon2id): never on an I/O thread.
  Outcome<LoginResult> login(std::string_view username, std::string_view password, std::string_view ip);
  // An admin token's account as it is now (disabled or removed accounts,
  // revoked tokens and anonymous user tokens are unauthorized; the role comes
  // from the account).
  Outcome<Actor> authenticate(std::string_view token);
  // Revokes every admin token of the actor's account (all of its sign-ins:
  // tokens carry no session of their own), audited as admin.logout. Password
  // changes and disabling an account revoke the same way.
  Outcome<void> logout(const Actor& actor);

  // ---- audit, reputation, counters
  Outcome<store::Page<store::AuditEntry>> audit(const store::AuditFilter& filter, const store::PageRequest& page);
  Outcome<store::AuditVerification> verify_audit();
  Outcome<store::Reputation> reputation_of_ip(std::string_view ip);
  Outcome<store::Reputation> reputation_of_device(std::string_view device_key);
  // One participant's finished session (the lead calls it at session end).
  // Failures are logged, not returned: the session is over either way.
  void record_session(std::string_view ip, std::string_view device_key, std::int64_t length_ms);
  Outcome<ModerationCounts> counts();
  // Pairs reported at or after `since` (unix ms; 0: all) to keep apart in
  // the matchmaker after a restart, each with the time of its last report.
  Outcome<std::vector<store::ReportedPair>> reported_device_pairs(std::int64_t since = 0);
  // Who reported `device_key` within the last `window_ms`, each with its
  // record as a reporter (for the distinct-reporters rule across instances).
  Outcome<std::vector<store::ReporterTally>> reporters_of(std::string_view device_key, std::int64_t window_ms);

  const core::Clock& clock() const { return clock_; }

  // The active blocks kept in memory for active_block() (block_cache.hpp).
  // Another instance changed its blocks, or its news may be lost: ask the
  // database until the next reload.
  void invalidate_block_cache() { block_cache_.invalidate(); }
  bool block_cache_due() const { return block_cache_.needs_reload(clock_.unix_ms()); }
  // Reads every active block from the database: call it off the I/O threads.
  bool reload_block_cache();
  const BlockCache& block_cache() const { return block_cache_; }

 private:
  Outcome<store::NewBlock> validate_block(const Actor& actor, const BlockRequest& request) const;
  std::optional<Failure> check_duration(const Actor& actor, std::optional<std::int64_t> duration_s) const;
  Outcome<std::vector<store::Block>> create_blocks_impl(const Actor& actor, const std::vector<BlockRequest>& requests);
  void notify(const store::Block& block);
  void notify_lifted(const store::Block& block);
  // Runs `event` on the block listener, if any; what it throws is logged.
  void tell_listener(const std::function<void(BlockListener&)>& event);

  store::Database& db_;        // Passed by argument.
  const core::Clock& clock_;   // Passed by argument.
  const auth::JwtCodec& jwt_;  // Passed by argument: the admin-token codec (auth::Audience::admin).
  const ModerationOptions options_;
  LoginLimiter login_limiter_;
  std::atomic<BlockListener*> listener_{nullptr};  // Not owned.
  std::atomic<std::uint64_t> ban_check_failures_{0};
  BlockCache block_cache_;
  std::string dummy_hash_;  // verified against for unknown usernames, so timing does not tell them apart
};

}  // namespace serendip::moderation
