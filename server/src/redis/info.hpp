// The few INFO fields the instances watch on every master: whether Redis may
// evict keys (queues, presence and abuse state are live data, not a cache)
// and how many it has evicted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace serendip::redis {

struct MemoryInfo {
  std::int64_t maxmemory = 0;    // bytes; 0 = no limit
  std::string maxmemory_policy;  // e.g. "noeviction", "allkeys-lru"
  std::int64_t evicted_keys = 0;
  // A limit with a policy that evicts: keys go when memory runs out.
  bool may_evict() const { return maxmemory > 0 && !maxmemory_policy.empty() && maxmemory_policy != "noeviction"; }
};

// Reads `INFO memory stats` output ("field:value" lines, CRLF or LF, '#'
// section headers). Fields that are missing or malformed keep their defaults.
MemoryInfo parse_memory_info(std::string_view info);

}  // namespace serendip::redis
