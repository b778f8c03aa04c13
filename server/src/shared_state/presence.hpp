// Where a socket is, and what a match was, as data: the presence records that
// send a kick to the instances holding a banned device or address (and no
// other), and the session records that say which instance holds each side of
// a call. No I/O; RedisHub sends these commands (docs/scaling.md).
//
// Key layout (each key's hash tag is its subject: one slot per subject):
//   presence:device:{<device key>}  ZSET  "<instance>/<participant>" -> last write (unix ms)
//   presence:ip:{<ip>}              ZSET  the same, by client address
//   sessions:{<instance>}           HASH  the calls the instance holds a side of:
//                                         session id -> "<offerer ticket>|<answerer ticket>|<started unix ms>"
// A presence member is written when its socket connects and again every
// kPresenceRefreshMs while it stays; members not written for kPresenceTtlMs are
// dropped by the next write to their key, and a key nobody wrote to for that
// long expires. Readers also skip members of instances that are not live.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shared_state/match_protocol.hpp"

namespace serendip::shared_state {

inline constexpr std::int64_t kPresenceRefreshMs = 60'000;
inline constexpr std::int64_t kPresenceTtlMs = 3 * kPresenceRefreshMs;
// A kick reads at most this many members per key; a key that has this many
// (or more) is not trusted to be complete: the kick goes to every instance.
inline constexpr std::size_t kPresenceReadCap = 64;
// An instance's session records are written once per server tick (250 ms; a
// call that ends sooner is never written: the two changes cancel out in
// memory), and the key lives this long after the instance's last heartbeat
// (it is deleted at once by the instance that finds it dead).
inline constexpr std::int64_t kSessionsTtlMs = 30'000;
// At most this many fields per HSET or HDEL.
inline constexpr std::size_t kSessionsBatch = 256;

std::string presence_device_key(std::string_view device_key);
std::string presence_ip_key(std::string_view ip);
// The presence keys of a socket, or of a block's subjects (empty subjects have none).
std::vector<std::string> presence_keys(std::string_view device_key, std::string_view ip);

// presence_touch.lua: `member` is present now (and the key lives kPresenceTtlMs).
ScriptCall presence_touch_call(std::string_view key, std::string_view member, std::int64_t now_ms);
// The ZRANGE that reads a key's members written within the TTL (at most
// kPresenceReadCap of them, with their scores).
std::vector<std::string> presence_read_command(std::string_view key, std::int64_t now_ms);

// Where a kick must go, from the presence read of each of the block's keys
// (`replies[i]`: the flat [member, score, ...] ZRANGE WITHSCORES reply of key i).
struct KickPlan {
  // Send to every live instance: a key had kPresenceReadCap members or more.
  bool broadcast = false;
  // The instances other than `self` holding a socket of the subject, sorted, unique.
  std::vector<std::string> instances;
  // Per key: members of instances that are gone (not live, and written more
  // than `grace_ms` ago): the reader removes them.
  std::vector<std::vector<std::string>> stale;
};
// An instance that is not in `live` still gets the kick when its member was
// written within `grace_ms` (it may have started since the live list was read).
KickPlan plan_kick(std::span<const std::vector<std::string>> replies, std::span<const std::string> live,
                   std::string_view self, std::int64_t now_ms, std::int64_t grace_ms);

// The session records of one instance: the calls it holds a side of (both
// sides, or one when the peer is on another instance, which records the call
// too). Written in batches; an ended call's field is deleted (what a report
// needs stays in the instance that holds the reporter: net/recent_sessions.hpp).
std::string sessions_key(std::string_view instance);
std::string session_value(std::string_view offerer, std::string_view answerer, std::int64_t started_unix_ms);
// The commands for one batch: HSETs of the calls that started (id, value),
// then HDELs of those that ended, at most kSessionsBatch fields each.
std::vector<std::vector<std::string>> sessions_commands(std::string_view instance,
                                                        std::span<const std::pair<std::string, std::string>> started,
                                                        std::span<const std::string> ended);

}  // namespace serendip::shared_state
