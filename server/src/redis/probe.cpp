#include "redis/probe.hpp"

#include <atomic>
#include <charconv>
#include <random>

#include "obs/log.hpp"
#include "redis/client.hpp"
#include "redis/event_loop.hpp"
#include "redis/metrics.hpp"
#include "redis/subscriber.hpp"

namespace serendip::redis {

using Clock = std::chrono::steady_clock;

namespace {
constexpr std::string_view kPrefix = "\x01serendip-probe:";
}

struct InboxProbe::Impl : std::enable_shared_from_this<Impl> {
  Impl(Client& c, Subscriber& s, std::string ch, Options o)
      : client(c), subscriber(s), channel(std::move(ch)), opt(o), timer(c.context()) {
    std::random_device rd;
    token = std::to_string(rd()) + std::to_string(rd());
  }

  Client& client;          // Passed by argument.
  Subscriber& subscriber;  // Passed by argument.
  std::string channel;
  Options opt;
  Timer timer;
  std::string token;            // tells our probes from another process's on a shared channel
  std::atomic<bool> ok{false};  // read by probe_ok() from any thread
  bool outstanding = false;
  std::uint64_t seq = 0;
  Clock::time_point sent_at;
  std::uint64_t n_sent = 0, n_received = 0, n_failures = 0;
  int consecutive_failures = 0;

  void start() {
    if (!subscriber.subscribed(channel)) subscriber.subscribe(channel, nullptr);
    subscriber.set_filter([w = weak_from_this()](std::string_view ch, std::string_view payload) {
      auto self = w.lock();
      return self && self->on_message(ch, payload);
    });
    schedule();
  }

  void schedule() {
    timer.start(std::min(opt.interval, opt.deadline), [this] { on_tick(); });
  }

  void on_tick() {
    if (outstanding && Clock::now() - sent_at >= opt.deadline) fail("deadline");
    if (!outstanding) send();
    schedule();
  }

  void send() {
    outstanding = true;
    sent_at = Clock::now();
    ++n_sent;
    auto my_seq = ++seq;
    auto payload = std::string(kPrefix) + token + ":" + std::to_string(my_seq);
    client.command({subscriber.sharded() ? "SPUBLISH" : "PUBLISH", channel, payload}, CommandOptions::key_at(1),
                   [w = weak_from_this(), my_seq](const Reply& r) {
                     auto self = w.lock();
                     if (!self || !self->outstanding || self->seq != my_seq) return;
                     // Nobody listening on the owner: our subscription is gone.
                     if (r.is_error() || (r.is_integer() && r.integer() == 0)) {
                       self->fail(r.is_error() ? "publish failed" : "no subscriber");
                     }
                   });
  }

  void fail(std::string_view why) {
    outstanding = false;
    ++n_failures;
    if (auto* m = client.metrics()) m->probe_failures.inc();
    if (ok) obs::log(obs::Level::warn, "redis", "probe_failed", {{"channel", channel}, {"reason", why}});
    ok = false;
    // A fresh SSUBSCRIBE mends a subscription the server dropped; a
    // connection that confirms but no longer delivers needs replacing.
    if (++consecutive_failures >= 2) {
      subscriber.reconnect(channel);
    } else {
      subscriber.resubscribe(channel);
    }
  }

  bool on_message(std::string_view ch, std::string_view payload) {
    if (!payload.starts_with(kPrefix)) return false;
    if (ch != channel) return true;
    payload.remove_prefix(kPrefix.size());
    if (!payload.starts_with(token) || payload.size() < token.size() + 2 || payload[token.size()] != ':') return true;
    payload.remove_prefix(token.size() + 1);
    std::uint64_t got = 0;
    std::from_chars(payload.data(), payload.data() + payload.size(), got);
    // A late answer to an earlier probe proves delivery works too.
    ++n_received;
    consecutive_failures = 0;
    if (got == seq) outstanding = false;
    if (!ok) obs::log(obs::Level::info, "redis", "probe_ok", {{"channel", channel}});
    ok = true;
    return true;
  }
};

InboxProbe::InboxProbe(Client& client, Subscriber& subscriber, std::string channel, Options options)
    : impl_(std::make_shared<Impl>(client, subscriber, std::move(channel), options)) {
  impl_->start();
}

InboxProbe::InboxProbe(Client& client, Subscriber& subscriber, std::string channel)
    : InboxProbe(client, subscriber, std::move(channel), Options{}) {}

InboxProbe::~InboxProbe() {
  impl_->timer.cancel();
  impl_->subscriber.set_filter(nullptr);
}

bool InboxProbe::probe_ok() const { return impl_->ok.load(std::memory_order_relaxed); }
std::uint64_t InboxProbe::sent() const { return impl_->n_sent; }
std::uint64_t InboxProbe::received() const { return impl_->n_received; }
std::uint64_t InboxProbe::failures() const { return impl_->n_failures; }

}  // namespace serendip::redis
