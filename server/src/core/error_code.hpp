// The one list of error codes a client can see, each with its wire string and
// the HTTP status it maps to. Every REST and WebSocket error goes through here.
#pragma once

#include <cstdint>
#include <string_view>

namespace serendip::core {

enum class ErrorCode : std::uint8_t {
  bad_request,
  unauthorized,
  forbidden,
  not_found,
  method_not_allowed,
  not_in_session,
  too_large,
  rate_limited,
  captcha_required,
  banned,
  conflict,
  unavailable,
  internal,
};

constexpr std::string_view wire_name(ErrorCode c) {
  switch (c) {
    case ErrorCode::bad_request: return "bad_request";
    case ErrorCode::unauthorized: return "unauthorized";
    case ErrorCode::forbidden: return "forbidden";
    case ErrorCode::not_found: return "not_found";
    case ErrorCode::method_not_allowed: return "method_not_allowed";
    case ErrorCode::not_in_session: return "not_in_session";
    case ErrorCode::too_large: return "too_large";
    case ErrorCode::rate_limited: return "rate_limited";
    case ErrorCode::captcha_required: return "captcha_required";
    case ErrorCode::banned: return "banned";
    case ErrorCode::conflict: return "conflict";
    case ErrorCode::unavailable: return "unavailable";
    case ErrorCode::internal: return "internal";
  }
  return "internal";
}

constexpr int http_status(ErrorCode c) {
  switch (c) {
    case ErrorCode::bad_request: return 400;
    case ErrorCode::unauthorized: return 401;
    case ErrorCode::forbidden: return 403;
    case ErrorCode::not_found: return 404;
    case ErrorCode::method_not_allowed: return 405;
    case ErrorCode::not_in_session: return 409;
    case ErrorCode::too_large: return 413;
    case ErrorCode::rate_limited: return 429;
    case ErrorCode::captcha_required:
    case ErrorCode::banned: return 403;
    case ErrorCode::conflict: return 409;
    case ErrorCode::unavailable: return 503;
    case ErrorCode::internal: return 500;
  }
  return 500;
}

// WebSocket close codes used by the server (contract section 3).
namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t protocol_error = 1002;   // a frame RFC 6455 forbids
inline constexpr std::uint16_t invalid_payload = 1007;  // text that is not UTF-8
inline constexpr std::uint16_t policy_violation = 1008;
inline constexpr std::uint16_t too_big = 1009;
inline constexpr std::uint16_t internal_error = 1011;
inline constexpr std::uint16_t no_hello = 4001;
inline constexpr std::uint16_t banned = 4003;
}  // namespace close_code

}  // namespace serendip::core
