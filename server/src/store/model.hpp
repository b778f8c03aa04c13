// The moderation data model: reports, blocks, appeals, admin accounts, audit
// entries and reputation counters, as plain structs shared by every storage
// backend. All times are unix milliseconds (Clock::unix_ms) unless a name says
// otherwise. Device keys are auth::device_key hashes, never raw device ids.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace serendip::store {

// One side of a chat session as the server saw it.
struct Party {
  std::string user_id;     // anonymous user id (token `sub`)
  std::string device_key;  // keyed device hash (token `did`); empty = unknown
  std::string ip;          // canonical textual address; empty = unknown
};

enum class ReportStatus : std::uint8_t { pending, accepted, rejected };

// A reporter's record: how many of its reports moderators decided, and how
// many of those they accepted.
struct ReporterTally {
  std::string device_key;
  std::int64_t decided = 0;
  std::int64_t accepted = 0;
};
// Two devices with a report between them (either way round), and when the
// last one was made (unix ms): the matchmaker keeps them apart for a window.
struct ReportedPair {
  std::string reporter_device;
  std::string reported_device;
  std::int64_t last_at = 0;
  friend bool operator==(const ReportedPair&, const ReportedPair&) = default;
};
std::string_view to_string(ReportStatus s);
std::optional<ReportStatus> parse_report_status(std::string_view s);

// What the reporter's safety shield (on-device classifier) said about the
// reported video: a label and a score, never an image.
struct ShieldMark {
  std::string verdict;     // nudity | suggestive
  int score_permille = 0;  // 0..1000
};

struct NewReport {
  std::int64_t created_at = 0;
  std::string session_id;
  std::string reason;   // validated by the caller (contract reasons)
  std::string comment;  // may be empty
  Party reporter;
  Party reported;
  std::int64_t session_started_at = 0;
  std::optional<std::int64_t> session_ended_at;  // nullopt while the session was still running
  std::int64_t session_length_ms = 0;
  std::optional<ShieldMark> shield;  // set when the reporter's shield had flagged the video
};

struct Report : NewReport {
  std::int64_t id = 0;
  ReportStatus status = ReportStatus::pending;
  std::string decided_by;  // admin username; empty while pending
  std::optional<std::int64_t> decided_at;
  std::string decision_note;
  bool priority = false;  // jumps the queue: its reported device was blocked automatically pending review
};

// A report as the moderation queue shows it.
struct ReportSummary {
  Report report;
  std::int64_t distinct_reporters = 0;  // distinct reporter devices against the reported device (or IP)
  std::int64_t prior_blocks = 0;        // blocks on the reported device or IP not made from this report
};

struct ReportFilter {
  std::optional<ReportStatus> status = {};
  std::optional<std::string> reason = {};
  std::optional<std::string> reported_device = {};
  std::optional<std::string> reported_ip = {};
  std::optional<std::int64_t> since = {};  // created_at >= since
  std::optional<std::int64_t> until = {};  // created_at < until
  std::optional<bool> priority = {};
};

// Keyset pagination: `cursor` is what the previous page returned as
// next_cursor (opaque to callers), empty for the first page.
struct PageRequest {
  int limit = 50;
  std::string cursor;
};

template <class T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_cursor;  // nullopt on the last page
};

struct DecisionUpdate {
  ReportStatus status = ReportStatus::accepted;  // accepted or rejected
  std::string decided_by;
  std::int64_t decided_at = 0;
  std::string note;
};

// ---------------------------------------------------------------- blocks

struct NewBlock {
  std::string ip;          // empty = not an IP block
  std::string device_key;  // empty = not a device block; at least one of the two is set
  std::string reason;
  std::string created_by;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> expires_at;  // nullopt = permanent
  std::optional<std::int64_t> report_id;   // the report that led to it, if any
};

struct Block : NewBlock {
  std::int64_t id = 0;
  std::optional<std::int64_t> lifted_at;
  std::string lifted_by;

  // Neither lifted nor expired at `now`.
  bool active_at(std::int64_t now) const { return !lifted_at && (!expires_at || *expires_at > now); }
};

struct BlockFilter {
  std::optional<bool> active = {};  // relative to `now` passed alongside
  std::optional<std::string> ip = {};
  std::optional<std::string> device_key = {};
  std::optional<std::int64_t> report_id = {};
};

// ---------------------------------------------------------------- appeals

enum class AppealStatus : std::uint8_t { open, accepted, rejected };
std::string_view to_string(AppealStatus s);
std::optional<AppealStatus> parse_appeal_status(std::string_view s);

struct NewAppeal {
  std::int64_t block_id = 0;
  std::string device_key;  // who appealed (may be empty when known only by IP)
  std::string ip;
  std::string message;
  std::int64_t created_at = 0;
};

struct Appeal : NewAppeal {
  std::int64_t id = 0;
  AppealStatus status = AppealStatus::open;
  std::string decided_by;
  std::optional<std::int64_t> decided_at;
  std::string note;
};

struct AppealFilter {
  std::optional<AppealStatus> status = {};
  std::optional<std::int64_t> block_id = {};
};

// ---------------------------------------------------------------- admins

enum class Role : std::uint8_t { moderator, admin };
std::string_view to_string(Role r);
std::optional<Role> parse_role(std::string_view s);

struct AdminAccount {
  std::string username;
  std::string password_hash;  // Argon2id encoded string ($argon2id$v=19$...)
  Role role = Role::moderator;
  std::int64_t created_at = 0;
  bool disabled = false;
  // Bumped by AdminStore::revoke_tokens: admin tokens carry the value they
  // were signed with, and one that no longer matches is refused.
  std::int64_t token_generation = 0;
};

// ---------------------------------------------------------------- audit

struct AuditRecord {
  std::int64_t ts = 0;
  std::string actor;   // "admin:alice", "user:u_ab12", "cli", "system"
  std::string action;  // "report.decide", "block.create", ...
  std::string target;  // "report:12", "block:7", "account:bob"
  std::string reason;
  std::string details;  // a JSON object as text ("{}" when nothing more)
};

struct AuditEntry : AuditRecord {
  std::int64_t seq = 0;   // 1, 2, 3, ... without gaps
  std::string prev_hash;  // hex; 64 zeros for seq 1
  std::string hash;       // hex HMAC-SHA256(audit key, ...) (audit_hmac); plain sha256 before keys (audit_hash)
};

struct AuditFilter {
  std::optional<std::string> actor = {};
  std::optional<std::string> action = {};
  std::optional<std::string> target = {};
  std::optional<std::int64_t> since = {};
  std::optional<std::int64_t> until = {};
};

struct AuditVerification {
  bool ok = true;
  std::int64_t entries = 0;                   // rows walked
  std::int64_t unkeyed = 0;                   // of them, chained with plain SHA-256 (before the log was keyed)
  std::string head_hash;                      // the hash of the last entry walked (genesis when none)
  std::optional<std::int64_t> first_bad_seq;  // the first seq that fails (or the expected seq that is missing)
  std::string problem;                        // what was wrong there
};

// The chain hash of an entry: hex(sha256(prev_hash || canonical(entry))). The
// canonical form length-prefixes every field, so no two entries share it.
std::string audit_hash(const AuditEntry& e);
inline constexpr std::string_view kAuditGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";
// The keyed chain hash: hex(HMAC-SHA256(key, prev_hash || canonical(entry)))
// with its own version label, so no keyed entry ever equals an unkeyed one.
// Whoever can write the database but does not hold the key cannot recompute it.
std::string audit_hmac(std::string_view key, const AuditEntry& e);
// The signature of an exported chain head (`audit anchor`): hex(HMAC-SHA256(key,
// "serendip-audit-anchor-v1" seq hash ts)), fields length-prefixed.
std::string audit_anchor_signature(std::string_view key, std::int64_t seq, std::string_view hash, std::int64_t ts);

// ---------------------------------------------------------------- reputation

// Sessions of one IP or one device summed over a while (written in batches).
struct SessionTotals {
  bool ip = false;  // the key is an IP (else a device key)
  std::string key;
  std::int64_t sessions = 0;
  std::int64_t session_ms = 0;
  std::int64_t last_seen = 0;  // unix ms
};

struct Reputation {
  std::int64_t sessions = 0;
  std::int64_t session_ms = 0;
  std::optional<std::int64_t> last_seen;
  std::int64_t reports_received = 0;
  std::int64_t distinct_reporters = 0;
  std::int64_t reports_made = 0;
  std::int64_t blocks = 0;  // every block ever, lifted or expired included
  std::optional<Block> active_block;
};

}  // namespace serendip::store
