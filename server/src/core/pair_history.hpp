// PairRules: which two devices may be paired, as far as their history goes.
// Two rules: a pair that was matched recently stays apart for a cooldown, and a
// pair with a report between them stays apart until its exclusion ends (the
// operator's reported-pair window; kForever: for good) or include() lifts it.
//
// Devices are keyed by a 64-bit hash of the device key, so each check is one
// lookup on 16 bytes instead of building a string key per candidate. A hash
// collision between two devices can only ever keep two people apart (both rules
// forbid, neither allows), never pair anyone who should not be paired. The
// self-pairing exception is decided by the caller on the exact device keys.
//
// Pure bookkeeping: time comes in as an argument (milliseconds, Clock::now_ms).
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <queue>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace serendip::core {

using DeviceHash = std::uint64_t;

DeviceHash hash_device_key(std::string_view device_key);

// An unordered pair of devices: {a, b} and {b, a} are the same key.
struct DevicePair {
  DeviceHash lo = 0;
  DeviceHash hi = 0;

  static DevicePair of(DeviceHash a, DeviceHash b) { return a < b ? DevicePair{a, b} : DevicePair{b, a}; }
  friend bool operator==(const DevicePair&, const DevicePair&) = default;
};

struct DevicePairHash {
  std::size_t operator()(const DevicePair& p) const noexcept {
    // The halves are already well mixed hashes; an odd multiplier keeps {a, b}
    // and {b, a}-like swaps from cancelling out.
    return static_cast<std::size_t>(p.lo * 0x9e3779b97f4a7c15ULL ^ p.hi);
  }
};

class PairRules {
 public:
  explicit PairRules(std::int64_t cooldown_ms) : cooldown_ms_(cooldown_ms) {}

  // May these two devices be paired now? `same_device` (exact device keys equal)
  // skips the cooldown: two tabs of one browser may always meet, unless excluded.
  bool allows(DevicePair pair, bool same_device, std::int64_t now_ms) const;

  // A match happened at now_ms: the pair cools down until now_ms + cooldown.
  void record_match(DevicePair pair, std::int64_t now_ms);

  static constexpr std::int64_t kForever = std::numeric_limits<std::int64_t>::max();

  // Kept apart until until_ms (Clock::now_ms; kForever: for good). A pair
  // excluded twice keeps the later end.
  void exclude(DevicePair pair, std::int64_t until_ms = kForever);
  // Returns true if the pair was excluded (so waiting participants deserve a recheck).
  bool include(DevicePair pair) { return excluded_.erase(pair) > 0; }

  // Forgets cooldowns and exclusions that ended by now_ms and appends their
  // pairs to `ended` (so the owner can retry participants who were kept
  // apart only by them).
  void prune(std::int64_t now_ms, std::vector<DevicePair>& ended);

  std::size_t cooldowns() const { return until_ms_.size(); }

 private:
  struct Expiry {
    std::int64_t at_ms = 0;  // milliseconds, Clock::now_ms
    DevicePair pair;
  };

  std::int64_t cooldown_ms_;
  std::unordered_map<DevicePair, std::int64_t, DevicePairHash> until_ms_;  // pair -> cooldown end
  // Cooldown ends in recording order; since the cooldown is one constant this is
  // also time order, so prune() only looks at the front. An entry is stale when
  // the pair was matched again after its earlier cooldown ran out (until_ms_ then
  // holds a later time).
  std::deque<Expiry> expiries_;
  // Exclusions: pair -> end; their ends in a min-heap (an entry is stale when
  // the pair was lifted or excluded again with a later end).
  std::unordered_map<DevicePair, std::int64_t, DevicePairHash> excluded_;
  struct Later {
    bool operator()(const Expiry& a, const Expiry& b) const { return a.at_ms > b.at_ms; }
  };
  std::priority_queue<Expiry, std::vector<Expiry>, Later> exclusion_ends_;
};

}  // namespace serendip::core
