// The moderation REST API (contract section 6) as one ApiHandler for
// RouterDeps::api_fallback, and the ban check for RouterDeps::admit_session.
//
// Admin routes (/api/v1/admin/...) take a Bearer admin JWT from
// POST /api/v1/admin/login: no, invalid, expired or anonymous-user tokens get
// 401, a moderator on an admin-only route gets 403. Lists are paginated with
// ?limit= (1..200, default 50) and ?cursor= (the previous page's nextCursor)
// and filtered by query parameters, every one validated and bound as a
// statement parameter. Public routes: POST /api/v1/appeals (a blocked user
// appeals) and POST /api/v1/reports (the REST twin of the WebSocket `report`).
// docs/openapi.yaml describes every route and body; admin_api.cpp holds the
// route table, and the handlers live one feature per file (admin_reports.cpp,
// admin_blocks.cpp, admin_appeals.cpp, admin_accounts.cpp, admin_insight.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "auth/jwt.hpp"
#include "core/clock.hpp"
#include "http/router.hpp"
#include "http/types.hpp"
#include "moderation/match_wait_heatmap.hpp"
#include "moderation/service.hpp"
#include "moderation/session_directory.hpp"

namespace serendip::http {

struct QueueLength {
  std::string mode;      // "video" | "text"
  std::string language;  // BCP-47 primary tag
  std::int64_t waiting = 0;
};

// Live figures for GET /api/v1/admin/stats, read from the hub.
struct LiveStats {
  std::int64_t online_users = 0;  // connected sockets past `hello`
  std::vector<QueueLength> queues;
  std::int64_t active_sessions = 0;
  double matches_per_minute = 0;            // over the last minute (or a short moving window)
  std::optional<double> p95_match_wait_ms;  // nullopt until a match was made
  std::optional<double> ice_success_rate;   // 0..1 over `ice_result` reports; nullopt until one came
  std::optional<double> turn_share;         // 0..1 of connected sessions with candidateType relay
  std::optional<double> shield_rate;        // 0..1: shield_blur sessions per connected session
  std::int64_t shield_blurs = 0;            // sessions a viewer's safety shield hid (this instance)
};

// The running server's live figures, supplied by the composition root that
// wires the server together; http/ only reads them. Thread-safe, quick:
// called per request.
class StatsProvider {
 public:
  virtual ~StatsProvider() = default;
  virtual LiveStats live_stats() const = 0;
  // The body of GET /api/v1/admin/watchlist: {"items": [...]}, the abuse
  // detector's watch list.
  virtual std::string watch_list_json() const { return R"({"items":[]})"; }
};

// For POST /api/v1/reports: the per-device report limit the WebSocket
// `report` also takes from. Return a rate_limited failure to refuse (429 with
// Retry-After), nullopt to go on. Thread-safe.
using ReportGate = std::function<std::optional<moderation::Failure>(std::string_view device_key)>;

struct AdminApiDeps {
  moderation::ModerationService& moderation;        // Passed by argument; outlives the handler.
  const auth::JwtCodec& jwt;                        // Passed by argument: verifies anonymous user tokens.
  const core::Clock& clock;                         // Passed by argument.
  const StatsProvider& stats;                       // Passed by argument.
  const moderation::SessionDirectory& sessions;     // Passed by argument: for POST /api/v1/reports.
  const moderation::MatchWaitHeatmap& match_waits;  // Passed by argument: fed by the hub.
  std::string device_key_secret;                    // the key auth::device_key hashes device ids with
  std::size_t max_body_bytes = 64 * 1024;
  ReportGate report_gate = {};  // optional; empty = no limit
};

// nullopt for paths that are not its own (the router then answers 404, or
// the CORS preflight for OPTIONS). Thread-safe.
ApiHandler make_admin_api(AdminApiDeps deps);

// Part of RouterDeps::admit_session: 403 banned for a caller whose IP
// (req.client_ip) or device (the device key the router passes) is blocked.
ImmediateCheck make_ban_check(moderation::ModerationService& moderation);

// 403 {"error":{"code":"banned","message":...,"until":RFC 3339|null,"reason":...,"appealable":...}}
Response banned_response(const moderation::BlockInfo& info);

}  // namespace serendip::http
