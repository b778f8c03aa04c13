#include "shared_state/abuse_protocol.hpp"

#include <algorithm>
#include <array>

namespace serendip::shared_state {

namespace {

using abuse::Limit;
using abuse::Rule;
using abuse::SubjectKind;

std::string num(std::int64_t v) { return std::to_string(v); }
std::string flag(bool v) { return v ? "1" : "0"; }

std::string tagged(std::string_view prefix, SubjectKind kind, std::string_view subject) {
  std::string k(prefix);
  k += abuse::to_string(kind);
  k += ":{";
  k += subject;
  k += '}';
  return k;
}

// The state of a subject lives as long as the longest window that reads it.
std::int64_t state_ttl_ms(const abuse::AbuseConfig& r) {
  return std::max({r.rapid_join.window_ms, r.rapid_next.window_ms, r.devices_per_ip.window_ms,
                   r.ips_per_device.window_ms, r.shield_blur.window_ms, r.captcha.repeat_window_ms,
                   std::int64_t{1000}});
}

ScriptCall abuse_call(const AbuseSettings& s, SubjectKind kind, std::string_view subject, std::string_view op,
                      std::int64_t now_ms, std::vector<std::string> args) {
  ScriptCall call{"abuse", {ratelimit_key(kind, subject), abuse_key(kind, subject)}, {}};
  call.args.reserve(args.size() + 6);
  call.args.emplace_back(op);
  call.args.push_back(num(now_ms));
  for (auto& a : args) call.args.push_back(std::move(a));
  const auto& c = s.rules.captcha;
  call.args.push_back(num(c.base_difficulty));
  call.args.push_back(num(c.max_difficulty));
  call.args.push_back(num(c.repeat_window_ms));
  call.args.push_back(num(state_ttl_ms(s.rules)));
  return call;
}

// limit tokens per_ms burst cost captcha
void bucket_args(const AbuseSettings& s, Limit limit, std::vector<std::string>& out) {
  const abuse::LimitSpec& spec = s.limits[limit];
  const bool enabled = spec.enabled();
  out.emplace_back(abuse::to_string(limit));
  out.push_back(num(enabled ? spec.tokens : 0));
  out.push_back(num(spec.per_ms));
  out.push_back(num(enabled ? spec.burst : 0));
  out.emplace_back("1");
  // As the in-memory detector: a refused device may be asked for a CAPTCHA.
  out.push_back(
      flag(s.rules.watch_rate_limited && s.rules.captcha_on_rate_limited && subject_of(limit) == SubjectKind::device));
}

void rule_args(const AbuseSettings& s, const abuse::ThresholdRule& r, std::vector<std::string>& out) {
  out.push_back(num(r.count));
  out.push_back(num(r.window_ms));
  out.push_back(flag(r.captcha));
}

std::optional<std::int64_t> int_at(const std::vector<std::string>& v, std::size_t i) {
  if (i >= v.size()) return std::nullopt;
  return parse_int<std::int64_t>(v[i]);
}

// rule, count pairs from `from` on.
bool parse_hits(const std::vector<std::string>& v, std::size_t from, std::string_view device,
                std::vector<abuse::RuleHit>& out) {
  if ((v.size() - from) % 2 != 0) return false;
  for (std::size_t i = from; i + 1 < v.size(); i += 2) {
    auto rule = rule_from_string(v[i]);
    auto count = parse_int<int>(v[i + 1]);
    if (!rule || !count) return false;
    out.push_back(abuse::RuleHit{*rule, SubjectKind::device, std::string(device), *count});
  }
  return true;
}

constexpr std::array<Rule, abuse::kRuleCount> kRules{
    Rule::rapid_join,         Rule::rapid_next,   Rule::devices_per_ip, Rule::ips_per_device,
    Rule::distinct_reporters, Rule::rate_limited, Rule::shield_blur};

std::vector<std::string> watch_head(const abuse::AbuseConfig& rules, std::string_view op, std::int64_t now_ms) {
  return {std::string(op), num(now_ms), num(std::max<std::int64_t>(1, rules.watch_ttl_ms)),
          num(static_cast<std::int64_t>(std::max<std::size_t>(1, rules.caps.watch)))};
}

}  // namespace

abuse::SubjectKind subject_of(abuse::Limit limit) {
  return limit == Limit::session_per_ip || limit == Limit::connect_per_ip ? SubjectKind::ip : SubjectKind::device;
}

std::string ratelimit_key(SubjectKind kind, std::string_view subject) { return tagged("ratelimit:", kind, subject); }
std::string abuse_key(SubjectKind kind, std::string_view subject) { return tagged("abuse:", kind, subject); }

std::string altcha_key(std::string_view challenge) {
  std::string k = "altcha:{";
  k += challenge;
  k += '}';
  return k;
}

std::optional<abuse::Rule> rule_from_string(std::string_view s) {
  for (Rule r : kRules) {
    if (abuse::to_string(r) == s) return r;
  }
  return std::nullopt;
}

ScriptCall abuse_take(const AbuseSettings& s, Limit limit, std::string_view key, std::int64_t now_ms) {
  std::vector<std::string> args;
  bucket_args(s, limit, args);
  return abuse_call(s, subject_of(limit), key, "take", now_ms, std::move(args));
}

ScriptCall abuse_match(const AbuseSettings& s, bool next, std::string_view device, std::string_view ip,
                       std::int64_t now_ms) {
  std::vector<std::string> args;
  bucket_args(s, next ? Limit::next_per_device : Limit::join_per_device, args);
  args.emplace_back(next ? "n" : "j");
  rule_args(s, next ? s.rules.rapid_next : s.rules.rapid_join, args);
  args.emplace_back(ip);
  rule_args(s, s.rules.ips_per_device, args);
  return abuse_call(s, SubjectKind::device, device, "match", now_ms, std::move(args));
}

ScriptCall abuse_connect(const AbuseSettings& s, std::string_view device, std::string_view ip, std::int64_t now_ms) {
  std::vector<std::string> args{std::string(ip)};
  rule_args(s, s.rules.ips_per_device, args);
  return abuse_call(s, SubjectKind::device, device, "connect", now_ms, std::move(args));
}

ScriptCall abuse_shield(const AbuseSettings& s, std::string_view device, std::string_view viewer, std::int64_t now_ms) {
  std::vector<std::string> args{std::string(viewer)};
  rule_args(s, s.rules.shield_blur, args);
  return abuse_call(s, SubjectKind::device, device, "shield", now_ms, std::move(args));
}

ScriptCall abuse_seen(const AbuseSettings& s, std::string_view ip, std::string_view device, std::int64_t now_ms) {
  std::vector<std::string> args{std::string(device), num(s.rules.devices_per_ip.count),
                                num(s.rules.devices_per_ip.window_ms)};
  return abuse_call(s, SubjectKind::ip, ip, "seen", now_ms, std::move(args));
}

ScriptCall abuse_device_op(const AbuseSettings& s, std::string_view op, std::string_view device, std::int64_t now_ms) {
  return abuse_call(s, SubjectKind::device, device, op, now_ms, {});
}

std::optional<AbuseReply> parse_take(const std::vector<std::string>& reply) {
  auto first = int_at(reply, 0);
  if (!first) return std::nullopt;
  if (*first == 1 && reply.size() == 1) return AbuseReply{};
  auto retry = int_at(reply, 1);
  auto difficulty = int_at(reply, 2);
  if (*first != 0 || reply.size() != 3 || !retry || !difficulty) return std::nullopt;
  return AbuseReply{AbuseReply::Status::rate_limited, *retry, *difficulty, {}};
}

std::optional<AbuseReply> parse_match(const std::vector<std::string>& reply, std::string_view device) {
  auto status = int_at(reply, 0);
  auto value = int_at(reply, 1);
  if (!status || !value) return std::nullopt;
  AbuseReply out;
  switch (*status) {
    case 0: break;
    case 1: {
      auto difficulty = int_at(reply, 2);
      if (reply.size() != 3 || !difficulty) return std::nullopt;
      return AbuseReply{AbuseReply::Status::rate_limited, *value, *difficulty, {}};
    }
    case 2:
      out.status = AbuseReply::Status::captcha;
      out.difficulty = *value;
      break;
    default: return std::nullopt;
  }
  if (!parse_hits(reply, 2, device, out.hits)) return std::nullopt;
  return out;
}

std::optional<AbuseReply> parse_connect(const std::vector<std::string>& reply, std::string_view device) {
  auto difficulty = int_at(reply, 0);
  if (!difficulty) return std::nullopt;
  AbuseReply out;
  if (*difficulty > 0) {
    out.status = AbuseReply::Status::captcha;
    out.difficulty = *difficulty;
  }
  if (!parse_hits(reply, 1, device, out.hits)) return std::nullopt;
  return out;
}

ScriptCall watch_hit(const abuse::AbuseConfig& rules, const abuse::RuleHit& hit, bool captcha, std::int64_t difficulty,
                     std::int64_t now_ms) {
  ScriptCall call{"watch", {std::string(kWatchKey), std::string(kWatchTimesKey)}, watch_head(rules, "hit", now_ms)};
  std::string member(abuse::to_string(hit.kind));
  member += '|';
  member += abuse::to_string(hit.rule);
  member += '|';
  member += hit.subject;
  call.args.push_back(std::move(member));
  call.args.push_back(num(hit.count));
  call.args.push_back(flag(captcha));
  call.args.push_back(num(std::max<std::int64_t>(0, difficulty)));
  return call;
}

ScriptCall watch_list(const abuse::AbuseConfig& rules, std::int64_t now_ms) {
  return ScriptCall{"watch", {std::string(kWatchKey), std::string(kWatchTimesKey)}, watch_head(rules, "list", now_ms)};
}

ScriptCall watch_subject_op(const abuse::AbuseConfig& rules, std::string_view op, std::string_view subject,
                            std::int64_t now_ms) {
  ScriptCall call{"watch", {std::string(kWatchKey), std::string(kWatchTimesKey)}, watch_head(rules, op, now_ms)};
  call.args.emplace_back(subject);
  return call;
}

std::string login_key(core::LoginScope scope, std::string_view subject) {
  switch (scope) {
    case core::LoginScope::pair: return "login:pair:{" + std::string(subject) + "}";
    case core::LoginScope::address: return "login:ip:{" + std::string(subject) + "}";
    case core::LoginScope::all: return "login:all:{all}";
  }
  return "login:all:{all}";
}

ScriptCall login_call(const core::LoginRules& r, std::string_view op, core::LoginScope scope, std::string_view subject,
                      std::int64_t now_ms) {
  std::string_view scope_name = scope == core::LoginScope::pair      ? "pair"
                                : scope == core::LoginScope::address ? "address"
                                                                     : "all";
  return ScriptCall{"login",
                    {login_key(scope, subject)},
                    {std::string(op), num(now_ms), std::string(scope_name), num(std::max(0, r.pair_free)),
                     num(std::max(0, r.address_free)), num(std::max<std::int64_t>(1, r.first_delay_ms)),
                     num(std::max<std::int64_t>(1, r.max_delay_ms)), num(std::max<std::int64_t>(1, r.forget_after_ms)),
                     num(std::max(1, r.all_max)), num(std::max<std::int64_t>(1, r.all_window_ms))}};
}

std::vector<abuse::WatchEntry> parse_watch_list(const std::vector<std::string>& reply) {
  std::vector<abuse::WatchEntry> out;
  for (std::size_t i = 0; i + 1 < reply.size(); i += 2) {
    // member "<kind>|<rule>|<subject>", value "count|hits|first|last|captcha|difficulty"
    std::string_view m = reply[i];
    const auto a = m.find('|');
    const auto b = a == std::string_view::npos ? a : m.find('|', a + 1);
    if (b == std::string_view::npos) continue;
    const std::string_view kind = m.substr(0, a);
    auto rule = rule_from_string(m.substr(a + 1, b - a - 1));
    if (!rule || (kind != "device" && kind != "ip")) continue;
    std::array<std::int64_t, 6> f{};
    std::string_view v = reply[i + 1];
    bool ok = true;
    for (std::size_t k = 0; k < f.size(); ++k) {
      const auto bar = v.find('|');
      auto n = parse_int<std::int64_t>(v.substr(0, bar));
      if (!n || (bar == std::string_view::npos) != (k + 1 == f.size())) {
        ok = false;
        break;
      }
      f[k] = *n;
      v = bar == std::string_view::npos ? std::string_view{} : v.substr(bar + 1);
    }
    if (!ok) continue;
    abuse::WatchEntry e;
    e.kind = kind == "ip" ? SubjectKind::ip : SubjectKind::device;
    e.subject = std::string(m.substr(b + 1));
    e.rule = *rule;
    e.count = static_cast<int>(f[0]);
    e.hits = static_cast<std::uint64_t>(f[1]);
    e.first_seen_unix_ms = f[2];
    e.last_seen_unix_ms = f[3];
    e.captcha_required = f[4] != 0;
    e.captcha_pending = f[5] > 0;
    e.difficulty = f[5];
    out.push_back(std::move(e));
  }
  // Most recently hit first, as the in-memory list; ties by subject, then rule, for a stable order.
  std::sort(out.begin(), out.end(), [](const abuse::WatchEntry& a, const abuse::WatchEntry& b) {
    if (a.last_seen_unix_ms != b.last_seen_unix_ms) return a.last_seen_unix_ms > b.last_seen_unix_ms;
    if (a.subject != b.subject) return a.subject < b.subject;
    return a.rule < b.rule;
  });
  return out;
}

}  // namespace serendip::shared_state
