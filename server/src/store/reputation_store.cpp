#include <algorithm>
#include <string_view>
#include <tuple>
#include <vector>

#include "auth/crypto.hpp"
#include "store/sql_stores.hpp"

namespace serendip::store::detail {

Result<void> SqlReputationStore::record_session(std::string_view ip, std::string_view device_key,
                                                std::int64_t length_ms, std::int64_t now) {
  std::vector<SessionTotals> totals;
  if (!ip.empty())
    totals.push_back({.ip = true, .key = std::string(ip), .sessions = 1, .session_ms = length_ms, .last_seen = now});
  if (!device_key.empty()) {
    totals.push_back(
        {.ip = false, .key = std::string(device_key), .sessions = 1, .session_ms = length_ms, .last_seen = now});
  }
  return record_sessions(totals);
}

Result<void> add_to_counter(sql::Connection& c, std::string_view kind, const std::string& key, std::int64_t sessions,
                            std::int64_t session_ms, std::int64_t last_seen) {
  auto r = c.query(
      "INSERT INTO counters (kind, key, sessions, session_ms, last_seen) VALUES (?, ?, ?, ?, ?) "
      "ON CONFLICT (kind, key) DO UPDATE SET sessions = counters.sessions + excluded.sessions, "
      "session_ms = counters.session_ms + excluded.session_ms, "
      "last_seen = CASE WHEN counters.last_seen IS NULL OR excluded.last_seen > counters.last_seen "
      "THEN excluded.last_seen ELSE counters.last_seen END",
      {std::string(kind), key, sessions, std::max<std::int64_t>(0, session_ms), last_seen});
  if (!r) return r.error();
  return {};
}

Result<void> SqlReputationStore::record_sessions(std::span<const SessionTotals> totals) {
  if (totals.empty()) return {};
  const bool any_ip = std::any_of(totals.begin(), totals.end(), [](const SessionTotals& t) { return t.ip; });
  // A counter is never keyed by a raw address, not even for a moment.
  if (any_ip && !ip_key_.keyed()) return IpKey::missing();
  // Rows in (kind, key) order: every instance's batch then locks the rows it
  // shares with another's in the same order, so two batches wait for each
  // other instead of deadlocking (PostgreSQL aborted one of them otherwise).
  struct Row {
    std::string_view kind;
    std::string key;
    const SessionTotals* totals;
  };
  std::vector<Row> rows;
  rows.reserve(totals.size());
  for (const auto& t : totals) {
    if (t.key.empty() || t.sessions <= 0) continue;
    rows.push_back({t.ip ? "ip" : "device", t.ip ? ip_key_.hash(t.key) : t.key, &t});
  }
  std::sort(rows.begin(), rows.end(),
            [](const Row& a, const Row& b) { return std::tie(a.kind, a.key) < std::tie(b.kind, b.key); });
  return ex_.atomic([&](sql::Connection& c) -> Result<void> {
    for (const auto& row : rows) {
      const SessionTotals& t = *row.totals;
      auto r = add_to_counter(c, row.kind, row.key, t.sessions, t.session_ms, t.last_seen);
      if (!r) return r.error();
    }
    return {};
  });
}

Result<Reputation> SqlReputationStore::of_ip(std::string_view ip, std::int64_t now) { return of(true, ip, now); }

Result<Reputation> SqlReputationStore::of_device(std::string_view device_key, std::int64_t now) {
  return of(false, device_key, now);
}

Result<Reputation> SqlReputationStore::of(bool by_ip, std::string_view key_view, std::int64_t now) {
  // Column names come from this constant choice, never from the caller.
  const std::string kind = by_ip ? "ip" : "device";
  const std::string reported = by_ip ? "reported_ip" : "reported_device_key";
  const std::string reporter = by_ip ? "reporter_ip" : "reporter_device_key";
  const std::string block_col = by_ip ? "ip" : "device_key";
  const std::string key(key_view);
  if (by_ip && !ip_key_.keyed()) return IpKey::missing();
  // IP counters are under the hash; reports and ended blocks may hold either form.
  const std::string counter_key = by_ip ? ip_key_.hash(key) : key;
  const auto match = [&](const std::string& column) { return by_ip ? ip_key_.match_sql(column) : column + " = ?"; };
  const std::vector<sql::Param> params = by_ip ? ip_key_.match_params(key) : std::vector<sql::Param>{key};
  return ex_.atomic([&](sql::Connection& c) -> Result<Reputation> {
    Reputation rep;
    auto counters =
        c.query("SELECT sessions, session_ms, last_seen FROM counters WHERE kind = ? AND key = ?", {kind, counter_key});
    if (!counters) return counters.error();
    if (!counters->rows.empty()) {
      rep.sessions = counters->rows[0].i64(0);
      rep.session_ms = counters->rows[0].i64(1);
      rep.last_seen = counters->rows[0].opt_i64(2);
    }
    const std::string received_sql =
        "SELECT COUNT(*), COUNT(DISTINCT COALESCE(reporter_device_key, reporter_user_id)) FROM reports WHERE " +
        match(reported);
    auto received = c.query(received_sql, params);
    if (!received) return received.error();
    rep.reports_received = received->rows.at(0).i64(0);
    rep.distinct_reporters = received->rows.at(0).i64(1);
    auto made = c.query("SELECT COUNT(*) FROM reports WHERE " + match(reporter), params);
    if (!made) return made.error();
    rep.reports_made = made->rows.at(0).i64(0);
    auto blocks = c.query("SELECT COUNT(*) FROM blocks WHERE " + match(block_col), params);
    if (!blocks) return blocks.error();
    rep.blocks = blocks->rows.at(0).i64(0);
    auto active = c.query(std::string("SELECT ") + kBlockColumns + " FROM blocks WHERE " + block_col +
                              " = ? AND lifted_at IS NULL AND (expires_at IS NULL OR expires_at > ?) "
                              "ORDER BY CASE WHEN expires_at IS NULL THEN 0 ELSE 1 END, expires_at DESC LIMIT 1",
                          {key, now});
    if (!active) return active.error();  // an active block always holds its raw address
    if (!active->rows.empty()) rep.active_block = block_from_row(active->rows.front());
    return rep;
  });
}

Result<std::string> SqlSettingsStore::secret(std::string_view name) {
  return ex_.atomic([&](sql::Connection& c) -> Result<std::string> {
    // Whoever inserts first wins; everyone reads the winner's value.
    auto ins = c.query("INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                       {std::string(name), auth::random_hex(32)});
    if (!ins) return ins.error();
    auto r = c.query("SELECT value FROM settings WHERE name = ?", {std::string(name)});
    if (!r) return r.error();
    if (r->rows.empty()) return Error{ErrorKind::internal, "secret vanished"};
    return r->rows.front().text(0);
  });
}

}  // namespace serendip::store::detail
