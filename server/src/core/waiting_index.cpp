#include "core/waiting_index.hpp"

#include <algorithm>

namespace serendip::core {

WaitingIndex::Bucket& WaitingIndex::bucket(Mode mode, const std::string& language) {
  Buckets& buckets = by_mode_[static_cast<std::size_t>(mode)];
  auto it = buckets.find(std::string_view(language));
  if (it == buckets.end()) it = buckets.emplace(language, Bucket(&pool_)).first;
  return it->second;
}

void WaitingIndex::add(Mode mode, const std::vector<std::string>& languages, const Entry& e) {
  for (const std::string& language : languages) bucket(mode, language).insert(e);
}

void WaitingIndex::remove(Mode mode, const std::vector<std::string>& languages, const Entry& e) {
  Buckets& buckets = by_mode_[static_cast<std::size_t>(mode)];
  for (const std::string& language : languages) {
    auto it = buckets.find(std::string_view(language));
    if (it != buckets.end()) it->second.erase(e);
  }
}

const WaitingIndex::Bucket* WaitingIndex::find(Mode mode, std::string_view language) const {
  const Buckets& buckets = by_mode_[static_cast<std::size_t>(mode)];
  auto it = buckets.find(language);
  return it == buckets.end() ? nullptr : &it->second;
}

std::vector<std::pair<std::pair<Mode, std::string>, std::size_t>> WaitingIndex::sizes() const {
  std::vector<std::pair<std::pair<Mode, std::string>, std::size_t>> out;
  for (std::size_t m = 0; m < by_mode_.size(); ++m) {
    for (const auto& [language, bucket] : by_mode_[m]) {
      if (!bucket.empty()) out.push_back({{static_cast<Mode>(m), language}, bucket.size()});
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace serendip::core
