#include "redis/cluster_slots.hpp"

#include "redis/slot.hpp"

namespace serendip::redis {

std::optional<std::vector<SlotRange>> parse_cluster_slots(const Reply& reply, std::string_view replying_host) {
  if (!reply.is_array()) return std::nullopt;
  std::vector<SlotRange> out;
  out.reserve(reply.elements().size());
  for (const auto& item : reply.elements()) {
    const auto& e = item.elements();
    if (!item.is_array() || e.size() < 3 || !e[0].is_integer() || !e[1].is_integer() || !e[2].is_array()) {
      return std::nullopt;
    }
    const auto& master = e[2].elements();
    if (master.size() < 2 || !master[0].is_string() || !master[1].is_integer()) return std::nullopt;
    SlotRange r;
    r.first = static_cast<int>(e[0].integer());
    r.last = static_cast<int>(e[1].integer());
    if (r.first < 0 || r.last >= kSlotCount || r.first > r.last) return std::nullopt;
    auto port = master[1].integer();
    if (port <= 0 || port > 65535) return std::nullopt;
    r.master.host = master[0].str();
    if (r.master.host.empty() || r.master.host == "?") r.master.host = std::string(replying_host);
    r.master.port = static_cast<std::uint16_t>(port);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace serendip::redis
