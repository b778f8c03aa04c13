#include "store/ip_privacy.hpp"
#include "store/sql_stores.hpp"

namespace serendip::store::detail {

const char* const kBlockColumns =
    "id, ip, device_key, reason, created_by, created_at, expires_at, lifted_at, lifted_by, report_id";

Block block_from_row(const sql::Row& row, std::size_t f) {
  Block b;
  b.id = row.i64(f + 0);
  b.ip = shown_ip(row.text(f + 1));  // "" once the retention job replaced it by its hash
  b.device_key = row.text(f + 2);
  b.reason = row.text(f + 3);
  b.created_by = row.text(f + 4);
  b.created_at = row.i64(f + 5);
  b.expires_at = row.opt_i64(f + 6);
  b.lifted_at = row.opt_i64(f + 7);
  b.lifted_by = row.text(f + 8);
  b.report_id = row.opt_i64(f + 9);
  return b;
}

namespace {

constexpr const char* kActive = "lifted_at IS NULL AND (expires_at IS NULL OR expires_at > ?)";

Result<Block> get_on(sql::Connection& c, std::int64_t id) {
  auto r = c.query(std::string("SELECT ") + kBlockColumns + " FROM blocks WHERE id = ?", {id});
  if (!r) return r.error();
  if (r->rows.empty()) return Error{ErrorKind::not_found, "no such block"};
  return block_from_row(r->rows.front());
}

}  // namespace

Result<Block> SqlBlockStore::add(const NewBlock& n) {
  if (n.ip.empty() && n.device_key.empty()) return Error{ErrorKind::invalid, "a block needs an ip or a device"};
  return ex_.read([&](sql::Connection& c) -> Result<Block> {
    auto r = c.query(std::string("INSERT INTO blocks (ip, device_key, reason, created_by, created_at, expires_at, "
                                 "report_id) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING ") +
                         kBlockColumns,
                     {sql::text_or_null(n.ip), sql::text_or_null(n.device_key), n.reason, n.created_by, n.created_at,
                      sql::int_or_null(n.expires_at), sql::int_or_null(n.report_id)});
    if (!r) return r.error();
    return block_from_row(r->rows.at(0));
  });
}

Result<Block> SqlBlockStore::get(std::int64_t id) {
  return ex_.read([&](sql::Connection& c) { return get_on(c, id); });
}

Result<std::optional<Block>> SqlBlockStore::active_for(std::string_view ip, std::string_view device_key,
                                                       std::int64_t now) {
  if (ip.empty() && device_key.empty()) return std::optional<Block>{};
  // Both index lookups stay on the partial "not lifted" indexes. The block
  // that lasts longest wins: permanent first, then the latest expiry.
  const std::string sql = std::string("SELECT ") + kBlockColumns + " FROM blocks WHERE " + kActive +
                          " AND (ip = ? OR device_key = ?) "
                          "ORDER BY CASE WHEN expires_at IS NULL THEN 0 ELSE 1 END, expires_at DESC, id DESC LIMIT 1";
  return ex_.read([&](sql::Connection& c) -> Result<std::optional<Block>> {
    auto r = c.query(sql, {now, sql::text_or_null(ip), sql::text_or_null(device_key)});
    if (!r) return r.error();
    if (r->rows.empty()) return std::optional<Block>{};
    return std::optional<Block>(block_from_row(r->rows.front()));
  });
}

Result<Block> SqlBlockStore::lift(std::int64_t id, std::string_view lifted_by, std::int64_t now) {
  return ex_.atomic([&](sql::Connection& c) -> Result<Block> {
    auto u = c.query("UPDATE blocks SET lifted_at = ?, lifted_by = ? WHERE id = ? AND lifted_at IS NULL",
                     {now, std::string(lifted_by), id});
    if (!u) return u.error();
    auto b = get_on(c, id);
    if (!b) return b.error();
    if (u->affected == 0) return Error{ErrorKind::conflict, "block already lifted"};
    return b;
  });
}

Result<Page<Block>> SqlBlockStore::list(const BlockFilter& f, std::int64_t now, const PageRequest& page) {
  Where w;
  if (f.active) {
    if (*f.active) {
      w.add(kActive, now);
    } else {
      w.add("(lifted_at IS NOT NULL OR (expires_at IS NOT NULL AND expires_at <= ?))", now);
    }
  }
  if (f.ip) ip_key_.match(w, "ip", *f.ip);
  if (f.device_key) w.add("device_key = ?", *f.device_key);
  if (f.report_id) w.add("report_id = ?", *f.report_id);
  if (!page.cursor.empty()) {
    auto k = decode_cursor(page.cursor, 1);
    if (!k) return k.error();
    w.add("id < ?", (*k)[0]);
  }
  const int limit = clamp_limit(page.limit);
  w.params.emplace_back(std::int64_t{limit} + 1);
  const std::string sql = std::string("SELECT ") + kBlockColumns + " FROM blocks" + w.sql + " ORDER BY id DESC LIMIT ?";
  return ex_.read([&](sql::Connection& c) -> Result<Page<Block>> {
    auto r = c.query(sql, w.params);
    if (!r) return r.error();
    Page<Block> out;
    for (const auto& row : r->rows) out.items.push_back(block_from_row(row));
    if (out.items.size() > static_cast<std::size_t>(limit)) {
      out.items.pop_back();
      out.next_cursor = encode_cursor({out.items.back().id});
    }
    return out;
  });
}

Result<std::int64_t> SqlBlockStore::count_active(std::int64_t now) {
  return ex_.read([&](sql::Connection& c) -> Result<std::int64_t> {
    auto r = c.query(std::string("SELECT COUNT(*) FROM blocks WHERE ") + kActive, {now});
    if (!r) return r.error();
    return r->rows.at(0).i64(0);
  });
}

}  // namespace serendip::store::detail
