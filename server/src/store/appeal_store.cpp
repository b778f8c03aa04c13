#include "store/ip_privacy.hpp"
#include "store/sql_stores.hpp"

namespace serendip::store::detail {
namespace {

constexpr const char* kColumns =
    "id, block_id, device_key, ip, message, status, created_at, decided_by, decided_at, note";
// Open first, then oldest first.
constexpr const char* kRank = "(CASE WHEN status = 'open' THEN 0 ELSE 1 END)";

Appeal appeal_from_row(const sql::Row& row) {
  Appeal a;
  a.id = row.i64(0);
  a.block_id = row.i64(1);
  a.device_key = row.text(2);
  a.ip = shown_ip(row.text(3));  // "" once the retention job replaced it by its hash
  a.message = row.text(4);
  a.status = parse_appeal_status(row.text(5)).value_or(AppealStatus::open);
  a.created_at = row.i64(6);
  a.decided_by = row.text(7);
  a.decided_at = row.opt_i64(8);
  a.note = row.text(9);
  return a;
}

Where where_of(const AppealFilter& f) {
  Where w;
  if (f.status) w.add("status = ?", std::string(to_string(*f.status)));
  if (f.block_id) w.add("block_id = ?", *f.block_id);
  return w;
}

Result<Appeal> get_on(sql::Connection& c, std::int64_t id) {
  auto r = c.query(std::string("SELECT ") + kColumns + " FROM appeals WHERE id = ?", {id});
  if (!r) return r.error();
  if (r->rows.empty()) return Error{ErrorKind::not_found, "no such appeal"};
  return appeal_from_row(r->rows.front());
}

}  // namespace

Result<Appeal> SqlAppealStore::add(const NewAppeal& n) {
  return ex_.read([&](sql::Connection& c) -> Result<Appeal> {
    auto r = c.query(std::string("INSERT INTO appeals (block_id, device_key, ip, message, created_at) "
                                 "VALUES (?, ?, ?, ?, ?) RETURNING ") +
                         kColumns,
                     {n.block_id, sql::text_or_null(n.device_key), sql::text_or_null(n.ip), n.message, n.created_at});
    if (!r) {
      if (r.error().kind == ErrorKind::conflict) return Error{ErrorKind::conflict, "an appeal is already open"};
      return r.error();
    }
    return appeal_from_row(r->rows.at(0));
  });
}

Result<Appeal> SqlAppealStore::get(std::int64_t id) {
  return ex_.read([&](sql::Connection& c) { return get_on(c, id); });
}

Result<Appeal> SqlAppealStore::decide(std::int64_t id, AppealStatus status, std::string_view decided_by,
                                      std::int64_t now, std::string_view note) {
  if (status == AppealStatus::open) return Error{ErrorKind::invalid, "a decision cannot be open"};
  return ex_.atomic([&](sql::Connection& c) -> Result<Appeal> {
    auto u = c.query(
        "UPDATE appeals SET status = ?, decided_by = ?, decided_at = ?, note = ? WHERE id = ? AND status = 'open'",
        {std::string(to_string(status)), std::string(decided_by), now, std::string(note), id});
    if (!u) return u.error();
    auto a = get_on(c, id);
    if (!a) return a.error();
    if (u->affected == 0) return Error{ErrorKind::conflict, "appeal already decided"};
    return a;
  });
}

Result<Page<Appeal>> SqlAppealStore::list(const AppealFilter& filter, const PageRequest& page) {
  Where w = where_of(filter);
  if (!page.cursor.empty()) {
    auto k = decode_cursor(page.cursor, 3);
    if (!k) return k.error();
    const auto& v = *k;
    w.add(std::string("(") + kRank + " > ? OR (" + kRank + " = ? AND (created_at > ? OR (created_at = ? AND id > ?))))",
          v[0], v[0], v[1], v[1], v[2]);
  }
  const int limit = clamp_limit(page.limit);
  w.params.emplace_back(std::int64_t{limit} + 1);
  const std::string sql =
      std::string("SELECT ") + kColumns + " FROM appeals" + w.sql + " ORDER BY " + kRank + ", created_at, id LIMIT ?";
  return ex_.read([&](sql::Connection& c) -> Result<Page<Appeal>> {
    auto r = c.query(sql, w.params);
    if (!r) return r.error();
    Page<Appeal> out;
    for (const auto& row : r->rows) out.items.push_back(appeal_from_row(row));
    if (out.items.size() > static_cast<std::size_t>(limit)) {
      out.items.pop_back();
      const Appeal& last = out.items.back();
      out.next_cursor = encode_cursor({last.status == AppealStatus::open ? 0 : 1, last.created_at, last.id});
    }
    return out;
  });
}

Result<std::int64_t> SqlAppealStore::count(const AppealFilter& filter) {
  const Where w = where_of(filter);
  return ex_.read([&](sql::Connection& c) -> Result<std::int64_t> {
    auto r = c.query("SELECT COUNT(*) FROM appeals" + w.sql, w.params);
    if (!r) return r.error();
    return r->rows.at(0).i64(0);
  });
}

}  // namespace serendip::store::detail
