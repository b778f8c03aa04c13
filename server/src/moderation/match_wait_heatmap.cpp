#include "moderation/match_wait_heatmap.hpp"

#include <algorithm>

namespace serendip::moderation {
namespace {

constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::size_t kMaxRegionName = 32;

// Region labels come from clients: keep a short, tame form.
std::string normalize(std::string_view region) {
  std::string out;
  for (char c : region.substr(0, kMaxRegionName)) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return "other";
    out += c;
  }
  return out.empty() ? "unknown" : out;
}

}  // namespace

void MatchWaitHeatmap::record_match_wait(std::string_view region, std::int64_t unix_ms, std::int64_t wait_ms) {
  wait_ms = std::max<std::int64_t>(0, wait_ms);
  const int hour = static_cast<int>(((unix_ms / kHourMs) % 24 + 24) % 24);
  std::size_t bucket = 0;
  while (bucket < kBoundsMs.size() && wait_ms > kBoundsMs[bucket]) ++bucket;
  std::string name = normalize(region);
  std::lock_guard lock(mu_);
  auto it = regions_.find(name);
  if (it == regions_.end()) {
    if (regions_.size() >= max_regions_) name = "other";
    it = regions_.try_emplace(name).first;
  }
  Acc& a = it->second[static_cast<std::size_t>(hour)];
  a.count++;
  a.total_ms += wait_ms;
  a.max_ms = std::max(a.max_ms, wait_ms);
  a.buckets[bucket]++;
}

double MatchWaitHeatmap::quantile(const Acc& a, double q) {
  if (a.count == 0) return 0;
  const double rank = q * static_cast<double>(a.count);
  double seen = 0;
  for (std::size_t i = 0; i < a.buckets.size(); ++i) {
    const double n = static_cast<double>(a.buckets[i]);
    if (n > 0 && seen + n >= rank) {
      const double lo = i == 0 ? 0.0 : static_cast<double>(kBoundsMs[i - 1]);
      // The open last bucket ends at the largest wait seen.
      const double hi = i < kBoundsMs.size() ? static_cast<double>(kBoundsMs[i]) : static_cast<double>(a.max_ms);
      const double v = lo + (hi - lo) * ((rank - seen) / n);
      return std::min(v, static_cast<double>(a.max_ms));
    }
    seen += n;
  }
  return static_cast<double>(a.max_ms);
}

std::vector<MatchWaitHeatmap::Region> MatchWaitHeatmap::snapshot() const {
  std::vector<Region> out;
  {
    std::lock_guard lock(mu_);
    out.reserve(regions_.size());
    for (const auto& [name, day] : regions_) {
      Region r{name, {}};
      for (int h = 0; h < 24; ++h) {
        const Acc& a = day[static_cast<std::size_t>(h)];
        if (a.count == 0) continue;
        r.cells.push_back(Cell{h, a.count, a.total_ms, a.max_ms, quantile(a, 0.5), quantile(a, 0.95)});
      }
      out.push_back(std::move(r));
    }
  }
  std::sort(out.begin(), out.end(), [](const Region& a, const Region& b) { return a.region < b.region; });
  return out;
}

}  // namespace serendip::moderation
