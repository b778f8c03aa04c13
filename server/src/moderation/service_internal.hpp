// Internal to moderation/: helpers shared by the service's .cpp files.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "moderation/service.hpp"
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
    case ErrorKind::internal:
      break;
  }
  obs::log(obs::Level::error, "moderation", "store_error", {{"op", what}, {"error", e.message}});
  return fail(core::ErrorCode::internal, "internal error");
}

// Carries a Failure out of a Database::transaction body (which speaks
// store::Result) and rolls the transaction back.
struct TxAbort {
  std::optional<Failure> failure;
  store::Error abort(Failure f) {
    failure = std::move(f);
    return store::Error{store::ErrorKind::invalid, "aborted: " + failure->message};
  }
  store::Error abort_store(const store::Error& e, std::string_view what) { return abort(from_store(e, what)); }
};

// Text limits (characters).
inline constexpr std::size_t kMaxComment = 500;
inline constexpr std::size_t kMaxNote = 2000;
inline constexpr std::size_t kMaxAppeal = 2000;
inline constexpr std::size_t kMaxSessionId = 128;

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
}  // namespace action

}  // namespace serendip::moderation::detail
