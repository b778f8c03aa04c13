#include "obs/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <limits>
#include <variant>

namespace serendip::obs {
namespace {

// Programming errors (bad names, a name reused with another type) crash at
// registration, in every build type: they would otherwise produce an
// exposition that Prometheus rejects as a whole.
[[noreturn]] void die(std::string_view what, std::string_view name) {
  std::fprintf(stderr, "fatal: metrics: %.*s: '%.*s'\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(name.size()), name.data());
  std::abort();
}

bool valid_metric_name(std::string_view n) {
  if (n.empty()) return false;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool valid_label_name(std::string_view n) {
  if (n.empty() || n.substr(0, 2) == "__") return false;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

std::string format_double(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

void append_escaped(std::string& out, std::string_view s, bool quote) {
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (quote && c == '"') out += "\\\"";
    else out += c;
  }
}

// `{a="x",b="y"}` with an optional extra label last (the histogram's le); "" if none.
std::string label_text(const Labels& labels, std::string_view extra_name = {}, std::string_view extra_value = {}) {
  if (labels.empty() && extra_name.empty()) return {};
  std::string out = "{";
  bool first = true;
  auto add = [&](std::string_view k, std::string_view v) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    append_escaped(out, v, true);
    out += '"';
  };
  for (const auto& [k, v] : labels) add(k, v);
  if (!extra_name.empty()) add(extra_name, extra_value);
  out += '}';
  return out;
}

enum class Type : std::uint8_t { counter, gauge, histogram };

std::string_view type_name(Type t) {
  switch (t) {
    case Type::counter: return "counter";
    case Type::gauge: return "gauge";
    case Type::histogram: return "histogram";
  }
  return "untyped";
}

}  // namespace

// ---------------------------------------------------------------- Histogram

Histogram::Histogram(std::vector<double> upper_bounds) : bounds_(std::move(upper_bounds)) {
  // A trailing +Inf is implicit; accept it but do not keep it twice.
  if (!bounds_.empty() && std::isinf(bounds_.back()) && bounds_.back() > 0) bounds_.pop_back();
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (!std::isfinite(bounds_[i]) || (i > 0 && !(bounds_[i - 1] < bounds_[i]))) {
      die("histogram bounds must be finite and strictly ascending", "");
    }
  }
  counts_ = std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1);
  for (std::size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double v) {
  if (std::isnan(v)) return;  // would poison the sum forever; nothing sensible to record
  // First bound >= v: Prometheus buckets are "less than or equal" (le).
  const auto idx = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
  counts_[idx].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  double old = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(old, old + v, std::memory_order_relaxed)) {
  }
}

std::vector<std::uint64_t> Histogram::bucket_counts() const {
  std::vector<std::uint64_t> out(bounds_.size() + 1);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = counts_[i].load(std::memory_order_relaxed);
  return out;
}

std::uint64_t Histogram::count() const { return count_.load(std::memory_order_relaxed); }
double Histogram::sum() const { return sum_.load(std::memory_order_relaxed); }

double Histogram::quantile(double q) const {
  // Same estimate as PromQL's histogram_quantile: linear inside the bucket,
  // the first bucket starting at 0, the +Inf bucket answered with the highest bound.
  q = std::clamp(q, 0.0, 1.0);
  const auto counts = bucket_counts();
  std::uint64_t total = 0;
  for (auto c : counts) total += c;
  if (total == 0 || bounds_.empty()) return 0.0;
  const double rank = q * static_cast<double>(total);
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const std::uint64_t before = cumulative;
    cumulative += counts[i];
    if (static_cast<double>(cumulative) < rank || counts[i] == 0) continue;
    if (i == bounds_.size()) return bounds_.back();
    const double upper = bounds_[i];
    const double lower = i == 0 ? std::min(0.0, upper) : bounds_[i - 1];
    if (i == 0 && upper <= 0) return upper;
    return lower + (upper - lower) * ((rank - static_cast<double>(before)) / static_cast<double>(counts[i]));
  }
  return bounds_.back();
}

// ---------------------------------------------------------------- Registry

struct Registry::Impl {
  struct Series {
    Labels labels;
    // Exactly one is set. Metrics live in deques so references stay valid.
    Counter* counter = nullptr;
    Gauge* gauge = nullptr;
    Histogram* histogram = nullptr;
    std::function<double()> fn;
  };
  struct Family {
    std::string name;
    std::string help;
    Type type;
    std::vector<Series> series;  // registration order
  };

  mutable std::mutex mutex;
  std::vector<std::unique_ptr<Family>> families;  // registration order
  std::deque<Counter> counters;
  std::deque<Gauge> gauges;
  std::deque<std::unique_ptr<Histogram>> histograms;

  // Caller holds `mutex`.
  Family& family(std::string_view name, std::string_view help, Type type, const Labels& labels) {
    if (!valid_metric_name(name)) die("invalid metric name", name);
    for (const auto& [k, v] : labels) {
      if (!valid_label_name(k)) die("invalid label name", k);
      if (type == Type::histogram && k == "le") die("'le' is reserved in histograms", name);
    }
    for (auto& f : families) {
      if (f->name == name) {
        if (f->type != type) die("metric registered again with another type", name);
        return *f;
      }
    }
    families.push_back(std::make_unique<Family>(Family{std::string(name), std::string(help), type, {}}));
    return *families.back();
  }

  // Caller holds `mutex`. Re-registration replaces the callback.
  void add_fn(Type type, std::string_view name, std::string_view help, std::function<double()> fn, Labels labels) {
    auto& f = family(name, help, type, labels);
    if (auto* s = find(f, labels)) {
      if (!s->fn) die("callback series already registered as a plain metric", name);
      s->fn = std::move(fn);
      return;
    }
    f.series.push_back(Series{std::move(labels), nullptr, nullptr, nullptr, std::move(fn)});
  }

  static Series* find(Family& f, const Labels& labels) {
    for (auto& s : f.series) {
      if (s.labels == labels) return &s;
    }
    return nullptr;
  }
};

Registry::Registry() : impl_(std::make_unique<Impl>()) {}
Registry::~Registry() = default;

Counter& Registry::counter(std::string_view name, std::string_view help, Labels labels) {
  std::lock_guard lock(impl_->mutex);
  auto& f = impl_->family(name, help, Type::counter, labels);
  if (auto* s = Impl::find(f, labels)) return *s->counter;
  Counter& c = impl_->counters.emplace_back();
  f.series.push_back(Impl::Series{std::move(labels), &c, nullptr, nullptr, {}});
  return c;
}

Gauge& Registry::gauge(std::string_view name, std::string_view help, Labels labels) {
  std::lock_guard lock(impl_->mutex);
  auto& f = impl_->family(name, help, Type::gauge, labels);
  if (auto* s = Impl::find(f, labels)) {
    if (s->gauge == nullptr) die("gauge series already registered as gauge_fn", name);
    return *s->gauge;
  }
  Gauge& g = impl_->gauges.emplace_back();
  f.series.push_back(Impl::Series{std::move(labels), nullptr, &g, nullptr, {}});
  return g;
}

Histogram& Registry::histogram(std::string_view name, std::string_view help, std::vector<double> upper_bounds,
                               Labels labels) {
  std::lock_guard lock(impl_->mutex);
  auto& f = impl_->family(name, help, Type::histogram, labels);
  if (auto* s = Impl::find(f, labels)) return *s->histogram;  // bounds of the first registration win
  Histogram& h = *impl_->histograms.emplace_back(std::make_unique<Histogram>(std::move(upper_bounds)));
  f.series.push_back(Impl::Series{std::move(labels), nullptr, nullptr, &h, {}});
  return h;
}

void Registry::gauge_fn(std::string_view name, std::string_view help, std::function<double()> fn, Labels labels) {
  std::lock_guard lock(impl_->mutex);
  impl_->add_fn(Type::gauge, name, help, std::move(fn), std::move(labels));
}

void Registry::counter_fn(std::string_view name, std::string_view help, std::function<double()> fn, Labels labels) {
  std::lock_guard lock(impl_->mutex);
  impl_->add_fn(Type::counter, name, help, std::move(fn), std::move(labels));
}

std::string Registry::render() const {
  std::lock_guard lock(impl_->mutex);
  std::string out;
  out.reserve(4096);
  for (const auto& f : impl_->families) {
    out += "# HELP ";
    out += f->name;
    out += ' ';
    append_escaped(out, f->help, false);
    out += "\n# TYPE ";
    out += f->name;
    out += ' ';
    out += type_name(f->type);
    out += '\n';
    for (const auto& s : f->series) {
      if (s.counter != nullptr) {
        out += f->name + label_text(s.labels) + ' ' + std::to_string(s.counter->value()) + '\n';
      } else if (s.gauge != nullptr) {
        out += f->name + label_text(s.labels) + ' ' + std::to_string(s.gauge->value()) + '\n';
      } else if (s.fn) {
        out += f->name + label_text(s.labels) + ' ' + format_double(s.fn()) + '\n';
      } else {
        const Histogram& h = *s.histogram;
        // One snapshot of the buckets; _count is derived from it so that
        // _count always equals the +Inf bucket, as Prometheus requires.
        const auto counts = h.bucket_counts();
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < counts.size(); ++i) {
          cumulative += counts[i];
          const std::string le = i < h.upper_bounds().size() ? format_double(h.upper_bounds()[i]) : "+Inf";
          out += f->name + "_bucket" + label_text(s.labels, "le", le) + ' ' + std::to_string(cumulative) + '\n';
        }
        out += f->name + "_sum" + label_text(s.labels) + ' ' + format_double(h.sum()) + '\n';
        out += f->name + "_count" + label_text(s.labels) + ' ' + std::to_string(cumulative) + '\n';
      }
    }
  }
  return out;
}

}  // namespace serendip::obs
