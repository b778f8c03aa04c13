// Blocks: list, create one, create many at once, lift one.
#include <boost/json/array.hpp>

#include "http/admin_handlers.hpp"
#include "http/admin_json.hpp"

namespace serendip::http::admin {
namespace {

namespace json = boost::json;
using core::ErrorCode;

}  // namespace

// ?active=&ip=&device=&reportId= plus the page.
Response list_blocks(const Call& c) {
  Params p(c.query);
  store::BlockFilter f;
  f.active = p.boolean("active");
  f.ip = p.ip("ip");
  f.device_key = p.device("device");
  f.report_id = p.integer("reportId");
  const store::PageRequest page = p.page();
  if (!p.ok()) return bad_request(p.error());
  auto r = c.deps.moderation.blocks(f, page);
  if (!r) return failure_response(r.error());
  const std::int64_t t = c.now();
  return no_store_json(200, admin_json::page(*r, [t](const store::Block& b) { return admin_json::block(b, t); }));
}

// {"ip":"...","device":"...","durationS":3600|"permanent":true,"reason":"..."}
Response create_block(const Call& c) {
  auto body = c.body();
  if (auto* r = std::get_if<Response>(&body)) return std::move(*r);
  Fields f(std::get<json::object>(body));
  moderation::BlockRequest b;
  b.ip = f.text("ip").value_or("");
  b.device_key = f.text("device").value_or("");
  b.reason = f.text("reason").value_or("");
  const auto d = f.duration();
  if (!f.ok()) return bad_request(f.error());
  b.duration_s = *d;
  auto made = c.deps.moderation.create_block(c.actor(), b);
  if (!made) return failure_response(made.error());
  return no_store_json(201, admin_json::block(*made, c.now()));
}

// {"ips":[...]} or {"devices":[...]}, plus durationS|permanent and reason.
Response bulk_blocks(const Call& c) {
  auto body = c.body();
  if (auto* r = std::get_if<Response>(&body)) return std::move(*r);
  Fields f(std::get<json::object>(body));
  const auto ips = f.strings("ips");
  const auto devices = f.strings("devices");
  const std::string reason = f.text("reason").value_or("");
  const auto d = f.duration();
  if (!f.ok()) return bad_request(f.error());
  if (ips.has_value() == devices.has_value()) return bad_request("give either ips or devices");
  auto made = c.deps.moderation.create_blocks(c.actor(), ips ? moderation::BulkKind::ip : moderation::BulkKind::device,
                                              ips ? *ips : *devices, *d, reason);
  if (!made) return failure_response(made.error());
  json::array items;
  const std::int64_t t = c.now();
  for (const auto& b : *made) items.emplace_back(admin_json::block(b, t));
  return no_store_json(201, json::object{{"items", std::move(items)}});
}

// DELETE /blocks/{id}[?reason=...] (or a body {"reason": "..."}): lifts it; the row stays.
Response lift_block(const Call& c) {
  const auto id = id_param(c, "id");
  if (!id) return error_response(ErrorCode::not_found, "no such block");
  Params p(c.query);
  std::string reason = p.text("reason").value_or("");
  if (!p.ok()) return bad_request(p.error());
  auto body = c.body(true);
  if (auto* r = std::get_if<Response>(&body)) return std::move(*r);
  Fields f(std::get<json::object>(body));
  if (auto r = f.text("reason")) reason = *r;
  if (!f.ok()) return bad_request(f.error());
  auto lifted = c.deps.moderation.lift_block(c.actor(), *id, reason);
  if (!lifted) return failure_response(lifted.error());
  return no_store_json(200, admin_json::block(*lifted, c.now()));
}

}  // namespace serendip::http::admin
