// Wire messages of contract section 3, as plain structs. The codec turns
// frames into these (validating every field) and events into frames.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error_code.hpp"
#include "core/matchmaker.hpp"

namespace serendip::protocol {

struct Limits {
  std::size_t max_frame_bytes = 32 * 1024;  // larger frames: close 1009 (enforced in net/)
  std::size_t max_sdp_bytes = 16 * 1024;    // larger sdp: error too_large
  std::size_t max_candidate_bytes = 1024;   // larger candidate object: error too_large
  std::size_t max_comment_chars = 500;
  std::size_t max_languages = 5;
  std::size_t max_interests = 10;
  std::size_t max_interest_chars = 32;
  std::size_t max_region_chars = 32;
  std::size_t max_time_zone_chars = 64;   // join.timeZone
  std::size_t max_token_bytes = 4096;     // hello.token
  std::size_t max_session_id_bytes = 64;  // sessionId of offer/answer/ice/report/ice_result
};

enum class ClientType : std::uint8_t {
  hello,
  join,
  offer,
  answer,
  ice,
  next,
  leave,
  report,
  ice_result,
  captcha,
  shield_blur,
};
std::string_view to_string(ClientType t);
std::optional<ClientType> client_type_from_string(std::string_view s);  // exact wire name

enum class ReportReason : std::uint8_t { nudity, harassment, spam, underage, violence, other };
std::string_view to_string(ReportReason r);
std::optional<ReportReason> report_reason_from_string(std::string_view s);

enum class CandidateType : std::uint8_t { host, srflx, prflx, relay };
std::string_view to_string(CandidateType t);
std::optional<CandidateType> candidate_type_from_string(std::string_view s);

// Views point into the decoder's storage: valid until its next decode().
struct HelloMsg {
  std::string_view token;
};
struct JoinMsg {
  core::Preferences prefs;
  // The area of join.timeZone ("Europe" of "Europe/Berlin"), "" when absent or
  // not a plausible area. The handler turns it into a region (core::RegionMap).
  std::string time_zone_area;
};
// offer / answer / ice: validated; net/ forwards the original frame bytes.
struct RelayMsg {
  std::string_view session_id;
};
struct NextMsg {};
struct LeaveMsg {};
// The reporter's safety shield verdict on the peer's video (metadata only:
// the classifier runs in the reporter's browser; no image is ever sent).
enum class ShieldVerdict : std::uint8_t { nudity, suggestive };
std::string_view to_string(ShieldVerdict v);
std::optional<ShieldVerdict> shield_verdict_from_string(std::string_view s);
struct ShieldMeta {
  ShieldVerdict verdict;
  int score_permille = 0;  // the classifier's score, 0..1000 (the wire's 0..1, rounded)
};
struct ReportMsg {
  std::string_view session_id;
  ReportReason reason;
  std::string_view comment;  // may be empty
  std::optional<ShieldMeta> shield;
};
struct IceResultMsg {
  std::string_view session_id;
  bool connected = false;
  std::optional<CandidateType> candidate_type;
  std::optional<std::int64_t> time_to_connect_ms;
};
// The sender's safety shield hid the stranger's video in this session (no
// image, no score: a weak signal for the abuse detector).
struct ShieldBlurMsg {
  std::string_view session_id;
};
struct CaptchaMsg {
  std::string_view payload;  // as sent (a string, or an object re-serialized)
};

struct ClientMessage {
  ClientType type;
  std::optional<std::int64_t> id;  // echoed as "re" in the direct reply
  std::variant<HelloMsg, JoinMsg, RelayMsg, NextMsg, LeaveMsg, ReportMsg, IceResultMsg, CaptchaMsg, ShieldBlurMsg> body;
};

struct DecodeError {
  core::ErrorCode code;            // bad_request or too_large
  std::string message;             // safe to show the client
  std::optional<std::int64_t> id;  // the frame's id, when it could be read
};

}  // namespace serendip::protocol
