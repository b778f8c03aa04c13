#include "store/model.hpp"

#include <charconv>
#include <stdexcept>

#include <boost/throw_exception.hpp>

#include "auth/crypto.hpp"
#include "store/result.hpp"
#include "store/sql.hpp"
#include "store/sql_stores.hpp"

namespace serendip::store {

void throw_exception_from_error(const Error& e, const boost::source_location& loc) {
  boost::throw_exception(std::runtime_error("store: " + e.message), loc);
}

std::string_view to_string(ReportStatus s) {
  switch (s) {
    case ReportStatus::pending: return "pending";
    case ReportStatus::accepted: return "accepted";
    case ReportStatus::rejected: return "rejected";
  }
  return "pending";
}

std::optional<ReportStatus> parse_report_status(std::string_view s) {
  if (s == "pending") return ReportStatus::pending;
  if (s == "accepted") return ReportStatus::accepted;
  if (s == "rejected") return ReportStatus::rejected;
  return std::nullopt;
}

std::string_view to_string(AppealStatus s) {
  switch (s) {
    case AppealStatus::open: return "open";
    case AppealStatus::accepted: return "accepted";
    case AppealStatus::rejected: return "rejected";
  }
  return "open";
}

std::optional<AppealStatus> parse_appeal_status(std::string_view s) {
  if (s == "open") return AppealStatus::open;
  if (s == "accepted") return AppealStatus::accepted;
  if (s == "rejected") return AppealStatus::rejected;
  return std::nullopt;
}

std::string_view to_string(Role r) { return r == Role::admin ? "admin" : "moderator"; }

std::optional<Role> parse_role(std::string_view s) {
  if (s == "admin") return Role::admin;
  if (s == "moderator") return Role::moderator;
  return std::nullopt;
}

namespace {

// Length-prefixed fields: "a|bc" and "ab|c" must not hash alike.
std::string audit_canonical(std::string_view label, const AuditEntry& e) {
  std::string canonical(label);
  auto field = [&](std::string_view v) {
    canonical += '\n';
    canonical += std::to_string(v.size());
    canonical += ':';
    canonical += v;
  };
  field(std::to_string(e.seq));
  field(std::to_string(e.ts));
  field(e.actor);
  field(e.action);
  field(e.target);
  field(e.reason);
  field(e.details);
  return canonical;
}

}  // namespace

std::string audit_hash(const AuditEntry& e) {
  return auth::to_hex(auth::sha256(e.prev_hash + audit_canonical("serendip-audit-v1", e)));
}

std::string audit_hmac(std::string_view key, const AuditEntry& e) {
  return auth::to_hex(auth::hmac_sha256(key, e.prev_hash + audit_canonical("serendip-audit-v2", e)));
}

std::string audit_anchor_signature(std::string_view key, std::int64_t seq, std::string_view hash, std::int64_t ts) {
  AuditEntry e;
  e.seq = seq;
  e.ts = ts;
  e.details = std::string(hash);
  return auth::to_hex(auth::hmac_sha256(key, audit_canonical("serendip-audit-anchor-v1", e)));
}

namespace sql {

const std::string& Row::text(std::size_t i) const {
  static const std::string kEmpty;
  const auto& v = values.at(i);
  return v ? *v : kEmpty;
}

std::int64_t Row::i64(std::size_t i) const { return opt_i64(i).value_or(0); }

std::optional<std::int64_t> Row::opt_i64(std::size_t i) const {
  const auto& v = values.at(i);
  if (!v) return std::nullopt;
  std::int64_t out = 0;
  const auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || ptr != v->data() + v->size()) {
    // Our own schema declares these columns integer: anything else is a bug.
    throw std::logic_error("store: column " + std::to_string(i) + " is not an integer");
  }
  return out;
}

}  // namespace sql

namespace detail {

std::string encode_cursor(std::initializer_list<std::int64_t> parts) {
  std::string out;
  for (std::int64_t p : parts) {
    if (!out.empty()) out += '.';
    out += std::to_string(p);
  }
  return out;
}

Result<std::vector<std::int64_t>> decode_cursor(std::string_view cursor, std::size_t parts) {
  std::vector<std::int64_t> out;
  std::size_t pos = 0;
  while (out.size() < parts) {
    const std::size_t dot = cursor.find('.', pos);
    const std::string_view piece =
        cursor.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos);
    std::int64_t v = 0;
    const auto [ptr, ec] = std::from_chars(piece.data(), piece.data() + piece.size(), v);
    if (piece.empty() || ec != std::errc() || ptr != piece.data() + piece.size()) break;
    out.push_back(v);
    if (dot == std::string_view::npos) {
      pos = cursor.size() + 1;
      break;
    }
    pos = dot + 1;
  }
  if (out.size() != parts || pos != cursor.size() + 1) return Error{ErrorKind::invalid, "bad cursor"};
  return out;
}

int clamp_limit(int limit) {
  constexpr int kMaxPage = 500;
  if (limit < 1) return 1;
  return limit > kMaxPage ? kMaxPage : limit;
}

}  // namespace detail
}  // namespace serendip::store
