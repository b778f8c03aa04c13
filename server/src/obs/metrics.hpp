// Metrics registry rendered in the Prometheus text format 0.0.4. Registration
// takes a lock; updating a metric is a relaxed atomic (safe on hot paths).
// References returned by the registry stay valid for the registry's lifetime.
// Families render in registration order, series in registration order within
// a family. Invalid metric or label names, or one name used with two types,
// abort at registration (a programming error, caught by the first test run).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace serendip::obs {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void set(std::int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void add(std::int64_t d) { value_.fetch_add(d, std::memory_order_relaxed); }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

// Cumulative buckets with fixed upper bounds (ascending). observe() is lock-free.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double v);
  std::vector<std::uint64_t> bucket_counts() const;  // per bound (non-cumulative), then +Inf
  std::uint64_t count() const;
  double sum() const;
  const std::vector<double>& upper_bounds() const { return bounds_; }
  // Estimated quantile (0..1) by linear interpolation inside the bucket; 0 if empty.
  double quantile(double q) const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // bounds_.size() + 1
  std::atomic<std::uint64_t> count_{0};
  std::atomic<double> sum_{0.0};
};

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;
  // The same name+labels returns the same metric. `help` is taken from the first registration.
  Counter& counter(std::string_view name, std::string_view help, Labels labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, Labels labels = {});
  Histogram& histogram(std::string_view name, std::string_view help, std::vector<double> upper_bounds,
                       Labels labels = {});
  // Evaluated at render time (e.g. queue length read from the matchmaker).
  // `fn` runs under the registry's lock: it must not call back into this
  // registry (deadlock) and should be quick. Re-registering replaces `fn`.
  void gauge_fn(std::string_view name, std::string_view help, std::function<double()> fn, Labels labels = {});
  // The same, typed counter: `fn` must never decrease (e.g. CPU seconds read from /proc).
  void counter_fn(std::string_view name, std::string_view help, std::function<double()> fn, Labels labels = {});

  std::string render() const;  // Prometheus text format 0.0.4

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace serendip::obs
