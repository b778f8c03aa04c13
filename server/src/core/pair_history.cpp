#include "core/pair_history.hpp"

#include <functional>

namespace serendip::core {

DeviceHash hash_device_key(std::string_view device_key) {
  return static_cast<DeviceHash>(std::hash<std::string_view>{}(device_key));
}

bool PairRules::allows(DevicePair pair, bool same_device, std::int64_t now_ms) const {
  if (!excluded_.empty()) {
    auto ex = excluded_.find(pair);
    if (ex != excluded_.end() && ex->second > now_ms) return false;
  }
  if (same_device) return true;
  auto it = until_ms_.find(pair);
  return it == until_ms_.end() || it->second <= now_ms;
}

void PairRules::record_match(DevicePair pair, std::int64_t now_ms) {
  const std::int64_t until = now_ms + cooldown_ms_;
  until_ms_[pair] = until;
  expiries_.push_back({until, pair});
}

void PairRules::exclude(DevicePair pair, std::int64_t until_ms) {
  auto [it, added] = excluded_.try_emplace(pair, until_ms);
  if (!added) {
    if (it->second >= until_ms) return;
    it->second = until_ms;
  }
  if (until_ms != kForever) exclusion_ends_.push({until_ms, pair});
}

void PairRules::prune(std::int64_t now_ms, std::vector<DevicePair>& ended) {
  while (!exclusion_ends_.empty() && exclusion_ends_.top().at_ms <= now_ms) {
    const Expiry e = exclusion_ends_.top();
    exclusion_ends_.pop();
    auto it = excluded_.find(e.pair);
    if (it != excluded_.end() && it->second == e.at_ms) {
      excluded_.erase(it);
      ended.push_back(e.pair);
    }
  }
  while (!expiries_.empty() && expiries_.front().at_ms <= now_ms) {
    const Expiry e = expiries_.front();
    expiries_.pop_front();
    auto it = until_ms_.find(e.pair);
    if (it != until_ms_.end() && it->second == e.at_ms) {
      until_ms_.erase(it);
      ended.push_back(e.pair);
    }
  }
}

}  // namespace serendip::core
