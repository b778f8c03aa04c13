// Abuse prevention in Redis, as data: the keys, the arguments of lua/abuse.lua
// and lua/watch.lua, and the parsing of what they return. No I/O.
//
// Key layout (one slot per subject; docs/scaling.md):
//   ratelimit:ip:{<ip>}, ratelimit:device:{<device>}  HASH  <limit> -> "<level>:<at ms>"
//   abuse:ip:{<ip>}, abuse:device:{<device>}          HASH  detector state (see abuse.lua)
//   {serendip}:watch, {serendip}:watch:t              the watch list (watch.lua)
//   altcha:{<challenge>}                              a solved CAPTCHA, until it expires
//   login:pair:{<user>|<ip>}, login:ip:{<ip>}, login:all:{all}  HASH  the login throttle (login.lua)
// Times are unix milliseconds: every instance's clock takes part, so they are
// assumed to agree to well under a rate-limit window (NTP).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "abuse/abuse_detector.hpp"
#include "abuse/rate_limiter.hpp"
#include "core/login_rules.hpp"
#include "shared_state/match_protocol.hpp"

namespace serendip::shared_state {

// The subject of a limit: *_per_ip limits key by IP, the others by device.
abuse::SubjectKind subject_of(abuse::Limit limit);
std::string ratelimit_key(abuse::SubjectKind kind, std::string_view subject);
std::string abuse_key(abuse::SubjectKind kind, std::string_view subject);
std::string altcha_key(std::string_view challenge);
inline constexpr std::string_view kWatchKey = "{serendip}:watch";
inline constexpr std::string_view kWatchTimesKey = "{serendip}:watch:t";

// What a call of abuse.lua needs besides its own arguments.
struct AbuseSettings {
  abuse::RateLimitConfig limits;
  abuse::AbuseConfig rules;
};

// One rate limit for `key`; refused with a CAPTCHA when the rules ask one for
// a refused device.
ScriptCall abuse_take(const AbuseSettings& s, abuse::Limit limit, std::string_view key, std::int64_t now_ms);
// join (next: false) or next by `device` from `ip`: its limit, a CAPTCHA it
// owes, then its distinct IPs and its rapid joins/nexts.
ScriptCall abuse_match(const AbuseSettings& s, bool next, std::string_view device, std::string_view ip,
                       std::int64_t now_ms);
// An authenticated socket: the device's distinct IPs.
ScriptCall abuse_connect(const AbuseSettings& s, std::string_view device, std::string_view ip, std::int64_t now_ms);
// `viewer`'s safety shield hid `device`'s video: the device's distinct viewers.
// The reply parses like connect's (parse_connect), with the shield_blur rule.
ScriptCall abuse_shield(const AbuseSettings& s, std::string_view device, std::string_view viewer, std::int64_t now_ms);
// An authenticated socket: the IP's distinct devices.
ScriptCall abuse_seen(const AbuseSettings& s, std::string_view ip, std::string_view device, std::int64_t now_ms);
// "flag", "owed", "solved", "dismiss" on a device.
ScriptCall abuse_device_op(const AbuseSettings& s, std::string_view op, std::string_view device, std::int64_t now_ms);

struct AbuseReply {
  enum class Status : std::uint8_t { admit, rate_limited, captcha };
  Status status = Status::admit;
  std::int64_t retry_after_ms = 0;   // rate_limited
  std::int64_t difficulty = 0;       // captcha; rate_limited with a CAPTCHA asked; 0: none
  std::vector<abuse::RuleHit> hits;  // rules that fired (subject filled by the caller's key)
};
// The reply of take / match / connect; nullopt when it is not one.
std::optional<AbuseReply> parse_take(const std::vector<std::string>& reply);
std::optional<AbuseReply> parse_match(const std::vector<std::string>& reply, std::string_view device);
std::optional<AbuseReply> parse_connect(const std::vector<std::string>& reply, std::string_view device);

// watch.lua
ScriptCall watch_hit(const abuse::AbuseConfig& rules, const abuse::RuleHit& hit, bool captcha, std::int64_t difficulty,
                     std::int64_t now_ms);
ScriptCall watch_list(const abuse::AbuseConfig& rules, std::int64_t now_ms);
ScriptCall watch_subject_op(const abuse::AbuseConfig& rules, std::string_view op, std::string_view subject,
                            std::int64_t now_ms);
// {member, value, ...} in any order -> entries, most recently hit first; malformed pairs are skipped.
std::vector<abuse::WatchEntry> parse_watch_list(const std::vector<std::string>& reply);

std::optional<abuse::Rule> rule_from_string(std::string_view s);

// lua/login.lua: the admin login throttle (core/login_rules.hpp), one scope
// per key: login:pair:{<username>|<ip>}, login:ip:{<ip>}, login:all:{all}.
// op: "check" (-> {wait_ms}), "hit", "success". `subject`: for pair
// "<username>|<ip>" (core::login_pair_subject), for address
// the IP, ignored for all.
std::string login_key(core::LoginScope scope, std::string_view subject);
ScriptCall login_call(const core::LoginRules& rules, std::string_view op, core::LoginScope scope,
                      std::string_view subject, std::int64_t now_ms);

}  // namespace serendip::shared_state
