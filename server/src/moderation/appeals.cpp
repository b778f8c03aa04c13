// Appeals: a blocked user asks for the block to be lifted (no account: the
// device key and/or IP say which block); a moderator accepts, which lifts the
// block, or rejects, after which the user may appeal again.
#include <algorithm>

#include "moderation/audited.hpp"
#include "moderation/service.hpp"
#include "moderation/service_internal.hpp"
#include "moderation/validation.hpp"

namespace serendip::moderation {

using core::ErrorCode;
using namespace detail;

namespace {

bool blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; });
}

}  // namespace

Outcome<store::Appeal> ModerationService::submit_appeal(std::string_view device_key, std::string_view ip,
                                                        std::string_view message) {
  const std::string canonical = canonical_ip(ip).value_or("");
  if (device_key.empty() && canonical.empty()) {
    return fail(ErrorCode::bad_request, "no device or address to appeal for");
  }
  if (blank(message)) return fail(ErrorCode::bad_request, "message is required");
  if (auto f = check_text(message, kMaxAppeal, "message")) return *f;
  const std::int64_t now = clock_.unix_ms();
  return commit_audited(db_, "appeal", [&]() -> Outcome<Audited<store::Appeal>> {
    auto block = db_.blocks().active_for(canonical, device_key, now);
    if (!block) return from_store(block.error(), "block");
    if (!*block) return fail(ErrorCode::not_found, "nothing is blocked for this device or address");
    auto a = db_.appeals().add(
        store::NewAppeal{(*block)->id, std::string(device_key), canonical, std::string(message), now});
    if (!a) {
      if (a.error().kind == store::ErrorKind::conflict) return fail(ErrorCode::conflict, "an appeal is already open");
      return from_store(a.error(), "appeal");
    }
    // The appellant has no account: the entry's actor is "anonymous".
    store::AuditRecord record{now,
                              "anonymous",
                              std::string(action::appeal_create),
                              target("appeal", a->id),
                              "",
                              JsonText().add("blockId", a->block_id).str()};
    return Audited<store::Appeal>{std::move(*a), {std::move(record)}};
  });
}

Outcome<store::Appeal> ModerationService::decide_appeal(const Actor& actor, std::int64_t appeal_id, bool accept,
                                                        std::string_view note) {
  if (auto f = check_text(note, kMaxNote, "note")) return *f;
  const std::int64_t now = clock_.unix_ms();
  std::optional<store::Block> lifted_block;
  auto decided = commit_audited(db_, "appeal", [&]() -> Outcome<Audited<store::Appeal>> {
    auto a = db_.appeals().decide(appeal_id, accept ? store::AppealStatus::accepted : store::AppealStatus::rejected,
                                  actor.audit_name(), now, note);
    if (!a) {
      if (a.error().kind == store::ErrorKind::conflict)
        return fail(ErrorCode::conflict, "the appeal was already decided");
      return from_store(a.error(), "appeal");
    }
    Audited<store::Appeal> made{*a, {}};
    made.audit.push_back(store::AuditRecord{
        now, actor.audit_name(), std::string(accept ? action::appeal_accept : action::appeal_reject),
        target("appeal", appeal_id), std::string(note), JsonText().add("blockId", a->block_id).str()});
    if (!accept) return made;
    auto lifted = db_.blocks().lift(a->block_id, actor.audit_name(), now);
    if (!lifted) {
      // Lifted meanwhile by someone else: the appeal's aim is met.
      if (lifted.error().kind == store::ErrorKind::conflict) return made;
      return from_store(lifted.error(), "block");
    }
    made.audit.push_back(store::AuditRecord{
        now, actor.audit_name(), std::string(action::block_lift), target("block", a->block_id),
        "appeal " + std::to_string(appeal_id) + " accepted", block_details(*lifted, db_.ip_privacy())});
    lifted_block = std::move(*lifted);
    return made;
  });
  if (decided && lifted_block) notify_lifted(*lifted_block);
  return decided;
}

Outcome<store::Page<store::Appeal>> ModerationService::appeals(const store::AppealFilter& filter,
                                                               const store::PageRequest& page) {
  auto r = db_.appeals().list(filter, page);
  if (!r) return from_store(r.error(), "cursor");
  return std::move(*r);
}

}  // namespace serendip::moderation
