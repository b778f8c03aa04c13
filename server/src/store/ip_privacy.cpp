// The keyed IP hash and the retention job's statements (store/ip_privacy.hpp).
#include "store/ip_privacy.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "auth/crypto.hpp"
#include "store/sql_stores.hpp"

namespace serendip::store {

bool is_ip_hash(std::string_view stored) { return stored.substr(0, kIpHashPrefix.size()) == kIpHashPrefix; }

std::string ip_hash(std::string_view key, std::string_view ip) {
  if (is_ip_hash(ip)) return std::string(ip);
  return std::string(kIpHashPrefix) + auth::to_hex(auth::hmac_sha256(key, ip));
}

std::string derive_ip_key(std::string_view audit_key) {
  return auth::hmac_sha256(audit_key, "serendip ip hash key v1");
}

namespace detail {

std::string IpKey::hash(std::string_view ip) const {
  if (key_.empty() || ip.empty()) return {};
  return ip_hash(key_, ip);
}

std::string IpKey::match_sql(std::string_view column) const {
  const std::string col(column);
  return keyed() ? "(" + col + " = ? OR " + col + " = ?)" : col + " = ?";
}

std::vector<sql::Param> IpKey::match_params(const std::string& ip) const {
  std::vector<sql::Param> p{ip};
  if (keyed()) p.emplace_back(hash(ip));
  return p;
}

void IpKey::match(Where& w, std::string_view column, const std::string& ip) const {
  w.add(match_sql(column));
  for (auto& p : match_params(ip)) w.params.push_back(std::move(p));
}

namespace {

// A stored IP column that still holds an address.
std::string raw(std::string_view column) {
  const std::string c(column);
  return "(" + c + " IS NOT NULL AND " + c + " NOT LIKE 'iph:%')";
}

// Replaces `column` of row `id` in `table` by its hash, unless someone did
// already (compare-and-set: another instance may run the same job).
Result<bool> hash_column(sql::Connection& c, const IpKey& key, std::string_view table, std::string_view column,
                         std::int64_t id, const std::string& value) {
  if (value.empty() || is_ip_hash(value)) return false;
  const std::string t(table);
  const std::string col(column);
  auto r =
      c.query("UPDATE " + t + " SET " + col + " = ? WHERE id = ? AND " + col + " = ?", {key.hash(value), id, value});
  if (!r) return r.error();
  return r->affected > 0;
}

// One table's rows selected by `where` (which takes the cutoff `params`),
// their `columns` hashed, a batch per transaction. Returns the rows changed.
Result<std::int64_t> hash_rows(Executor& ex, const IpKey& key, std::string_view table,
                               const std::vector<std::string>& columns, const std::string& where,
                               const std::vector<sql::Param>& params, int batch) {
  std::string select = "SELECT id";
  std::string any;
  for (const auto& col : columns) {
    select += ", " + col;
    any += (any.empty() ? "" : " OR ") + raw(col);
  }
  select += " FROM " + std::string(table) + " WHERE " + where + " AND (" + any + ") ORDER BY id LIMIT ?";
  std::vector<sql::Param> select_params = params;
  select_params.emplace_back(std::int64_t{batch});
  std::int64_t changed = 0;
  for (;;) {
    // (rows selected, rows changed) of one batch.
    auto step = ex.atomic([&](sql::Connection& c) -> Result<std::pair<std::size_t, std::int64_t>> {
      auto rows = c.query(select, select_params);
      if (!rows) return rows.error();
      std::int64_t n = 0;
      for (const auto& row : rows->rows) {
        bool any_changed = false;
        for (std::size_t i = 0; i < columns.size(); ++i) {
          auto done = hash_column(c, key, table, columns[i], row.i64(0), row.text(i + 1));
          if (!done) return done.error();
          any_changed = any_changed || *done;
        }
        if (any_changed) ++n;
      }
      return std::pair{rows->rows.size(), n};
    });
    if (!step) return step.error();
    changed += step->second;
    // A short batch was the last; a full one that changed nothing would only
    // come back the same (never expected: it would loop forever otherwise).
    if (step->first < static_cast<std::size_t>(batch) || step->second == 0) return changed;
  }
}

// Counters written before IPs were hashed: each plain row is removed and its
// counts added to the hashed row. The DELETE decides who moves a row when
// several instances run this at once: only the one that removed it adds it.
Result<std::int64_t> hash_counters(Executor& ex, const IpKey& key, int batch) {
  std::int64_t moved = 0;
  for (;;) {
    auto step = ex.atomic([&](sql::Connection& c) -> Result<std::pair<std::size_t, std::int64_t>> {
      std::int64_t n = 0;
      auto keys = c.query("SELECT key FROM counters WHERE kind = 'ip' AND key NOT LIKE 'iph:%' ORDER BY key LIMIT ?",
                          {std::int64_t{batch}});
      if (!keys) return keys.error();
      for (const auto& row : keys->rows) {
        const std::string plain = row.text(0);
        auto gone = c.query(
            "DELETE FROM counters WHERE kind = 'ip' AND key = ? RETURNING sessions, session_ms, last_seen", {plain});
        if (!gone) return gone.error();
        if (gone->rows.empty()) continue;
        const sql::Row& g = gone->rows.front();
        auto added = add_to_counter(c, "ip", key.hash(plain), g.i64(0), g.i64(1), g.i64(2));
        if (!added) return added.error();
        ++n;
      }
      return std::pair{keys->rows.size(), n};
    });
    if (!step) return step.error();
    moved += step->second;
    if (step->first < static_cast<std::size_t>(batch) || step->second == 0) return moved;
  }
}

}  // namespace

Result<IpErasure> SqlIpPrivacy::erase_ips(std::int64_t before, int batch) {
  if (!ip_key_.keyed()) return IpKey::missing();
  batch = std::max(batch, 1);
  IpErasure out;
  auto counters = hash_counters(ex_, ip_key_, batch);
  if (!counters) return counters.error();
  out.counters = *counters;
  // A pending report, an open appeal and an active block keep their raw IPs:
  // a moderator may still block that address.
  auto reports = hash_rows(ex_, ip_key_, "reports", {"reporter_ip", "reported_ip"},
                           "status <> 'pending' AND decided_at < ?", {before}, batch);
  if (!reports) return reports.error();
  out.reports = *reports;
  auto appeals = hash_rows(ex_, ip_key_, "appeals", {"ip"}, "status <> 'open' AND decided_at < ?", {before}, batch);
  if (!appeals) return appeals.error();
  out.appeals = *appeals;
  // A block ended at its lifting or its expiry, whichever came first.
  auto blocks = hash_rows(ex_, ip_key_, "blocks", {"ip"},
                          "((lifted_at IS NOT NULL AND lifted_at < ?) OR (expires_at IS NOT NULL AND expires_at < ?))",
                          {before, before}, batch);
  if (!blocks) return blocks.error();
  out.blocks = *blocks;
  return out;
}

}  // namespace detail
}  // namespace serendip::store
