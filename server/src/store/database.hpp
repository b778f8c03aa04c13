// Durable moderation state behind small domain interfaces: reports, blocks,
// appeals, admin accounts, the hash-chained audit log, reputation counters and
// server settings. One Database holds them all; open_database() picks the
// backend from the URL (sqlite://path or postgresql://...) and brings the
// schema up to date.
//
// Every call is thread-safe and, when it returns success, committed: a report
// whose add() returned is on disk (SQLite synchronous=FULL, PostgreSQL
// synchronous_commit=on). Values are always bound as statement parameters.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/model.hpp"
#include "store/result.hpp"

namespace serendip::store {

class ReportStore {
 public:
  virtual ~ReportStore() = default;
  // conflict: this reporter (same user id or same device) already reported this session.
  virtual Result<std::int64_t> add(const NewReport& report) = 0;
  virtual Result<ReportSummary> get(std::int64_t id) = 0;  // not_found
  // Pending priority reports first, then other pending ones, then decided
  // ones; oldest first within each; each with its reporter and block counts.
  virtual Result<Page<ReportSummary>> queue(const ReportFilter& filter, const PageRequest& page) = 0;
  virtual Result<std::int64_t> count(const ReportFilter& filter) = 0;
  // Marks every pending report against this device as priority; returns how
  // many changed (reports already marked do not count).
  virtual Result<std::int64_t> prioritize_reported_device(std::string_view device_key) = 0;
  // pending -> accepted/rejected. conflict when it was decided already.
  virtual Result<Report> decide(std::int64_t id, const DecisionUpdate& decision) = 0;
  // Every (reporter device, reported device) pair reported at or after
  // `since` (unix ms), with the time of its last report, so the matchmaker
  // can keep such pairs apart after a restart.
  virtual Result<std::vector<ReportedPair>> reported_device_pairs(std::int64_t since) = 0;
  // The devices that reported `device_key` at or after `since` (unix ms),
  // each with its record as a reporter over all time: what the abuse
  // detector's distinct-reporters rule weighs (several instances share it
  // through the database).
  virtual Result<std::vector<ReporterTally>> reporters_of(std::string_view device_key, std::int64_t since) = 0;
};

class BlockStore {
 public:
  virtual ~BlockStore() = default;
  virtual Result<Block> add(const NewBlock& block) = 0;  // invalid: neither ip nor device_key
  virtual Result<Block> get(std::int64_t id) = 0;        // not_found
  // The active block (not lifted, not expired at `now`) on this IP or this
  // device, the longest-lasting if several. Empty arguments match nothing.
  virtual Result<std::optional<Block>> active_for(std::string_view ip, std::string_view device_key,
                                                  std::int64_t now) = 0;
  // not_found; conflict when already lifted.
  virtual Result<Block> lift(std::int64_t id, std::string_view lifted_by, std::int64_t now) = 0;
  // Newest first.
  virtual Result<Page<Block>> list(const BlockFilter& filter, std::int64_t now, const PageRequest& page) = 0;
  virtual Result<std::int64_t> count_active(std::int64_t now) = 0;
};

class AppealStore {
 public:
  virtual ~AppealStore() = default;
  // conflict: an open appeal exists for this block or this device.
  virtual Result<Appeal> add(const NewAppeal& appeal) = 0;
  virtual Result<Appeal> get(std::int64_t id) = 0;  // not_found
  // open -> accepted/rejected; conflict when no longer open.
  virtual Result<Appeal> decide(std::int64_t id, AppealStatus status, std::string_view decided_by, std::int64_t now,
                                std::string_view note) = 0;
  // Open first, then oldest first.
  virtual Result<Page<Appeal>> list(const AppealFilter& filter, const PageRequest& page) = 0;
  virtual Result<std::int64_t> count(const AppealFilter& filter) = 0;
};

class AdminStore {
 public:
  virtual ~AdminStore() = default;
  virtual Result<void> add(const AdminAccount& account) = 0;  // conflict: the username exists
  virtual Result<std::optional<AdminAccount>> find(std::string_view username) = 0;
  virtual Result<std::vector<AdminAccount>> list() = 0;  // by username

  virtual Result<void> set_password_hash(std::string_view username, std::string_view hash) = 0;  // not_found
  virtual Result<void> set_disabled(std::string_view username, bool disabled) = 0;               // not_found
  // Every admin token issued to `username` so far stops working (its
  // token_generation goes up by one). not_found for an unknown account.
  virtual Result<void> revoke_tokens(std::string_view username) = 0;
};

// Append-only: there is no call that changes or removes an entry.
class AuditLog {
 public:
  virtual ~AuditLog() = default;
  // Chains the record after the last entry (serialized across processes).
  virtual Result<AuditEntry> append(const AuditRecord& record) = 0;
  // Newest first.
  virtual Result<Page<AuditEntry>> list(const AuditFilter& filter, const PageRequest& page) = 0;
  // Walks the whole chain: gaps, reordering, edited fields and removed tail
  // entries all show up as the first bad seq. With a key, every entry from
  // the first keyed one on must carry its HMAC, and a chain with entries but
  // no keyed one fails (a rewrite with plain SHA-256 looks like that).
  virtual Result<AuditVerification> verify() = 0;
  // The entry at `seq`, nullopt when there is none.
  virtual Result<std::optional<AuditEntry>> at(std::int64_t seq) = 0;

  // The key the chain is keyed with from now on (HMAC-SHA256; at least 32
  // bytes, never stored in the database). Set it before the log is shared
  // between threads. Without one, entries are chained with plain SHA-256.
  virtual void set_key(std::string key) = 0;
  // With a key: when the newest entry does not verify under it (a log
  // written before keys, or by a server without this key), appends one
  // "audit.rekey" entry by `actor`, keyed, binding everything before it.
  // Returns that entry, nullopt when the chain was already keyed or is empty.
  virtual Result<std::optional<AuditEntry>> rekey(std::string_view actor, std::int64_t now_ms) = 0;
};

class ReputationStore {
 public:
  virtual ~ReputationStore() = default;
  // IP counters are kept under the IP's keyed hash (IpPrivacy), never the
  // address: writing or looking one up fails without the IP key.
  // One participant's finished session. Empty ip or device_key is skipped.
  virtual Result<void> record_session(std::string_view ip, std::string_view device_key, std::int64_t length_ms,
                                      std::int64_t now) = 0;
  // Many sessions' counts at once, in one transaction: each adds its
  // sessions and milliseconds to its key's counters and moves last_seen
  // forward (never back). All or nothing.
  virtual Result<void> record_sessions(std::span<const SessionTotals> totals) = 0;
  virtual Result<Reputation> of_ip(std::string_view ip, std::int64_t now) = 0;
  virtual Result<Reputation> of_device(std::string_view device_key, std::int64_t now) = 0;
};

// What one run of the IP retention job changed (IpPrivacy::erase_ips).
struct IpErasure {
  std::int64_t counters = 0;  // session counter rows still keyed by a plain IP, now by its hash
  std::int64_t reports = 0;   // reports whose IPs were replaced by their hash
  std::int64_t appeals = 0;
  std::int64_t blocks = 0;
  std::int64_t total() const { return counters + reports + appeals + blocks; }
};

// Raw IP addresses where they are no longer needed become keyed hashes
// (store/ip_privacy.hpp). The key comes from outside the database.
class IpPrivacy {
 public:
  virtual ~IpPrivacy() = default;
  // The IP key (derive_ip_key), at least 32 bytes. Set it before the database
  // is shared between threads. Without one, every call that must hash an IP
  // fails (ErrorKind::internal) rather than store or look up a raw address.
  virtual void set_key(std::string key) = 0;
  virtual bool keyed() const = 0;
  // ip_hash(key, ip); "" without a key or for an empty ip.
  virtual std::string hash(std::string_view ip) const = 0;
  // The retention job, safe to run on every instance at once (each change
  // is a compare-and-set on the row, and a hash is the same everywhere):
  //  - session counters still keyed by a plain IP (written before the hashing)
  //    are merged into their hashed row;
  //  - the IPs of reports decided before `before`, of appeals decided before
  //    it and of blocks that ended (lifted, or expired) before it are replaced
  //    by their hash. Pending reports, open appeals and active blocks keep
  //    theirs, whatever their age.
  // Works in short transactions of at most `batch` rows each.
  virtual Result<IpErasure> erase_ips(std::int64_t before, int batch = 500) = 0;
};

class SettingsStore {
 public:
  virtual ~SettingsStore() = default;
  // The secret stored under `name`: 32 random bytes as hex, made by whichever
  // process asks first and the same for everyone afterwards.
  virtual Result<std::string> secret(std::string_view name) = 0;
};

class Database {
 public:
  virtual ~Database() = default;
  virtual ReportStore& reports() = 0;
  virtual BlockStore& blocks() = 0;
  virtual AppealStore& appeals() = 0;
  virtual AdminStore& admins() = 0;
  virtual AuditLog& audit() = 0;
  virtual ReputationStore& reputation() = 0;
  virtual SettingsStore& settings() = 0;
  virtual IpPrivacy& ip_privacy() = 0;

  // Runs `fn` as one transaction: committed if it returns success, rolled back
  // otherwise. Store calls `fn` makes on this thread join it (a failing one is
  // undone alone, so `fn` may go on); other threads wait until it ends, so
  // `fn` must be quick and do no I/O of its own.
  virtual Result<void> transaction(const std::function<Result<void>()>& fn) = 0;

  virtual std::string_view backend() const = 0;  // "sqlite" or "postgresql"
  virtual int schema_version() const = 0;
  virtual Result<void> ping() = 0;  // for readiness checks
};

// sqlite://relative/or/absolute/path, sqlite:///abs/path, sqlite://:memory:,
// or postgresql://... / postgres://... (a libpq URI). Migrates the schema.
Result<std::unique_ptr<Database>> open_database(std::string_view url);

// The settings name under which the device-key secret is kept.
inline constexpr std::string_view kDeviceKeySecret = "device_key_secret";

}  // namespace serendip::store
