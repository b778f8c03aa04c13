#include "shared_state/cluster_figures.hpp"

#include <charconv>
#include <cstdio>
#include <map>

#include "shared_state/match_protocol.hpp"

namespace serendip::shared_state {

namespace {

std::optional<core::Mode> mode_from(std::string_view s) {
  for (core::Mode m : {core::Mode::video, core::Mode::text}) {
    if (core::to_string(m) == s) return m;
  }
  return std::nullopt;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    const auto at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

}  // namespace

std::string format_figures(const InstanceFigures& f) {
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.3f", f.matches_per_minute);
  std::string out = std::to_string(f.written_unix_ms);
  for (const std::string& field :
       {std::to_string(f.online), std::to_string(f.queued), std::to_string(f.session_sides), std::string(rate)}) {
    out += '|';
    out += field;
  }
  out += '|';
  bool first = true;
  for (const auto& [key, n] : f.queued_by_mode_language) {
    if (key.second.empty() || key.second.find_first_of("|,:=") != std::string::npos) continue;
    if (!first) out += ',';
    first = false;
    out += core::to_string(key.first);
    out += ':';
    out += key.second;
    out += '=';
    out += std::to_string(n);
  }
  if (f.calls) {
    const CallCounts& c = *f.calls;
    out += '|';
    out += std::to_string(c.ice_connected);
    for (std::uint64_t n : {c.ice_failed, c.ice_relay, c.shield_blurs}) {
      out += ',';
      out += std::to_string(n);
    }
  }
  return out;
}

std::optional<InstanceFigures> parse_figures(std::string_view s) {
  const auto f = split(s, '|');
  if (f.size() != 6 && f.size() != 7) return std::nullopt;
  InstanceFigures out;
  auto written = parse_int<std::int64_t>(f[0]);
  auto online = parse_int<std::size_t>(f[1]);
  auto queued = parse_int<std::size_t>(f[2]);
  auto sides = parse_int<std::size_t>(f[3]);
  double rate = 0;
  auto [p, ec] = std::from_chars(f[4].data(), f[4].data() + f[4].size(), rate);
  if (!written || !online || !queued || !sides || ec != std::errc{} || p != f[4].data() + f[4].size() || !(rate >= 0)) {
    return std::nullopt;
  }
  out.written_unix_ms = *written;
  out.online = *online;
  out.queued = *queued;
  out.session_sides = *sides;
  out.matches_per_minute = rate;
  if (!f[5].empty()) {
    for (std::string_view entry : split(f[5], ',')) {
      const auto colon = entry.find(':');
      const auto eq = entry.find('=');
      if (colon == std::string_view::npos || eq == std::string_view::npos || eq < colon + 2) return std::nullopt;
      auto mode = mode_from(entry.substr(0, colon));
      auto n = parse_int<std::size_t>(entry.substr(eq + 1));
      if (!mode || !n) return std::nullopt;
      out.queued_by_mode_language.push_back({{*mode, std::string(entry.substr(colon + 1, eq - colon - 1))}, *n});
    }
  }
  if (f.size() == 7) {
    const auto counts = split(f[6], ',');
    if (counts.size() != 4) return std::nullopt;
    std::uint64_t n[4] = {};
    for (std::size_t i = 0; i < 4; ++i) {
      auto v = parse_int<std::uint64_t>(counts[i]);
      if (!v) return std::nullopt;
      n[i] = *v;
    }
    out.calls = CallCounts{.ice_connected = n[0], .ice_failed = n[1], .ice_relay = n[2], .shield_blurs = n[3]};
  }
  return out;
}

FiguresSum sum_figures(std::span<const InstanceFigures> all) {
  FiguresSum sum;
  std::size_t sides = 0;
  std::map<std::pair<core::Mode, std::string>, std::size_t> by;
  for (const auto& f : all) {
    ++sum.instances;
    sum.online += f.online;
    sum.queued += f.queued;
    sides += f.session_sides;
    sum.matches_per_minute += f.matches_per_minute;
    for (const auto& [key, n] : f.queued_by_mode_language) by[key] += n;
    if (f.calls) {
      sum.calls.ice_connected += f.calls->ice_connected;
      sum.calls.ice_failed += f.calls->ice_failed;
      sum.calls.ice_relay += f.calls->ice_relay;
      sum.calls.shield_blurs += f.calls->shield_blurs;
    }
  }
  sum.active_sessions = sides / 2;
  sum.queued_by_mode_language.assign(by.begin(), by.end());
  return sum;
}

}  // namespace serendip::shared_state
