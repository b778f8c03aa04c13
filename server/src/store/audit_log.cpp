// The audit chain. Each entry's hash covers the previous entry's hash, and the
// newest (seq, hash) is also kept in settings as the chain head, so removing
// entries from the end is caught as well as editing or removing one inside.
//
// The hash is an HMAC under a key that is not in the database (set_key), so
// someone who can write the database cannot recompute the chain after an
// edit. Logs written before keys hold plain SHA-256 entries: rekey() appends
// one keyed audit.rekey entry after them, which binds them all (its HMAC
// covers the last unkeyed hash). A keyed entry is never followed by an
// unkeyed one. What the database alone cannot show (the newest entries cut
// off together with the head setting) the signed anchor shows (`audit anchor`).
#include <charconv>

#include "auth/crypto.hpp"
#include "store/sql_stores.hpp"

namespace serendip::store::detail {
namespace {

constexpr const char* kColumns = "seq, ts, actor, action, target, reason, details, prev_hash, hash";
constexpr std::string_view kHeadSetting = "audit_head";  // "<seq>:<hash>"
constexpr std::int64_t kAppendLockKey = 0x5e4e0da0d1;    // PostgreSQL advisory lock for appends
constexpr int kVerifyBatch = 1000;

AuditEntry entry_from_row(const sql::Row& row) {
  AuditEntry e;
  e.seq = row.i64(0);
  e.ts = row.i64(1);
  e.actor = row.text(2);
  e.action = row.text(3);
  e.target = row.text(4);
  e.reason = row.text(5);
  e.details = row.text(6);
  e.prev_hash = row.text(7);
  e.hash = row.text(8);
  return e;
}

struct Head {
  std::int64_t seq = 0;
  std::string hash{kAuditGenesisHash};
};

// The recorded head. Without one, `fallback_to_rows` takes the last row
// instead (appends keep working on a damaged log; verify() reports it).
Result<Head> read_head(sql::Connection& c, bool fallback_to_rows) {
  auto h = c.query("SELECT value FROM settings WHERE name = ?", {std::string(kHeadSetting)});
  if (!h) return h.error();
  Head head;
  if (!h->rows.empty()) {
    const std::string& v = h->rows.front().text(0);
    const auto colon = v.find(':');
    std::int64_t seq = 0;
    const auto [p, ec] = std::from_chars(v.data(), v.data() + (colon == std::string::npos ? 0 : colon), seq);
    if (colon == std::string::npos || ec != std::errc()) return Error{ErrorKind::internal, "corrupt audit head"};
    head.seq = seq;
    head.hash = v.substr(colon + 1);
    return head;
  }
  if (!fallback_to_rows) return head;
  auto last = c.query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
  if (!last) return last.error();
  if (!last->rows.empty()) {
    head.seq = last->rows.front().i64(0);
    head.hash = last->rows.front().text(1);
  }
  return head;
}

Result<void> lock_appends(sql::Connection& c) {
  if (c.dialect() == sql::Dialect::postgres) {
    // Held until commit: appends from every instance line up behind it.
    if (auto l = c.query("SELECT pg_advisory_xact_lock(?)", {kAppendLockKey}); !l) return l.error();
  }
  return {};
}

}  // namespace

Result<AuditEntry> SqlAuditLog::append(const AuditRecord& record) {
  return ex_.atomic([&](sql::Connection& c) -> Result<AuditEntry> {
    if (auto l = lock_appends(c); !l) return l.error();
    return append_locked(c, record);
  });
}

Result<std::optional<AuditEntry>> SqlAuditLog::rekey(std::string_view actor, std::int64_t now_ms) {
  if (key_.empty()) return std::optional<AuditEntry>{};
  return ex_.atomic([&](sql::Connection& c) -> Result<std::optional<AuditEntry>> {
    if (auto l = lock_appends(c); !l) return l.error();
    auto last = c.query(std::string("SELECT ") + kColumns + " FROM audit_log ORDER BY seq DESC LIMIT 1");
    if (!last) return last.error();
    if (last->rows.empty()) return std::optional<AuditEntry>{};
    const AuditEntry newest = entry_from_row(last->rows.front());
    if (auth::constant_time_equal(audit_hmac(key_, newest), newest.hash)) return std::optional<AuditEntry>{};
    // Either a log from before keys (its entries hash with plain SHA-256) or
    // one keyed with another key: say which, verify() will tell the rest.
    const bool unkeyed = audit_hash(newest) == newest.hash;
    AuditRecord r{now_ms,
                  std::string(actor),
                  "audit.rekey",
                  "audit",
                  "audit chain keyed with HMAC-SHA256",
                  std::string(R"({"after":)") + std::to_string(newest.seq) + R"(,"previous":")" +
                      (unkeyed ? "unkeyed" : "not verifiable with this key") + R"("})"};
    auto e = append_locked(c, r);
    if (!e) return e.error();
    return std::optional<AuditEntry>(std::move(*e));
  });
}

Result<std::optional<AuditEntry>> SqlAuditLog::at(std::int64_t seq) {
  return ex_.read([&](sql::Connection& c) -> Result<std::optional<AuditEntry>> {
    auto r = c.query(std::string("SELECT ") + kColumns + " FROM audit_log WHERE seq = ?", {seq});
    if (!r) return r.error();
    if (r->rows.empty()) return std::optional<AuditEntry>{};
    return std::optional<AuditEntry>(entry_from_row(r->rows.front()));
  });
}

Result<AuditEntry> SqlAuditLog::append_locked(sql::Connection& c, const AuditRecord& record) {
  auto head = read_head(c, true);
  if (!head) return head.error();
  // Rows past the head were not written through here; chain after them
  // rather than fail every later append on a duplicate seq (verify() flags them).
  auto past = c.query("SELECT seq, hash FROM audit_log WHERE seq > ? ORDER BY seq DESC LIMIT 1", {head->seq});
  if (!past) return past.error();
  if (!past->rows.empty()) {
    head->seq = past->rows.front().i64(0);
    head->hash = past->rows.front().text(1);
  }
  AuditEntry e;
  static_cast<AuditRecord&>(e) = record;
  if (e.details.empty()) e.details = "{}";
  e.seq = head->seq + 1;
  e.prev_hash = head->hash;
  e.hash = chain_hash(e);
  auto ins = c.query(std::string("INSERT INTO audit_log (") + kColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     {e.seq, e.ts, e.actor, e.action, e.target, e.reason, e.details, e.prev_hash, e.hash});
  if (!ins) return ins.error();
  auto up = c.query(
      "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
      {std::string(kHeadSetting), std::to_string(e.seq) + ":" + e.hash});
  if (!up) return up.error();
  return e;
}

Result<Page<AuditEntry>> SqlAuditLog::list(const AuditFilter& f, const PageRequest& page) {
  Where w;
  if (f.actor) w.add("actor = ?", *f.actor);
  if (f.action) w.add("action = ?", *f.action);
  if (f.target) w.add("target = ?", *f.target);
  if (f.since) w.add("ts >= ?", *f.since);
  if (f.until) w.add("ts < ?", *f.until);
  if (!page.cursor.empty()) {
    auto k = decode_cursor(page.cursor, 1);
    if (!k) return k.error();
    w.add("seq < ?", (*k)[0]);
  }
  const int limit = clamp_limit(page.limit);
  w.params.emplace_back(std::int64_t{limit} + 1);
  const std::string sql = std::string("SELECT ") + kColumns + " FROM audit_log" + w.sql + " ORDER BY seq DESC LIMIT ?";
  return ex_.read([&](sql::Connection& c) -> Result<Page<AuditEntry>> {
    auto r = c.query(sql, w.params);
    if (!r) return r.error();
    Page<AuditEntry> out;
    for (const auto& row : r->rows) out.items.push_back(entry_from_row(row));
    if (out.items.size() > static_cast<std::size_t>(limit)) {
      out.items.pop_back();
      out.next_cursor = encode_cursor({out.items.back().seq});
    }
    return out;
  });
}

Result<AuditVerification> SqlAuditLog::verify() {
  // One transaction so the walk sees one snapshot even while others append.
  return ex_.atomic([&](sql::Connection& c) -> Result<AuditVerification> {
    AuditVerification v;
    auto bad = [&](std::int64_t seq, std::string problem) {
      v.ok = false;
      v.first_bad_seq = seq;
      v.problem = std::move(problem);
      return v;
    };
    std::int64_t expected = 1;
    std::string prev(kAuditGenesisHash);
    bool keyed = false;  // a keyed entry was seen
    for (;;) {
      auto r = c.query(std::string("SELECT ") + kColumns + " FROM audit_log WHERE seq >= ? ORDER BY seq LIMIT ?",
                       {expected, std::int64_t{kVerifyBatch}});
      if (!r) return r.error();
      for (const auto& row : r->rows) {
        const AuditEntry e = entry_from_row(row);
        if (e.seq != expected) return bad(expected, "entry missing");
        if (e.prev_hash != prev) return bad(e.seq, "previous hash does not match");
        if (!key_.empty() && auth::constant_time_equal(audit_hmac(key_, e), e.hash)) {
          keyed = true;
        } else if (audit_hash(e) == e.hash) {
          // Plain SHA-256: anyone with write access can make these, so they
          // are only believed before the keyed entry that binds them.
          if (keyed) return bad(e.seq, "entry not keyed (written or rewritten without the audit key)");
          ++v.unkeyed;
        } else {
          return bad(e.seq, key_.empty() ? "entry altered" : "entry altered (or keyed with another key)");
        }
        prev = e.hash;
        ++expected;
        ++v.entries;
      }
      if (r->rows.size() < static_cast<std::size_t>(kVerifyBatch)) break;
    }
    // Rows below seq 1 are not part of any chain this server wrote.
    auto stray = c.query("SELECT MIN(seq) FROM audit_log WHERE seq < 1");
    if (!stray) return stray.error();
    if (auto s = stray->rows.at(0).opt_i64(0)) return bad(*s, "entry outside the chain");
    auto head = read_head(c, false);
    if (!head) return bad(v.entries + 1, "chain head unreadable");
    if (head->seq > v.entries) return bad(v.entries + 1, "entry missing (removed from the end)");
    if (head->seq < v.entries) return bad(head->seq + 1, "entry not in the recorded chain");
    if (head->hash != prev) return bad(v.entries, "entry altered (chain head does not match)");
    // Keyed, a chain of plain hashes only is what a rewrite looks like.
    if (!key_.empty() && v.entries > 0 && !keyed) {
      return bad(1, "no entry is keyed: rewritten without the audit key, or never rekeyed (start the server once)");
    }
    v.head_hash = prev;
    return v;
  });
}

}  // namespace serendip::store::detail
