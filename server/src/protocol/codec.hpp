// Frames <-> messages. Decoder is the hot path of every incoming frame: it
// owns one reusable JSON parser over a fixed arena, so decoding a typical
// frame does not touch the heap. One Decoder per thread (not thread-safe).
// The encode_* functions build the server's frames.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/ice_server.hpp"
#include "protocol/messages.hpp"

namespace serendip::protocol {

class Decoder {
 public:
  explicit Decoder(Limits limits = {});
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // Parses and validates one text frame. On success the message's views stay
  // valid until the next call.
  std::variant<ClientMessage, DecodeError> decode(std::string_view frame);

  const Limits& limits() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct WireLimits {
  std::size_t max_frame_bytes;
  std::size_t max_sdp_bytes;
  std::size_t max_candidate_bytes;
  int messages_per_second;
  int messages_burst;
};

// Every encoder returns one complete JSON text frame. `re` is the id of the
// client message this directly answers, if any.
std::string encode_welcome(std::string_view user_id, const std::vector<core::IceServer>& ice_servers,
                           const WireLimits& limits, std::optional<std::int64_t> re);
std::string encode_queued(std::optional<std::int64_t> estimated_wait_ms, std::optional<std::int64_t> re);
std::string encode_matched(const core::MatchedEvent& e);
std::string encode_peer_left(std::string_view session_id, core::LeaveReason reason);
std::string encode_left(std::optional<std::int64_t> re);  // reply to `leave` (extension)
std::string encode_report_ack(std::string_view report_id, std::optional<std::int64_t> re);
std::string encode_draining(std::int64_t reconnect_after_ms);
std::string encode_banned(std::optional<std::string_view> until_rfc3339, std::string_view reason, bool appealable);
// `challenge_json` is the ALTCHA challenge object as JSON text (abuse::to_json).
std::string encode_captcha_required(std::string_view challenge_json, std::optional<std::int64_t> re);
std::string encode_captcha_ok(std::optional<std::int64_t> re);  // extension: the solution was accepted
std::string encode_error(core::ErrorCode code, std::string_view message, std::optional<std::int64_t> re,
                         std::optional<std::int64_t> retry_after_ms = std::nullopt);

}  // namespace serendip::protocol
