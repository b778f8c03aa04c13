// Internal to moderation/: functions and constants shared by the service's .cpp files (one
// per feature: reports, blocks, appeals, accounts; service.cpp holds the rest).
// Changes go through commit_audited() in audited.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "moderation/service.hpp"
#include "moderation/validation.hpp"
#include "obs/log.hpp"

namespace serendip::moderation::detail {

inline Failure fail(core::ErrorCode code, std::string message) { return Failure{code, std::move(message), 0}; }

// A store error as the client should see it; database trouble goes to the log.
inline Failure from_store(const store::Error& e, std::string_view what) {
  using store::ErrorKind;
  switch (e.kind) {
    case ErrorKind::conflict: return fail(core::ErrorCode::conflict, std::string(what) + ": conflict");
    case ErrorKind::not_found: return fail(core::ErrorCode::not_found, std::string(what) + ": not found");
    case ErrorKind::invalid: return fail(core::ErrorCode::bad_request, std::string(what) + ": invalid");
    case ErrorKind::unavailable:
      obs::log(obs::Level::error, "moderation", "store_unavailable", {{"op", what}, {"error", e.message}});
      return fail(core::ErrorCode::unavailable, "storage unavailable");
    case ErrorKind::internal: break;
  }
  obs::log(obs::Level::error, "moderation", "store_error", {{"op", what}, {"error", e.message}});
  return fail(core::ErrorCode::internal, "internal error");
}

// Text limits (characters).
inline constexpr std::size_t kMaxComment = 500;
inline constexpr std::size_t kMaxNote = 2000;
inline constexpr std::size_t kMaxAppeal = 2000;
inline constexpr std::size_t kMaxSessionId = 128;

// Free text from a client: valid UTF-8 and at most `max` characters.
inline std::optional<Failure> check_text(std::string_view text, std::size_t max, std::string_view what) {
  const auto n = utf8_length(text);
  if (!n) return fail(core::ErrorCode::bad_request, std::string(what) + " must be valid UTF-8");
  if (*n > max) {
    return fail(core::ErrorCode::bad_request,
                std::string(what) + " must be at most " + std::to_string(max) + " characters");
  }
  return std::nullopt;
}

// An audit entry's target: "report:12", "block:7".
inline std::string target(std::string_view kind, std::int64_t id) {
  return std::string(kind) + ":" + std::to_string(id);
}

// An IP as stored: canonical when it parses, as given otherwise (it came from our own socket layer).
inline std::string stored_ip(std::string_view ip) {
  if (ip.empty()) return {};
  auto c = canonical_ip(ip);
  return c ? *c : std::string(ip);
}

// The details of a block.create or block.lift audit entry. The audit chain
// cannot be rewritten when the retention period ends, so it never holds the
// raw address: `ipHash` is the keyed hash the blocks row keeps once its IP is
// erased (store/ip_privacy.hpp), which still ties the entry to the address.
inline std::string block_details(const store::Block& b, const store::IpPrivacy& ips) {
  JsonText j;
  if (!b.ip.empty()) j.add("ipHash", ips.hash(b.ip));
  if (!b.device_key.empty()) j.add("device", b.device_key);
  if (b.expires_at) {
    j.add("expiresAt", *b.expires_at);
  } else {
    j.add_null("expiresAt");
  }
  if (b.report_id) j.add("reportId", *b.report_id);
  return j.str();
}

// Audit actions, one place.
namespace action {
inline constexpr std::string_view report_create = "report.create";
inline constexpr std::string_view report_accept = "report.accept";
inline constexpr std::string_view report_reject = "report.reject";
inline constexpr std::string_view report_prioritize = "report.prioritize";
inline constexpr std::string_view block_create = "block.create";
inline constexpr std::string_view block_lift = "block.lift";
inline constexpr std::string_view appeal_create = "appeal.create";
inline constexpr std::string_view appeal_accept = "appeal.accept";
inline constexpr std::string_view appeal_reject = "appeal.reject";
inline constexpr std::string_view account_create = "account.create";
inline constexpr std::string_view account_password = "account.password";
inline constexpr std::string_view account_disable = "account.disable";
inline constexpr std::string_view account_enable = "account.enable";
inline constexpr std::string_view admin_login = "admin.login";
inline constexpr std::string_view admin_logout = "admin.logout";
}  // namespace action

}  // namespace serendip::moderation::detail
