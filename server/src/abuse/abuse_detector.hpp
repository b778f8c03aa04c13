// Abuse detector: a watch list fed by rules over what devices and IPs do.
//
// The server reports events (a connect, a join, a next, a report, a refused
// rate-limit check) and gets back a DetectorVerdict: values it acts on
// itself. The detector performs no I/O and knows nothing of sockets or the
// moderation store:
//   - captcha_required: this device must solve a CAPTCHA (ALTCHA, maxnumber
//     `difficulty`) before its next join is accepted; captcha_solved() lifts it;
//   - auto_block: enough distinct reporters flagged this device: the caller
//     creates a temporary block pending review (moderation service) and gives
//     the device's reports queue priority;
//   - hits: the rules that fired, for logs and metrics (each also counted in
//     rule_hits() and kept in the watch list for the admin API).
//
// Rules (thresholds in AbuseConfig, documented in docs/abuse.md):
//   rapid_join / rapid_next  N joins / nexts by one device within a window
//   devices_per_ip           N distinct device keys seen from one IP
//   ips_per_device           N distinct IPs seen for one device key
//   distinct_reporters       reports from reporters whose weights add up to N
//   rate_limited             a rate limit refused this device or IP
//   shield_blur              N distinct viewers' safety shields hid one device's
//                            video (a weak signal: a CAPTCHA for the device and
//                            a priority review of its reports, never a block)
// A reporter whose reports moderators mostly reject counts for less.
//
// A CAPTCHA demanded again within `captcha.repeat_window_ms` of the last one
// is harder: the base maxnumber doubles per repeat up to a cap.
//
// Memory is bounded: every table is an LRU map with a hard cap, windows keep
// at most the threshold's number of entries, and idle state is dropped lazily
// and by sweep(). Under a flood larger than a cap the oldest state goes first.
//
// AbuseDetector is the interface; MemoryAbuseDetector keeps the state in this
// process (one mutex: events come per join/next/report, not per frame). A
// shared (Redis) implementation can replace it behind the same interface.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "abuse/rate_limiter.hpp"
#include "core/clock.hpp"

namespace serendip::abuse {

namespace detail {
struct DetectorState;  // abuse_detector.cpp
}  // namespace detail

enum class Rule : std::uint8_t {
  rapid_join,
  rapid_next,
  devices_per_ip,
  ips_per_device,
  distinct_reporters,
  rate_limited,
  shield_blur,
};
inline constexpr std::size_t kRuleCount = 7;
std::string_view to_string(Rule rule);

enum class SubjectKind : std::uint8_t { device, ip };
std::string_view to_string(SubjectKind kind);

// "`count` events within `window_ms`"; count <= 0 switches the rule off.
struct ThresholdRule {
  int count = 0;
  std::int64_t window_ms = 60'000;  // milliseconds
  bool captcha = true;              // a hit demands a CAPTCHA from the device
};

struct AbuseConfig {
  ThresholdRule rapid_join{10, 60'000, true};
  ThresholdRule rapid_next{8, 60'000, true};
  ThresholdRule devices_per_ip{8, 600'000, true};
  ThresholdRule ips_per_device{5, 600'000, true};
  // Distinct viewers whose on-device safety shield hid one device's video.
  ThresholdRule shield_blur{3, 600'000, true};

  // A refused rate-limit check puts the key on the watch list.
  bool watch_rate_limited = true;
  bool captcha_on_rate_limited = false;

  struct Reports {
    double threshold = 3.0;                   // summed reporter weight (3 trusted reporters)
    std::int64_t window_ms = 1'800'000;       // 30 minutes
    std::int64_t auto_block_ms = 86'400'000;  // temporary block pending review: 24 hours
  } reports;

  struct ReporterWeight {
    int min_decided = 5;            // decisions before a reporter's record counts
    double min_accept_ratio = 0.2;  // below this share of accepted reports...
    double low_weight = 0.5;        // ...each of their reports counts this much
    int zero_after = 10;            // this many decided, none accepted: weight 0
  } reporter;

  struct Captcha {
    std::int64_t base_difficulty = 50'000;       // ALTCHA maxnumber for a first offence
    std::int64_t max_difficulty = 1'000'000;     // doubling stops here
    std::int64_t repeat_window_ms = 86'400'000;  // offences within this of the last one are repeats
  } captcha;

  std::int64_t watch_ttl_ms = 86'400'000;  // a watch entry with no new hit for this long is dropped

  struct Caps {
    std::size_t devices = 100'000;    // devices with recent joins/nexts/IPs
    std::size_t ips = 100'000;        // IPs with recent devices
    std::size_t offenders = 100'000;  // devices with a CAPTCHA pending or a recent offence
    std::size_t reported = 50'000;    // devices with recent reports against them
    std::size_t reporters = 100'000;  // reporters with decided reports
    std::size_t watch = 10'000;       // watch-list entries
  } caps;
};

struct RuleHit {
  Rule rule;
  SubjectKind kind;
  std::string subject;  // device key or IP
  int count = 0;        // what the rule counted when it fired
};

struct AutoBlock {
  std::string device;            // the reported device key
  std::int64_t duration_ms = 0;  // temporary, pending review
  int distinct_reporters = 0;
  double weight = 0;  // summed reporter weight that tripped it
};

struct DetectorVerdict {
  bool captcha_required = false;  // the device must solve before its next join
  std::int64_t difficulty = 0;    // ALTCHA maxnumber, when captcha_required
  std::optional<AutoBlock> auto_block;
  bool priority_review = false;  // on_report: put the reported device's reports first
  std::vector<RuleHit> hits;
};

struct WatchEntry {
  SubjectKind kind = SubjectKind::device;
  std::string subject;
  Rule rule = Rule::rapid_next;
  int count = 0;  // the rule's count at the last hit
  std::uint64_t hits = 0;
  std::int64_t first_seen_unix_ms = 0;
  std::int64_t last_seen_unix_ms = 0;
  bool captcha_required = false;  // this rule demands a CAPTCHA
  bool captcha_pending = false;   // device subject: must solve one now
  std::int64_t difficulty = 0;    // when captcha_pending
};

struct DetectorStats {
  std::size_t devices = 0, ips = 0, offenders = 0, reported = 0, reporters = 0, watch = 0;
  std::size_t approx_bytes = 0;
  std::uint64_t evicted = 0;  // state dropped by a cap before it expired
};

// A reporter's standing: its reports that moderators decided, and accepted.
struct ReporterStanding {
  std::int64_t decided = 0;
  std::int64_t accepted = 0;
};
// The weight of its next report: 1, reporter.low_weight or 0 (AbuseConfig::ReporterWeight).
double reporter_weight(const AbuseConfig::ReporterWeight& rw, ReporterStanding standing);
// The distinct-reporters rule over reporters counted elsewhere (several
// instances: the shared database holds the reports): an automatic block of
// `reported` when the reporters' weights reach the threshold. Each entry is
// one distinct reporter within the window.
std::optional<AutoBlock> judge_reporters(const AbuseConfig& config, std::string_view reported,
                                         const std::vector<ReporterStanding>& reporters);

class AbuseDetector {
 public:
  virtual ~AbuseDetector() = default;

  // A device's authenticated socket from `ip` (after `hello`).
  virtual DetectorVerdict on_connect(std::string_view device, std::string_view ip) = 0;
  // A join / next the device attempts (after the rate limit and CAPTCHA gate
  // let it through). captcha_required in the verdict: refuse this one too.
  virtual DetectorVerdict on_join(std::string_view device, std::string_view ip) = 0;
  virtual DetectorVerdict on_next(std::string_view device, std::string_view ip) = 0;
  // `reporter` reported `reported` (both device keys); may return auto_block.
  virtual DetectorVerdict on_report(std::string_view reported, std::string_view reporter) = 0;
  // `viewer`'s safety shield hid `device`'s video (both device keys). When
  // enough distinct viewers did within the window: a hit, a CAPTCHA for
  // `device` (rule's captcha) and priority_review; never auto_block.
  virtual DetectorVerdict on_shield_blur(std::string_view device, std::string_view viewer) = 0;
  // A moderator decided one of `reporter`'s reports.
  virtual void on_report_decided(std::string_view reporter, bool accepted) = 0;
  // A rate limit refused `key` (an IP for *_per_ip limits, else a device key).
  virtual DetectorVerdict on_rate_limited(Limit limit, std::string_view key) = 0;

  // nullopt when the device may join; else the ALTCHA maxnumber to ask for.
  virtual std::optional<std::int64_t> needs_captcha(std::string_view device) = 0;
  // The device solved a challenge: lift the requirement, restart its counts.
  virtual void captcha_solved(std::string_view device) = 0;

  // Removes every watch entry about `subject` and any pending CAPTCHA (admin).
  virtual std::size_t dismiss(std::string_view subject) = 0;

  // Weight of a reporter's next report (1, reporter.low_weight or 0).
  virtual double reporter_weight(std::string_view reporter) = 0;

  // Most recent first.
  virtual std::vector<WatchEntry> watch_list() = 0;
  // Monotonic counters by Rule, for metrics.
  virtual std::array<std::uint64_t, kRuleCount> rule_hits() const = 0;
  virtual DetectorStats stats() = 0;
  // Drops expired state everywhere; returns how many entries went.
  virtual std::size_t sweep() = 0;
};

class MemoryAbuseDetector final : public AbuseDetector {
 public:
  MemoryAbuseDetector(AbuseConfig config, const core::Clock& clock);
  ~MemoryAbuseDetector() override;
  MemoryAbuseDetector(const MemoryAbuseDetector&) = delete;
  MemoryAbuseDetector& operator=(const MemoryAbuseDetector&) = delete;

  DetectorVerdict on_connect(std::string_view device, std::string_view ip) override;
  DetectorVerdict on_join(std::string_view device, std::string_view ip) override;
  DetectorVerdict on_next(std::string_view device, std::string_view ip) override;
  DetectorVerdict on_report(std::string_view reported, std::string_view reporter) override;
  DetectorVerdict on_shield_blur(std::string_view device, std::string_view viewer) override;
  void on_report_decided(std::string_view reporter, bool accepted) override;
  DetectorVerdict on_rate_limited(Limit limit, std::string_view key) override;
  std::optional<std::int64_t> needs_captcha(std::string_view device) override;
  void captcha_solved(std::string_view device) override;
  std::size_t dismiss(std::string_view subject) override;
  double reporter_weight(std::string_view reporter) override;
  std::vector<WatchEntry> watch_list() override;
  std::array<std::uint64_t, kRuleCount> rule_hits() const override;
  DetectorStats stats() override;
  std::size_t sweep() override;

  const AbuseConfig& config() const { return config_; }

 private:
  const AbuseConfig config_;
  const core::Clock& clock_;                      // Passed by argument; outlives this.
  std::unique_ptr<detail::DetectorState> state_;  // everything mutable, behind its mutex
  std::array<std::atomic<std::uint64_t>, kRuleCount> hits_{};
};

}  // namespace serendip::abuse
