// Internal to store/: the domain stores over one sql::Connection, shared by
// both backends. Executor owns the connection and is the only way to use it:
// it serializes callers (one connection, one lock) and nests transactions as
// savepoints, so a failing statement inside a caller's transaction is undone
// alone on both backends (PostgreSQL would otherwise poison the transaction).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>

#include "store/database.hpp"
#include "store/sql.hpp"

namespace serendip::store::detail {

class Executor {
 public:
  explicit Executor(std::unique_ptr<sql::Connection> conn) : conn_(std::move(conn)) {}

  sql::Dialect dialect() const { return conn_->dialect(); }

  // Runs fn(conn) under the lock. `atomic` wraps it in a transaction; inside
  // an outer transaction every call gets a savepoint.
  template <class F>
  auto run(bool atomic, F&& fn) -> std::invoke_result_t<F, sql::Connection&> {
    using R = std::invoke_result_t<F, sql::Connection&>;
    std::lock_guard lock(mu_);
    if (depth_ == 0 && !atomic) return fn(*conn_);
    const int level = depth_;
    const std::string savepoint = "sp" + std::to_string(level);
    if (auto r = conn_->exec(level == 0 ? begin_sql() : "SAVEPOINT " + savepoint); !r) return R(r.error());
    ++depth_;
    struct Depth {  // NOLINT(cppcoreguidelines-special-member-functions): a scope guard, never copied
      int& d;
      ~Depth() { --d; }
    };
    R result = [&]() -> R {
      Depth restore{depth_};
      try {
        return fn(*conn_);
      } catch (...) {
        undo(level, savepoint);
        throw;
      }
    }();
    if (!result) {
      undo(level, savepoint);
      return result;
    }
    if (auto r = conn_->exec(level == 0 ? std::string("COMMIT") : "RELEASE SAVEPOINT " + savepoint); !r) {
      undo(level, savepoint);
      return R(r.error());
    }
    return result;
  }

  template <class F>
  auto read(F&& fn) {
    return run(false, std::forward<F>(fn));
  }
  template <class F>
  auto atomic(F&& fn) {
    return run(true, std::forward<F>(fn));
  }

 private:
  std::string begin_sql() const {
    // IMMEDIATE takes SQLite's write lock up front, so two writers never
    // deadlock upgrading read locks; busy_timeout makes the second one wait.
    return conn_->dialect() == sql::Dialect::sqlite ? "BEGIN IMMEDIATE" : "BEGIN";
  }
  void undo(int level, const std::string& savepoint) {
    if (level == 0) {
      (void)conn_->exec("ROLLBACK");
    } else {
      (void)conn_->exec("ROLLBACK TO SAVEPOINT " + savepoint + "; RELEASE SAVEPOINT " + savepoint);
    }
  }

  std::recursive_mutex mu_;  // recursive: a transaction's body calls back into run()
  int depth_ = 0;            // transactions open on this thread's call stack; guarded by mu_
  std::unique_ptr<sql::Connection> conn_;
};

// Filters built clause by clause; every value goes into params.
struct Where {
  std::string sql;
  std::vector<sql::Param> params;

  void add(std::string_view clause) {
    sql += sql.empty() ? " WHERE " : " AND ";
    sql += clause;
  }
  template <class... P>
  void add(std::string_view clause, P&&... p) {
    add(clause);
    (params.emplace_back(std::forward<P>(p)), ...);
  }
};

// The IP key of one database (IpPrivacy::set_key), shared by its stores.
// Set before the database is shared between threads; read-only afterwards.
class IpKey {
 public:
  void set(std::string key) { key_ = std::move(key); }
  bool keyed() const { return !key_.empty(); }
  std::string hash(std::string_view ip) const;  // "" without a key or an ip
  // Adds "column = ?" for `ip` and, with a key, for its hash too: a row whose
  // raw IP the retention job replaced still matches.
  void match(Where& w, std::string_view column, const std::string& ip) const;
  // The same as a clause of its own with its parameters ("(col = ? OR col = ?)").
  std::string match_sql(std::string_view column) const;
  std::vector<sql::Param> match_params(const std::string& ip) const;
  static Error missing() { return Error{ErrorKind::internal, "no IP key set: IP addresses cannot be hashed"}; }

 private:
  std::string key_;  // never logged, never stored
};

// Adds `sessions`, `session_ms` and `last_seen` to the counters row (kind, key).
Result<void> add_to_counter(sql::Connection& c, std::string_view kind, const std::string& key, std::int64_t sessions,
                            std::int64_t session_ms, std::int64_t last_seen);

// Keyset cursors: decimal integers joined by '.', e.g. "0.1790000000000.17".
std::string encode_cursor(std::initializer_list<std::int64_t> parts);
Result<std::vector<std::int64_t>> decode_cursor(std::string_view cursor, std::size_t parts);
int clamp_limit(int limit);  // 1..500

class SqlReportStore final : public ReportStore {
 public:
  SqlReportStore(Executor& ex, const IpKey& ip_key) : ex_(ex), ip_key_(ip_key) {}
  Result<std::int64_t> add(const NewReport& n) override;
  Result<ReportSummary> get(std::int64_t id) override;
  Result<Page<ReportSummary>> queue(const ReportFilter& filter, const PageRequest& page) override;
  Result<std::int64_t> count(const ReportFilter& filter) override;
  Result<std::int64_t> prioritize_reported_device(std::string_view device_key) override;
  Result<Report> decide(std::int64_t id, const DecisionUpdate& decision) override;
  Result<std::vector<ReportedPair>> reported_device_pairs(std::int64_t since) override;
  Result<std::vector<ReporterTally>> reporters_of(std::string_view device_key, std::int64_t since) override;

 private:
  Executor& ex_;         // Passed by argument.
  const IpKey& ip_key_;  // Passed by argument.
};

class SqlBlockStore final : public BlockStore {
 public:
  SqlBlockStore(Executor& ex, const IpKey& ip_key) : ex_(ex), ip_key_(ip_key) {}
  Result<Block> add(const NewBlock& n) override;
  Result<Block> get(std::int64_t id) override;
  Result<std::optional<Block>> active_for(std::string_view ip, std::string_view device_key, std::int64_t now) override;
  Result<Block> lift(std::int64_t id, std::string_view lifted_by, std::int64_t now) override;
  Result<Page<Block>> list(const BlockFilter& filter, std::int64_t now, const PageRequest& page) override;
  Result<std::int64_t> count_active(std::int64_t now) override;

 private:
  Executor& ex_;         // Passed by argument.
  const IpKey& ip_key_;  // Passed by argument.
};

class SqlAppealStore final : public AppealStore {
 public:
  explicit SqlAppealStore(Executor& ex) : ex_(ex) {}
  Result<Appeal> add(const NewAppeal& n) override;
  Result<Appeal> get(std::int64_t id) override;
  Result<Appeal> decide(std::int64_t id, AppealStatus status, std::string_view decided_by, std::int64_t now,
                        std::string_view note) override;
  Result<Page<Appeal>> list(const AppealFilter& filter, const PageRequest& page) override;
  Result<std::int64_t> count(const AppealFilter& filter) override;

 private:
  Executor& ex_;  // Passed by argument.
};

class SqlAdminStore final : public AdminStore {
 public:
  explicit SqlAdminStore(Executor& ex) : ex_(ex) {}
  Result<void> add(const AdminAccount& account) override;
  Result<std::optional<AdminAccount>> find(std::string_view username) override;
  Result<std::vector<AdminAccount>> list() override;
  Result<void> set_password_hash(std::string_view username, std::string_view hash) override;
  Result<void> set_disabled(std::string_view username, bool disabled) override;
  Result<void> revoke_tokens(std::string_view username) override;

 private:
  Executor& ex_;  // Passed by argument.
};

class SqlAuditLog final : public AuditLog {
 public:
  explicit SqlAuditLog(Executor& ex) : ex_(ex) {}
  Result<AuditEntry> append(const AuditRecord& record) override;
  Result<Page<AuditEntry>> list(const AuditFilter& filter, const PageRequest& page) override;
  Result<AuditVerification> verify() override;
  Result<std::optional<AuditEntry>> at(std::int64_t seq) override;
  void set_key(std::string key) override { key_ = std::move(key); }
  Result<std::optional<AuditEntry>> rekey(std::string_view actor, std::int64_t now_ms) override;

 private:
  // Appends after the head inside the caller's transaction (append lock held).
  Result<AuditEntry> append_locked(sql::Connection& c, const AuditRecord& record);
  // The entry's chain hash as this log writes it: keyed when it has a key.
  std::string chain_hash(const AuditEntry& e) const { return key_.empty() ? audit_hash(e) : audit_hmac(key_, e); }

  Executor& ex_;     // Passed by argument.
  std::string key_;  // the HMAC key; empty = unkeyed (plain SHA-256). Never logged, never stored.
};

class SqlReputationStore final : public ReputationStore {
 public:
  SqlReputationStore(Executor& ex, const IpKey& ip_key) : ex_(ex), ip_key_(ip_key) {}
  Result<void> record_session(std::string_view ip, std::string_view device_key, std::int64_t length_ms,
                              std::int64_t now) override;
  Result<void> record_sessions(std::span<const SessionTotals> totals) override;
  Result<Reputation> of_ip(std::string_view ip, std::int64_t now) override;
  Result<Reputation> of_device(std::string_view device_key, std::int64_t now) override;

 private:
  Result<Reputation> of(bool by_ip, std::string_view key, std::int64_t now);
  Executor& ex_;         // Passed by argument.
  const IpKey& ip_key_;  // Passed by argument.
};

class SqlIpPrivacy final : public IpPrivacy {
 public:
  SqlIpPrivacy(Executor& ex, IpKey& ip_key) : ex_(ex), ip_key_(ip_key) {}
  void set_key(std::string key) override { ip_key_.set(std::move(key)); }
  bool keyed() const override { return ip_key_.keyed(); }
  std::string hash(std::string_view ip) const override { return ip_key_.hash(ip); }
  Result<IpErasure> erase_ips(std::int64_t before, int batch) override;

 private:
  Executor& ex_;   // Passed by argument.
  IpKey& ip_key_;  // Passed by argument.
};

class SqlSettingsStore final : public SettingsStore {
 public:
  explicit SqlSettingsStore(Executor& ex) : ex_(ex) {}
  Result<std::string> secret(std::string_view name) override;

 private:
  Executor& ex_;  // Passed by argument.
};

// Column lists and row readers shared between stores.
extern const char* const kBlockColumns;  // for "SELECT <kBlockColumns> FROM blocks"
Block block_from_row(const sql::Row& row, std::size_t first = 0);

}  // namespace serendip::store::detail
