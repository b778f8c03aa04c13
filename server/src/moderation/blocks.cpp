// Blocks: made by moderators directly (one or in bulk) or by accepting a
// report (reports.cpp), lifted by hand or by an accepted appeal (appeals.cpp),
// and checked on every session, hello and join.
#include <unordered_set>

#include "moderation/audited.hpp"
#include "moderation/service.hpp"
#include "moderation/service_internal.hpp"
#include "moderation/validation.hpp"

namespace serendip::moderation {

using core::ErrorCode;
using namespace detail;

namespace {

// The longest block a moderator may make (seconds); longer ones and permanent
// ones take an admin, as does lifting a permanent block: a moderator can
// neither make a "timed" block of ten years nor undo an admin's permanent one.
constexpr std::int64_t kMaxModeratorBlockS = 30LL * 86'400;

}  // namespace

std::optional<Failure> ModerationService::check_duration(const Actor& actor,
                                                         std::optional<std::int64_t> duration_s) const {
  if (!duration_s) {
    if (actor.role != Role::admin) return fail(ErrorCode::forbidden, "only admins may block permanently");
  } else if (*duration_s <= 0 || *duration_s > options_.max_block_s) {
    return fail(ErrorCode::bad_request,
                "durationS must be between 1 and " + std::to_string(options_.max_block_s) + " seconds");
  } else if (*duration_s > kMaxModeratorBlockS && actor.role != Role::admin) {
    return fail(ErrorCode::forbidden, "blocks longer than 30 days need the admin role");
  }
  return std::nullopt;
}

Outcome<store::NewBlock> ModerationService::validate_block(const Actor& actor, const BlockRequest& req) const {
  store::NewBlock nb;
  if (req.ip.empty() && req.device_key.empty()) {
    return fail(ErrorCode::bad_request, "a block needs an ip, a device or both");
  }
  if (!req.ip.empty()) {
    auto ip = canonical_ip(req.ip);
    if (!ip) return fail(ErrorCode::bad_request, "ip is not a valid IPv4 or IPv6 address");
    nb.ip = *ip;
  }
  if (!req.device_key.empty()) {
    if (!valid_device_key(req.device_key)) return fail(ErrorCode::bad_request, "device is not a valid device key");
    nb.device_key = req.device_key;
  }
  if (auto f = check_duration(actor, req.duration_s)) return *f;
  if (auto f = check_text(req.reason, kMaxNote, "reason")) return *f;
  const std::int64_t now = clock_.unix_ms();
  nb.reason = req.reason;
  nb.created_by = actor.audit_name();
  nb.created_at = now;
  if (req.duration_s) nb.expires_at = now + *req.duration_s * 1000;
  return nb;
}

Outcome<store::Block> ModerationService::create_block(const Actor& actor, const BlockRequest& request) {
  auto blocks = create_blocks_impl(actor, {request});
  if (!blocks) return blocks.error();
  return std::move(blocks->front());
}

Outcome<std::vector<store::Block>> ModerationService::create_blocks(const Actor& actor, BulkKind kind,
                                                                    const std::vector<std::string>& values,
                                                                    std::optional<std::int64_t> duration_s,
                                                                    std::string_view reason) {
  if (values.empty()) return fail(ErrorCode::bad_request, "nothing to block");
  if (values.size() > options_.max_bulk) {
    return fail(ErrorCode::bad_request, "at most " + std::to_string(options_.max_bulk) + " entries at once");
  }
  std::vector<BlockRequest> requests;
  std::unordered_set<std::string> seen;
  for (const std::string& v : values) {
    BlockRequest r{kind == BulkKind::ip ? v : "", kind == BulkKind::device ? v : "", duration_s, std::string(reason)};
    // Canonical duplicates ("::ffff:192.0.2.1" and "192.0.2.1") become one block.
    const std::string key = kind == BulkKind::ip ? canonical_ip(v).value_or(v) : v;
    if (seen.insert(key).second) requests.push_back(std::move(r));
  }
  return create_blocks_impl(actor, requests);
}

Outcome<std::vector<store::Block>> ModerationService::create_blocks_impl(const Actor& actor,
                                                                         const std::vector<BlockRequest>& requests) {
  // Every entry is validated before the transaction: one bad entry refuses
  // the whole request, and the message says which.
  std::vector<store::NewBlock> news;
  news.reserve(requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    auto nb = validate_block(actor, requests[i]);
    if (!nb) {
      Failure f = nb.error();
      if (requests.size() > 1) f.message = "entry " + std::to_string(i) + ": " + f.message;
      return f;
    }
    news.push_back(std::move(*nb));
  }
  auto made = commit_audited(db_, "block", [&]() -> Outcome<Audited<std::vector<store::Block>>> {
    Audited<std::vector<store::Block>> out;
    out.value.reserve(news.size());
    out.audit.reserve(news.size());
    for (const auto& nb : news) {
      auto b = db_.blocks().add(nb);
      if (!b) return from_store(b.error(), "block");
      out.audit.push_back(store::AuditRecord{nb.created_at, actor.audit_name(), std::string(action::block_create),
                                             target("block", b->id), b->reason, block_details(*b, db_.ip_privacy())});
      out.value.push_back(std::move(*b));
    }
    return out;
  });
  if (!made) return made.error();
  obs::log(obs::Level::info, "moderation", "blocks_created",
           {{"count", static_cast<std::int64_t>(made->size())}, {"actor", actor.audit_name()}});
  for (const auto& b : *made) notify(b);
  return std::move(*made);
}

Outcome<store::Block> ModerationService::lift_block(const Actor& actor, std::int64_t block_id,
                                                    std::string_view reason) {
  if (auto f = check_text(reason, kMaxNote, "reason")) return *f;
  const std::int64_t now = clock_.unix_ms();
  auto lifted = commit_audited(db_, "block", [&]() -> Outcome<Audited<store::Block>> {
    auto b = db_.blocks().lift(block_id, actor.audit_name(), now);
    if (!b) {
      if (b.error().kind == store::ErrorKind::conflict)
        return fail(ErrorCode::conflict, "the block was already lifted");
      return from_store(b.error(), "block");
    }
    // Rolled back with the rest when refused.
    if (!b->expires_at && actor.role != Role::admin) {
      return fail(ErrorCode::forbidden, "only admins may lift a permanent block");
    }
    store::AuditRecord record{now,
                              actor.audit_name(),
                              std::string(action::block_lift),
                              target("block", block_id),
                              std::string(reason),
                              block_details(*b, db_.ip_privacy())};
    return Audited<store::Block>{std::move(*b), {std::move(record)}};
  });
  if (lifted) notify_lifted(*lifted);
  return lifted;
}

Outcome<store::Page<store::Block>> ModerationService::blocks(const store::BlockFilter& filter,
                                                             const store::PageRequest& page) {
  auto r = db_.blocks().list(filter, clock_.unix_ms(), page);
  if (!r) return from_store(r.error(), "cursor");
  return std::move(*r);
}

std::optional<BlockInfo> ModerationService::active_block(std::string_view ip, std::string_view device_key) {
  const std::string canonical = canonical_ip(ip).value_or("");
  const std::int64_t now = clock_.unix_ms();
  BlockCache::Entry cached;
  switch (block_cache_.find(canonical, device_key, now, cached)) {
    case BlockCache::Answer::blocked: return BlockInfo{cached.block_id, cached.until, cached.reason};
    case BlockCache::Answer::clear: return std::nullopt;
    case BlockCache::Answer::unknown: break;  // stale: the database answers
  }
  auto r = db_.blocks().active_for(canonical, device_key, now);
  if (!r) {
    // Fail closed: an unchecked caller could be a blocked one.
    ban_check_failures_.fetch_add(1, std::memory_order_relaxed);
    obs::log(obs::Level::error, "moderation", "ban_check_failed", {{"error", r.error().message}});
    BlockInfo unknown;
    unknown.unavailable = true;
    return unknown;
  }
  if (!*r) return std::nullopt;
  const store::Block& b = **r;
  return BlockInfo{b.id, b.expires_at, b.reason};
}

}  // namespace serendip::moderation
