#include "moderation/match_wait_heatmap.hpp"

#include <algorithm>
#include <charconv>
#include <system_error>
#include <unordered_set>

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

void MatchWaitHeatmap::add(Acc& into, const Acc& a) {
  into.count += a.count;
  into.total_ms += a.total_ms;
  into.max_ms = std::max(into.max_ms, a.max_ms);
  for (std::size_t k = 0; k < a.buckets.size(); ++k) into.buckets[k] += a.buckets[k];
}

std::string MatchWaitHeatmap::encode() const {
  std::string out;
  std::lock_guard lock(mu_);
  for (const auto& [name, day] : regions_) {
    for (int h = 0; h < 24; ++h) {
      const Acc& a = day[static_cast<std::size_t>(h)];
      if (a.count == 0) continue;
      out += name;
      for (std::int64_t v : {std::int64_t{h}, a.count, a.total_ms, a.max_ms}) {
        out += ' ';
        out += std::to_string(v);
      }
      out += ' ';
      for (std::size_t i = 0; i < a.buckets.size(); ++i) {
        if (i > 0) out += ',';
        out += std::to_string(a.buckets[i]);
      }
      out += '\n';
    }
  }
  return out;
}

namespace {

bool parse_i64(std::string_view s, std::int64_t& out) {
  if (s.empty()) return false;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size() && out >= 0;
}

}  // namespace

void MatchWaitHeatmap::set_others(const std::vector<std::string>& encoded) {
  std::unordered_map<std::string, Day> sum;
  for (const std::string& text : encoded) {
    std::unordered_set<std::string> seen_regions;
    std::string_view rest = text;
    while (!rest.empty()) {
      const auto nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
      std::vector<std::string_view> f;
      while (!line.empty() && f.size() < 7) {
        const auto sp = line.find(' ');
        f.push_back(line.substr(0, sp));
        line = sp == std::string_view::npos ? std::string_view{} : line.substr(sp + 1);
      }
      if (f.size() != 6 || !line.empty()) continue;
      std::int64_t hour = 0;
      Acc a;
      if (!parse_i64(f[1], hour) || hour > 23 || !parse_i64(f[2], a.count) || !parse_i64(f[3], a.total_ms) ||
          !parse_i64(f[4], a.max_ms)) {
        continue;
      }
      std::string_view b = f[5];
      std::size_t i = 0;
      bool ok = true;
      for (; i < a.buckets.size() && ok; ++i) {
        const auto comma = b.find(',');
        ok = parse_i64(b.substr(0, comma), a.buckets[i]);
        b = comma == std::string_view::npos ? std::string_view{} : b.substr(comma + 1);
        if (comma == std::string_view::npos && i + 1 < a.buckets.size()) ok = false;
      }
      if (!ok || !b.empty()) continue;
      std::string name = normalize(f[0]);
      if (!seen_regions.contains(name) && seen_regions.size() >= max_regions_) name = "other";
      seen_regions.insert(name);
      add(sum[name][static_cast<std::size_t>(hour)], a);
    }
  }
  std::lock_guard lock(mu_);
  others_ = std::move(sum);
}

std::vector<MatchWaitHeatmap::Region> MatchWaitHeatmap::snapshot() const {
  std::vector<Region> out;
  {
    std::lock_guard lock(mu_);
    std::unordered_map<std::string, Day> all = regions_;
    for (const auto& [name, day] : others_) {
      Day& d = all[name];
      for (std::size_t h = 0; h < 24; ++h) add(d[h], day[h]);
    }
    out.reserve(all.size());
    for (const auto& [name, day] : all) {
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
