// Server -> client frames. Each encoder builds a json::object and serializes
// it: Boost.JSON does the escaping, so any string (user ids, reasons, messages)
// is safe to pass. The object is built in a stack arena, so an encode costs
// one heap allocation (the returned string) for typical frames.
#include "protocol/codec.hpp"

#include <boost/json/array.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace json = boost::json;

namespace serendip::protocol {
namespace {

json::string_view sv(std::string_view s) { return json::string_view(s.data(), s.size()); }

// Memory for building one frame's object; spills to the heap if a frame ever
// needs more (a welcome with dozens of ICE servers).
// buffer_ is raw storage the arena hands out: zeroing 4 KiB per frame would be wasted.
class Scratch {  // NOLINT(cppcoreguidelines-pro-type-member-init)
 public:
  json::storage_ptr storage() { return json::storage_ptr(&resource_); }

 private:
  alignas(std::max_align_t) unsigned char buffer_[4096];
  json::monotonic_resource resource_{buffer_, sizeof buffer_};
};

json::object typed(Scratch& scratch, std::string_view type) {
  json::object o(scratch.storage());
  o["type"] = sv(type);
  return o;
}

void put_re(json::object& o, std::optional<std::int64_t> re) {
  if (re) o["re"] = *re;
}

json::array string_array(const std::vector<std::string>& items, json::storage_ptr sp) {
  json::array a(std::move(sp));
  a.reserve(items.size());
  for (const std::string& s : items) a.emplace_back(sv(s));
  return a;
}

}  // namespace

std::string encode_welcome(std::string_view user_id, const std::vector<core::IceServer>& ice_servers,
                           const WireLimits& limits, std::optional<std::int64_t> re) {
  Scratch scratch;
  json::object o = typed(scratch, "welcome");
  o["userId"] = sv(user_id);
  json::array servers(scratch.storage());
  servers.reserve(ice_servers.size());
  for (const core::IceServer& s : ice_servers) {
    json::object entry(scratch.storage());
    entry["urls"] = string_array(s.urls, scratch.storage());
    if (!s.username.empty()) entry["username"] = sv(s.username);
    if (!s.credential.empty()) entry["credential"] = sv(s.credential);
    servers.emplace_back(std::move(entry));
  }
  o["iceServers"] = std::move(servers);
  json::object wire_limits(scratch.storage());
  wire_limits["maxFrameBytes"] = limits.max_frame_bytes;
  wire_limits["maxSdpBytes"] = limits.max_sdp_bytes;
  wire_limits["maxCandidateBytes"] = limits.max_candidate_bytes;
  wire_limits["messagesPerSecond"] = limits.messages_per_second;
  wire_limits["messagesBurst"] = limits.messages_burst;
  o["limits"] = std::move(wire_limits);
  put_re(o, re);
  return json::serialize(o);
}

std::string encode_queued(std::optional<std::int64_t> estimated_wait_ms, std::optional<std::int64_t> re) {
  Scratch scratch;
  json::object o = typed(scratch, "queued");
  if (estimated_wait_ms) o["estimatedWaitMs"] = *estimated_wait_ms;
  put_re(o, re);
  return json::serialize(o);
}

std::string encode_matched(const core::MatchedEvent& e) {
  Scratch scratch;
  json::object o = typed(scratch, "matched");
  o["sessionId"] = sv(e.session_id);
  o["role"] = sv(core::to_string(e.role));
  json::object peer(scratch.storage());
  peer["languages"] = string_array(e.peer_info.languages, scratch.storage());
  if (e.peer_info.region.empty()) {
    peer["region"] = nullptr;
  } else {
    peer["region"] = sv(e.peer_info.region);
  }
  peer["commonInterests"] = string_array(e.peer_info.common_interests, scratch.storage());
  o["peer"] = std::move(peer);
  return json::serialize(o);
}

std::string encode_peer_left(std::string_view session_id, core::LeaveReason reason) {
  Scratch scratch;
  json::object o = typed(scratch, "peer_left");
  o["sessionId"] = sv(session_id);
  o["reason"] = sv(core::to_string(reason));
  return json::serialize(o);
}

std::string encode_left(std::optional<std::int64_t> re) {
  Scratch scratch;
  json::object o = typed(scratch, "left");
  put_re(o, re);
  return json::serialize(o);
}

std::string encode_report_ack(std::string_view report_id, std::optional<std::int64_t> re) {
  Scratch scratch;
  json::object o = typed(scratch, "report_ack");
  o["reportId"] = sv(report_id);
  put_re(o, re);
  return json::serialize(o);
}

std::string encode_draining(std::int64_t reconnect_after_ms) {
  Scratch scratch;
  json::object o = typed(scratch, "draining");
  o["reconnectAfterMs"] = reconnect_after_ms;
  return json::serialize(o);
}

std::string encode_banned(std::optional<std::string_view> until_rfc3339, std::string_view reason, bool appealable) {
  Scratch scratch;
  json::object o = typed(scratch, "banned");
  if (until_rfc3339) {
    o["until"] = sv(*until_rfc3339);
  } else {
    o["until"] = nullptr;
  }
  o["reason"] = sv(reason);
  o["appealable"] = appealable;
  return json::serialize(o);
}

std::string encode_error(core::ErrorCode code, std::string_view message, std::optional<std::int64_t> re,
                         std::optional<std::int64_t> retry_after_ms) {
  Scratch scratch;
  json::object o = typed(scratch, "error");
  o["code"] = sv(core::wire_name(code));
  o["message"] = sv(message);
  put_re(o, re);
  if (retry_after_ms) o["retryAfterMs"] = *retry_after_ms;
  return json::serialize(o);
}

std::string encode_captcha_required(std::string_view challenge_json, std::optional<std::int64_t> re) {
  // The challenge is already JSON made by the server itself; splice it in.
  std::string out = R"({"type":"captcha_required","challenge":)";
  out.append(challenge_json);
  if (re) out += ",\"re\":" + std::to_string(*re);
  out += '}';
  return out;
}

std::string encode_captcha_ok(std::optional<std::int64_t> re) {
  std::string out = R"({"type":"captcha_ok")";
  if (re) out += ",\"re\":" + std::to_string(*re);
  out += '}';
  return out;
}

}  // namespace serendip::protocol
