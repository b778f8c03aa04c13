#include "net/redis_gate.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "net/redis_hub.hpp"
#include "obs/log.hpp"
#include "redis/client.hpp"
#include "redis/script.hpp"
#include "shared_state/lua_scripts.hpp"

namespace serendip::net {

namespace ss = shared_state;
using signaling::Admission;
using signaling::CaptchaVerdict;
using signaling::Refusal;

namespace {

// An admission answer that takes longer than this is not coming: the local
// gate decides instead (Redis' own command timeout is longer).
constexpr auto kAdmissionTimeout = std::chrono::milliseconds(1500);
// The shared watch list is fetched each second while a dashboard reads it
// (a read within the last minute), and every 30 s otherwise: one HGETALL of up
// to the watch cap per instance, which is not free at 10,000 entries. A read
// that finds the copy older than 2 s also asks for a fresh one at once.
constexpr int kWatchRefreshTicks = 4;        // of 250 ms: 1 s
constexpr int kWatchIdleRefreshTicks = 120;  // 30 s
constexpr std::int64_t kWatchDemandMs = 60'000;
constexpr std::int64_t kWatchStaleMs = 2'000;

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::optional<std::vector<std::string>> strings_of(const redis::Reply& r) {
  if (r.is_error()) return std::nullopt;
  return r.as_strings();
}

}  // namespace

struct RedisGate::Impl : std::enable_shared_from_this<Impl> {
  explicit Impl(RedisGateDeps d)
      : deps(std::move(d)),
        abuse_script(std::string(ss::lua_script("abuse"))),
        watch_script(std::string(ss::lua_script("watch"))),
        login_script(std::string(ss::lua_script("login"))),
        fallbacks(deps.registry.counter("serendip_abuse_shared_fallback_total",
                                        "Admission checks decided by this instance alone because Redis did not "
                                        "answer (rate limits and abuse rules then hold per instance)")) {}

  RedisGateDeps deps;
  redis::Script abuse_script;
  redis::Script watch_script;
  redis::Script login_script;
  obs::Counter& fallbacks;
  std::array<std::atomic<std::uint64_t>, abuse::kRuleCount> hits{};
  std::array<std::atomic<std::uint64_t>, abuse::kLimitCount> refusals{};
  int ticks = 0;

  mutable std::mutex watch_mu;
  std::vector<abuse::WatchEntry> watch;  // guarded by watch_mu
  // Steady ms of the last read of the list and of the last fetch that came back.
  std::atomic<std::int64_t> watch_read_ms{std::numeric_limits<std::int64_t>::min() / 2};
  std::atomic<std::int64_t> watch_fetched_ms{std::numeric_limits<std::int64_t>::min() / 2};
  std::atomic<bool> watch_fetching{false};

  std::int64_t now() const { return deps.hub.shared_now_ms(); }  // the instances' shared clock
  const abuse::AbuseConfig& rules() const { return deps.settings.rules; }

  // Sends `call` through this thread's client; false when there is none
  // (not a worker of the hub, or stopped): the caller decides locally.
  bool eval(const redis::Script& script, const ss::ScriptCall& call, redis::Callback cb) {
    redis::Client* client = deps.hub.client_here();
    if (client == nullptr) return false;
    std::vector<std::string_view> keys(call.keys.begin(), call.keys.end());
    std::vector<std::string_view> args(call.args.begin(), call.args.end());
    redis::CommandOptions options;
    options.timeout = kAdmissionTimeout;
    client->eval(script, keys, args, options, std::move(cb));
    return true;
  }

  void fell_back(std::string_view what, const redis::Reply* r) {
    fallbacks.inc();
    obs::log(obs::Level::debug, "redis_gate", "fallback",
             {{"what", what}, {"error", r != nullptr ? r->to_debug_string() : std::string("no client")}});
  }

  // A rule fired: count it and put it on the shared watch list.
  void record(const abuse::RuleHit& hit, bool captcha, std::int64_t pending_difficulty) {
    hits[static_cast<std::size_t>(hit.rule)].fetch_add(1, std::memory_order_relaxed);
    (void)eval(watch_script, ss::watch_hit(rules(), hit, captcha, pending_difficulty, now()),
               [](const redis::Reply&) {});
  }

  bool rule_captcha(abuse::Rule rule) const {
    switch (rule) {
      case abuse::Rule::rapid_join: return rules().rapid_join.captcha;
      case abuse::Rule::rapid_next: return rules().rapid_next.captcha;
      case abuse::Rule::devices_per_ip: return rules().devices_per_ip.captcha;
      case abuse::Rule::ips_per_device: return rules().ips_per_device.captcha;
      case abuse::Rule::rate_limited: return rules().captcha_on_rate_limited;
      case abuse::Rule::distinct_reporters: return false;
      case abuse::Rule::shield_blur: return rules().shield_blur.captcha;
    }
    return false;
  }

  // A rate limit refused `key`: counted, watched, answered.
  Refusal rate_limited(abuse::Limit limit, std::string_view key, const ss::AbuseReply& reply) {
    refusals[static_cast<std::size_t>(limit)].fetch_add(1, std::memory_order_relaxed);
    const auto kind = ss::subject_of(limit);
    if (rules().watch_rate_limited) {
      record(abuse::RuleHit{abuse::Rule::rate_limited, kind, std::string(key), 1},
             rule_captcha(abuse::Rule::rate_limited) && kind == abuse::SubjectKind::device, reply.difficulty);
    }
    Refusal refusal{.retry_after_ms = reply.retry_after_ms};
    if (reply.difficulty > 0) refusal.captcha = reply.difficulty;
    return refusal;
  }

  // One admin login asking the shared throttle: each scope its own slot, so
  // one script call each, in turn; the longest wait wins.
  struct LoginAsk {
    std::array<std::pair<core::LoginScope, std::string>, 3> scopes;
    std::function<void(std::int64_t)> done;
    std::int64_t wait = 0;
  };
  // Checks scopes[i..]; after the last, counts the attempt in every scope
  // when none asked to wait, then answers.
  void login_step(const std::shared_ptr<LoginAsk>& ask, std::size_t i) {
    if (i == ask->scopes.size()) {
      if (ask->wait == 0) {
        for (const auto& [scope, subject] : ask->scopes) {
          (void)eval(login_script, ss::login_call(deps.login, "hit", scope, subject, now()),
                     [](const redis::Reply&) {});
        }
      }
      ask->done(ask->wait);
      return;
    }
    const auto& [scope, subject] = ask->scopes[i];
    const bool sent = eval(login_script, ss::login_call(deps.login, "check", scope, subject, now()),
                           [self = shared_from_this(), ask, i](const redis::Reply& r) {
                             auto strings = strings_of(r);
                             auto wait = strings && !strings->empty() ? ss::parse_int<std::int64_t>((*strings)[0])
                                                                      : std::optional<std::int64_t>();
                             if (wait) {
                               ask->wait = std::max(ask->wait, *wait);
                             } else {
                               self->fell_back("login", &r);
                             }
                             self->login_step(ask, i + 1);
                           });
    if (!sent) {
      // No client on this thread: the instance's own throttle decides.
      fell_back("login", nullptr);
      ask->done(ask->wait);
    }
  }

  // On a worker thread; one fetch in flight at a time.
  void refresh_watch() {
    if (watch_fetching.exchange(true)) return;
    std::weak_ptr<Impl> weak = weak_from_this();
    const bool sent = eval(watch_script, ss::watch_list(rules(), now()), [weak](const redis::Reply& r) {
      auto self = weak.lock();
      if (!self) return;
      self->watch_fetching = false;
      auto strings = strings_of(r);
      if (!strings) return;
      auto entries = ss::parse_watch_list(*strings);
      {
        std::lock_guard lock(self->watch_mu);
        self->watch = std::move(entries);
      }
      self->watch_fetched_ms = steady_ms();
    });
    if (!sent) watch_fetching = false;
  }

  // After a refused CAPTCHA: what the device still owes.
  void answer_owed(const std::string& device, abuse::AltchaStatus status,
                   const std::function<void(CaptchaVerdict)>& done) {
    deps.altcha.count(status);
    auto self = shared_from_this();
    const bool sent = eval(abuse_script, ss::abuse_device_op(deps.settings, "owed", device, now()),
                           [self, device, status, done](const redis::Reply& r) {
                             auto strings = strings_of(r);
                             std::optional<std::int64_t> owed;
                             if (strings && !strings->empty()) {
                               if (auto d = ss::parse_int<std::int64_t>((*strings)[0]); d && *d > 0) owed = *d;
                             } else {
                               self->fell_back("captcha_owed", &r);
                               owed = self->deps.fallback.captcha_owed(device);
                             }
                             done(CaptchaVerdict{status, owed});
                           });
    if (!sent) {
      fell_back("captcha_owed", nullptr);
      done(CaptchaVerdict{status, deps.fallback.captcha_owed(device)});
    }
  }
};

RedisGate::RedisGate(RedisGateDeps deps) : impl_(std::make_shared<Impl>(std::move(deps))) {}
RedisGate::~RedisGate() = default;

void RedisGate::check(abuse::Limit limit, std::string_view key, Done done) {
  auto self = impl_;
  const bool sent = self->eval(self->abuse_script, ss::abuse_take(self->deps.settings, limit, key, self->now()),
                               [self, limit, key = std::string(key), done](const redis::Reply& r) {
                                 auto strings = strings_of(r);
                                 auto reply = strings ? ss::parse_take(*strings) : std::nullopt;
                                 if (!reply) {
                                   self->fell_back("check", &r);
                                   self->deps.fallback.check(limit, key, done);
                                   return;
                                 }
                                 if (reply->status == ss::AbuseReply::Status::admit) {
                                   done(std::nullopt);
                                   return;
                                 }
                                 done(self->rate_limited(limit, key, *reply));
                               });
  if (!sent) {
    self->fell_back("check", nullptr);
    self->deps.fallback.check(limit, key, std::move(done));
  }
}

void RedisGate::matchmaking(signaling::MatchCommand command, std::string_view device, std::string_view ip, Done done) {
  auto self = impl_;
  const bool next = command == signaling::MatchCommand::next;
  const abuse::Limit limit = next ? abuse::Limit::next_per_device : abuse::Limit::join_per_device;
  const bool sent = self->eval(
      self->abuse_script, ss::abuse_match(self->deps.settings, next, device, ip, self->now()),
      [self, command, limit, device = std::string(device), ip = std::string(ip), done](const redis::Reply& r) {
        auto strings = strings_of(r);
        auto reply = strings ? ss::parse_match(*strings, device) : std::nullopt;
        if (!reply) {
          self->fell_back("matchmaking", &r);
          self->deps.fallback.matchmaking(command, device, ip, done);
          return;
        }
        using Status = ss::AbuseReply::Status;
        if (reply->status == Status::rate_limited) {
          done(self->rate_limited(limit, device, *reply));
          return;
        }
        const std::int64_t pending = reply->status == Status::captcha ? reply->difficulty : 0;
        for (const auto& hit : reply->hits) self->record(hit, self->rule_captcha(hit.rule), pending);
        if (reply->status == Status::captcha) {
          done(Refusal{.captcha = reply->difficulty});
          return;
        }
        done(std::nullopt);
      });
  if (!sent) {
    self->fell_back("matchmaking", nullptr);
    self->deps.fallback.matchmaking(command, device, ip, std::move(done));
  }
}

void RedisGate::shield_blur(std::string_view device, std::string_view viewer,
                            std::function<void(signaling::ShieldSignal)> done) {
  auto self = impl_;
  if (device.empty() || viewer.empty() || device == viewer) {
    done({});
    return;
  }
  // The watched device's distinct viewers, in its slot (abuse.lua op shield).
  const bool sent = self->eval(self->abuse_script, ss::abuse_shield(self->deps.settings, device, viewer, self->now()),
                               [self, device = std::string(device), done](const redis::Reply& r) {
                                 auto strings = strings_of(r);
                                 auto reply = strings ? ss::parse_connect(*strings, device) : std::nullopt;
                                 signaling::ShieldSignal out;
                                 if (reply) {
                                   for (const auto& hit : reply->hits) {
                                     self->record(hit, self->rule_captcha(hit.rule), reply->difficulty);
                                     if (hit.rule == abuse::Rule::shield_blur) out = {true, hit.count};
                                   }
                                 }
                                 done(out);
                               });
  if (!sent) {
    self->fell_back("shield_blur", nullptr);
    self->deps.fallback.shield_blur(device, viewer, std::move(done));
  }
}

void RedisGate::connected(std::string_view device, std::string_view ip) {
  auto self = impl_;
  if (device.empty() || ip.empty()) return;
  // The device's distinct IPs (its slot), then the IP's distinct devices (the IP's slot).
  const bool sent = self->eval(self->abuse_script, ss::abuse_connect(self->deps.settings, device, ip, self->now()),
                               [self, device = std::string(device)](const redis::Reply& r) {
                                 auto strings = strings_of(r);
                                 auto reply = strings ? ss::parse_connect(*strings, device) : std::nullopt;
                                 if (!reply) return;
                                 for (const auto& hit : reply->hits) {
                                   self->record(hit, self->rule_captcha(hit.rule), reply->difficulty);
                                 }
                               });
  if (!sent) {
    self->fell_back("connected", nullptr);
    self->deps.fallback.connected(device, ip);
    return;
  }
  (void)self->eval(self->abuse_script, ss::abuse_seen(self->deps.settings, ip, device, self->now()),
                   [self, device = std::string(device), ip = std::string(ip)](const redis::Reply& r) {
                     auto strings = strings_of(r);
                     if (!strings || strings->empty()) return;
                     const int count = ss::parse_int<int>((*strings)[0]).value_or(0);
                     if (count <= 0) return;
                     const abuse::RuleHit hit{abuse::Rule::devices_per_ip, abuse::SubjectKind::ip, ip, count};
                     if (!self->rule_captcha(abuse::Rule::devices_per_ip)) {
                       self->record(hit, false, 0);
                       return;
                     }
                     // The device that made the count is asked for a CAPTCHA (on its own slot).
                     (void)self->eval(self->abuse_script,
                                      ss::abuse_device_op(self->deps.settings, "flag", device, self->now()),
                                      [self, hit](const redis::Reply& fr) {
                                        auto fs = strings_of(fr);
                                        const std::int64_t d =
                                            fs && !fs->empty() ? ss::parse_int<std::int64_t>((*fs)[0]).value_or(0) : 0;
                                        self->record(hit, true, d);
                                      });
                   });
}

void RedisGate::solve_captcha(std::string_view device, std::string_view payload,
                              std::function<void(CaptchaVerdict)> done) {
  auto self = impl_;
  auto spend = std::make_shared<abuse::AltchaSpend>();
  // The device must be the one the challenge was made for; its difficulty is
  // checked against the debt below, once the shared detector has answered.
  const auto status = self->deps.altcha.check_unspent(payload, {.device = device}, *spend);
  if (status != abuse::AltchaStatus::ok) {
    self->answer_owed(std::string(device), status, done);
    return;
  }
  redis::Client* client = self->deps.hub.client_here();
  if (client == nullptr) {
    self->fell_back("captcha", nullptr);
    done(self->deps.fallback.solve_captcha(device, payload));
    return;
  }
  // A challenge is spent once, on whichever instance sees it first: kept until it expires.
  auto spend_it = [self, client, spend, device = std::string(device), payload = std::string(payload), done]() {
    const std::string key = ss::altcha_key(spend->challenge);
    const std::string ttl = std::to_string(std::max<std::int64_t>(1'000, spend->expires_ms - self->now() + 1'000));
    redis::CommandOptions options = redis::CommandOptions::key_at(1);
    options.timeout = kAdmissionTimeout;
    client->command({"SET", key, "1", "NX", "PX", ttl}, options, [self, device, payload, done](const redis::Reply& r) {
      if (r.is_error()) {
        self->fell_back("captcha", &r);
        done(self->deps.fallback.solve_captcha(device, payload));
        return;
      }
      if (r.is_nil()) {
        self->answer_owed(device, abuse::AltchaStatus::replayed, done);
        return;
      }
      self->deps.altcha.count(abuse::AltchaStatus::ok);
      // The debt is lifted for every instance.
      (void)self->eval(self->abuse_script, ss::abuse_device_op(self->deps.settings, "solved", device, self->now()),
                       [](const redis::Reply&) {});
      (void)self->eval(self->watch_script, ss::watch_subject_op(self->rules(), "solved", device, self->now()),
                       [](const redis::Reply&) {});
      done(CaptchaVerdict{abuse::AltchaStatus::ok, std::nullopt});
    });
  };
  // What the device owes now: a solution of an easier challenge does not pay a harder debt.
  const bool sent =
      self->eval(self->abuse_script, ss::abuse_device_op(self->deps.settings, "owed", std::string(device), self->now()),
                 [self, spend, spend_it, device = std::string(device), done](const redis::Reply& r) {
                   auto strings = strings_of(r);
                   if (!strings) {
                     self->fell_back("captcha_owed", &r);
                     spend_it();
                     return;
                   }
                   std::int64_t owed = 0;
                   if (!strings->empty()) owed = ss::parse_int<std::int64_t>((*strings)[0]).value_or(0);
                   if (owed > 0 && spend->difficulty < owed) {
                     self->deps.altcha.count(abuse::AltchaStatus::too_easy);
                     done(CaptchaVerdict{abuse::AltchaStatus::too_easy, owed});
                     return;
                   }
                   spend_it();
                 });
  if (!sent) {
    self->fell_back("captcha_owed", nullptr);
    spend_it();
  }
}

void RedisGate::login_wait(std::string_view ip, std::string_view username,
                           const std::function<void(std::int64_t)>& done) {
  auto ask = std::make_shared<Impl::LoginAsk>(
      Impl::LoginAsk{.scopes = {{{core::LoginScope::pair, core::login_pair_subject(username, ip)},
                                 {core::LoginScope::address, std::string(ip)},
                                 {core::LoginScope::all, std::string()}}},
                     .done = done});
  impl_->login_step(ask, 0);
}

void RedisGate::login_succeeded(std::string_view ip, std::string_view username) {
  std::weak_ptr<Impl> weak = impl_;
  impl_->deps.hub.post([weak, pair = core::login_pair_subject(username, ip), ip = std::string(ip)] {
    auto self = weak.lock();
    if (!self) return;
    auto ignore = [](const redis::Reply&) {};
    (void)self->eval(self->login_script,
                     ss::login_call(self->deps.login, "success", core::LoginScope::pair, pair, self->now()), ignore);
    (void)self->eval(self->login_script,
                     ss::login_call(self->deps.login, "success", core::LoginScope::address, ip, self->now()), ignore);
  });
}

void RedisGate::watch(const abuse::RuleHit& hit) {
  std::weak_ptr<Impl> weak = impl_;
  impl_->deps.hub.post([weak, hit] {
    if (auto self = weak.lock()) self->record(hit, false, 0);
  });
}

std::vector<abuse::WatchEntry> RedisGate::watch_list() const {
  const auto at = steady_ms();
  impl_->watch_read_ms = at;
  if (at - impl_->watch_fetched_ms.load() > kWatchStaleMs && !impl_->watch_fetching.load()) {
    std::weak_ptr<Impl> weak = impl_;
    impl_->deps.hub.post([weak] {
      if (auto self = weak.lock()) self->refresh_watch();
    });
  }
  std::lock_guard lock(impl_->watch_mu);
  return impl_->watch;
}

void RedisGate::tick() {
  const bool watched = steady_ms() - impl_->watch_read_ms.load() < kWatchDemandMs;
  if (impl_->ticks++ % (watched ? kWatchRefreshTicks : kWatchIdleRefreshTicks) == 0) impl_->refresh_watch();
}

std::array<std::uint64_t, abuse::kRuleCount> RedisGate::rule_hits() const {
  std::array<std::uint64_t, abuse::kRuleCount> out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = impl_->hits[i].load(std::memory_order_relaxed);
  return out;
}

std::uint64_t RedisGate::refused(abuse::Limit limit) const {
  return impl_->refusals[static_cast<std::size_t>(limit)].load(std::memory_order_relaxed);
}

}  // namespace serendip::net
