// Internal to the admin API: the JSON shape of each moderation type
// (camelCase, times in unix milliseconds, absent values as null).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "http/admin_api.hpp"
#include "store/model.hpp"

namespace serendip::http::admin_json {

boost::json::object report(const store::ReportSummary& s);
boost::json::object block(const store::Block& b, std::int64_t now);
boost::json::object appeal(const store::Appeal& a);
boost::json::object audit_entry(const store::AuditEntry& e);
boost::json::object account(const store::AdminAccount& a);
boost::json::object reputation(const store::Reputation& r, std::int64_t now);
boost::json::object stats(const LiveStats& live, const moderation::ModerationCounts& counts);
boost::json::object heatmap(const std::vector<moderation::MatchWaitHeatmap::Region>& regions);

template <class T, class F>
boost::json::object page(const store::Page<T>& p, F&& encode) {
  boost::json::array items;
  for (const auto& item : p.items) items.emplace_back(encode(item));
  boost::json::object out;
  out["items"] = std::move(items);
  if (p.next_cursor) {
    out["nextCursor"] = *p.next_cursor;
  } else {
    out["nextCursor"] = nullptr;
  }
  return out;
}

}  // namespace serendip::http::admin_json
