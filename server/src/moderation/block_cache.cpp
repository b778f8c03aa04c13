#include "moderation/block_cache.hpp"

#include <mutex>

#include "moderation/validation.hpp"

namespace serendip::moderation {

namespace {

bool live(const BlockCache::Entry& e, std::int64_t now_ms) { return !e.until || *e.until > now_ms; }

// Blocks stored before IPv6 was keyed by /64 hold an exact IPv6 address: they
// cover that address's /64 like every newer one.
std::string ip_key(const std::string& ip) { return canonical_ip(ip).value_or(ip); }

// Of two blocks on one key, the one that lasts longer answers (as the store's query orders them).
void keep_longest(std::unordered_map<std::string, BlockCache::Entry>& map, const std::string& key,
                  BlockCache::Entry e) {
  auto [it, fresh] = map.try_emplace(key, e);
  if (fresh) return;
  const auto& old = it->second;
  const bool longer = !e.until || (old.until && *e.until > *old.until);
  if (longer) it->second = std::move(e);
}

}  // namespace

BlockCache::Answer BlockCache::find(std::string_view ip, std::string_view device_key, std::int64_t now_ms,
                                    Entry& out) const {
  std::shared_lock lock(mu_);
  if (!valid_ || stepped_back(now_ms) || now_ms - loaded_at_ms_ > max_age_ms_) return Answer::unknown;
  const Entry* best = nullptr;
  auto consider = [&](const std::unordered_map<std::string, Entry>& map, std::string_view key) {
    if (key.empty()) return;
    auto it = map.find(std::string(key));
    if (it == map.end() || !live(it->second, now_ms)) return;
    const Entry& e = it->second;
    if (best == nullptr || !e.until || (best->until && *e.until > *best->until)) best = &e;
  };
  consider(by_ip_, ip);
  consider(by_device_, device_key);
  if (best == nullptr) return Answer::clear;
  out = *best;
  return Answer::blocked;
}

void BlockCache::add(const store::Block& block) {
  std::unique_lock lock(mu_);
  ++generation_;  // a reload running now may have read the database before this block
  Entry e{block.id, block.expires_at, block.reason};
  if (!block.ip.empty()) keep_longest(by_ip_, ip_key(block.ip), e);
  if (!block.device_key.empty()) keep_longest(by_device_, block.device_key, std::move(e));
}

void BlockCache::invalidate() {
  std::unique_lock lock(mu_);
  valid_ = false;
  ++generation_;
}

bool BlockCache::needs_reload(std::int64_t now_ms) const {
  std::shared_lock lock(mu_);
  return !valid_ || stepped_back(now_ms) || now_ms - loaded_at_ms_ >= reload_every_ms_;
}

bool BlockCache::reload(const Loader& load, std::int64_t now_ms) {
  std::uint64_t generation = 0;
  {
    std::shared_lock lock(mu_);
    generation = generation_;
  }
  auto blocks = load(now_ms);
  if (!blocks) return false;
  std::unordered_map<std::string, Entry> by_ip;
  std::unordered_map<std::string, Entry> by_device;
  for (const auto& b : *blocks) {
    if (!b.active_at(now_ms)) continue;
    Entry e{b.id, b.expires_at, b.reason};
    if (!b.ip.empty()) keep_longest(by_ip, ip_key(b.ip), e);
    if (!b.device_key.empty()) keep_longest(by_device, b.device_key, std::move(e));
  }
  std::unique_lock lock(mu_);
  by_ip_ = std::move(by_ip);
  by_device_ = std::move(by_device);
  loaded_at_ms_ = now_ms;
  valid_ = generation == generation_;
  return true;
}

bool BlockCache::valid() const {
  std::shared_lock lock(mu_);
  return valid_;
}

std::size_t BlockCache::size() const {
  std::shared_lock lock(mu_);
  return by_ip_.size() + by_device_.size();
}

}  // namespace serendip::moderation
