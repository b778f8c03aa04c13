#include "shared_state/match_protocol.hpp"

#include <algorithm>
#include <charconv>
#include <iterator>

#include "shared_state/lua_scripts.hpp"

namespace serendip::shared_state {

namespace {

// Lua formats large numbers (the wait average) as floats: "1234.5", "1e+20".
std::optional<std::int64_t> to_ms(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (auto i = parse_int<std::int64_t>(s)) return i;
  double d = 0;
  const auto* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, d);
  if (ec != std::errc{} || p != end || !(d >= 0) || d > 1e15) return std::nullopt;
  return static_cast<std::int64_t>(d + 0.5);
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const auto at = s.find(sep);
    if (at != 0) out.emplace_back(s.substr(0, at));
    if (at == std::string_view::npos) break;
    s.remove_prefix(at + 1);
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, char sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

bool plain(std::string_view s) { return s.find_first_of("|,") == std::string_view::npos; }

}  // namespace

std::string_view lua_script(std::string_view name) {
  for (const LuaScript& s : lua_scripts()) {
    if (s.name == name) return s.source;
  }
  return {};
}

std::string format_ticket(std::string_view instance, core::ParticipantId participant) {
  std::string t(instance);
  t += '/';
  t += std::to_string(participant);
  return t;
}

std::optional<Ticket> parse_ticket(std::string_view s) {
  const auto slash = s.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  auto id = parse_int<core::ParticipantId>(s.substr(slash + 1));
  if (!id) return std::nullopt;
  return Ticket{std::string(s.substr(0, slash)), *id};
}

std::optional<Record> parse_record(std::string_view s) {
  std::vector<std::string_view> f;
  while (true) {
    const auto at = s.find('|');
    f.push_back(s.substr(0, at));
    if (at == std::string_view::npos) break;
    s.remove_prefix(at + 1);
  }
  if (f.size() != 8) return std::nullopt;
  auto seq = parse_int<std::uint64_t>(f[0]);
  auto enq = parse_int<std::int64_t>(f[1]);
  if (!seq || !enq) return std::nullopt;
  return Record{*seq,
                *enq,
                std::string(f[2]),
                std::string(f[3]),
                split(f[4], ','),
                split(f[5], ','),
                std::string(f[6]),
                std::string(f[7])};
}

std::string mode_tag(core::Mode mode) {
  std::string t = "{mm:";
  t += core::to_string(mode);
  t += '}';
  return t;
}

std::string queue_key(core::Mode mode, std::string_view language) {
  std::string k = mode_tag(mode);
  k += ":q:";
  k += language;
  return k;
}

std::string pair_member(std::string_view device_a, std::string_view device_b) {
  if (device_b < device_a) std::swap(device_a, device_b);
  std::string m(device_a);
  m += '|';
  m += device_b;
  return m;
}

std::string reported_key(core::Mode mode) { return mode_tag(mode) + ":reported"; }
std::string legacy_excluded_key(core::Mode mode) { return mode_tag(mode) + ":excl"; }

ScriptCall reported_upkeep_call(core::Mode mode, std::int64_t now_ms, std::int64_t moved_until_ms, int move) {
  return ScriptCall{"reported",
                    {reported_key(mode), legacy_excluded_key(mode)},
                    {std::to_string(now_ms), std::to_string(moved_until_ms), std::to_string(kReportedForeverMs),
                     std::to_string(move)}};
}

std::optional<ReportedUpkeep> parse_reported_upkeep(const std::vector<std::string>& reply) {
  if (reply.size() != 3) return std::nullopt;
  auto loaded = parse_int<int>(reply[0]);
  auto pairs = parse_int<std::int64_t>(reply[1]);
  auto moved = parse_int<std::int64_t>(reply[2]);
  if (!loaded || !pairs || !moved || (*loaded != 0 && *loaded != 1)) return std::nullopt;
  return ReportedUpkeep{.loaded = *loaded == 1, .pairs = *pairs, .moved = *moved};
}

std::optional<ScriptCall> join_call(const Joiner& who, const core::Preferences& prefs,
                                    const core::MatchmakerConfig& config, std::int64_t now_ms, bool enqueue) {
  const core::Mode mode = prefs.mode;
  if (prefs.languages.empty() || who.device.empty() || !plain(who.device) || !plain(prefs.region) ||
      !plain(who.ticket) || !plain(who.user_id) || !plain(who.ip)) {
    return std::nullopt;
  }
  for (const auto& t : prefs.languages) {
    if (t.empty() || !plain(t)) return std::nullopt;
  }
  for (const auto& t : prefs.interests) {
    if (t.empty() || !plain(t)) return std::nullopt;
  }
  const std::string tag = mode_tag(mode);
  ScriptCall call{
      "match_join", {tag + ":tickets", tag + ":pairs", tag + ":reported", tag + ":seq", tag + ":stats"}, {}};
  for (const auto& l : prefs.languages) call.keys.push_back(queue_key(mode, l));
  std::vector<std::string> interests = prefs.interests;
  std::sort(interests.begin(), interests.end());
  call.args = {std::to_string(now_ms),
               std::string(who.ticket),
               std::string(who.device),
               prefs.region,
               join(interests, ','),
               join(prefs.languages, ','),
               std::to_string(config.widen_region_after_ms),
               std::to_string(config.repeat_pair_cooldown_ms),
               std::to_string(config.scan_limit),
               config.allow_same_device ? "1" : "0",
               enqueue ? "1" : "0",
               std::string(who.user_id),
               std::string(who.ip)};
  return call;
}

ScriptCall leave_call(core::Mode mode, std::string_view ticket, const std::vector<std::string>& languages) {
  ScriptCall call{"match_leave", {mode_tag(mode) + ":tickets"}, {std::string(ticket)}};
  for (const auto& l : languages) call.keys.push_back(queue_key(mode, l));
  return call;
}

ScriptCall reap_call(core::Mode mode, std::string_view instance, std::string_view cursor, std::size_t batch) {
  return ScriptCall{
      "match_reap", {mode_tag(mode) + ":tickets"}, {std::string(instance), std::string(cursor), std::to_string(batch)}};
}

std::optional<JoinOutcome> parse_join_reply(const std::vector<std::string>& reply) {
  if (reply.empty()) return std::nullopt;
  if (reply[0] == "0" && reply.size() == 4) {
    auto seq = parse_int<std::uint64_t>(reply[1]);
    auto enq = parse_int<std::int64_t>(reply[2]);
    if (!seq || !enq) return std::nullopt;
    return Queued{*seq, *enq, to_ms(reply[3])};
  }
  if (reply[0] == "1" && reply.size() == 6) {
    auto offerer = parse_ticket(reply[1]);
    auto offerer_record = parse_record(reply[2]);
    auto answerer = parse_ticket(reply[3]);
    auto answerer_record = parse_record(reply[4]);
    auto now = parse_int<std::int64_t>(reply[5]);
    if (!offerer || !offerer_record || !answerer || !answerer_record || !now) return std::nullopt;
    return Matched{std::move(*offerer), std::move(*offerer_record), std::move(*answerer), std::move(*answerer_record),
                   *now};
  }
  return std::nullopt;
}

core::PeerInfo peer_info(const Record& who, const Record& peer) {
  std::vector<std::string> common;
  std::set_intersection(who.interests.begin(), who.interests.end(), peer.interests.begin(), peer.interests.end(),
                        std::back_inserter(common));
  return core::PeerInfo{peer.languages, peer.region, std::move(common)};
}

}  // namespace serendip::shared_state
