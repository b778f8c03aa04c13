// The service's shared parts: construction, the block listener, and the reads
// that belong to no one feature (audit, reputation, counters). Each feature has
// its own file: reports.cpp, blocks.cpp, appeals.cpp, accounts.cpp.
#include "moderation/service.hpp"

#include <exception>
#include <stdexcept>

#include <boost/throw_exception.hpp>

#include "moderation/service_internal.hpp"
#include "moderation/validation.hpp"

namespace serendip::moderation {

using core::ErrorCode;
using namespace detail;

void throw_exception_from_error(const Failure& f, const boost::source_location& loc) {
  boost::throw_exception(std::runtime_error("moderation: " + f.message), loc);
}

ModerationService::ModerationService(store::Database& db, const core::Clock& clock, const auth::JwtCodec& jwt,
                                     ModerationOptions options)
    : db_(db),
      clock_(clock),
      jwt_(jwt),
      options_(options),
      login_limiter_(options.login),
      dummy_hash_(hash_password("serendip-no-such-account", options.password_cost).value_or("")) {}

void ModerationService::notify(const store::Block& block) {
  block_cache_.add(block);
  tell_listener([&](BlockListener& l) { l.on_block(block); });
}

void ModerationService::tell_listener(const std::function<void(BlockListener&)>& event) {
  BlockListener* l = listener_.load();
  if (l == nullptr) return;
  try {
    event(*l);
  } catch (const std::exception& e) {
    // The change is committed either way; the hub will refuse the user on the next check.
    obs::log(obs::Level::error, "moderation", "block_listener_failed", {{"what", e.what()}});
  }
}

Outcome<store::Page<store::AuditEntry>> ModerationService::audit(const store::AuditFilter& filter,
                                                                 const store::PageRequest& page) {
  auto r = db_.audit().list(filter, page);
  if (!r) return from_store(r.error(), "cursor");
  return std::move(*r);
}

Outcome<store::AuditVerification> ModerationService::verify_audit() {
  auto r = db_.audit().verify();
  if (!r) return from_store(r.error(), "audit");
  return std::move(*r);
}

Outcome<store::Reputation> ModerationService::reputation_of_ip(std::string_view ip) {
  auto canonical = canonical_ip(ip);
  if (!canonical) return fail(ErrorCode::bad_request, "ip is not a valid IPv4 or IPv6 address");
  auto r = db_.reputation().of_ip(*canonical, clock_.unix_ms());
  if (!r) return from_store(r.error(), "reputation");
  return std::move(*r);
}

Outcome<store::Reputation> ModerationService::reputation_of_device(std::string_view device_key) {
  if (!valid_device_key(device_key)) return fail(ErrorCode::bad_request, "device is not a valid device key");
  auto r = db_.reputation().of_device(device_key, clock_.unix_ms());
  if (!r) return from_store(r.error(), "reputation");
  return std::move(*r);
}

void ModerationService::record_session(std::string_view ip, std::string_view device_key, std::int64_t length_ms) {
  auto r = db_.reputation().record_session(stored_ip(ip), device_key, length_ms, clock_.unix_ms());
  if (!r) obs::log(obs::Level::warn, "moderation", "record_session_failed", {{"error", r.error().message}});
}

Outcome<ModerationCounts> ModerationService::counts() {
  ModerationCounts c;
  auto pending = db_.reports().count(store::ReportFilter{.status = store::ReportStatus::pending});
  if (!pending) return from_store(pending.error(), "counts");
  auto open = db_.appeals().count(store::AppealFilter{.status = store::AppealStatus::open});
  if (!open) return from_store(open.error(), "counts");
  auto active = db_.blocks().count_active(clock_.unix_ms());
  if (!active) return from_store(active.error(), "counts");
  c.pending_reports = *pending;
  c.open_appeals = *open;
  c.active_blocks = *active;
  return c;
}

Outcome<std::vector<store::ReportedPair>> ModerationService::reported_device_pairs(std::int64_t since) {
  auto r = db_.reports().reported_device_pairs(since);
  if (!r) return from_store(r.error(), "reports");
  return std::move(*r);
}

void ModerationService::notify_lifted(const store::Block& block) {
  block_cache_.invalidate();
  tell_listener([&](BlockListener& l) { l.on_block_lifted(block); });
}

bool ModerationService::reload_block_cache() {
  const bool ok = block_cache_.reload(
      [this](std::int64_t now) -> store::Result<std::vector<store::Block>> {
        std::vector<store::Block> all;
        store::PageRequest page{.limit = 500, .cursor = {}};
        for (;;) {
          auto r = db_.blocks().list(store::BlockFilter{.active = true}, now, page);
          if (!r) return r.error();
          for (auto& b : r->items) all.push_back(std::move(b));
          if (!r->next_cursor) return all;
          page.cursor = std::move(*r->next_cursor);
        }
      },
      clock_.unix_ms());
  if (!ok) obs::log(obs::Level::warn, "moderation", "block_cache_reload_failed");
  return ok;
}

Outcome<std::vector<store::ReporterTally>> ModerationService::reporters_of(std::string_view device_key,
                                                                           std::int64_t window_ms) {
  auto r = db_.reports().reporters_of(device_key, clock_.unix_ms() - window_ms);
  if (!r) return from_store(r.error(), "reports");
  return std::move(*r);
}

}  // namespace serendip::moderation
