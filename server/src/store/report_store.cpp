#include "store/ip_privacy.hpp"
#include "store/sql_stores.hpp"

namespace serendip::store::detail {
namespace {

constexpr const char* kSelect =
    "SELECT r.id, r.created_at, r.session_id, r.reason, r.comment, r.reporter_user_id, r.reporter_device_key, "
    "r.reporter_ip, r.reported_user_id, r.reported_device_key, r.reported_ip, r.session_started_at, "
    "r.session_ended_at, r.session_length_ms, r.status, r.decided_by, r.decided_at, r.decision_note, r.priority, "
    "r.shield_verdict, r.shield_score, "
    // Distinct reporters of the reported device (of its IP when the device is unknown).
    "(SELECT COUNT(DISTINCT COALESCE(x.reporter_device_key, x.reporter_user_id)) FROM reports x "
    " WHERE (r.reported_device_key IS NOT NULL AND x.reported_device_key = r.reported_device_key) "
    "    OR (r.reported_device_key IS NULL AND x.reported_ip = r.reported_ip)), "
    // Blocks ever placed on the reported device or IP, other than those this report led to.
    "(SELECT COUNT(*) FROM blocks b WHERE (b.device_key = r.reported_device_key OR b.ip = r.reported_ip) "
    " AND (b.report_id IS NULL OR b.report_id <> r.id)) "
    "FROM reports r";

// Queue order: pending priority reports, other pending ones, decided ones;
// among pending reports of the same priority, those the reporter's safety
// shield flagged come first; oldest first within each. rank_of is the same in
// C++ (for the cursor).
constexpr const char* kRank =
    "(CASE WHEN r.status <> 'pending' THEN 4 ELSE (CASE WHEN r.priority <> 0 THEN 0 ELSE 2 END) + "
    "(CASE WHEN r.shield_verdict IS NULL THEN 1 ELSE 0 END) END)";
std::int64_t rank_of(const Report& r) {
  if (r.status != ReportStatus::pending) return 4;
  return (r.priority ? 0 : 2) + (r.shield ? 0 : 1);
}

ReportSummary summary_from_row(const sql::Row& row) {
  ReportSummary s;
  Report& r = s.report;
  r.id = row.i64(0);
  r.created_at = row.i64(1);
  r.session_id = row.text(2);
  r.reason = row.text(3);
  r.comment = row.text(4);
  // An IP the retention job replaced by its hash shows as unknown.
  r.reporter = Party{row.text(5), row.text(6), shown_ip(row.text(7))};
  r.reported = Party{row.text(8), row.text(9), shown_ip(row.text(10))};
  r.session_started_at = row.i64(11);
  r.session_ended_at = row.opt_i64(12);
  r.session_length_ms = row.i64(13);
  r.status = parse_report_status(row.text(14)).value_or(ReportStatus::pending);
  r.decided_by = row.text(15);
  r.decided_at = row.opt_i64(16);
  r.decision_note = row.text(17);
  r.priority = row.i64(18) != 0;
  if (std::optional<std::int64_t> score = row.opt_i64(20); score && !row.text(19).empty()) {
    r.shield = ShieldMark{row.text(19), static_cast<int>(*score)};
  }
  s.distinct_reporters = row.i64(21);
  s.prior_blocks = row.i64(22);
  return s;
}

Where where_of(const ReportFilter& f, const IpKey& ip_key) {
  Where w;
  if (f.status) w.add("r.status = ?", std::string(to_string(*f.status)));
  if (f.reason) w.add("r.reason = ?", *f.reason);
  if (f.reported_device) w.add("r.reported_device_key = ?", *f.reported_device);
  if (f.reported_ip) ip_key.match(w, "r.reported_ip", *f.reported_ip);
  if (f.since) w.add("r.created_at >= ?", *f.since);
  if (f.until) w.add("r.created_at < ?", *f.until);
  if (f.priority) w.add("r.priority = ?", std::int64_t{*f.priority ? 1 : 0});
  return w;
}

Result<ReportSummary> get_on(sql::Connection& c, std::int64_t id) {
  auto r = c.query(std::string(kSelect) + " WHERE r.id = ?", {id});
  if (!r) return r.error();
  if (r->rows.empty()) return Error{ErrorKind::not_found, "no such report"};
  return summary_from_row(r->rows.front());
}

}  // namespace

Result<std::int64_t> SqlReportStore::add(const NewReport& n) {
  return ex_.read([&](sql::Connection& c) -> Result<std::int64_t> {
    auto r = c.query(
        "INSERT INTO reports (created_at, session_id, reason, comment, reporter_user_id, reporter_device_key, "
        "reporter_ip, reported_user_id, reported_device_key, reported_ip, session_started_at, session_ended_at, "
        "session_length_ms, shield_verdict, shield_score) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "RETURNING id",
        {n.created_at, n.session_id, n.reason, n.comment, n.reporter.user_id, sql::text_or_null(n.reporter.device_key),
         sql::text_or_null(n.reporter.ip), n.reported.user_id, sql::text_or_null(n.reported.device_key),
         sql::text_or_null(n.reported.ip), n.session_started_at, sql::int_or_null(n.session_ended_at),
         n.session_length_ms, sql::text_or_null(n.shield ? n.shield->verdict : std::string()),
         sql::int_or_null(n.shield ? std::optional<std::int64_t>(n.shield->score_permille) : std::nullopt)});
    if (!r) {
      if (r.error().kind == ErrorKind::conflict) return Error{ErrorKind::conflict, "session already reported"};
      return r.error();
    }
    return r->rows.at(0).i64(0);
  });
}

Result<ReportSummary> SqlReportStore::get(std::int64_t id) {
  return ex_.read([&](sql::Connection& c) { return get_on(c, id); });
}

Result<Page<ReportSummary>> SqlReportStore::queue(const ReportFilter& filter, const PageRequest& page) {
  Where w = where_of(filter, ip_key_);
  if (!page.cursor.empty()) {
    auto k = decode_cursor(page.cursor, 3);
    if (!k) return k.error();
    const auto& v = *k;
    w.add(std::string("(") + kRank + " > ? OR (" + kRank +
              " = ? AND (r.created_at > ? OR (r.created_at = ? AND r.id > ?))))",
          v[0], v[0], v[1], v[1], v[2]);
  }
  const int limit = clamp_limit(page.limit);
  w.params.emplace_back(std::int64_t{limit} + 1);
  const std::string sql = std::string(kSelect) + w.sql + " ORDER BY " + kRank + ", r.created_at, r.id LIMIT ?";
  return ex_.read([&](sql::Connection& c) -> Result<Page<ReportSummary>> {
    auto r = c.query(sql, w.params);
    if (!r) return r.error();
    Page<ReportSummary> out;
    for (const auto& row : r->rows) out.items.push_back(summary_from_row(row));
    if (out.items.size() > static_cast<std::size_t>(limit)) {
      out.items.pop_back();
      const Report& last = out.items.back().report;
      out.next_cursor = encode_cursor({rank_of(last), last.created_at, last.id});
    }
    return out;
  });
}

Result<std::int64_t> SqlReportStore::count(const ReportFilter& filter) {
  const Where w = where_of(filter, ip_key_);
  return ex_.read([&](sql::Connection& c) -> Result<std::int64_t> {
    auto r = c.query("SELECT COUNT(*) FROM reports r" + w.sql, w.params);
    if (!r) return r.error();
    return r->rows.at(0).i64(0);
  });
}

Result<std::int64_t> SqlReportStore::prioritize_reported_device(std::string_view device_key) {
  if (device_key.empty()) return std::int64_t{0};
  return ex_.read([&](sql::Connection& c) -> Result<std::int64_t> {
    auto r =
        c.query("UPDATE reports SET priority = 1 WHERE reported_device_key = ? AND status = 'pending' AND priority = 0",
                {std::string(device_key)});
    if (!r) return r.error();
    return static_cast<std::int64_t>(r->affected);
  });
}

Result<Report> SqlReportStore::decide(std::int64_t id, const DecisionUpdate& d) {
  if (d.status == ReportStatus::pending) return Error{ErrorKind::invalid, "a decision cannot be pending"};
  return ex_.atomic([&](sql::Connection& c) -> Result<Report> {
    auto u = c.query(
        "UPDATE reports SET status = ?, decided_by = ?, decided_at = ?, decision_note = ? "
        "WHERE id = ? AND status = 'pending'",
        {std::string(to_string(d.status)), d.decided_by, d.decided_at, d.note, id});
    if (!u) return u.error();
    auto now = get_on(c, id);
    if (!now) return now.error();
    if (u->affected == 0) return Error{ErrorKind::conflict, "report already decided"};
    return now->report;
  });
}

Result<std::vector<ReportedPair>> SqlReportStore::reported_device_pairs(std::int64_t since) {
  return ex_.read([&](sql::Connection& c) -> Result<std::vector<ReportedPair>> {
    auto r = c.query(
        "SELECT reporter_device_key, reported_device_key, MAX(created_at) FROM reports "
        "WHERE reporter_device_key IS NOT NULL AND reported_device_key IS NOT NULL AND created_at >= ? "
        "GROUP BY reporter_device_key, reported_device_key",
        {since});
    if (!r) return r.error();
    std::vector<ReportedPair> out;
    out.reserve(r->rows.size());
    for (const auto& row : r->rows) out.push_back({row.text(0), row.text(1), row.i64(2)});
    return out;
  });
}

Result<std::vector<ReporterTally>> SqlReportStore::reporters_of(std::string_view device_key, std::int64_t since) {
  return ex_.read([&](sql::Connection& c) -> Result<std::vector<ReporterTally>> {
    auto r = c.query(
        "SELECT x.reporter_device_key, "
        "(SELECT COUNT(*) FROM reports d WHERE d.reporter_device_key = x.reporter_device_key "
        " AND d.status <> 'pending'), "
        "(SELECT COUNT(*) FROM reports d WHERE d.reporter_device_key = x.reporter_device_key "
        " AND d.status = 'accepted') "
        "FROM reports x WHERE x.reported_device_key = ? AND x.created_at >= ? "
        "AND x.reporter_device_key IS NOT NULL AND x.reporter_device_key <> x.reported_device_key "
        "GROUP BY x.reporter_device_key ORDER BY x.reporter_device_key",
        {std::string(device_key), since});
    if (!r) return r.error();
    std::vector<ReporterTally> out;
    out.reserve(r->rows.size());
    for (const auto& row : r->rows) out.push_back(ReporterTally{row.text(0), row.i64(1), row.i64(2)});
    return out;
  });
}

}  // namespace serendip::store::detail
