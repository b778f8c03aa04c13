// The matchmaking queue in Redis, as data: the key layout, the arguments of
// the scripts in lua/ (match_join, match_leave, match_reap) and the parsing of
// what they return. No I/O, so every rule here has a plain unit test; the
// client that sends these calls lives elsewhere.
//
// Key layout: everything of one mode shares the hash tag {mm:<mode>}, so each
// script call touches one slot of a Redis Cluster (docs/scaling.md):
//   {mm:video}:tickets   HASH  ticket -> record
//   {mm:video}:pairs     ZSET  "lo|hi" -> end of the repeat-pair cooldown (ms)
//   {mm:video}:excl      SET   "lo|hi" pairs kept apart by a report
//   {mm:video}:seq       queue sequence
//   {mm:video}:stats     HASH  matches, wait_avg
//   {mm:video}:q:<lang>  ZSET  ticket -> seq, one per language
// A ticket names one waiting socket: "<instance id>/<participant id>".
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/matchmaker.hpp"

namespace serendip::shared_state {

// A whole decimal integer (what Redis replies and inbox fields carry); nullopt
// on anything else, trailing characters included.
template <class Int>
std::optional<Int> parse_int(std::string_view s) {
  Int v{};
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc{} || p != end) return std::nullopt;
  return v;
}

struct ScriptCall {
  std::string_view script;  // name of lua/<script>.lua
  std::vector<std::string> keys;
  std::vector<std::string> args;
};

struct Ticket {
  std::string instance;
  core::ParticipantId participant = 0;
  friend bool operator==(const Ticket&, const Ticket&) = default;
};
std::string format_ticket(std::string_view instance, core::ParticipantId participant);
std::optional<Ticket> parse_ticket(std::string_view s);

// A waiting participant as the scripts store it: who it is (user id, device
// key, address: what a report about it needs) and what it asked for.
struct Record {
  std::uint64_t seq = 0;
  std::int64_t enqueued_ms = 0;
  std::string device;
  std::string region;
  std::vector<std::string> interests;  // ascending
  std::vector<std::string> languages;
  std::string user_id;
  std::string ip;
};
std::optional<Record> parse_record(std::string_view s);

std::string mode_tag(core::Mode mode);  // "{mm:video}"
std::string queue_key(core::Mode mode, std::string_view language);
// "lo|hi": the unordered pair of two device keys.
std::string pair_member(std::string_view device_a, std::string_view device_b);

// Reported pairs of a mode: {mm:<mode>}:reported, ZSET pair_member -> kept
// apart until (unix ms, on the shared clock); lua/reported.lua keeps it.
std::string reported_key(core::Mode mode);
// The release before kept them for good in a SET, {mm:<mode>}:excl;
// reported.lua moves what it finds there.
std::string legacy_excluded_key(core::Mode mode);
// The score of "for good" (9999-12-31 in unix ms: a double holds it exactly).
inline constexpr std::int64_t kReportedForeverMs = 253'402'300'799'999;
// The member saying the database's reported pairs were loaded into the key.
inline constexpr std::string_view kReportedLoadedMember = "~loaded";
// One upkeep call of reported.lua for `mode`: forget ended pairs, move up to
// `move` pairs of the release before's SET (each kept until `moved_until_ms`).
ScriptCall reported_upkeep_call(core::Mode mode, std::int64_t now_ms, std::int64_t moved_until_ms, int move);
struct ReportedUpkeep {
  bool loaded = false;  // the marker is there
  std::int64_t pairs = 0;
  std::int64_t moved = 0;
};
std::optional<ReportedUpkeep> parse_reported_upkeep(const std::vector<std::string>& reply);

// Fails (nullopt) on input the record format cannot carry: a '|' or ',' in a
// tag or the device key, or no language. The signaling layer validates tags
// long before this; the check keeps a bad caller from corrupting the queue.
struct Joiner {
  std::string_view ticket;
  std::string_view user_id;
  std::string_view device;
  std::string_view ip;
};
std::optional<ScriptCall> join_call(const Joiner& who, const core::Preferences& prefs,
                                    const core::MatchmakerConfig& config, std::int64_t now_ms, bool enqueue);
ScriptCall leave_call(core::Mode mode, std::string_view ticket, const std::vector<std::string>& languages);
ScriptCall reap_call(core::Mode mode, std::string_view instance, std::string_view cursor, std::size_t batch);

// match_join's reply, its elements as strings (integers in decimal).
struct Queued {
  std::uint64_t seq = 0;  // 0: not queued (a search for one that was matched meanwhile)
  std::int64_t enqueued_ms = 0;
  std::optional<std::int64_t> estimated_wait_ms;
};
struct Matched {
  Ticket offerer;
  Record offerer_record;
  Ticket answerer;
  Record answerer_record;
  std::int64_t now_ms = 0;
};
using JoinOutcome = std::variant<Queued, Matched>;
std::optional<JoinOutcome> parse_join_reply(const std::vector<std::string>& reply);

// What `who` learns about `peer` (common interests sorted, as in memory).
core::PeerInfo peer_info(const Record& who, const Record& peer);

}  // namespace serendip::shared_state
