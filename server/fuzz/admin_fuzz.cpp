// The admin API's readers of query parameters (Params) and JSON members
// (Fields): what they accept becomes SQL filters, pages and moderation
// requests. Input: the first line is a query string, the rest a JSON body.
// Every reader is called with the names the handlers read (admin_reports,
// admin_blocks, admin_appeals, admin_insight, admin_accounts), one reader
// object per handler as there, and each answer is held to the contract in
// admin_call.hpp, core/address_key.hpp and moderation/validation.hpp: a
// reader that fails returns nothing, the first problem stays, nothing present
// is dropped without a failure, and what is accepted has the documented form.
#include <arpa/inet.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/json/value.hpp>

#include "core/address_key.hpp"
#include "http/admin_call.hpp"
#include "http/request.hpp"

namespace {

namespace admin = serendip::http::admin;
namespace http = serendip::http;
namespace json = boost::json;

constexpr std::size_t kMaxParamBytes = 200;  // Params::text
constexpr int kMinLimit = 1, kMaxLimit = 200, kDefaultLimit = 50;

void check(bool holds) {
  if (!holds) __builtin_trap();
}

// The value Params reads for `name`: the first pair so named (nullptr if none).
const std::string* first_value(const http::Query& q, std::string_view name) {
  for (const auto& [k, v] : q) {
    if (k == name) return &v;
  }
  return nullptr;
}

bool present(const std::string* raw) { return raw != nullptr && !raw->empty(); }

// A device key: 1..128 characters of [A-Za-z0-9_-] (moderation/validation.hpp).
bool device_key_form(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// An address key (core/address_key.hpp): an IPv4 address as inet_ntop writes
// it, or an IPv6 /64 written "<network>/64" with the low 64 bits zero.
bool address_key_form(const std::string& key) {
  in_addr v4{};
  char out[INET6_ADDRSTRLEN] = {};
  if (inet_pton(AF_INET, key.c_str(), &v4) == 1) {
    return inet_ntop(AF_INET, &v4, out, sizeof out) != nullptr && key == out;
  }
  if (!key.ends_with("/64")) return false;
  const std::string net = key.substr(0, key.size() - 3);
  in6_addr v6{};
  if (net.find('\0') != std::string::npos || inet_pton(AF_INET6, net.c_str(), &v6) != 1) return false;
  for (int i = 8; i < 16; ++i) {
    if (v6.s6_addr[i] != 0) return false;
  }
  return inet_ntop(AF_INET6, &v6, out, sizeof out) != nullptr && net == out;
}

// Params with every answer checked. `settle` holds for all readers: a reader
// that sets the error returns nothing, and an error once set never changes.
class CheckedParams {
 public:
  explicit CheckedParams(const http::Query& q) : q_(q), p_(q) {}

  std::optional<std::string> text(std::string_view name) {
    const std::string before = p_.error();
    auto v = p_.text(name);
    settle(before, v.has_value());
    const std::string* raw = first_value(q_, name);
    if (v) {
      check(present(raw) && *raw == *v && v->size() <= kMaxParamBytes);
    } else if (before.empty() && p_.ok()) {
      check(!present(raw));  // absent or empty: nothing else is dropped silently
    }
    return v;
  }

  std::optional<std::int64_t> integer(std::string_view name) {
    const std::string before = p_.error();
    auto v = p_.integer(name);
    settle(before, v.has_value());
    const std::string* raw = first_value(q_, name);
    if (v) {
      check(present(raw) && http::parse_int(*raw) == v);
    } else if (before.empty() && p_.ok()) {
      check(!present(raw));
    }
    return v;
  }

  std::optional<bool> boolean(std::string_view name) {
    const std::string before = p_.error();
    auto v = p_.boolean(name);
    settle(before, v.has_value());
    const std::string* raw = first_value(q_, name);
    if (v) {
      check(present(raw) && *raw == (*v ? "true" : "false"));
    } else if (before.empty() && p_.ok()) {
      check(!present(raw));
    }
    return v;
  }

  std::optional<std::string> ip(std::string_view name) {
    const std::string before = p_.error();
    auto v = p_.ip(name);
    settle(before, v.has_value());
    const std::string* raw = first_value(q_, name);
    if (v) {
      // Canonical, a fixed point, and the key of exactly what was sent: an
      // address literal has no NUL, so no bytes after one may be ignored.
      check(present(raw) && address_key_form(*v));
      check(serendip::core::address_key(*v) == v && serendip::core::address_key(*raw) == v);
      check(raw->find('\0') == std::string::npos);
    } else if (before.empty() && p_.ok()) {
      check(!present(raw));
    }
    return v;
  }

  std::optional<std::string> device(std::string_view name) {
    const std::string before = p_.error();
    auto v = p_.device(name);
    settle(before, v.has_value());
    const std::string* raw = first_value(q_, name);
    if (v) {
      check(present(raw) && *raw == *v && device_key_form(*v));
    } else if (before.empty() && p_.ok()) {
      check(!present(raw));
    }
    return v;
  }

  // ?limit= (1..200, default 50) and ?cursor=: an accepted page has the limit
  // that was asked for, never another number.
  void page() {
    const std::string before = p_.error();
    const serendip::store::PageRequest page = p_.page();
    settle(before, false);
    if (!p_.ok()) return;  // the handler answers 400 and reads no page
    check(page.limit >= kMinLimit && page.limit <= kMaxLimit);
    const std::string* limit = first_value(q_, "limit");
    check(present(limit) ? http::parse_int(*limit) == page.limit : page.limit == kDefaultLimit);
    const std::string* cursor = first_value(q_, "cursor");
    check(present(cursor) ? *cursor == page.cursor : page.cursor.empty());
    check(page.cursor.size() <= kMaxParamBytes);
  }

 private:
  void settle(const std::string& before, bool returned) {
    if (!before.empty()) check(p_.error() == before);
    if (before.empty() && !p_.ok()) check(!returned);
  }

  const http::Query& q_;  // Passed by argument.
  admin::Params p_;
};

// Fields with every answer checked, as CheckedParams.
class CheckedFields {
 public:
  explicit CheckedFields(const json::object& o) : o_(o), f_(o) {}

  void text(std::string_view key, bool required = false) {
    const std::string before = f_.error();
    auto v = f_.text(key, required);
    settle(before, v.has_value());
    const json::value* m = member(key);
    if (v) {
      check(m != nullptr && m->is_string() && m->get_string() == *v);
    } else if (before.empty()) {
      // Absent or null is no problem unless required; anything else is one.
      check(f_.ok() == (m == nullptr ? !required : m->is_null() ? !required : false));
    }
  }

  void boolean(std::string_view key) {
    const std::string before = f_.error();
    auto v = f_.boolean(key);
    settle(before, v.has_value());
    const json::value* m = member(key);
    if (v) {
      check(m != nullptr && m->is_bool() && m->get_bool() == *v);
    } else if (before.empty()) {
      check(f_.ok() == (m == nullptr || m->is_null()));
    }
  }

  void integer(std::string_view key) {
    const std::string before = f_.error();
    auto v = f_.integer(key);
    settle(before, v.has_value());
    const json::value* m = member(key);
    if (v) check(m != nullptr && integer_member(*m) == v);
    else if (before.empty() && f_.ok()) check(m == nullptr || m->is_null());
  }

  void strings(std::string_view key) {
    const std::string before = f_.error();
    auto v = f_.strings(key);
    settle(before, v.has_value());
    const json::value* m = member(key);
    if (v) {
      check(m != nullptr && m->is_array() && m->get_array().size() == v->size());
      for (std::size_t i = 0; i < v->size(); ++i) {
        const json::value& item = m->get_array()[i];
        check(item.is_string() && item.get_string() == (*v)[i]);
      }
    } else if (before.empty() && f_.ok()) {
      check(m == nullptr || m->is_null());
    }
  }

  // durationS (seconds) or "permanent": true, one of them; nullopt inside = permanent.
  void duration() {
    const std::string before = f_.error();
    auto d = f_.duration();
    settle(before, d.has_value());
    if (!before.empty()) return;
    const json::value* permanent = member("permanent");
    const json::value* seconds = member("durationS");
    const bool is_permanent = permanent != nullptr && permanent->is_bool() && permanent->get_bool();
    const bool has_seconds = seconds != nullptr && !seconds->is_null();
    if (!d) {
      check(!f_.ok());  // never nothing without a reason
    } else if (!d->has_value()) {
      check(is_permanent && !has_seconds);
    } else {
      check(!is_permanent && has_seconds && integer_member(*seconds) == **d);
    }
  }

 private:
  const json::value* member(std::string_view key) const { return o_.if_contains(key); }

  static std::optional<std::int64_t> integer_member(const json::value& v) {
    if (v.is_int64()) return v.get_int64();
    if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
      return static_cast<std::int64_t>(v.get_uint64());
    }
    return std::nullopt;
  }

  void settle(const std::string& before, bool returned) {
    if (!before.empty()) check(f_.error() == before);
    if (before.empty() && !f_.ok()) check(!returned);
  }

  const json::object& o_;  // Passed by argument.
  admin::Fields f_;
};

// The query parameters of each admin handler, in the order it reads them.
void read_params(const http::Query& q) {
  {  // list_reports
    CheckedParams p(q);
    p.text("status");
    p.text("reason");
    p.device("device");
    p.ip("ip");
    p.integer("since");
    p.integer("until");
    p.boolean("priority");
    p.page();
  }
  {  // list_blocks
    CheckedParams p(q);
    p.boolean("active");
    p.ip("ip");
    p.device("device");
    p.integer("reportId");
    p.page();
  }
  {  // lift_block
    CheckedParams p(q);
    p.text("reason");
  }
  {  // list_appeals
    CheckedParams p(q);
    p.text("status");
    p.integer("blockId");
    p.page();
  }
  {  // reputation
    CheckedParams p(q);
    p.text("ip");
    p.text("device");
  }
  {  // audit
    CheckedParams p(q);
    p.text("actor");
    p.text("action");
    p.text("target");
    p.integer("since");
    p.integer("until");
    p.page();
  }
}

// The JSON members of each admin handler that takes a body, in its order.
void read_fields(const json::object& o) {
  {  // create_block
    CheckedFields f(o);
    f.text("ip");
    f.text("device");
    f.text("reason");
    f.duration();
  }
  {  // bulk_blocks
    CheckedFields f(o);
    f.strings("ips");
    f.strings("devices");
    f.text("reason");
    f.duration();
  }
  {  // lift_block
    CheckedFields f(o);
    f.text("reason");
  }
  {  // decide_report
    CheckedFields f(o);
    f.text("action", true);
    f.text("note");
    f.boolean("blockIp");
    f.boolean("blockDevice");
    f.duration();
  }
  {  // decide_appeal
    CheckedFields f(o);
    f.text("action", true);
    f.text("note");
  }
  {  // post_report
    CheckedFields f(o);
    f.text("sessionId", true);
    f.text("reason", true);
    f.text("comment");
  }
  {  // post_appeal
    CheckedFields f(o);
    f.text("message", true);
    f.text("token");
    f.text("deviceId");
  }
  {  // create_account, then set_password
    CheckedFields f(o);
    f.text("username", true);
    f.text("password", true);
    f.text("role", true);
  }
}

// parse_query: nullopt only for a malformed %-escape; otherwise one pair per
// non-empty '&'-separated part.
void check_query(std::string_view query, const std::optional<http::Query>& q) {
  if (query.find('%') == std::string_view::npos) check(q.has_value());
  if (!q) return;
  std::size_t parts = 0;
  for (std::size_t start = 0; start <= query.size();) {
    std::size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    if (amp > start) ++parts;
    start = amp + 1;
  }
  check(q->size() == parts);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nl = input.find('\n');
  const std::string_view query = input.substr(0, nl);

  const std::optional<http::Query> q = http::parse_query(query);
  check_query(query, q);
  if (q) read_params(*q);

  http::Request req;
  req.method = "POST";
  req.headers.push_back({"content-type", "application/json"});
  if (nl != std::string_view::npos) req.body = std::string(input.substr(nl + 1));
  auto body = http::json_object_body(req, 64 * 1024, "body must be a JSON object", true);
  if (const auto* o = std::get_if<json::object>(&body)) read_fields(*o);
  return 0;
}
