// What moderators look at besides the queues: a party's reputation, live
// stats, the abuse detector's watch list, the match-wait heatmap and the
// audit log with its chain check.
#include "http/admin_handlers.hpp"
#include "http/admin_json.hpp"
#include "moderation/validation.hpp"

namespace serendip::http::admin {
namespace {

namespace json = boost::json;

}  // namespace

// ?ip= or ?device=, one of them.
Response reputation(const Call& c) {
  Params p(c.query);
  const auto ip = p.text("ip");
  const auto device = p.text("device");
  if (!p.ok()) return bad_request(p.error());
  if (ip.has_value() == device.has_value()) return bad_request("give either ip or device");
  auto r = ip ? c.deps.moderation.reputation_of_ip(*ip) : c.deps.moderation.reputation_of_device(*device);
  if (!r) return failure_response(r.error());
  json::object o = admin_json::reputation(*r, c.now());
  if (ip) {
    o["ip"] = moderation::canonical_ip(*ip).value_or(*ip);
  } else {
    o["device"] = *device;
  }
  return no_store_json(200, o);
}

Response stats(const Call& c) {
  auto counts = c.deps.moderation.counts();
  if (!counts) return failure_response(counts.error());
  return no_store_json(200, admin_json::stats(c.deps.stats.live_stats(), *counts));
}

Response watchlist(const Call& c) { return no_store(json_response(200, c.deps.stats.watch_list_json())); }

Response match_wait(const Call& c) { return no_store_json(200, admin_json::heatmap(c.deps.match_waits.snapshot())); }

// ?actor=&action=&target=&since=&until= plus the page.
Response audit(const Call& c) {
  Params p(c.query);
  store::AuditFilter f;
  f.actor = p.text("actor");
  f.action = p.text("action");
  f.target = p.text("target");
  f.since = p.integer("since");
  f.until = p.integer("until");
  const store::PageRequest page = p.page();
  if (!p.ok()) return bad_request(p.error());
  auto r = c.deps.moderation.audit(f, page);
  if (!r) return failure_response(r.error());
  return no_store_json(200, admin_json::page(*r, admin_json::audit_entry));
}

Response audit_verify(const Call& c) {
  auto v = c.deps.moderation.verify_audit();
  if (!v) return failure_response(v.error());
  return no_store_json(
      200, json::object{{"ok", v->ok},
                        {"entries", v->entries},
                        {"firstBadSeq", v->first_bad_seq ? json::value(*v->first_bad_seq) : json::value(nullptr)},
                        {"problem", v->problem.empty() ? json::value(nullptr) : json::value(v->problem)}});
}

}  // namespace serendip::http::admin
