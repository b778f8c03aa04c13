#include "abuse/abuse_detector.hpp"

#include <algorithm>
#include <functional>
#include <mutex>

#include "abuse/lru_map.hpp"

namespace serendip::abuse {
namespace {

// Lazy expiry examines at most this many least-recently-used entries per
// table per event; sweep() does the rest.
constexpr std::size_t kLazyPops = 2;
// Reports kept per reported device (distinct reporters within the window).
constexpr std::size_t kMaxReportsPerDevice = 64;

std::uint64_t hash_of(std::string_view s) { return std::hash<std::string_view>{}(s); }

// Something seen (an IP of a device, a device behind an IP) and when it was
// last seen. Hashes, not strings: the rule only counts distinct values.
struct Seen {
  std::uint64_t hash = 0;
  std::int64_t at_ms = 0;
};

struct DeviceState {
  std::vector<std::int64_t> joins;   // times within rapid_join.window_ms, < rapid_join.count of them
  std::vector<std::int64_t> nexts;   // likewise for rapid_next
  std::vector<Seen> ips;             // at most ips_per_device.count
  std::vector<Seen> shield_viewers;  // viewers whose shield hid its video, at most shield_blur.count
  std::int64_t last_ms = 0;
};

struct IpState {
  std::vector<Seen> devices;  // at most devices_per_ip.count
  std::int64_t last_ms = 0;
};

struct Offender {
  bool pending = false;         // must solve a CAPTCHA before joining
  std::int64_t difficulty = 0;  // maxnumber of the pending CAPTCHA
  int offences = 0;             // consecutive offences, each within the repeat window of the last
  std::int64_t last_offence_ms = 0;
};

struct ReportEntry {
  std::uint64_t reporter = 0;  // hash of the reporter's device key
  std::int64_t at_ms = 0;
  double weight = 1;
};

struct ReportedState {
  std::vector<ReportEntry> reports;   // one per distinct reporter within the window
  std::int64_t blocked_until_ms = 0;  // our auto-block's end, monotonic
  std::int64_t last_ms = 0;
};

struct ReporterRecord {
  int decided = 0;
  int accepted = 0;
};

struct WatchState {
  WatchEntry entry;          // captcha_pending/difficulty filled at snapshot time
  std::int64_t last_ms = 0;  // monotonic, for expiry
};

// Drops times outside the window (an event exactly `window_ms` old is out).
void prune_times(std::vector<std::int64_t>& times, std::int64_t window_ms, std::int64_t now) {
  std::erase_if(times, [&](std::int64_t t) { return now - t >= window_ms; });
}

void prune_seen(std::vector<Seen>& seen, std::int64_t window_ms, std::int64_t now) {
  std::erase_if(seen, [&](const Seen& s) { return now - s.at_ms >= window_ms; });
}

// Records one event; true when the window now holds `count` of them (the
// window then starts over, so the next hit needs `count` more).
bool record_rapid(std::vector<std::int64_t>& times, const ThresholdRule& rule, std::int64_t now, int& counted) {
  if (rule.count <= 0) return false;
  prune_times(times, rule.window_ms, now);
  times.push_back(now);
  counted = static_cast<int>(times.size());
  if (counted < rule.count) return false;
  times.clear();
  return true;
}

// Records a value; true when it is new and the distinct count reaches
// `count`. The list never exceeds `count` entries (the oldest goes), so every
// further new value past the threshold fires again.
bool record_distinct(std::vector<Seen>& seen, std::uint64_t h, const ThresholdRule& rule, std::int64_t now,
                     int& counted) {
  if (rule.count <= 0) return false;
  prune_seen(seen, rule.window_ms, now);
  for (auto& s : seen) {
    if (s.hash == h) {
      s.at_ms = now;
      return false;
    }
  }
  seen.push_back({h, now});
  counted = static_cast<int>(seen.size());
  if (seen.size() > static_cast<std::size_t>(rule.count)) {
    seen.erase(
        std::min_element(seen.begin(), seen.end(), [](const Seen& a, const Seen& b) { return a.at_ms < b.at_ms; }));
  }
  return counted >= rule.count;
}

std::string watch_key(SubjectKind kind, Rule rule, std::string_view subject) {
  std::string k;
  k.reserve(subject.size() + 2);
  k += static_cast<char>('0' + static_cast<int>(kind));
  k += static_cast<char>('a' + static_cast<int>(rule));
  k += subject;
  return k;
}

}  // namespace

std::string_view to_string(Rule rule) {
  switch (rule) {
    case Rule::rapid_join: return "rapid_join";
    case Rule::rapid_next: return "rapid_next";
    case Rule::devices_per_ip: return "devices_per_ip";
    case Rule::ips_per_device: return "ips_per_device";
    case Rule::distinct_reporters: return "distinct_reporters";
    case Rule::rate_limited: return "rate_limited";
    case Rule::shield_blur: return "shield_blur";
  }
  return "unknown";
}

std::string_view to_string(SubjectKind kind) { return kind == SubjectKind::ip ? "ip" : "device"; }

double reporter_weight(const AbuseConfig::ReporterWeight& rw, ReporterStanding standing) {
  if (standing.decided < rw.min_decided || standing.decided <= 0) return 1.0;
  if (standing.accepted == 0 && rw.zero_after > 0 && standing.decided >= rw.zero_after) return 0.0;
  const double ratio = static_cast<double>(standing.accepted) / static_cast<double>(standing.decided);
  return ratio < rw.min_accept_ratio ? rw.low_weight : 1.0;
}

std::optional<AutoBlock> judge_reporters(const AbuseConfig& config, std::string_view reported,
                                         const std::vector<ReporterStanding>& reporters) {
  double total = 0;
  int distinct = 0;
  for (const auto& r : reporters) {
    const double w = reporter_weight(config.reporter, r);
    total += w;
    if (w > 0) ++distinct;
  }
  // The small epsilon keeps 0.1-style weights that sum to the threshold in (as on_report).
  if (config.reports.threshold <= 0 || total + 1e-9 < config.reports.threshold) return std::nullopt;
  return AutoBlock{std::string(reported), config.reports.auto_block_ms, distinct, total};
}

struct detail::DetectorState {
  explicit DetectorState(const AbuseConfig::Caps& caps)
      : devices(caps.devices),
        ips(caps.ips),
        offenders(caps.offenders),
        reported(caps.reported),
        reporters(caps.reporters),
        watch(caps.watch) {}

  std::mutex mu;
  // All guarded by mu.
  LruMap<DeviceState> devices;
  LruMap<IpState> ips;
  LruMap<Offender> offenders;
  LruMap<ReportedState> reported;
  LruMap<ReporterRecord> reporters;
  LruMap<WatchState> watch;
};

namespace {

// The detector's logic over the locked state. One instance per call.
class Locked {
 public:
  Locked(detail::DetectorState& s, const AbuseConfig& c, const core::Clock& clock,
         std::array<std::atomic<std::uint64_t>, kRuleCount>& hits)
      : s_(s), c_(c), hits_(hits), now_(clock.now_ms()), unix_(clock.unix_ms()) {}

  std::int64_t now() const { return now_; }

  void expire_lazily() {
    s_.devices.pop_stale([&](auto, const DeviceState& d) { return device_idle(d); }, kLazyPops);
    s_.ips.pop_stale([&](auto, const IpState& i) { return now_ - i.last_ms >= c_.devices_per_ip.window_ms; },
                     kLazyPops);
    s_.offenders.pop_stale([&](auto, const Offender& o) { return offender_idle(o); }, kLazyPops);
    s_.reported.pop_stale([&](auto, const ReportedState& r) { return reported_idle(r); }, kLazyPops);
    s_.watch.pop_stale([&](auto, const WatchState& w) { return watch_idle(w); }, kLazyPops);
  }

  std::size_t expire_all() {
    return s_.devices.erase_if([&](auto, const DeviceState& d) { return device_idle(d); }) +
           s_.ips.erase_if([&](auto, const IpState& i) { return now_ - i.last_ms >= c_.devices_per_ip.window_ms; }) +
           s_.offenders.erase_if([&](auto, const Offender& o) { return offender_idle(o); }) +
           s_.reported.erase_if([&](auto, const ReportedState& r) { return reported_idle(r); }) +
           s_.watch.erase_if([&](auto, const WatchState& w) { return watch_idle(w); });
  }

  // The (device, ip) pair behind every connect, join and next.
  void observe_pair(std::string_view device, std::string_view ip, DetectorVerdict& v) {
    if (device.empty() || ip.empty()) return;
    int counted = 0;
    DeviceState& d = touch_device(device);
    if (record_distinct(d.ips, hash_of(ip), c_.ips_per_device, now_, counted)) {
      trip(Rule::ips_per_device, SubjectKind::device, device, counted, c_.ips_per_device.captcha, device, v);
    }
    IpState& i = s_.ips.touch(ip);
    i.last_ms = now_;
    if (record_distinct(i.devices, hash_of(device), c_.devices_per_ip, now_, counted)) {
      trip(Rule::devices_per_ip, SubjectKind::ip, ip, counted, c_.devices_per_ip.captcha, device, v);
    }
  }

  void observe_rapid(Rule rule, std::string_view device, DetectorVerdict& v) {
    if (device.empty()) return;
    DeviceState& d = touch_device(device);
    const ThresholdRule& r = rule == Rule::rapid_join ? c_.rapid_join : c_.rapid_next;
    int counted = 0;
    if (record_rapid(rule == Rule::rapid_join ? d.joins : d.nexts, r, now_, counted)) {
      trip(rule, SubjectKind::device, device, counted, r.captcha, device, v);
    }
  }

  void shield_blur(std::string_view device, std::string_view viewer, DetectorVerdict& v) {
    DeviceState& d = touch_device(device);
    int counted = 0;
    if (record_distinct(d.shield_viewers, hash_of(viewer), c_.shield_blur, now_, counted)) {
      trip(Rule::shield_blur, SubjectKind::device, device, counted, c_.shield_blur.captcha, device, v);
      v.priority_review = true;
    }
  }

  void trip(Rule rule, SubjectKind kind, std::string_view subject, int count, bool captcha, std::string_view device,
            DetectorVerdict& v) {
    hits_[static_cast<std::size_t>(rule)].fetch_add(1, std::memory_order_relaxed);
    bool created = false;
    WatchState& w = s_.watch.touch(watch_key(kind, rule, subject), &created);
    if (created) {
      w.entry.kind = kind;
      w.entry.subject = std::string(subject);
      w.entry.rule = rule;
      w.entry.first_seen_unix_ms = unix_;
    }
    w.entry.count = count;
    w.entry.last_seen_unix_ms = unix_;
    w.entry.captcha_required = w.entry.captcha_required || captcha;
    ++w.entry.hits;
    w.last_ms = now_;
    v.hits.push_back(RuleHit{rule, kind, std::string(subject), count});
    if (captcha && !device.empty()) require_captcha(device, v);
  }

  void require_captcha(std::string_view device, DetectorVerdict& v) {
    Offender& o = s_.offenders.touch(device);
    if (!o.pending) {
      // Several rules firing before one solution are one offence.
      const bool repeat = o.offences > 0 && now_ - o.last_offence_ms < c_.captcha.repeat_window_ms;
      o.offences = repeat ? o.offences + 1 : 1;
      o.last_offence_ms = now_;
      o.pending = true;
      o.difficulty = difficulty_for(o.offences);
    }
    v.captcha_required = true;
    v.difficulty = o.difficulty;
  }

  std::int64_t difficulty_for(int offences) const {
    std::int64_t d = std::max<std::int64_t>(1, c_.captcha.base_difficulty);
    const std::int64_t cap = std::max(d, c_.captcha.max_difficulty);
    for (int i = 1; i < offences && d < cap; ++i) d *= 2;
    return std::min(d, cap);
  }

  void report(std::string_view reported, std::string_view reporter, DetectorVerdict& v) {
    const auto& rc = c_.reports;
    const double weight = reporter_weight(reporter);
    ReportedState& r = s_.reported.touch(reported);
    r.last_ms = now_;
    std::erase_if(r.reports, [&](const ReportEntry& e) { return now_ - e.at_ms >= rc.window_ms; });
    const std::uint64_t h = hash_of(reporter);
    auto it = std::find_if(r.reports.begin(), r.reports.end(), [&](const ReportEntry& e) { return e.reporter == h; });
    if (it != r.reports.end()) {
      // A second report by the same reporter refreshes, never adds.
      it->at_ms = now_;
      it->weight = weight;
    } else {
      if (r.reports.size() >= kMaxReportsPerDevice) r.reports.erase(r.reports.begin());  // oldest first
      r.reports.push_back({h, now_, weight});
    }
    double total = 0;
    int distinct = 0;
    for (const auto& e : r.reports) {
      total += e.weight;
      if (e.weight > 0) ++distinct;
    }
    const bool blocked = now_ < r.blocked_until_ms;
    // The small epsilon keeps 0.1-style weights that sum to the threshold in.
    if (rc.threshold > 0 && total + 1e-9 >= rc.threshold && !blocked) {
      r.blocked_until_ms = now_ + rc.auto_block_ms;
      v.auto_block = AutoBlock{std::string(reported), rc.auto_block_ms, distinct, total};
      v.priority_review = true;
      trip(Rule::distinct_reporters, SubjectKind::device, reported, distinct, false, {}, v);
    } else if (blocked) {
      v.priority_review = true;  // still pending review: later reports go first too
    }
  }

  double reporter_weight(std::string_view reporter) const {
    const ReporterRecord* rec = s_.reporters.find(reporter);
    if (rec == nullptr) return 1.0;
    return abuse::reporter_weight(c_.reporter, ReporterStanding{rec->decided, rec->accepted});
  }

 private:
  DeviceState& touch_device(std::string_view device) {
    DeviceState& d = s_.devices.touch(device);
    d.last_ms = now_;
    return d;
  }

  bool device_idle(const DeviceState& d) const {
    const std::int64_t longest = std::max(
        {c_.rapid_join.window_ms, c_.rapid_next.window_ms, c_.ips_per_device.window_ms, c_.shield_blur.window_ms});
    return now_ - d.last_ms >= longest;
  }
  bool offender_idle(const Offender& o) const {
    return !o.pending && now_ - o.last_offence_ms >= c_.captcha.repeat_window_ms;
  }
  bool reported_idle(const ReportedState& r) const {
    return now_ >= r.blocked_until_ms && now_ - r.last_ms >= c_.reports.window_ms;
  }
  bool watch_idle(const WatchState& w) const { return now_ - w.last_ms >= c_.watch_ttl_ms; }

  detail::DetectorState& s_;
  const AbuseConfig& c_;
  std::array<std::atomic<std::uint64_t>, kRuleCount>& hits_;
  const std::int64_t now_;   // monotonic milliseconds
  const std::int64_t unix_;  // wall-clock milliseconds, for what admins read
};

// One event: under the lock, after the lazy expiry every event starts with.
template <class F>
DetectorVerdict locked_event(detail::DetectorState& state, const AbuseConfig& config, const core::Clock& clock,
                             std::array<std::atomic<std::uint64_t>, kRuleCount>& hits, F&& observe) {
  DetectorVerdict v;
  std::lock_guard lock(state.mu);
  Locked l(state, config, clock, hits);
  l.expire_lazily();
  observe(l, v);
  return v;
}

}  // namespace

MemoryAbuseDetector::MemoryAbuseDetector(AbuseConfig config, const core::Clock& clock)
    : config_(std::move(config)), clock_(clock), state_(std::make_unique<detail::DetectorState>(config_.caps)) {}

MemoryAbuseDetector::~MemoryAbuseDetector() = default;

DetectorVerdict MemoryAbuseDetector::on_connect(std::string_view device, std::string_view ip) {
  return locked_event(*state_, config_, clock_, hits_,
                      [&](Locked& l, DetectorVerdict& v) { l.observe_pair(device, ip, v); });
}

DetectorVerdict MemoryAbuseDetector::on_join(std::string_view device, std::string_view ip) {
  return locked_event(*state_, config_, clock_, hits_, [&](Locked& l, DetectorVerdict& v) {
    l.observe_pair(device, ip, v);
    l.observe_rapid(Rule::rapid_join, device, v);
  });
}

DetectorVerdict MemoryAbuseDetector::on_next(std::string_view device, std::string_view ip) {
  return locked_event(*state_, config_, clock_, hits_, [&](Locked& l, DetectorVerdict& v) {
    l.observe_pair(device, ip, v);
    l.observe_rapid(Rule::rapid_next, device, v);
  });
}

DetectorVerdict MemoryAbuseDetector::on_report(std::string_view reported, std::string_view reporter) {
  if (reported.empty() || reporter.empty() || reported == reporter) return {};
  return locked_event(*state_, config_, clock_, hits_,
                      [&](Locked& l, DetectorVerdict& v) { l.report(reported, reporter, v); });
}

DetectorVerdict MemoryAbuseDetector::on_shield_blur(std::string_view device, std::string_view viewer) {
  if (device.empty() || viewer.empty() || device == viewer) return {};
  return locked_event(*state_, config_, clock_, hits_,
                      [&](Locked& l, DetectorVerdict& v) { l.shield_blur(device, viewer, v); });
}

void MemoryAbuseDetector::on_report_decided(std::string_view reporter, bool accepted) {
  if (reporter.empty()) return;
  std::lock_guard lock(state_->mu);
  ReporterRecord& r = state_->reporters.touch(reporter);
  ++r.decided;
  if (accepted) ++r.accepted;
}

DetectorVerdict MemoryAbuseDetector::on_rate_limited(Limit limit, std::string_view key) {
  if (key.empty() || !config_.watch_rate_limited) return {};
  const bool by_ip = limit == Limit::session_per_ip || limit == Limit::connect_per_ip;
  const SubjectKind kind = by_ip ? SubjectKind::ip : SubjectKind::device;
  const bool captcha = config_.captcha_on_rate_limited && !by_ip;
  return locked_event(*state_, config_, clock_, hits_, [&](Locked& l, DetectorVerdict& v) {
    l.trip(Rule::rate_limited, kind, key, 1, captcha, by_ip ? std::string_view{} : key, v);
  });
}

std::optional<std::int64_t> MemoryAbuseDetector::needs_captcha(std::string_view device) {
  std::lock_guard lock(state_->mu);
  const Offender* o = state_->offenders.find(device);
  if (o == nullptr || !o->pending) return std::nullopt;
  return o->difficulty;
}

void MemoryAbuseDetector::captcha_solved(std::string_view device) {
  std::lock_guard lock(state_->mu);
  if (Offender* o = state_->offenders.find(device)) o->pending = false;  // the offence record stays
  // Start the device's counts over, or the very next join would fire again.
  if (DeviceState* d = state_->devices.find(device)) {
    d->joins.clear();
    d->nexts.clear();
    d->ips.clear();
    d->shield_viewers.clear();
  }
}

std::size_t MemoryAbuseDetector::dismiss(std::string_view subject) {
  std::lock_guard lock(state_->mu);
  if (Offender* o = state_->offenders.find(subject)) o->pending = false;
  return state_->watch.erase_if([&](auto, const WatchState& w) { return w.entry.subject == subject; });
}

double MemoryAbuseDetector::reporter_weight(std::string_view reporter) {
  std::lock_guard lock(state_->mu);
  Locked l(*state_, config_, clock_, hits_);
  return l.reporter_weight(reporter);
}

std::vector<WatchEntry> MemoryAbuseDetector::watch_list() {
  std::vector<WatchEntry> out;
  std::lock_guard lock(state_->mu);
  Locked l(*state_, config_, clock_, hits_);
  l.expire_lazily();
  out.reserve(state_->watch.size());
  state_->watch.for_each([&](std::string_view, const WatchState& w) {
    if (l.now() - w.last_ms >= config_.watch_ttl_ms) return;
    WatchEntry e = w.entry;
    if (e.kind == SubjectKind::device) {
      if (const Offender* o = state_->offenders.find(e.subject); o != nullptr && o->pending) {
        e.captcha_pending = true;
        e.difficulty = o->difficulty;
      }
    }
    out.push_back(std::move(e));
  });
  // for_each walks most recently hit first; ties in the clock keep that order.
  std::stable_sort(out.begin(), out.end(),
                   [](const WatchEntry& a, const WatchEntry& b) { return a.last_seen_unix_ms > b.last_seen_unix_ms; });
  return out;
}

std::array<std::uint64_t, kRuleCount> MemoryAbuseDetector::rule_hits() const {
  std::array<std::uint64_t, kRuleCount> out{};
  for (std::size_t i = 0; i < kRuleCount; ++i) out[i] = hits_[i].load(std::memory_order_relaxed);
  return out;
}

DetectorStats MemoryAbuseDetector::stats() {
  DetectorStats s;
  std::lock_guard lock(state_->mu);
  const detail::DetectorState& st = *state_;
  s.devices = st.devices.size();
  s.ips = st.ips.size();
  s.offenders = st.offenders.size();
  s.reported = st.reported.size();
  s.reporters = st.reporters.size();
  s.watch = st.watch.size();
  // Windows never outgrow their thresholds, so this upper bound needs no walk.
  auto cnt = [](int c) { return static_cast<std::size_t>(std::max(c, 0)); };
  const std::size_t per_device =
      (cnt(config_.rapid_join.count) + cnt(config_.rapid_next.count)) * sizeof(std::int64_t) +
      cnt(config_.ips_per_device.count) * sizeof(Seen);
  const std::size_t per_ip = cnt(config_.devices_per_ip.count) * sizeof(Seen);
  s.approx_bytes = st.devices.approx_bytes() + s.devices * per_device + st.ips.approx_bytes() + s.ips * per_ip +
                   st.offenders.approx_bytes() + st.reported.approx_bytes() + s.reported * 4 * sizeof(ReportEntry) +
                   st.reporters.approx_bytes() + st.watch.approx_bytes() +
                   s.watch * 80;  // subject strings of watch entries
  s.evicted = st.devices.evictions() + st.ips.evictions() + st.offenders.evictions() + st.reported.evictions() +
              st.reporters.evictions() + st.watch.evictions();
  return s;
}

std::size_t MemoryAbuseDetector::sweep() {
  std::lock_guard lock(state_->mu);
  Locked l(*state_, config_, clock_, hits_);
  return l.expire_all();
}

}  // namespace serendip::abuse
