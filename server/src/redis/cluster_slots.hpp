// Decoding of CLUSTER SLOTS: ranges of slots and the master serving each.
// Replicas are listed by Redis but not used here (reads go to masters).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "redis/config.hpp"
#include "redis/reply.hpp"

namespace serendip::redis {

struct SlotRange {
  int first = 0;
  int last = 0;  // inclusive
  Endpoint master;
};

// nullopt if the reply is not a well-formed CLUSTER SLOTS answer. A master
// announced without an address ("" or "?") is taken to live on
// `replying_host`, the node that answered.
std::optional<std::vector<SlotRange>> parse_cluster_slots(const Reply& reply, std::string_view replying_host);

}  // namespace serendip::redis
