#include "moderation/session_counts.hpp"

#include <algorithm>
#include <utility>

#include "moderation/service_internal.hpp"
#include "obs/log.hpp"

namespace serendip::moderation {

void SessionCounts::merge(std::unordered_map<std::string, Sum>& into, const std::string& key, const Sum& s) {
  Sum& t = into[key];
  t.sessions += s.sessions;
  t.session_ms += s.session_ms;
  t.last_seen = std::max(t.last_seen, s.last_seen);
}

std::vector<store::SessionTotals> SessionCounts::to_totals(std::unordered_map<std::string, Sum>&& sums) {
  std::vector<store::SessionTotals> out;
  out.reserve(sums.size());
  for (auto& [key, s] : sums) {
    out.push_back(store::SessionTotals{.ip = key.front() == 'i',
                                       .key = key.substr(1),
                                       .sessions = s.sessions,
                                       .session_ms = s.session_ms,
                                       .last_seen = s.last_seen});
  }
  return out;
}

void SessionCounts::add(std::string_view ip, std::string_view device_key, std::int64_t length_ms) {
  const Sum one{.sessions = 1, .session_ms = std::max<std::int64_t>(0, length_ms), .last_seen = clock_.unix_ms()};
  // The IP as the database keeps it (canonical), before the lock.
  std::string ip_key = ip.empty() ? std::string() : "i" + detail::stored_ip(ip);
  std::string device = device_key.empty() ? std::string() : "d" + std::string(device_key);
  std::lock_guard lock(mu_);
  if (!ip_key.empty()) merge(sums_, ip_key, one);
  if (!device.empty()) merge(sums_, device, one);
}

std::vector<store::SessionTotals> SessionCounts::take() {
  std::unordered_map<std::string, Sum> taken;
  {
    std::lock_guard lock(mu_);
    taken.swap(sums_);
  }
  return to_totals(std::move(taken));
}

bool SessionCounts::write(std::vector<store::SessionTotals> batch) {
  if (!carried_.empty()) {
    // Fold the kept totals in: one row per key in the transaction.
    std::unordered_map<std::string, Sum> all;
    for (auto* list : {&carried_, &batch}) {
      for (const auto& t : *list) {
        merge(all, (t.ip ? "i" : "d") + t.key, Sum{t.sessions, t.session_ms, t.last_seen});
      }
    }
    carried_.clear();
    batch = to_totals(std::move(all));
  }
  if (batch.empty()) {
    carried_count_ = 0;
    return true;
  }
  auto r = store_.record_sessions(batch);
  if (r) {
    carried_count_ = 0;
    return true;
  }
  if (batch.size() > kMaxCarried) {
    // Keep the most recently seen.
    std::nth_element(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(kMaxCarried), batch.end(),
                     [](const auto& a, const auto& b) { return a.last_seen > b.last_seen; });
    dropped_.fetch_add(batch.size() - kMaxCarried, std::memory_order_relaxed);
    batch.resize(kMaxCarried);
  }
  obs::log(obs::Level::warn, "moderation", "session_counts_write_failed",
           {{"error", r.error().message}, {"kept", static_cast<std::int64_t>(batch.size())}});
  carried_ = std::move(batch);
  carried_count_ = carried_.size();
  return false;
}

}  // namespace serendip::moderation
